/** Small LER 2.2 GML documents for tests: an answer (Graveforespoergselssvar) and its members. */
export const GML_NAMESPACES = 'xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xlink="http://www.w3.org/1999/xlink"';
export const SRS = 'http://www.opengis.net/def/crs/EPSG/0/7416';

export function posList(points: readonly (readonly number[])[]): string {
  return `<gml:posList srsDimension="3">${points.map((p) => `${p[0]} ${p[1]} ${p[2] ?? -99}`).join(' ')}</gml:posList>`;
}

/** An Elledning member laid in 2020 (before LER's cut-off: few attributes are required); LER-valid. */
export function elledning(id: string, points: readonly (readonly number[])[] | null, extra = '', laid = '2020-01-01'): string {
  const geometry = points === null ? '' : `<ler:geometri><gml:LineString srsName="${SRS}">${posList(points)}</gml:LineString></ler:geometri>`;
  // A line a trace holds (no geometry of its own) gives no accuracy classes: the trace's are its (LER's nøjagtighedsklasseBetingelse).
  const accuracy = points === null ? '' : '<ler:noejagtighedsklasse>&lt;= 0.50 m</ler:noejagtighedsklasse><ler:noejagtighedsklasseVertikal>&lt;= 0.50 m</ler:noejagtighedsklasseVertikal>';
  return `<ler:ledningMember><ler:Elledning gml:id="${id}"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>${laid}</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse>${accuracy}${geometry}${extra}<ler:type>forsyningskabel</ler:type></ler:Elledning></ler:ledningMember>`;
}

/** A Ledningstrace member holding the lines `holds` (their gml:ids). */
export function trace(id: string, points: readonly (readonly number[])[], holds: readonly string[]): string {
  return `<ler:ledningstraceMember><ler:Ledningstrace gml:id="${id}"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2020-01-01</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse><ler:noejagtighedsklasse>&lt;= 0.50 m</ler:noejagtighedsklasse><ler:noejagtighedsklasseVertikal>&lt;= 0.50 m</ler:noejagtighedsklasseVertikal><ler:geometri><gml:MultiCurve srsName="${SRS}"><gml:curveMember><gml:LineString>${posList(points)}</gml:LineString></gml:curveMember></gml:MultiCurve></ler:geometri><ler:bredde uom="mm">500</ler:bredde><ler:forsyningsart>el</ler:forsyningsart>${holds.map((h) => `<ler:indeholdtLedning xlink:href="#${h}"/>`).join('')}</ler:Ledningstrace></ler:ledningstraceMember>`;
}

export function answer(members: readonly string[], type = 'ledningsoplysninger udleveret'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ler:Graveforespoergselssvar ${GML_NAMESPACES} gml:id="svar" schemaVersion="2.2"><ler:id>6f0c8e0e-3b9a-4a57-9d1c-2a7e5f4b8c11</ler:id><ler:type>${type}</ler:type>\n${members.join('\n')}\n</ler:Graveforespoergselssvar>\n`;
}
