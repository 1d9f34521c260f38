/**
 * A request body in LER 2.2 GML (application/gml+xml, or XML), kept as its bytes for the route to
 * read with the GML reader: the route knows what the document is (a change set, an answer) and
 * checks it in LER's layers. The route's body limit bounds it, as for JSON.
 */
export const GML_TYPES = ['application/gml+xml', 'application/xml', 'text/xml'];

export class GmlBody {
  constructor(readonly bytes: Uint8Array) {}
}

/** The route schema's body, per media type: JSON as `json` says, GML as bytes (checked by the route). */
export function jsonOrGmlBody(json: Record<string, unknown>, gmlDescription: string): { content: Record<string, { schema: Record<string, unknown> }> } {
  const gml = { schema: { description: gmlDescription } };
  return { content: { 'application/json': { schema: json }, ...Object.fromEntries(GML_TYPES.map((t) => [t, gml])) } };
}
