/**
 * One XML element of a LER GML document as the streaming reader keeps it (src/ingest/gml-reader.ts)
 * and the restrictions read it (src/rules): a plain tree, so the rules need no XML library.
 */

/** The namespaces of LER 2.2 GML, as the reader and the restrictions name them. */
export const LER_NAMESPACE = 'http://data.gov.dk/schemas/LER/2/gml';
export const GML_NAMESPACE = 'http://www.opengis.net/gml/3.2';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
export const XLINK_NAMESPACE = 'http://www.w3.org/1999/xlink';

/** One element as read: namespace, local name, attributes (`uri#local` for namespaced ones), children and text. */
export interface GmlElement {
  ns: string;
  local: string;
  attributes: Record<string, string>;
  children: GmlElement[];
  text: string;
  line: number;
  column: number;
}
