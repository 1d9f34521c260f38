/**
 * LER 2.2 GML checked against the official XML schema (schemas/ler-2.2, vendored), in Node with
 * libxml2 compiled to WebAssembly: the XSD's element order, required and nillable elements, types
 * and code lists, exactly as LER's server checks them.
 *
 * libxml2 validates a document tree, so a streamed upload is checked feature by feature: the
 * reader hands each feature's element over, it is written out again (one feature per line) into a
 * small answer document of its member kind, and a batch of a few hundred kilobytes is validated at
 * once. An error's line names its feature. Memory is that of one batch, whatever the upload's
 * size. The schema's files are read from the vendored folder only: nothing is fetched.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlParseError, XsdValidator, XmlValidateError, xmlRegisterInputProvider, type ErrorDetail } from 'libxml2-wasm';
import { COMPONENT_TYPES, LINE_TYPES, TRACE_TYPES } from '../model/ler.js';
import { GML_NS, LER_NS, XLINK_NS, XSI_NS, type GmlElement } from './gml-reader.js';

/** One breach of the schema: the feature's place in its batch (null: the document's header) and the message. */
export interface SchemaFault {
  feature: number | null;
  message: string;
}

const SCHEMA_FILE = '2.2_ler.xsd';
const utf8 = new TextEncoder();
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** The vendored schema folder, looked for upwards from this module (it runs from src/ or dist/src/). */
export function schemaDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'schemas', 'ler-2.2');
    if (existsSync(join(candidate, SCHEMA_FILE))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`The LER 2.2 schema (schemas/ler-2.2/${SCHEMA_FILE}) is missing from the installation.`);
}

let validator: XsdValidator | null = null;

/** The compiled schema, made once per thread (about a quarter of a second). */
function schema(): XsdValidator {
  if (validator !== null) return validator;
  const root = schemaDirectory();
  const files = new Map<number, { bytes: Uint8Array; at: number }>();
  let next = 1;
  const local = (name: string): string | null => {
    const path = resolve(name.startsWith('file://') ? fileURLToPath(name) : name);
    return path.startsWith(root + sep) && existsSync(path) ? path : null;
  };
  // The schema's imports resolve inside the vendored folder, and nowhere else.
  xmlRegisterInputProvider({
    match: (name) => local(name) !== null,
    open: (name) => {
      const path = local(name);
      if (path === null) return undefined;
      const fd = next++;
      files.set(fd, { bytes: readFileSync(path), at: 0 });
      return fd;
    },
    read: (fd, buf) => {
      const f = files.get(fd as number);
      if (f === undefined) return -1;
      const n = Math.min(buf.byteLength, f.bytes.length - f.at);
      buf.set(f.bytes.subarray(f.at, f.at + n));
      f.at += n;
      return n;
    },
    close: (fd) => files.delete(fd as number)
  });
  const path = join(root, SCHEMA_FILE);
  const doc = XmlDocument.fromBuffer(readFileSync(path), { url: path });
  try {
    validator = XsdValidator.fromDoc(doc);
  } finally {
    doc.dispose();
  }
  return validator;
}

const PREFIXES: Record<string, string> = { [LER_NS]: 'ler', [GML_NS]: 'gml', [XLINK_NS]: 'xlink', [XSI_NS]: 'xsi' };
const DECLARATIONS = Object.entries(PREFIXES)
  .map(([uri, prefix]) => `xmlns:${prefix}="${uri}"`)
  .join(' ');

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/\t/g, '&#9;');
}

/** An element written out on one line, with the usual prefixes (others get prefixes of their own). */
export function serialiseElement(element: GmlElement): string {
  const extra = new Map<string, string>();
  const prefixOf = (uri: string): string => {
    const known = PREFIXES[uri];
    if (known !== undefined) return known;
    let p = extra.get(uri);
    if (p === undefined) extra.set(uri, (p = `ns${extra.size + 1}`));
    return p;
  };
  const write = (e: GmlElement): string => {
    const name = e.ns === '' ? e.local : `${prefixOf(e.ns)}:${e.local}`;
    let attributes = '';
    for (const [key, value] of Object.entries(e.attributes)) {
      // Namespace declarations are written anew.
      if (key === 'xmlns' || key.startsWith(`${XMLNS_NS}#`)) continue;
      const hash = key.lastIndexOf('#');
      const attr = hash < 0 ? key : `${prefixOf(key.slice(0, hash))}:${key.slice(hash + 1)}`;
      attributes += ` ${attr}="${escapeAttribute(value)}"`;
    }
    const inner = e.children.length > 0 ? e.children.map(write).join('') : escapeText(e.text);
    return `<${name}${attributes}>${inner}</${name}>`;
  };
  const body = write(element);
  if (extra.size === 0) return body;
  // Namespaces beyond the usual four are declared on the element itself.
  const declared = [...extra].map(([uri, p]) => ` xmlns:${p}="${escapeAttribute(uri)}"`).join('');
  return body.replace(/^<([^\s>]+)/, `<$1${declared}`);
}

/** The member element that holds a feature of this LER type in an answer document. */
export function memberOf(type: string): 'ledningstraceMember' | 'ledningMember' | 'ledningskomponentMember' | null {
  if (type in TRACE_TYPES) return 'ledningstraceMember';
  if (type in LINE_TYPES) return 'ledningMember';
  if (type in COMPONENT_TYPES) return 'ledningskomponentMember';
  return null;
}

const HEADER_ID = '00000000-0000-4000-8000-000000000000';
const HEADER_TYPE = 'ledningsoplysninger udleveret';

function wrap(member: string, lines: readonly string[]): string {
  // Line 1: the root's start and its header; line 2 + k: feature k.
  return `<ler:Graveforespoergselssvar ${DECLARATIONS} gml:id="schema-check" schemaVersion="2.2"><ler:id>${HEADER_ID}</ler:id><ler:type>${HEADER_TYPE}</ler:type>\n${lines.map((l) => `<ler:${member}>${l}</ler:${member}>`).join('\n')}\n</ler:Graveforespoergselssvar>`;
}

/** libxml2's message, with LER's and GML's namespaces as their prefixes. */
function readable(message: string): string {
  return message
    .trim()
    .replaceAll(`{${LER_NS}}`, 'ler:')
    .replaceAll(`{${GML_NS}}`, 'gml:')
    .replaceAll(`{${XLINK_NS}}`, 'xlink:')
    .replaceAll(`{${XSI_NS}}`, 'xsi:');
}

/** A whole document's breaches of the schema, each with its line and libxml2's message (none: valid). */
export function validateDocument(text: string | Uint8Array): ErrorDetail[] {
  let doc: XmlDocument;
  try {
    // As UTF-8 bytes: Node's encoder is several times faster than copying a string into WebAssembly.
    doc = XmlDocument.fromBuffer(typeof text === 'string' ? utf8.encode(text) : text);
  } catch (error) {
    if (error instanceof XmlParseError) return error.details;
    throw error;
  }
  try {
    schema().validate(doc);
    return [];
  } catch (error) {
    if (error instanceof XmlValidateError) return error.details;
    throw error;
  } finally {
    doc.dispose();
  }
}

/** Checks features of one member kind (their elements written out by `serialiseElement`); faults name the feature's place in `lines`. */
export function validateFeatureLines(member: string, lines: readonly string[]): SchemaFault[] {
  if (lines.length === 0) return [];
  return validateDocument(wrap(member, lines)).map((d) => ({ feature: d.line >= 2 && d.line < 2 + lines.length ? d.line - 2 : null, message: readable(d.message) }));
}

/** Checks a Graveforespoergselssvar's own header (its attributes and the elements before its members). */
export function validateAnswerHeader(root: GmlElement): SchemaFault[] {
  const header = serialiseElement(root).replace(/^<ler:Graveforespoergselssvar/, `<ler:Graveforespoergselssvar ${DECLARATIONS}`);
  return validateDocument(header).map((d) => ({ feature: null, message: readable(d.message) }));
}

/** Checks features of one member kind, here or in a worker thread. */
export type SchemaCheck = (member: string, lines: string[]) => SchemaFault[] | Promise<SchemaFault[]>;

/**
 * Collects features into batches, one per member kind, and checks them all once together they hold
 * `batchChars` (so that no kind's batch waits for long behind another's). A batch's check may run
 * elsewhere (a worker thread): batches are checked in flight, and `checkedThrough` tells up to which
 * feature every check has come back.
 */
export class SchemaBatcher {
  private readonly batches = new Map<string, { lines: string[]; indices: number[] }>();
  private readonly flights: { upTo: number; done: boolean; settled: Promise<void> }[] = [];
  private chars = 0;
  private lastAdded = -1;
  private checkedUpTo = -1;
  /** Features added and not yet sent to be checked. */
  held = 0;

  constructor(
    private readonly onFault: (featureIndex: number, message: string) => void,
    private readonly check: SchemaCheck = validateFeatureLines,
    private readonly batchChars = 256 * 1024
  ) {}

  /** Adds a feature; one whose type has no member in an answer is not checked here (the model refuses it later). */
  add(element: GmlElement, featureIndex: number): void {
    const member = memberOf(element.local);
    if (member === null) return;
    let batch = this.batches.get(member);
    if (batch === undefined) this.batches.set(member, (batch = { lines: [], indices: [] }));
    const line = serialiseElement(element);
    batch.lines.push(line);
    batch.indices.push(featureIndex);
    this.chars += line.length;
    this.held++;
    this.lastAdded = featureIndex;
    if (this.chars >= this.batchChars) this.flush();
  }

  /** Every feature up to `last` (the last taken) whose check has come back: up to there, all are checked. */
  checkedThrough(last: number): number {
    return this.held === 0 && this.flights.length === 0 ? last : this.checkedUpTo;
  }

  /** Waits while more than `most` batches are being checked. */
  async drain(most: number): Promise<void> {
    while (this.flights.length > most) await this.flights[0].settled;
  }

  /** Sends every feature still held to be checked, and waits for every check. */
  async finish(): Promise<void> {
    this.flush();
    await this.drain(0);
  }

  private flush(): void {
    if (this.held === 0) return;
    const batches = [...this.batches];
    this.batches.clear();
    this.chars = 0;
    this.held = 0;
    const flight = { upTo: this.lastAdded, done: false, settled: Promise.resolve() };
    flight.settled = Promise.all(
      batches.map(async ([member, batch]) => {
        for (const fault of await this.check(member, batch.lines)) {
          this.onFault(fault.feature === null ? (batch.indices[0] as number) : (batch.indices[fault.feature] as number), fault.message);
        }
      })
    ).then(() => {
      flight.done = true;
      while (this.flights.length > 0 && this.flights[0].done) this.checkedUpTo = (this.flights.shift() as { upTo: number }).upTo;
    });
    this.flights.push(flight);
  }
}
