/**
 * Generates src/package/gml-order.ts from the official LER 2.2 schema (schemas/ler-2.2/2.2_ler.xsd):
 * for every element the schema declares, its type's child elements in the order the XSD fixes
 * (the base type's first), each with its kind, occurrences and nillability, and every code list
 * with its values and whether it is open (`other: …`). The GML writer follows the table, so a
 * written feature's elements are in schema order whatever order its properties come in.
 *
 *   node --import tsx scripts/ler-gml-order.ts           writes src/package/gml-order.ts
 *   node --import tsx scripts/ler-gml-order.ts --check   exits 1 when the file differs from the schema's
 *
 * A test regenerates the table and compares it with the file, so the two cannot drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser, type Element } from '@xmldom/xmldom';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_FILE = join(ROOT, 'schemas', 'ler-2.2', '2.2_ler.xsd');
export const TABLE_FILE = join(ROOT, 'src', 'package', 'gml-order.ts');

const XS = 'http://www.w3.org/2001/XMLSchema';

interface Spec {
  name: string;
  kind: string;
  min: number;
  max: number | 'unbounded';
  nillable: boolean;
  type?: string;
  maxLength?: number;
  pattern?: string;
}

function children(e: Element, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = e.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === XS && (local === undefined || (n as Element).localName === local)) out.push(n as Element);
  }
  return out;
}

function child(e: Element, local: string): Element | undefined {
  return children(e, local)[0];
}

const local = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

/** The kind of a named type, as the writer treats its value. */
function kindOfType(qname: string, simpleTypes: ReadonlySet<string>): { kind: string; type?: string } {
  const [prefix, name] = qname.includes(':') ? [qname.slice(0, qname.indexOf(':')), local(qname)] : ['', qname];
  if (prefix === 'gml') {
    if (name === 'MeasureType') return { kind: 'measure' };
    if (name === 'TimePositionType') return { kind: 'time' };
    if (name === 'DirectPositionType') return { kind: 'position' };
    if (name === 'ReferenceType') return { kind: 'reference' };
    if (name.endsWith('PropertyType')) return { kind: 'geometry', type: name.slice(0, -'PropertyType'.length) };
    return { kind: 'other', type: qname };
  }
  if (prefix === 'ler' && simpleTypes.has(name)) return { kind: 'code', type: name.replace(/Type$/, '') };
  if (prefix === '' || prefix === 'xs' || prefix === 'xsd') {
    if (['boolean', 'integer', 'decimal', 'date', 'dateTime', 'string', 'anyURI'].includes(name)) return { kind: name === 'anyURI' ? 'string' : name };
  }
  return { kind: 'other', type: qname };
}

/** One element of a sequence as the table lists it. */
function specOf(e: Element, simpleTypes: ReadonlySet<string>): Spec {
  const ref = e.getAttribute('ref');
  const min = Number(e.getAttribute('minOccurs') || '1');
  const maxText = e.getAttribute('maxOccurs') || '1';
  const max = maxText === 'unbounded' ? 'unbounded' : Number(maxText);
  const nillable = e.getAttribute('nillable') === 'true';
  if (ref) return { name: local(ref), kind: 'other', min, max, nillable, type: ref };
  const name = e.getAttribute('name') ?? '';
  const base: Spec = { name, kind: 'other', min, max, nillable };
  const type = e.getAttribute('type');
  if (type) return { ...base, ...kindOfType(type, simpleTypes) };
  const simple = child(e, 'simpleType');
  if (simple !== undefined) {
    const restriction = child(simple, 'restriction');
    const baseType = restriction?.getAttribute('base') ?? 'string';
    const maxLength = restriction && child(restriction, 'maxLength')?.getAttribute('value');
    const pattern = restriction && child(restriction, 'pattern')?.getAttribute('value');
    return { ...base, kind: local(baseType), ...(maxLength ? { maxLength: Number(maxLength) } : {}), ...(pattern ? { pattern } : {}) };
  }
  const complex = child(e, 'complexType');
  if (complex !== undefined) {
    const extension = child(child(complex, 'simpleContent') ?? complex, 'extension') ?? child(child(complex, 'complexContent') ?? complex, 'extension');
    const simpleContent = child(complex, 'simpleContent');
    if (simpleContent !== undefined && extension !== undefined) return { ...base, ...kindOfType(extension.getAttribute('base') ?? '', simpleTypes) };
    // A property holding one feature: a feature's contact, or a member of an answer.
    const sequence = child(complex, 'sequence') ?? (extension && child(extension, 'sequence'));
    const inner = sequence && child(sequence, 'element');
    const innerRef = inner?.getAttribute('ref');
    if (innerRef) return { ...base, kind: innerRef === 'ler:Kontaktprofil' ? 'contact' : 'member', type: local(innerRef) };
  }
  return base;
}

function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function specLiteral(s: Spec): string {
  const parts = [`name: ${literal(s.name)}`, `kind: ${literal(s.kind)}`, `min: ${s.min}`, `max: ${s.max === 'unbounded' ? 'Infinity' : s.max}`, `nillable: ${s.nillable}`];
  if (s.type !== undefined) parts.push(`type: ${literal(s.type)}`);
  if (s.maxLength !== undefined) parts.push(`maxLength: ${s.maxLength}`);
  if (s.pattern !== undefined) parts.push(`pattern: ${literal(s.pattern)}`);
  return `{ ${parts.join(', ')} }`;
}

/** The table's source text, made from the schema's text. */
export function generateOrderTable(xsd: string): string {
  const doc = new DOMParser().parseFromString(xsd, 'text/xml');
  const schema = doc.documentElement as unknown as Element;
  const simpleTypes = new Set(children(schema, 'simpleType').map((s) => s.getAttribute('name') ?? ''));

  // Code lists: a union of an enumeration and an `other: …` pattern is open; an enumeration alone is closed.
  const enumerations = new Map<string, string[]>();
  const others = new Set<string>();
  for (const s of children(schema, 'simpleType')) {
    const name = s.getAttribute('name') ?? '';
    const restriction = child(s, 'restriction');
    if (restriction !== undefined) {
      const values = children(restriction, 'enumeration').map((v) => v.getAttribute('value') ?? '');
      if (values.length > 0) enumerations.set(name, values);
      if (children(restriction, 'pattern').some((p) => p.getAttribute('value') === 'other: \\w{2,}')) others.add(name);
    }
  }
  const codeLists: [string, string[], boolean][] = [];
  for (const s of children(schema, 'simpleType')) {
    const name = s.getAttribute('name') ?? '';
    if (name.endsWith('EnumerationType') || name.endsWith('OtherType')) continue;
    const union = child(s, 'union');
    if (union !== undefined) {
      const members = (union.getAttribute('memberTypes') ?? '').split(/\s+/).map(local);
      const values = members.flatMap((m) => enumerations.get(m) ?? []);
      codeLists.push([name.replace(/Type$/, ''), values, members.some((m) => others.has(m))]);
    } else if (enumerations.has(name)) {
      codeLists.push([name.replace(/Type$/, ''), enumerations.get(name) ?? [], false]);
    }
  }

  // Complex types: their base and their own sequence.
  const complexTypes = new Map<string, { base: string; own: Spec[] }>();
  for (const c of children(schema, 'complexType')) {
    const name = c.getAttribute('name') ?? '';
    const extension = child(child(c, 'complexContent') ?? c, 'extension');
    if (extension === undefined) continue;
    const sequence = child(extension, 'sequence');
    complexTypes.set(name, { base: extension.getAttribute('base') ?? '', own: sequence ? children(sequence, 'element').map((e) => specOf(e, simpleTypes)) : [] });
  }
  const flattened = (typeName: string): Spec[] => {
    const t = complexTypes.get(typeName);
    if (t === undefined) return [];
    const base = t.base.startsWith('ler:') ? flattened(local(t.base)) : [];
    return [...base, ...t.own];
  };

  const elements: string[] = [];
  for (const e of children(schema, 'element')) {
    const name = e.getAttribute('name') ?? '';
    const type = local(e.getAttribute('type') ?? '');
    if (!complexTypes.has(type)) continue;
    const group = local(e.getAttribute('substitutionGroup') ?? '');
    const specs = flattened(type);
    elements.push(
      `  ${name}: {\n    abstract: ${e.getAttribute('abstract') === 'true'},\n    substitutionGroup: ${literal(group)},\n    elements: [\n${specs.map((s) => `      ${specLiteral(s)}`).join(',\n')}\n    ]\n  }`
    );
  }

  return `/**
 * The LER 2.2 schema's element order, generated by scripts/ler-gml-order.ts from
 * schemas/ler-2.2/2.2_ler.xsd: do not edit; run \`node --import tsx scripts/ler-gml-order.ts\`.
 *
 * For every element the schema declares: whether it is abstract, the element it substitutes for,
 * and its child elements in the order the XSD fixes (the base types' first), each with its kind
 * (measure: a number with uom; code: a code list of LER_CODE_LISTS; time: a gml:TimePosition;
 * position: a gml:DirectPosition; geometry: a GML geometry property, \`type\` naming it; reference: an
 * xlink reference; contact: a nested ler:Kontaktprofil; member: a feature member; else the XSD's
 * simple type), its occurrences (max Infinity: unbounded) and whether it may be xsi:nil.
 */

export type LerElementKind = 'measure' | 'code' | 'time' | 'position' | 'geometry' | 'reference' | 'contact' | 'member' | 'string' | 'boolean' | 'integer' | 'decimal' | 'date' | 'dateTime' | 'other';

export interface LerElementSpec {
  readonly name: string;
  readonly kind: LerElementKind;
  readonly min: number;
  readonly max: number;
  readonly nillable: boolean;
  /** The code list (kind code), the GML property (kind geometry: Curve, MultiCurve, Geometry), the feature held (contact, member). */
  readonly type?: string;
  readonly maxLength?: number;
  readonly pattern?: string;
}

export interface LerTypeSpec {
  readonly abstract: boolean;
  readonly substitutionGroup: string;
  readonly elements: readonly LerElementSpec[];
}

export interface LerCodeList {
  readonly values: readonly string[];
  /** Open: a value \`other: …\` (\`other: \\\\w{2,}\`) is allowed besides the list. */
  readonly open: boolean;
}

export const LER_TYPES: Readonly<Record<string, LerTypeSpec>> = {
${elements.join(',\n')}
};

export const LER_CODE_LISTS: Readonly<Record<string, LerCodeList>> = {
${codeLists.map(([name, values, open]) => `  ${name}: { open: ${open}, values: [${values.map(literal).join(', ')}] }`).join(',\n')}
};
`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateOrderTable(readFileSync(SCHEMA_FILE, 'utf8'));
  if (process.argv.includes('--check')) {
    const same = readFileSync(TABLE_FILE, 'utf8') === text;
    process.stdout.write(same ? 'src/package/gml-order.ts is up to date\n' : 'src/package/gml-order.ts differs from the schema: run node --import tsx scripts/ler-gml-order.ts\n');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(TABLE_FILE, text);
  process.stdout.write(`wrote ${TABLE_FILE}\n`);
}
