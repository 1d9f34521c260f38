/**
 * LER 2.2 GML checked against the vendored official schema (schemas/ler-2.2/2.2_ler.xsd) twice:
 * with xmllint (Debian's libxml2-utils, installed by .ci/install-xml-tools), offline, and in Node
 * with libxml2-wasm. Both answer the schema's errors as text ('' when the document is valid).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { XmlDocument, XmlValidateError, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';

export const SCHEMA_DIR = resolve('schemas', 'ler-2.2');
export const SCHEMA = join(SCHEMA_DIR, '2.2_ler.xsd');

/** xmllint's complaints about a document ('' when it validates). Throws when xmllint is missing. */
export function xmllint(document: string | Uint8Array): string {
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', SCHEMA, '-'], { input: document, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error !== undefined) throw new Error(`xmllint could not run (${run.error.message}): .ci/install-xml-tools installs it.`);
  if (run.status === 0 && /validates/.test(run.stderr)) return '';
  return run.stderr.trim() || `xmllint exited with ${String(run.status)}`;
}

let validator: XsdValidator | null = null;

/** The schema compiled by libxml2-wasm, its imports read from the vendored folder only. */
function schema(): XsdValidator {
  if (validator !== null) return validator;
  const files = new Map<number, { bytes: Uint8Array; at: number }>();
  let next = 1;
  const local = (name: string): string | null => {
    const path = resolve(name.replace(/^file:\/\//, ''));
    return path.startsWith(SCHEMA_DIR + sep) && existsSync(path) ? path : null;
  };
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
  const doc = XmlDocument.fromBuffer(readFileSync(SCHEMA), { url: SCHEMA });
  try {
    validator = XsdValidator.fromDoc(doc);
  } finally {
    doc.dispose();
  }
  return validator;
}

/** libxml2-wasm's complaints about a document ('' when it validates). */
export function libxml2Wasm(document: string | Uint8Array): string {
  const doc = typeof document === 'string' ? XmlDocument.fromString(document) : XmlDocument.fromBuffer(document);
  try {
    schema().validate(doc);
    return '';
  } catch (error) {
    if (error instanceof XmlValidateError) return error.details.map((d) => `${d.line}: ${d.message.trim()}`).join('\n');
    throw error;
  } finally {
    doc.dispose();
  }
}

/** Both checks' complaints, labelled ('' when both pass). */
export function schemaErrors(document: string | Uint8Array): string {
  const a = xmllint(document);
  const b = libxml2Wasm(document);
  return [a && `xmllint: ${a}`, b && `libxml2-wasm: ${b}`].filter((s) => s !== '').join('\n');
}
