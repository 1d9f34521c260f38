/**
 * An owner's answer to a dig request given as LER 2.2 GML (a Graveforespoergselssvar, as owners'
 * LER robots write it), read into the answer the engine takes: `ler:type` is the status,
 * `typeSupplerendeInfo` the reason where the status needs one (else the note),
 * `forventetAfleveringstidspunkt` expectedAt, `gyldigTil` validUntil, the Kontaktprofil the
 * contact, the members the lines. The document passes LER's schema and restrictions first; the
 * first problem found is the answer's error.
 */
import { LerError } from '../errors.js';
import { headerContact, headerText, readGmlDocument } from '../ingest/gml-document.js';
import { STATUS } from '../package/types.js';
import type { GmlBody } from './gml-body.js';

const NEEDS_REASON: readonly string[] = [STATUS.notDelivered, STATUS.markingNotDelivered];

export async function answerFromGml(body: GmlBody): Promise<Record<string, unknown>> {
  const { features, info } = await readGmlDocument(body.bytes, { report: null, invalid: 'reject' });
  if (info.root !== 'Graveforespoergselssvar') throw new LerError('GML_FEATURE_INVALID', { pointer: '/' }, `An answer is a ler:Graveforespoergselssvar, not ${info.root}.`);
  const status = info.answerType ?? '';
  const supplement = headerText(info, 'typeSupplerendeInfo');
  const expectedAt = headerText(info, 'forventetAfleveringstidspunkt');
  const validUntil = headerText(info, 'gyldigTil');
  const contact = headerContact(info);
  return {
    status,
    ...(supplement !== undefined ? (NEEDS_REASON.includes(status) ? { reason: supplement } : { note: supplement }) : {}),
    ...(expectedAt !== undefined ? { expectedAt } : {}),
    ...(validUntil !== undefined ? { validUntil } : {}),
    ...(contact !== undefined ? { contact } : {}),
    ...(features.length > 0 ? { lines: { type: 'FeatureCollection', features } } : {})
  };
}
