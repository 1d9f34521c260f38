/**
 * LER 2.2 GML checked against the vendored official schema (schemas/ler-2.2/2.2_ler.xsd) twice:
 * with xmllint (Debian's libxml2-utils, installed by .ci/install-xml-tools), offline, and in Node
 * with libxml2-wasm (the service's own check, src/ingest/gml-schema.ts). Both answer the schema's
 * errors as text ('' when the document is valid).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { validateDocument } from '../../src/ingest/gml-schema.js';

export const SCHEMA_DIR = resolve('schemas', 'ler-2.2');
export const SCHEMA = join(SCHEMA_DIR, '2.2_ler.xsd');

/** xmllint's complaints about a document ('' when it validates). Throws when xmllint is missing. */
export function xmllint(document: string | Uint8Array): string {
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', SCHEMA, '-'], { input: document, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error !== undefined) throw new Error(`xmllint could not run (${run.error.message}): .ci/install-xml-tools installs it.`);
  if (run.status === 0 && /validates/.test(run.stderr)) return '';
  return run.stderr.trim() || `xmllint exited with ${String(run.status)}`;
}

/** libxml2-wasm's complaints about a document ('' when it validates). */
export function libxml2Wasm(document: string | Uint8Array): string {
  return validateDocument(document)
    .map((d) => `${d.line}: ${d.message.trim()}`)
    .join('\n');
}

/** Both checks' complaints, labelled ('' when both pass). */
export function schemaErrors(document: string | Uint8Array): string {
  const a = xmllint(document);
  const b = libxml2Wasm(document);
  return [a && `xmllint: ${a}`, b && `libxml2-wasm: ${b}`].filter((s) => s !== '').join('\n');
}
