/**
 * A small LER 2.2 GML document read whole (a change set, an owner's answer): its features after
 * LER's schema and restrictions, as GeoJSON with LER's names, and its header. Bodies this small
 * are bounded by the route that takes them; a big network goes through the streamed upload.
 */
import type { RuleReport } from '../rules/report.js';
import type { Feature, Geometry } from '../types.js';
import type { GmlDocumentInfo, GmlElement } from './gml-reader.js';
import { gmlFeatureSequence, type GmlUploadOptions } from './gml-upload.js';

export interface GmlDocument {
  features: Feature<Geometry>[];
  info: GmlDocumentInfo;
}

const decoder = new TextDecoder();

/** Reads `bytes` (UTF-8 GML); with no report, the first problem throws, else problems go to the report and, unless skipped, the document is refused at its end. */
export async function readGmlDocument(bytes: Uint8Array, opts: { report: RuleReport | null; invalid: 'reject' | 'skip'; restrictions?: GmlUploadOptions['restrictions'] }): Promise<GmlDocument> {
  let info: GmlDocumentInfo | null = null;
  const features: Feature<Geometry>[] = [];
  for await (const chunk of gmlFeatureSequence(bytes, { ...opts, onDocument: (i) => (info = i) }, [])) {
    for (const record of decoder.decode(chunk).split('\u001e')) if (record.trim() !== '') features.push(JSON.parse(record) as Feature<Geometry>);
  }
  return { features, info: info as unknown as GmlDocumentInfo };
}

/** The text of a header element of a Graveforespoergselssvar (by its local name), if present. */
export function headerText(info: GmlDocumentInfo, name: string): string | undefined {
  const element = info.header?.children.find((c) => c.local === name);
  return element === undefined ? undefined : element.text.trim();
}

/** The header's Kontaktprofil (navn, telefonnummer, mailadresse) as one line, if present. */
export function headerContact(info: GmlDocumentInfo): string | undefined {
  const holder = info.header?.children.find((c) => c.local === 'kontaktprofilTilTekniskeSpoergsmaal');
  const profile: GmlElement | undefined = holder?.children[0];
  if (profile === undefined) return undefined;
  const parts = ['navn', 'telefonnummer', 'mailadresse'].map((n) => profile.children.find((c) => c.local === n)?.text.trim()).filter((t): t is string => t !== undefined && t !== '');
  return parts.length > 0 ? parts.join(', ') : undefined;
}
