/**
 * The few XQuery Update Facility forms LER's restriction cases (../shared/ler-gml/restriction-cases)
 * edit their documents with, applied to an XML text: `delete node(s) X`, `replace node X with
 * <frag/>`, `replace value of node X with "text"`, `insert node(s) <frag/> | (<a/>, <b/>)
 * before | after | into | as first into | as last into X`, several joined by commas, `()` for none.
 * X is an XPath 1 path over `$doc`. As in XQuery Update, one expression's targets are all found
 * before any edit is made (its edits see the document as it was); the cases' nested branches are
 * applied one after another, each on its parent's result.
 */
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import * as xpath from 'xpath';

type Position = 'before' | 'after' | 'first' | 'last';

type Edit =
  | { kind: 'delete'; path: string }
  | { kind: 'replaceNode'; path: string; xml: string[] }
  | { kind: 'replaceValue'; path: string; value: string }
  | { kind: 'insert'; path: string; xml: string[]; position: Position };

/** Parses an expression into its edits; throws on a form it does not know. */
export function parseEdits(source: string): Edit[] {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`xquery: ${what} at ${i}: ${JSON.stringify(source.slice(i, i + 40))}`);
  };
  const ws = (): void => {
    while (i < source.length && /\s/.test(source[i])) i++;
  };
  const word = (w: string): boolean => {
    ws();
    if (source.startsWith(w, i) && !/[\w-]/.test(source[i + w.length] ?? '')) {
      i += w.length;
      return true;
    }
    return false;
  };
  const expect = (w: string): void => {
    if (!word(w)) fail(`expected "${w}"`);
  };
  const path = (): string => {
    ws();
    const start = i;
    let depth = 0;
    let quote: string | null = null;
    for (; i < source.length; i++) {
      const c = source[i];
      if (quote !== null) {
        if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (c === ',' || /\s/.test(c))) break;
    }
    const p = source.slice(start, i);
    if (!p.startsWith('$doc')) fail('a path over $doc');
    return p.slice('$doc'.length);
  };
  const string = (): string => {
    ws();
    const q = source[i];
    if (q !== '"' && q !== "'") fail('a string');
    let out = '';
    for (i++; i < source.length; i++) {
      if (source[i] === q) {
        if (source[i + 1] === q) {
          out += q;
          i++;
          continue;
        }
        i++;
        return out;
      }
      out += source[i];
    }
    return fail('an unterminated string');
  };
  /** One element constructor, as its text. */
  const fragment = (): string => {
    ws();
    if (source[i] !== '<') fail('an element');
    const start = i;
    let depth = 0;
    while (i < source.length) {
      const open = source.indexOf('<', i);
      if (open < 0) fail('an unclosed element');
      i = open;
      const closing = source[i + 1] === '/';
      // The tag's end, past quoted attribute values.
      let quote: string | null = null;
      let j = i + 1;
      for (; j < source.length; j++) {
        const c = source[j];
        if (quote !== null) {
          if (c === quote) quote = null;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      const selfClosing = source[j - 1] === '/';
      i = j + 1;
      if (closing) depth--;
      else if (!selfClosing) depth++;
      if (depth === 0) return source.slice(start, i);
    }
    return fail('an unclosed element');
  };
  const fragments = (): string[] => {
    ws();
    if (source[i] !== '(') return [fragment()];
    i++;
    const out = [fragment()];
    for (;;) {
      ws();
      if (source[i] === ',') {
        i++;
        out.push(fragment());
      } else if (source[i] === ')') {
        i++;
        return out;
      } else fail('"," or ")"');
    }
  };

  ws();
  if (source.slice(i).trim() === '()') return [];
  const edits: Edit[] = [];
  for (;;) {
    if (word('delete')) {
      if (!word('nodes')) expect('node');
      edits.push({ kind: 'delete', path: path() });
    } else if (word('replace')) {
      if (word('value')) {
        expect('of');
        expect('node');
        const p = path();
        expect('with');
        edits.push({ kind: 'replaceValue', path: p, value: string() });
      } else {
        expect('node');
        const p = path();
        expect('with');
        edits.push({ kind: 'replaceNode', path: p, xml: fragments() });
      }
    } else if (word('insert')) {
      if (!word('nodes')) expect('node');
      const xml = fragments();
      let position: Position;
      if (word('before')) position = 'before';
      else if (word('after')) position = 'after';
      else if (word('as')) {
        position = word('first') ? 'first' : (expect('last'), 'last');
        expect('into');
      } else {
        expect('into');
        position = 'last';
      }
      edits.push({ kind: 'insert', path: path(), xml, position });
    } else fail('an edit');
    ws();
    if (i >= source.length) return edits;
    if (source[i] !== ',') fail('","');
    i++;
  }
}

/** The namespaces declared on the root: the edits' paths and fragments use its prefixes. */
function namespacesOf(root: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (let k = 0; k < root.attributes.length; k++) {
    const a = root.attributes.item(k);
    if (a !== null && a.name.startsWith('xmlns:')) out[a.name.slice(6)] = a.value;
  }
  return out;
}

function nodes(doc: Document, path: string, ns: Record<string, string>): Node[] {
  const found = xpath.useNamespaces(ns)(path, doc as unknown as globalThis.Node);
  if (!Array.isArray(found)) throw new Error(`xquery: ${path} selects no nodes`);
  return found as unknown as Node[];
}

function one(doc: Document, path: string, ns: Record<string, string>): Node {
  const found = nodes(doc, path, ns);
  if (found.length !== 1) throw new Error(`xquery: ${path} selects ${found.length} nodes, not 1`);
  return found[0];
}

function parseFragments(doc: Document, xml: readonly string[], ns: Record<string, string>): Node[] {
  const decls = Object.entries(ns).map(([p, uri]) => ` xmlns:${p}="${uri}"`).join('');
  const wrapper = new DOMParser().parseFromString(`<wrap${decls}>${xml.join('')}</wrap>`, 'text/xml').documentElement;
  if (wrapper === null) throw new Error('xquery: a fragment is not XML');
  const out: Node[] = [];
  for (let c = wrapper.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) out.push(doc.importNode(c, true));
  return out;
}

/** Applies one expression's edits to the document, its targets found first. */
function applyTo(doc: Document, expression: string): void {
  const root = doc.documentElement;
  if (root === null) throw new Error('xquery: an empty document');
  const ns = namespacesOf(root);
  const planned = parseEdits(expression).map((edit) => ({ edit, targets: edit.kind === 'delete' ? nodes(doc, edit.path, ns) : [one(doc, edit.path, ns)] }));
  const order = ['insert', 'replaceValue', 'replaceNode', 'delete'];
  planned.sort((a, b) => order.indexOf(a.edit.kind) - order.indexOf(b.edit.kind));
  for (const { edit, targets } of planned) {
    for (const target of targets) {
      const parent = target.parentNode;
      switch (edit.kind) {
        case 'delete':
          if (target.nodeType === target.ATTRIBUTE_NODE) (target as unknown as { ownerElement: Element }).ownerElement.removeAttributeNode(target as never);
          else parent?.removeChild(target);
          break;
        case 'replaceValue':
          if (target.nodeType === target.ATTRIBUTE_NODE) (target as unknown as { value: string }).value = edit.value;
          else {
            while (target.firstChild !== null) target.removeChild(target.firstChild);
            target.appendChild(doc.createTextNode(edit.value));
          }
          break;
        case 'replaceNode':
          for (const n of parseFragments(doc, edit.xml, ns)) parent?.insertBefore(n, target);
          parent?.removeChild(target);
          break;
        case 'insert': {
          const made = parseFragments(doc, edit.xml, ns);
          if (edit.position === 'before') for (const n of made) parent?.insertBefore(n, target);
          else if (edit.position === 'after') for (const n of made.reverse()) parent?.insertBefore(n, target.nextSibling);
          else if (edit.position === 'last') for (const n of made) target.appendChild(n);
          else for (const n of made.reverse()) target.insertBefore(n, target.firstChild);
          break;
        }
      }
    }
  }
}

/** The document after each expression in turn (a case's branch after its parents'). */
export function applyXQuery(xml: string, expressions: readonly string[]): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  for (const e of expressions) applyTo(doc, e);
  return new XMLSerializer().serializeToString(doc);
}
