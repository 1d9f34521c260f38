/**
 * A LER GML document's features as element trees (src/model/gml-element.ts) read with xmldom, apart
 * from the streaming reader: for documents the reader refuses (a geometry it cannot turn into
 * GeoJSON) whose restrictions are still to be checked, as LER checks them on the XML.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { GML_NAMESPACE, LER_NAMESPACE, type GmlElement } from '../../src/model/gml-element.js';

/** An xmldom element as the reader's element tree (no line numbers). */
export function gmlElementOf(el: Element): GmlElement {
  const attributes: Record<string, string> = {};
  for (let k = 0; k < el.attributes.length; k++) {
    const a = el.attributes.item(k);
    if (a === null || a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    attributes[a.namespaceURI === null ? a.localName ?? a.name : `${a.namespaceURI}#${a.localName ?? a.name}`] = a.value;
  }
  const children: GmlElement[] = [];
  let text = '';
  for (let c = el.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === c.ELEMENT_NODE) children.push(gmlElementOf(c as Element));
    else if (c.nodeType === c.TEXT_NODE || c.nodeType === c.CDATA_SECTION_NODE) text += c.nodeValue ?? '';
  }
  return { ns: el.namespaceURI ?? '', local: el.localName ?? el.nodeName, attributes, children, text, line: 0, column: 0 };
}

const MEMBERS = new Set(['ledningstraceMember', 'ledningMember', 'ledningskomponentMember']);

/** The document's root, and its features as the reader finds them (members' children, or the root), with their ids. */
export function featureElements(text: string): { root: GmlElement; features: { id: string; element: GmlElement }[] } {
  const root = gmlElementOf(new DOMParser().parseFromString(text, 'text/xml').documentElement as Element);
  const found = root.local === 'Graveforespoergselssvar' ? root.children.filter((m) => MEMBERS.has(m.local)).flatMap((m) => m.children) : [root];
  const features = found.map((element) => {
    const lerId = element.children.find((c) => c.ns === LER_NAMESPACE && c.local === 'id')?.text.trim();
    return { id: lerId !== undefined && lerId !== '' ? lerId : element.attributes[`${GML_NAMESPACE}#id`] ?? '', element };
  });
  return { root: { ...root, children: root.children.filter((m) => !MEMBERS.has(m.local)) }, features };
}
