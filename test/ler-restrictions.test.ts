/**
 * LER 2.2's restrictions (src/rules/ler-restrictions.ts), each one kept and broken: features in LER
 * GML read by the streaming reader (the few geometries the reader refuses read apart, with
 * xmldom), and the same as GeoJSON where GeoJSON has the attributes; LER's odd corners (the
 * cut-off's forms, heights as text, ejerskabsforhold absent); the GeoJSON upload refusing the
 * first restriction broken, with its name and pointer; the table, the error and rule catalogues
 * in step with the checks.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, LerError } from '../src/errors.js';
import { ColumnBuilder } from '../src/index/column-builder.js';
import { LerGmlReader } from '../src/ingest/gml-reader.js';
import { readFeature, type FeatureReadOptions } from '../src/input/feature.js';
import type { GmlElement } from '../src/model/gml-element.js';
import { LER_RESTRICTION_COUNT, LER_RESTRICTIONS, type LerRestrictionName } from '../src/model/ler-restrictions.js';
import { RULES } from '../src/rules/catalogue.js';
import { checkRestrictions, isAfterCutoff, normalizeSpace, RESTRICTED_TYPES, statedOn, typeChain, type RestrictionViolation } from '../src/rules/ler-restrictions.js';
import { GmlDocumentRestrictions, subjectFromGeoJson, subjectFromGml } from '../src/rules/restriction-subject.js';
import { featureElements } from './helpers/gml-element.js';

const NS = 'xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ann="http://data.gov.dk/schemas/annotations/2/gml" xmlns:dim="http://data.gov.dk/schemas/dimensions/2/gml" xmlns:dcterms="http://purl.org/dc/terms/"';
const SRS = 'http://www.opengis.net/def/crs/EPSG/0/7416';
const UUID = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const x = (name: string, text: string, attributes = ''): string => `<ler:${name}${attributes}>${text}</ler:${name}>`;
const nil = (name: string, attributes = ''): string => `<ler:${name}${attributes} xsi:nil="true"/>`;
const line = (z = '-99', srs = SRS): string => `<gml:LineString srsName="${srs}"><gml:posList srsDimension="3">700000 6200000 ${z} 700010 6200010 ${z}</gml:posList></gml:LineString>`;
const ring = '<gml:LinearRing><gml:posList>700000 6200000 -99 700001 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:LinearRing>';
const arcRing = '<gml:Ring><gml:curveMember><gml:Curve><gml:segments><gml:Arc><gml:posList>700000 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:Arc></gml:segments></gml:Curve></gml:curveMember></gml:Ring>';
const arcCurve = `<gml:Curve srsName="${SRS}"><gml:segments><gml:ArcString><gml:posList>700000 6200000 -99 700005 6200003 -99 700010 6200000 -99</gml:posList></gml:ArcString></gml:segments></gml:Curve>`;
const segmentCurve = `<gml:Curve srsName="${SRS}"><gml:segments><gml:LineStringSegment><gml:posList>700000 6200000 -99 700010 6200010 -99</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>`;
const geometri = (inner: string): string => `<ler:geometri>${inner}</ler:geometri>`;

type Fields = Record<string, string | null>;

/** A line's elements, LER's defaults first: laid 2024-01-01 (after the cut-off), every class given. */
const LINE: Fields = {
  driftsstatus: x('driftsstatus', 'i drift'),
  etableringstidspunkt: x('etableringstidspunkt', '2024-01-01'),
  fareklasse: x('fareklasse', 'ikke farlig'),
  noejagtighedsklasse: x('noejagtighedsklasse', '&lt;= 0.25 m'),
  noejagtighedsklasseVertikal: x('noejagtighedsklasseVertikal', '&lt;= 0.25 m'),
  vejledendeDybde: x('vejledendeDybde', '500', ' uom="mm"'),
  geometri: geometri(line()),
  udvendigDiameter: x('udvendigDiameter', '20', ' uom="mm"')
};
/** A pipe: heights known, circular. */
const PIPE: Fields = { ...LINE, geometri: geometri(line('12.5')), tvaersnitsform: x('tvaersnitsform', 'cirkulær') };
/** A rectangular pipe. */
const BOX: Fields = { ...PIPE, udvendigDiameter: null, tvaersnitsform: x('tvaersnitsform', 'rektangulær'), udvendigBredde: x('udvendigBredde', '300', ' uom="mm"'), udvendigHoejde: x('udvendigHoejde', '200', ' uom="mm"') };
const TRACE: Fields = { ...LINE, udvendigDiameter: null, geometri: geometri(`<gml:MultiCurve srsName="${SRS}"><gml:curveMember>${line()}</gml:curveMember></gml:MultiCurve>`), bredde: x('bredde', '600', ' uom="mm"'), forsyningsart: x('forsyningsart', 'el') };
const COMPONENT: Fields = {
  driftsstatus: x('driftsstatus', 'i drift'),
  fareklasse: x('fareklasse', 'ikke farlig'),
  geometri: geometri(`<gml:Point srsName="${SRS}"><gml:pos>700000 6200000 -99</gml:pos></gml:Point>`)
};

function feature(type: string, base: Fields, changes: Fields = {}, id = 'f1'): string {
  const fields = { ...base, ...changes };
  return `<ler:${type} gml:id="${id}">${Object.values(fields).filter((v) => v !== null).join('')}</ler:${type}>`;
}

const standalone = (f: string): string => f.replace(/^<ler:(\w+) /, `<ler:$1 ${NS} `);

/** An answer (Graveforespoergselssvar) holding members; its header fields overridable. */
function answer(header: Fields, members: string): string {
  const fields: Fields = { id: x('id', UUID), type: x('type', 'ledningsoplysninger udleveret'), ...header };
  return `<ler:Graveforespoergselssvar ${NS} gml:id="svar" schemaVersion="2.2">${Object.values(fields).filter((v) => v !== null).join('')}${members}</ler:Graveforespoergselssvar>`;
}

/** Every restriction a document breaks, as the GML pipeline checks them: per feature, then the answer's own. */
function broken(xml: string, apart = false): RestrictionViolation[] {
  const doc = new GmlDocumentRestrictions();
  const out: RestrictionViolation[] = [];
  let header: GmlElement | null = null;
  if (apart) {
    // Geometries the streaming reader refuses: the elements read with xmldom.
    const { root, features } = featureElements(xml);
    features.forEach((f, k) => out.push(...doc.feature(f.element, k)));
    if (root.local === 'Graveforespoergselssvar') header = root;
  } else {
    const reader = new LerGmlReader((_f, index, element) => out.push(...doc.feature(element, index)));
    reader.write(xml);
    header = reader.end().header;
  }
  out.push(...doc.finish().map((w) => w.violation));
  if (header !== null) out.push(...doc.root(header));
  return out;
}

const names = (vs: readonly RestrictionViolation[]): string[] => [...new Set(vs.map((v) => v.name))].sort();
const parts = (vs: readonly RestrictionViolation[]): string[] => [...new Set(vs.map((v) => v.assertion))].sort();

interface Case {
  name: LerRestrictionName;
  /** What it is about, for the test's title. */
  what: string;
  keep: string;
  break: string;
  /** The part of it that breaks, when LER states it in parts. */
  part?: string;
  /** The reader refuses the broken document's geometry: read apart. */
  apart?: boolean;
}

const c = (name: LerRestrictionName, what: string, keep: string, brk: string, more: Partial<Case> = {}): Case => ({ name, what, keep, break: brk, ...more });
const el = (type: string, base: Fields, changes: Fields = {}): string => standalone(feature(type, base, changes));
const held = (lineFields: Fields): string =>
  answer({}, `<ler:ledningstraceMember>${feature('Ledningstrace', { ...TRACE, indeholdtLedning: '<ler:indeholdtLedning xlink:href="#held"/>' }, {}, 'trace')}</ler:ledningstraceMember><ler:ledningMember>${feature('Elledning', lineFields, {}, 'held')}</ler:ledningMember>`);
const NO_GEOMETRY: Fields = { ...LINE, geometri: null, noejagtighedsklasse: null, noejagtighedsklasseVertikal: null };
const member = (f: string): string => `<ler:ledningMember>${f}</ler:ledningMember>`;
const component = (f: string): string => `<ler:ledningskomponentMember>${f}</ler:ledningskomponentMember>`;
const kontakt = (fields: string): string => `<ler:kontaktprofilTilTekniskeSpoergsmaal><ler:Kontaktprofil gml:id="k1">${x('navn', 'Vagten')}${fields}</ler:Kontaktprofil></ler:kontaktprofilTilTekniskeSpoergsmaal>`;
const bilag = (format: string, type: string, sti: string, geometry = ''): string =>
  `<ler:bilagMember><ler:Informationsressource gml:id="b1"><dcterms:title>Plan</dcterms:title>${x('format', format, ` type="${type}"`)}${x('sti', sti)}${geometry}</ler:Informationsressource></ler:bilagMember>`;
const annotation = (geometry: string): string => `<ler:linjeannotationMember><ann:LinearAnnotation gml:id="a1"><ann:geometry>${geometry}</ann:geometry></ann:LinearAnnotation></ler:linjeannotationMember>`;
const dimension = (geometry: string): string => `<ler:lineaerMaalsaetningMember><dim:LinearDimension gml:id="d1"><dim:dimensionLine>${geometry}</dim:dimensionLine></dim:LinearDimension></ler:lineaerMaalsaetningMember>`;
const componentGeometry = (inner: string): Fields => ({ geometri: geometri(inner) });

const CASES: Case[] = [
  c('anborstedTilladelse', 'anborsted only on a tilslutningspunkt', el('Vandkomponent', COMPONENT, { type: x('type', 'tilslutningspunkt'), anborsted: x('anborsted', 'hovedledning') }), el('Vandkomponent', COMPONENT, { type: x('type', 'ventil'), anborsted: x('anborsted', 'hovedledning') })),
  c('breddeMåleenhedsrestriktion', 'a trace\'s bredde in mm', el('Ledningstrace', TRACE), el('Ledningstrace', TRACE, { bredde: x('bredde', '0.6', ' uom="m"') })),
  c('brøndformTilladelse', 'broendform only on a brønd', el('Afloebskomponent', COMPONENT, { type: x('type', 'brønd'), broendform: x('broendform', 'rund') }), el('Afloebskomponent', COMPONENT, { type: x('type', 'sandfang'), broendform: x('broendform', 'rund') })),
  c('bunddiameterbreddeMåleenhedsrestriktion', 'bunddiameterbredde in mm', el('Afloebskomponent', COMPONENT, { bunddiameterbredde: x('bunddiameterbredde', '900', ' uom="mm"') }), el('Afloebskomponent', COMPONENT, { bunddiameterbredde: x('bunddiameterbredde', '90', ' uom="cm"') })),
  c('bundlængdeMåleenhedsrestriktion', 'bundlaengde in mm', el('Afloebskomponent', COMPONENT, { type: x('type', 'brønd'), broendform: x('broendform', 'kvadratisk'), bundlaengde: x('bundlaengde', '900', ' uom="mm"') }), el('Afloebskomponent', COMPONENT, { type: x('type', 'brønd'), broendform: x('broendform', 'kvadratisk'), bundlaengde: x('bundlaengde', '90', ' uom="cm"') })),
  c('bundlængdeTilladelse', 'bundlaengde only on a square or rectangular brønd', el('Afloebskomponent', COMPONENT, { type: x('type', 'brønd'), broendform: x('broendform', 'rektangulær'), bundlaengde: x('bundlaengde', '900', ' uom="mm"') }), el('Afloebskomponent', COMPONENT, { type: x('type', 'brønd'), broendform: x('broendform', 'rund'), bundlaengde: x('bundlaengde', '900', ' uom="mm"') })),
  c('driftsstatusVoidrestriktion', 'driftsstatus not void after the cut-off', el('Elledning', LINE, { driftsstatus: nil('driftsstatus'), etableringstidspunkt: x('etableringstidspunkt', '2023-07-01') }), el('Elledning', LINE, { driftsstatus: nil('driftsstatus') })),
  c('fareklasseRestriktion', 'a water pipe not meget farlig', el('Vandledning', PIPE, { fareklasse: x('fareklasse', 'farlig') }), el('Vandledning', PIPE, { fareklasse: x('fareklasse', 'meget farlig') })),
  c('fareklasseVoidrestriktion', 'fareklasse not void after the cut-off', el('Elledning', LINE, { fareklasse: nil('fareklasse'), etableringstidspunkt: x('etableringstidspunkt', '2023-06') }), el('Elledning', LINE, { fareklasse: nil('fareklasse'), etableringstidspunkt: x('etableringstidspunkt', '2023-08') })),
  c('formatRestriktion', 'a file format with its MIME type', answer({}, bilag('PDF', 'application/pdf', 'bilag/plan.pdf')), answer({}, bilag('PDF', 'text/csv', 'bilag/plan.pdf'))),
  c('forsyningsartRestriktion', 'another line of a kind of its own', el('AndenLedning', BOX, { forsyningsart: x('forsyningsart', 'other: trykluft') }), el('AndenLedning', BOX, { forsyningsart: x('forsyningsart', 'gas') })),
  c('forsyningsartRestriktion', 'another component of a kind of its own', el('AndenKomponent', COMPONENT, { forsyningsart: x('forsyningsart', 'other: trykluft') }), el('AndenKomponent', COMPONENT, { forsyningsart: x('forsyningsart', ' el ') })),
  c('forventetAfleveringstidspunktBetingelse', 'an expected delivery only on a manual answer', answer({ type: x('type', 'udtaget til manuel behandling'), forventetAfleveringstidspunkt: x('forventetAfleveringstidspunkt', '2026-05-01T12:00:00Z') }, ''), answer({ forventetAfleveringstidspunkt: x('forventetAfleveringstidspunkt', '2026-05-01T12:00:00Z') }, '')),
  c('geometriBetingelse', 'a line without geometry held by a trace', held(NO_GEOMETRY), answer({}, member(feature('Elledning', NO_GEOMETRY, {}, 'alone')))),
  c('geometriDatatyperestriktion', 'a line of LineStringSegments', el('Elledning', LINE, { geometri: geometri(segmentCurve) }), el('Elledning', LINE, { geometri: geometri(arcCurve) })),
  c('geometriDatatyperestriktion', 'a trace\'s curve members linear', el('Ledningstrace', TRACE), el('Ledningstrace', TRACE, { geometri: geometri(`<gml:MultiCurve srsName="${SRS}"><gml:curveMember>${arcCurve}</gml:curveMember></gml:MultiCurve>`) })),
  c('geometriDatatyperestriktion', 'a component of an allowed type', el('Elkomponent', COMPONENT), el('Elkomponent', COMPONENT, componentGeometry(`<gml:CompositeCurve srsName="${SRS}"><gml:curveMember>${line()}</gml:curveMember></gml:CompositeCurve>`)), { part: 'geometriTypeTilladt' }),
  c('geometriDatatyperestriktion', 'a component curve linear', el('Elkomponent', COMPONENT, componentGeometry(segmentCurve)), el('Elkomponent', COMPONENT, componentGeometry(arcCurve)), { part: 'kurveLineærInterpolation' }),
  c('geometriDatatyperestriktion', 'a component surface of polygon patches', el('Elkomponent', COMPONENT, componentGeometry(`<gml:Surface srsName="${SRS}"><gml:patches><gml:PolygonPatch><gml:exterior>${ring}</gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>`)), el('Elkomponent', COMPONENT, componentGeometry(`<gml:Surface srsName="${SRS}"><gml:patches><gml:Triangle><gml:exterior>${ring}</gml:exterior></gml:Triangle></gml:patches></gml:Surface>`)), { part: 'fladePlanInterpolation' }),
  c('geometriDatatyperestriktion', 'a component multi-surface of polygons and surfaces', el('Elkomponent', COMPONENT, componentGeometry(`<gml:MultiSurface srsName="${SRS}"><gml:surfaceMember><gml:Polygon><gml:exterior>${ring}</gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>`)), el('Elkomponent', COMPONENT, componentGeometry(`<gml:MultiSurface srsName="${SRS}"><gml:surfaceMember><gml:CompositeSurface><gml:surfaceMember><gml:Polygon><gml:exterior>${ring}</gml:exterior></gml:Polygon></gml:surfaceMember></gml:CompositeSurface></gml:surfaceMember></gml:MultiSurface>`)), { part: 'fladePlanInterpolation', apart: true }),
  c('geometriDatatyperestriktion', 'a component polygon of linear rings', el('Elkomponent', COMPONENT, componentGeometry(`<gml:Polygon srsName="${SRS}"><gml:exterior>${ring}</gml:exterior></gml:Polygon>`)), el('Elkomponent', COMPONENT, componentGeometry(`<gml:Polygon srsName="${SRS}"><gml:exterior>${arcRing}</gml:exterior></gml:Polygon>`)), { part: 'polygonGrænseLineærInterpolation', apart: true }),
  c('geometriDatatyperestriktion', 'a component surface\'s patches of linear rings', el('Elkomponent', COMPONENT, componentGeometry(`<gml:Surface srsName="${SRS}"><gml:patches><gml:PolygonPatch><gml:exterior>${ring}</gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>`)), el('Elkomponent', COMPONENT, componentGeometry(`<gml:Surface srsName="${SRS}"><gml:patches><gml:PolygonPatch><gml:exterior>${arcRing}</gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>`)), { part: 'fladeGrænseLineærInterpolation', apart: true }),
  c('geometriDatatyperestriktion', 'a component multi-surface of linear rings', el('Elkomponent', COMPONENT, componentGeometry(`<gml:MultiSurface srsName="${SRS}"><gml:surfaceMember><gml:Polygon><gml:exterior>${ring}</gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>`)), el('Elkomponent', COMPONENT, componentGeometry(`<gml:MultiSurface srsName="${SRS}"><gml:surfaceMember><gml:Polygon><gml:exterior>${arcRing}</gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>`)), { part: 'multifladeGrænseLineærInterpolation', apart: true }),
  c('geometriDatatyperestriktion', 'an information resource\'s geometry of an allowed type', answer({}, bilag('PDF', 'application/pdf', 'plan.pdf', geometri(`<gml:Point srsName="${SRS}"><gml:pos>700000 6200000 -99</gml:pos></gml:Point>`))), answer({}, bilag('PDF', 'application/pdf', 'plan.pdf', geometri(`<gml:CompositeCurve srsName="${SRS}"><gml:curveMember>${line()}</gml:curveMember></gml:CompositeCurve>`))), { part: 'geometriTypeTilladt' }),
  c('geometriVertikaleKoordinaterRestriktion', 'a new pipe\'s heights known', el('Vandledning', PIPE), el('Vandledning', PIPE, { geometri: geometri(line('-99')) })),
  c('geometriVertikaleKoordinaterRestriktion', 'a Foeringsroer for gas with heights known', el('Foeringsroer', PIPE, { forsyningsart: x('forsyningsart', 'el'), geometri: geometri(line('-99')) }), el('Foeringsroer', PIPE, { forsyningsart: x('forsyningsart', 'gas'), geometri: geometri(line('-99')) })),
  c('geometryDataTypeConstraint', 'a linear annotation\'s line', answer({}, annotation(line())), answer({}, annotation(arcCurve))),
  c('geometryDataTypeConstraint', 'a linear dimension\'s line', answer({}, dimension(segmentCurve)), answer({}, dimension(arcCurve))),
  c('idRestriktion', 'an answer\'s id a UUID', answer({}, ''), answer({ id: x('id', 'GSVAR-001') }, '')),
  c('indholdGM_ObjectSRIDrestriktion', 'an answer\'s geometries in EPSG:7416', answer({}, member(feature('Elledning', LINE))), answer({}, member(feature('Elledning', LINE, { geometri: geometri(line('-99', 'EPSG:25832')) })))),
  c('indholdKoteSRIDrestriktion', 'an answer\'s heights in DVR90', answer({}, component(feature('Vandkomponent', COMPONENT, { type: x('type', 'ventil'), stutskote: x('stutskote', '12.5') }))), answer({}, component(feature('Vandkomponent', COMPONENT, { type: x('type', 'ventil'), stutskote: x('stutskote', '12.5', ' srsName="http://www.opengis.net/def/crs/EPSG/0/5714"') })))),
  c('indholdNilReasonRestriktion', 'void elements of an answer unknown', answer({}, member(feature('Elledning', LINE, { etableringstidspunkt: x('etableringstidspunkt', '2020-01-01'), fareklasse: nil('fareklasse', ' nilReason="unknown"') }))), answer({}, member(feature('Elledning', LINE, { etableringstidspunkt: x('etableringstidspunkt', '2020-01-01'), fareklasse: nil('fareklasse', ' nilReason="withheld"') })))),
  c('mailadresseBetingelse', 'a contact with a mail address or a phone', answer({ kontakt: kontakt(x('telefonnummer', '70000001')) }, ''), answer({ kontakt: kontakt('') }, '')),
  c('nøjagtighedsklasseBetingelse', 'a line with geometry says its accuracy', el('Elledning', LINE), el('Elledning', LINE, { noejagtighedsklasse: null })),
  c('nøjagtighedsklasseBetingelse', 'a line without geometry does not', held(NO_GEOMETRY), held({ ...NO_GEOMETRY, noejagtighedsklasse: x('noejagtighedsklasse', '&lt;= 0.25 m') })),
  c('nøjagtighedsklasseBetingelse', 'a trace says its accuracy', el('Ledningstrace', TRACE), el('Ledningstrace', TRACE, { noejagtighedsklasse: null })),
  c('nøjagtighedsklasseVertikalBetingelse', 'a line with geometry says its vertical accuracy', el('Elledning', LINE), el('Elledning', LINE, { noejagtighedsklasseVertikal: null })),
  c('nøjagtighedsklasseVertikalBetingelse', 'a trace says its vertical accuracy', el('Ledningstrace', TRACE), el('Ledningstrace', TRACE, { noejagtighedsklasseVertikal: null })),
  c('nøjagtighedsklasseVertikalVoidrestriktion', 'vertical accuracy not void on an own new line', el('Elledning', LINE, { noejagtighedsklasseVertikal: nil('noejagtighedsklasseVertikal'), ejerskabsforhold: x('ejerskabsforhold', 'ejet af anden ledningsejer') }), el('Elledning', LINE, { noejagtighedsklasseVertikal: nil('noejagtighedsklasseVertikal') })),
  c('nøjagtighedsklasseVoidrestriktion', 'accuracy not void on an own new trace', el('Ledningstrace', TRACE, { noejagtighedsklasse: nil('noejagtighedsklasse'), etableringstidspunkt: x('etableringstidspunkt', '2023') }), el('Ledningstrace', TRACE, { noejagtighedsklasse: nil('noejagtighedsklasse'), ejerskabsforhold: x('ejerskabsforhold', ' ejet af udleverende  ledningsejer ') })),
  c('relativNiveauTilladelse', 'relativNiveau only on a rørblok', el('Elkomponent', COMPONENT, { type: x('type', 'rørblok'), relativNiveau: x('relativNiveau', '1') }), el('Elkomponent', COMPONENT, { type: x('type', 'kabelskab'), relativNiveau: x('relativNiveau', '1') })),
  c('spændingsniveauMåleenhedsrestriktion', 'a cable\'s voltage in kV', el('Elledning', LINE, { spaendingsniveau: x('spaendingsniveau', '10', ' uom="kV"') }), el('Elledning', LINE, { spaendingsniveau: x('spaendingsniveau', '400', ' uom="V"') })),
  c('spændingsniveauMåleenhedsrestriktion', 'a component\'s voltage in kV', el('Elkomponent', COMPONENT, { spaendingsniveau: x('spaendingsniveau', '10', ' uom="kV"') }), el('Elkomponent', COMPONENT, { spaendingsniveau: x('spaendingsniveau', '10') })),
  c('stiRestriktion', 'a relative path', answer({}, bilag('PDF', 'application/pdf', 'bilag/plan.pdf')), answer({}, bilag('PDF', 'application/pdf', 'https://example.org/plan.pdf'))),
  c('stiRestriktion', 'no absolute path', answer({}, bilag('PDF', 'application/pdf', 'plan.pdf')), answer({}, bilag('PDF', 'application/pdf', '/srv/plan.pdf'))),
  c('stutskoteTilladelse', 'stutskote only on a tapsted or ventil', el('Vandkomponent', COMPONENT, { type: x('type', 'tapsted'), stutskote: x('stutskote', '12.5') }), el('Vandkomponent', COMPONENT, { type: x('type', 'tilslutningspunkt'), stutskote: x('stutskote', '12.5') })),
  c('tapstedstypeTilladelse', 'tapstedstype only on a tapsted', el('Vandkomponent', COMPONENT, { type: x('type', 'tapsted'), tapstedstype: x('tapstedstype', 'brandhane') }), el('Vandkomponent', COMPONENT, { type: x('type', 'ventil'), tapstedstype: x('tapstedstype', 'brandhane') })),
  c('telefonnummerBetingelse', 'a contact in a line with a phone or mail address', el('Elledning', LINE, { kontakt: kontakt(x('mailadresse', 'vagt@el.invalid')) }), el('Elledning', LINE, { kontakt: kontakt('') })),
  c('temperaturMåleenhedsrestriktion', 'a temperature in Cel', el('TermiskLedning', PIPE, { temperatur: x('temperatur', '80', ' uom="Cel"') }), el('TermiskLedning', PIPE, { temperatur: x('temperatur', '353', ' uom="K"') }), { apart: true }),
  c('trykMåleenhedsrestriktion', 'a pressure in bar', el('Gasledning', PIPE, { tryk: x('tryk', '4', ' uom="bar"') }), el('Gasledning', PIPE, { tryk: x('tryk', '400', ' uom="kPa"') })),
  c('typeSupplerendeInfoBetingelse', 'why lines are not given', answer({ type: x('type', 'ledningsoplysninger udleveres ikke'), typeSupplerendeInfo: x('typeSupplerendeInfo', 'Militært område') }, ''), answer({ type: x('type', 'ledningsoplysninger udleveres ikke') }, '')),
  c('udvendigBreddeBetingelse', 'a new box pipe\'s width', el('Afloebsledning', BOX), el('Afloebsledning', BOX, { udvendigBredde: null }), { part: 'udvendigBreddeSkalAngives' }),
  c('udvendigBreddeBetingelse', 'no width on a circular pipe', el('Afloebsledning', PIPE), el('Afloebsledning', PIPE, { udvendigBredde: x('udvendigBredde', '300', ' uom="mm"') }), { part: 'udvendigBreddeMåIkkeAngives' }),
  c('udvendigBreddeMåleenhedsrestriktion', 'a width in mm', el('Afloebsledning', BOX), el('Afloebsledning', BOX, { udvendigBredde: x('udvendigBredde', '30', ' uom="cm"') })),
  c('udvendigBreddeVoidrestriktion', 'a width not void on an own new pipe in use', el('AndenLedning', BOX, { udvendigBredde: nil('udvendigBredde', ' uom="mm"'), etableringstidspunkt: x('etableringstidspunkt', '2020'), forsyningsart: x('forsyningsart', 'other: trykluft') }), el('AndenLedning', BOX, { udvendigBredde: nil('udvendigBredde', ' uom="mm"'), forsyningsart: x('forsyningsart', 'other: trykluft') })),
  c('udvendigDiameterBetingelse', 'a new cable\'s diameter', el('Telekommunikationsledning', LINE), el('Telekommunikationsledning', LINE, { udvendigDiameter: null })),
  c('udvendigDiameterBetingelse', 'a new circular pipe\'s diameter', el('Vandledning', PIPE), el('Vandledning', PIPE, { udvendigDiameter: null }), { part: 'udvendigDiameterSkalAngives' }),
  c('udvendigDiameterBetingelse', 'no diameter on a box pipe', el('Vandledning', BOX), el('Vandledning', BOX, { udvendigDiameter: x('udvendigDiameter', '300', ' uom="mm"') }), { part: 'udvendigDiameterMåIkkeAngives' }),
  c('udvendigDiameterMåleenhedsrestriktion', 'a diameter in mm', el('Elledning', LINE), el('Elledning', LINE, { udvendigDiameter: x('udvendigDiameter', '2', ' uom="cm"') })),
  c('udvendigDiameterVoidrestriktion', 'a diameter not void on an own new pipe in use', el('Gasledning', PIPE, { udvendigDiameter: nil('udvendigDiameter', ' uom="mm"'), etableringstidspunkt: x('etableringstidspunkt', '2023-07-01') }), el('Gasledning', PIPE, { udvendigDiameter: nil('udvendigDiameter', ' uom="mm"') })),
  c('udvendigDiameterMåleenhedsrestriktion', 'a void diameter in mm too', el('Gasledning', PIPE, { udvendigDiameter: nil('udvendigDiameter', ' uom="mm"'), etableringstidspunkt: x('etableringstidspunkt', '2020') }), el('Gasledning', PIPE, { udvendigDiameter: nil('udvendigDiameter'), etableringstidspunkt: x('etableringstidspunkt', '2020') })),
  c('udvendigHøjdeBetingelse', 'a new box pipe\'s height', el('Olieledning', BOX), el('Olieledning', BOX, { udvendigHoejde: null }), { part: 'udvendigHøjdeSkalAngives' }),
  c('udvendigHøjdeBetingelse', 'no height on a circular pipe', el('Olieledning', PIPE), el('Olieledning', PIPE, { udvendigHoejde: x('udvendigHoejde', '200', ' uom="mm"') }), { part: 'udvendigHøjdeMåIkkeAngives' }),
  c('udvendigHøjdeMåleenhedsrestriktion', 'a height in mm', el('TermiskLedning', BOX), el('TermiskLedning', BOX, { udvendigHoejde: x('udvendigHoejde', '0.2', ' uom="m"') })),
  c('udvendigHøjdeVoidrestriktion', 'a height not void on an own new pipe in use', el('Foeringsroer', BOX, { udvendigHoejde: nil('udvendigHoejde', ' uom="mm"'), etableringstidspunkt: x('etableringstidspunkt', '2022'), forsyningsart: x('forsyningsart', 'vand') }), el('Foeringsroer', BOX, { udvendigHoejde: nil('udvendigHoejde', ' uom="mm"'), forsyningsart: x('forsyningsart', 'vand') })),
  c('vejledendeDybdeBetingelse', 'a new cable of unknown height gives its depth', el('Elledning', LINE, { vejledendeDybde: null, geometri: geometri(line('0')) }), el('Elledning', LINE, { vejledendeDybde: null })),
  c('vejledendeDybdeBetingelse', 'so does a trace for el', el('Ledningstrace', TRACE, { vejledendeDybde: null, forsyningsart: x('forsyningsart', 'vand') }), el('Ledningstrace', TRACE, { vejledendeDybde: null })),
  c('vejledendeDybdeMåleenhedsrestriktion', 'a depth in mm', el('Elledning', LINE), el('Elledning', LINE, { vejledendeDybde: x('vejledendeDybde', '0.5', ' uom="m"') })),
  c('vejledendeDybdeMåleenhedsrestriktion', 'a component\'s depth in mm', el('Gaskomponent', COMPONENT, { vejledendeDybde: x('vejledendeDybde', '500', ' uom="mm"') }), el('Gaskomponent', COMPONENT, { vejledendeDybde: x('vejledendeDybde', '50', ' uom="cm"') })),
  c('vejledendeDybdeVoidrestriktion', 'a depth not void on an own new cable of unknown height', el('Telekommunikationsledning', LINE, { vejledendeDybde: nil('vejledendeDybde', ' uom="mm"'), geometri: geometri(line('3.5')) }), el('Telekommunikationsledning', LINE, { vejledendeDybde: nil('vejledendeDybde', ' uom="mm"') }))
];

describe('each LER restriction, kept and broken, in LER GML', () => {
  it('covers every restriction', () => {
    expect(new Set(CASES.map((k) => k.name))).toEqual(new Set(Object.keys(LER_RESTRICTIONS)));
  });
  for (const k of CASES) {
    it(`${k.name}: ${k.what}`, () => {
      // The kept one keeps every restriction; the broken one breaks this one (and its part).
      expect(names(broken(k.keep))).toEqual([]);
      const found = broken(k.break, k.apart === true);
      expect(names(found)).toContain(k.name);
      if (k.part !== undefined) expect(found.filter((v) => v.name === k.name).map((v) => v.assertion)).toEqual([k.part]);
      const v = found.find((f) => f.name === k.name) as RestrictionViolation;
      expect(v.message).toContain(k.name);
      if (k.part !== undefined) expect(v.message).toContain(`${k.part}: ${(LER_RESTRICTIONS[k.name] as { parts: Record<string, string> }).parts[k.part]}`);
      expect(v.pointer).toMatch(/^(\/properties\/[\w%~ÆØÅæøå/]+|\/geometry|)$/);
    });
  }
});

describe('LER\'s odd corners, as LER wrote them', () => {
  it('the cut-off: after 2023-07-01 by a date, after 2023-07 by a month, after 2023 by a year; a time never', () => {
    expect(['2023-07-02', '2024-02-29', ' 2024-01-01 ', '2023-08', '2024'].map(isAfterCutoff)).toEqual([true, true, true, true, true]);
    expect(['2023-07-01', '2023-06-30', '2023-07', '2023', '2023-07-02T10:00:00Z', '2023-02-30', 'last spring', ''].map(isAfterCutoff)).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('reads the date only, not "before" or "after" (indeterminatePosition)', () => {
    const v = broken(el('Elledning', LINE, { driftsstatus: nil('driftsstatus'), etableringstidspunkt: x('etableringstidspunkt', '2024', ' indeterminatePosition="before"') }));
    expect(names(v)).toEqual(['driftsstatusVoidrestriktion']);
    const g = checkRestrictions(subjectFromGeoJson(L({ driftsstatus: null, etableringstidspunkt: '2024', etableringstidspunktPosition: 'before' }), GEO_LINE_GEOMETRY));
    expect(names(g)).toEqual(['driftsstatusVoidrestriktion']);
  });

  it('a height is unknown only when every third number of every posList is the text -99', () => {
    const noDepth = { vejledendeDybde: null };
    const curve = (z1: string, z2: string): string => geometri(`<gml:Curve srsName="${SRS}"><gml:segments><gml:LineStringSegment><gml:posList>700000 6200000 ${z1} 700005 6200005 -99</gml:posList></gml:LineStringSegment><gml:LineStringSegment><gml:posList>700005 6200005 -99 700010 6200010 ${z2}</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>`);
    expect(names(broken(el('Elledning', LINE, { ...noDepth, geometri: curve('-99', '-99') })))).toEqual(['vejledendeDybdeBetingelse']);
    expect(names(broken(el('Elledning', LINE, { ...noDepth, geometri: curve('-99', '0') })))).toEqual([]);
    expect(names(broken(el('Elledning', LINE, { ...noDepth, geometri: curve('-99.0', '-99') })))).toEqual([]);
    // Two numbers a position: every third number is an x or a y, never -99.
    expect(names(broken(el('Elledning', LINE, { ...noDepth, geometri: geometri(`<gml:LineString srsName="${SRS}"><gml:posList srsDimension="2">700000 6200000 700010 6200010</gml:posList></gml:LineString>`) })))).toEqual([]);
  });

  it('ejerskabsforhold absent is the delivering owner\'s; another owner\'s line may leave its classes void', () => {
    expect(names(broken(el('Elledning', LINE, { noejagtighedsklasse: nil('noejagtighedsklasse') })))).toEqual(['nøjagtighedsklasseVoidrestriktion']);
    expect(names(broken(el('Elledning', LINE, { noejagtighedsklasse: nil('noejagtighedsklasse'), ejerskabsforhold: x('ejerskabsforhold', 'uden ejer') })))).toEqual([]);
  });

  it('a line a trace holds is found whichever comes first in a collection', () => {
    const trace = feature('Ledningstrace', { ...TRACE, indeholdtLedning: '<ler:indeholdtLedning xlink:href="#held"/>' }, {}, 'trace');
    const wfs = (members: string): string => `<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" ${NS}>${members}</wfs:FeatureCollection>`;
    const lineFirst = wfs(`<wfs:member>${feature('Elledning', NO_GEOMETRY, {}, 'held')}</wfs:member><wfs:member>${trace}</wfs:member>`);
    expect(names(broken(lineFirst))).toEqual([]);
    const noTrace = wfs(`<wfs:member>${feature('Elledning', NO_GEOMETRY, {}, 'held')}</wfs:member><wfs:member>${feature('Ledningstrace', TRACE, {}, 'trace')}</wfs:member>`);
    expect(names(broken(noTrace))).toEqual(['geometriBetingelse']);
  });

  it('an answer\'s srsNames: a height that names DVR90 is no EPSG:7416, so it breaks the geometry\'s rule (as LER wrote it)', () => {
    const stuts = (srs: string): string => answer({}, component(feature('Vandkomponent', COMPONENT, { type: x('type', 'ventil'), stutskote: x('stutskote', '12.5', ` srsName="${srs}"`) })));
    expect(names(broken(stuts('http://www.opengis.net/def/crs/EPSG/0/5799')))).toEqual(['indholdGM_ObjectSRIDrestriktion']);
  });

  it('reports every restriction broken, each with its pointer, line and column', () => {
    const v = broken(el('Vandledning', PIPE, { fareklasse: x('fareklasse', 'meget farlig'), udvendigDiameter: x('udvendigDiameter', '2', ' uom="cm"'), driftsstatus: nil('driftsstatus') }));
    expect(names(v)).toEqual(['driftsstatusVoidrestriktion', 'fareklasseRestriktion', 'udvendigDiameterMåleenhedsrestriktion']);
    expect(v.map((f) => f.pointer).sort()).toEqual(['/properties/driftsstatus', '/properties/fareklasse', '/properties/udvendigDiameter']);
    expect(v.every((f) => typeof f.line === 'number' && f.line > 0 && typeof f.column === 'number')).toBe(true);
  });

  it('a repeated element has its index in the pointer; a contact its place in the line', () => {
    const v = broken(el('Ledningstrace', TRACE, { forsyningsart: `${x('forsyningsart', 'el')}${x('forsyningsart', 'vand')}`, vejledendeDybde: null, kontakt: kontakt('') }));
    expect(parts(v)).toEqual(['mailadresseBetingelse', 'telefonnummerBetingelse', 'vejledendeDybdeBetingelse']);
    expect(v.find((f) => f.name === 'mailadresseBetingelse')?.pointer).toBe('/properties/kontaktprofilTilTekniskeSpoergsmaal/Kontaktprofil/mailadresse');
    const subject = subjectFromGml(featureElements(el('Ledningstrace', TRACE, { forsyningsart: `${x('forsyningsart', 'el')}${x('forsyningsart', 'vand')}` })).features[0].element);
    expect(subject.elements.filter((e) => e.name === 'forsyningsart').map((e) => e.pointer)).toEqual(['/properties/forsyningsart/0', '/properties/forsyningsart/1']);
  });

  it('types and their ancestors as the schema derives them', () => {
    expect(typeChain('Vandledning')).toEqual(['LedningEllerLedningstrace', 'Ledning', 'Roerledning', 'Vandledning']);
    expect(typeChain('AndenLedning')).toEqual(['LedningEllerLedningstrace', 'Ledning', 'AndenLedning']);
    expect(typeChain('Ledningstrace')).toEqual(['LedningEllerLedningstrace', 'Ledningstrace']);
    expect(typeChain('Vandkomponent')).toEqual(['Ledningskomponent', 'Vandkomponent']);
    expect(typeChain('Kontaktprofil')).toEqual(['Kontaktprofil']);
    expect(normalizeSpace(' \t ejet af\n udleverende  ledningsejer ')).toBe('ejet af udleverende ledningsejer');
  });
});

/** A GeoJSON line with what LER wants of one laid after the cut-off. */
const GEO_LINE = { featureType: 'Elledning', driftsstatus: 'i drift', etableringstidspunkt: '2024-01-01', fareklasse: 'ikke farlig', noejagtighedsklasse: '<= 0.25 m', noejagtighedsklasseVertikal: '<= 0.25 m', vejledendeDybde: 500, udvendigDiameter: 20 };
const GEO_LINE_GEOMETRY = { type: 'LineString', coordinates: [[700000, 6200000], [700010, 6200010]] };
const GEO_POINT = { type: 'Point', coordinates: [700000, 6200000] };

interface GeoCase {
  name: LerRestrictionName;
  keep: [Record<string, unknown>, unknown];
  break: [Record<string, unknown>, unknown];
  part?: string;
}

const g = (name: LerRestrictionName, keep: Record<string, unknown>, brk: Record<string, unknown>, geometry: unknown = GEO_LINE_GEOMETRY, more: Partial<GeoCase> = {}): GeoCase => ({ name, keep: [keep, geometry], break: [brk, geometry], ...more });
const L = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...GEO_LINE, ...changes });
const P = (type: string, changes: Record<string, unknown> = {}): Record<string, unknown> => ({ ...GEO_LINE, featureType: type, ...changes });
const K = (type: string, changes: Record<string, unknown>): Record<string, unknown> => ({ featureType: type, ...changes });
const z = (value: number): unknown => ({ type: 'LineString', coordinates: [[700000, 6200000, value], [700010, 6200010, value]] });

const GEO_CASES: GeoCase[] = [
  g('anborstedTilladelse', K('Vandkomponent', { type: 'tilslutningspunkt', anborsted: 'hovedledning' }), K('Vandkomponent', { type: 'ventil', anborsted: 'hovedledning' }), GEO_POINT),
  g('brøndformTilladelse', K('Afloebskomponent', { type: 'brønd', broendform: 'rund' }), K('Afloebskomponent', { type: 'sandfang', broendform: 'rund' }), GEO_POINT),
  g('bundlængdeTilladelse', K('Afloebskomponent', { type: 'brønd', broendform: 'kvadratisk', bundlaengde: 900 }), K('Afloebskomponent', { type: 'brønd', bundlaengde: 900 }), GEO_POINT),
  g('driftsstatusVoidrestriktion', L({ driftsstatus: null, etableringstidspunkt: '2023-07-01' }), L({ driftsstatus: null })),
  g('fareklasseRestriktion', P('Vandledning', { fareklasse: 'farlig' }), P('Vandledning', { fareklasse: 'meget farlig' }), z(12)),
  g('fareklasseVoidrestriktion', L({ fareklasse: null, etableringstidspunkt: '1990-01-01' }), L({ fareklasse: null })),
  g('forsyningsartRestriktion', P('AndenLedning', { forsyningsart: 'other: trykluft' }), P('AndenLedning', { forsyningsart: 'gas' }), z(12)),
  g('geometriVertikaleKoordinaterRestriktion', P('Vandledning'), P('Vandledning'), z(12), { break: [P('Vandledning'), z(-99)] }),
  g('nøjagtighedsklasseBetingelse', K('Ledningstrace', { bredde: 0.6, forsyningsart: 'vand', noejagtighedsklasse: '<= 0.50 m', noejagtighedsklasseVertikal: '<= 0.50 m' }), L({}), null, { break: [L({}), null] }),
  g('nøjagtighedsklasseVoidrestriktion', L({ noejagtighedsklasse: null, ejerskabsforhold: 'uden ejer' }), L({ noejagtighedsklasse: null })),
  g('nøjagtighedsklasseVertikalVoidrestriktion', L({ noejagtighedsklasseVertikal: null, etableringstidspunkt: '2023' }), L({ noejagtighedsklasseVertikal: undefined })),
  g('relativNiveauTilladelse', K('Elkomponent', { type: 'rørblok', relativNiveau: '1' }), K('Elkomponent', { type: 'kabelskab', relativNiveau: '1' }), GEO_POINT),
  g('stutskoteTilladelse', K('Vandkomponent', { type: 'ventil', stutskote: '12.5' }), K('Vandkomponent', { type: 'tilslutningspunkt', stutskote: '12.5' }), GEO_POINT),
  g('tapstedstypeTilladelse', K('Vandkomponent', { type: 'tapsted', tapstedstype: 'brandhane' }), K('Vandkomponent', { type: 'ventil', tapstedstype: 'brandhane' }), GEO_POINT),
  g('udvendigBreddeBetingelse', P('Afloebsledning', { udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigBredde: 300, udvendigHoejde: 200 }), P('Afloebsledning', { udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigHoejde: 200 }), z(12), { part: 'udvendigBreddeSkalAngives' }),
  g('udvendigBreddeVoidrestriktion', P('Afloebsledning', { udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigBredde: null, udvendigHoejde: 200, etableringstidspunkt: '2021-03-04' }), P('Afloebsledning', { udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigBredde: null, udvendigHoejde: 200 }), z(12)),
  g('udvendigDiameterBetingelse', L({}), L({ udvendigDiameter: undefined })),
  g('udvendigDiameterBetingelse', P('Gasledning'), P('Gasledning', { tvaersnitsform: 'oval' }), z(12), { part: 'udvendigDiameterMåIkkeAngives' }),
  g('udvendigDiameterVoidrestriktion', P('Gasledning', { udvendigDiameter: null, etableringstidspunkt: '2023-07' }), P('Gasledning', { udvendigDiameter: null }), z(12)),
  g('udvendigHøjdeBetingelse', P('Olieledning'), P('Olieledning', { tvaersnitsform: 'cirkulær', udvendigHoejde: 200 }), z(12), { part: 'udvendigHøjdeMåIkkeAngives' }),
  g('udvendigHøjdeVoidrestriktion', P('Olieledning', { udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigBredde: 300, udvendigHoejde: null, etableringstidspunkt: '2022' }), P('Olieledning', { udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigBredde: 300, udvendigHoejde: null }), z(12)),
  g('vejledendeDybdeBetingelse', L({ vejledendeDybde: undefined }), L({ vejledendeDybde: undefined }), z(0), { break: [L({ vejledendeDybde: undefined }), z(-99)] }),
  g('vejledendeDybdeVoidrestriktion', L({ vejledendeDybde: null, ejerskabsforhold: 'uden ejer' }), L({ vejledendeDybde: null }), z(-99), { keep: [L({ vejledendeDybde: 500, ejerskabsforhold: 'uden ejer' }), z(-99)] })
];

describe('the same restrictions on GeoJSON, where GeoJSON has the attributes', () => {
  for (const k of GEO_CASES) {
    it(`${k.name}${k.part !== undefined ? ` (${k.part})` : ''}`, () => {
      expect(names(checkRestrictions(subjectFromGeoJson(...k.keep)))).toEqual([]);
      const found = checkRestrictions(subjectFromGeoJson(...k.break));
      expect(names(found)).toContain(k.name);
      if (k.part !== undefined) expect(found.filter((v) => v.name === k.name).map((v) => v.assertion)).toEqual([k.part]);
    });
  }

  it('null is void, with its reason from nilReasons; a missing class of a line is void too, as a writer states it', () => {
    const s = subjectFromGeoJson({ featureType: 'Elledning', fareklasse: null, nilReasons: { fareklasse: 'withheld' } }, GEO_LINE_GEOMETRY);
    expect(s.elements.find((e) => e.name === 'fareklasse')).toMatchObject({ nil: true, nilReason: 'withheld', pointer: '/properties/fareklasse' });
    expect(s.elements.find((e) => e.name === 'noejagtighedsklasseVertikal')).toMatchObject({ nil: true, nilReason: 'unknown', implied: true });
    const v = checkRestrictions(subjectFromGeoJson(L({ noejagtighedsklasseVertikal: undefined }), GEO_LINE_GEOMETRY));
    expect(v.map((f) => [f.name, f.pointer])).toEqual([['nøjagtighedsklasseVertikalVoidrestriktion', '/properties/noejagtighedsklasseVertikal']]);
    expect(v[0].message).toContain('noejagtighedsklasseVertikal is not given (unknown)');
  });

  it('a pipe that gives no cross-section is circular, unless it gives a width or a height', () => {
    const tv = (p: Record<string, unknown>): unknown => subjectFromGeoJson(p, z(1)).elements.find((e) => e.name === 'tvaersnitsform');
    expect(tv(P('Vandledning'))).toMatchObject({ nil: false, text: 'cirkulær' });
    expect(tv(P('Vandledning', { udvendigDiameter: undefined, udvendigBredde: 300 }))).toMatchObject({ nil: true });
    expect(tv(P('Vandledning', { tvaersnitsform: 'rektangulær' }))).toMatchObject({ text: 'rektangulær' });
    expect(tv(L({}))).toBeUndefined();
  });

  it('measures are in the units LER asks (a trace\'s bredde is metres in GeoJSON, written in mm)', () => {
    const s = subjectFromGeoJson({ featureType: 'Ledningstrace', bredde: 0.6, vejledendeDybde: 500, forsyningsart: ['el', 'vand'] }, GEO_LINE_GEOMETRY);
    expect(s.elements.filter((e) => e.uom !== undefined).map((e) => [e.name, e.uom])).toEqual([['bredde', 'mm'], ['vejledendeDybde', 'mm']]);
    expect(s.elements.filter((e) => e.name === 'forsyningsart').map((e) => [e.text, e.pointer])).toEqual([['el', '/properties/forsyningsart/0'], ['vand', '/properties/forsyningsart/1']]);
  });

  it('heights are the third numbers of 3-D positions; a 2-D line\'s are unknown (-99), as GML writes them', () => {
    expect(subjectFromGeoJson(L({}), z(-99)).zValues?.()).toEqual(['-99', '-99']);
    expect(subjectFromGeoJson(L({}), GEO_LINE_GEOMETRY).zValues?.()).toEqual(['-99', '-99']);
    expect(subjectFromGeoJson(L({}), z(12.5)).zValues?.()).toEqual(['12.5', '12.5']);
    // Unknown heights: a line laid after the cut-off needs its depth, as in GML.
    expect(names(checkRestrictions(subjectFromGeoJson(L({ vejledendeDybde: undefined }), GEO_LINE_GEOMETRY)))).toEqual(names(checkRestrictions(subjectFromGeoJson(L({ vejledendeDybde: undefined }), z(-99)))));
    expect(names(checkRestrictions(subjectFromGeoJson(L({ vejledendeDybde: undefined }), z(12.5))))).toEqual([]);
    expect(subjectFromGeoJson(K('Elkomponent', {}), { type: 'Point', coordinates: [1, 2, -99] }).zValues?.()).toEqual([]);
  });

  it('a GeoJSON geometry is written as LER wants it: a line\'s MultiLineString too', () => {
    const multi = { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] };
    expect(names(checkRestrictions(subjectFromGeoJson(L({}), multi)))).toEqual([]);
    expect(names(checkRestrictions(subjectFromGeoJson({ featureType: 'Ledningstrace', noejagtighedsklasse: '<= 0.50 m', noejagtighedsklasseVertikal: '<= 0.50 m', forsyningsart: 'vand' }, multi)))).toEqual([]);
    expect(names(checkRestrictions(subjectFromGeoJson(K('Vandkomponent', {}), { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]]] })))).toEqual([]);
  });

  it('a held line without geometry is checked as held', () => {
    expect(names(checkRestrictions(subjectFromGeoJson({ ...NO_GEO }, null)))).toEqual(['geometriBetingelse']);
    expect(names(checkRestrictions(subjectFromGeoJson({ ...NO_GEO }, null, { contained: true })))).toEqual([]);
  });
});

const NO_GEO = { featureType: 'Elledning', driftsstatus: 'i drift', etableringstidspunkt: '2024-01-01', fareklasse: 'ikke farlig', vejledendeDybde: 500, udvendigDiameter: 20 };

describe('a GeoJSON upload refuses the first restriction a feature breaks', () => {
  const opts: FeatureReadOptions = { crs: 'EPSG:25832', extent: null, coarseAccuracy: 5, owner: 0 };
  const read = (properties: Record<string, unknown>, geometry: unknown = GEO_LINE_GEOMETRY, more: Partial<FeatureReadOptions> = {}): { code: string; pointer?: string; message?: string } => {
    try {
      readFeature({ type: 'Feature', id: 'a', geometry, properties }, 0, new ColumnBuilder(), null, { ...opts, ...more });
      return { code: 'none' };
    } catch (error) {
      if (error instanceof LerError) return { code: error.code, pointer: error.pointer, message: error.message };
      throw error;
    }
  };

  it('with LER\'s name, the attribute\'s pointer, and LER\'s words for the part that broke', () => {
    expect(read(L({}))).toEqual({ code: 'none' });
    const r = read(P('AndenLedning', { forsyningsart: 'other: trykluft', udvendigDiameter: undefined, tvaersnitsform: 'rektangulær', udvendigHoejde: 200 }), z(3));
    expect(r).toMatchObject({ code: 'udvendigBreddeBetingelse', pointer: '/properties/udvendigBredde' });
    expect(r.message).toContain('udvendigBreddeSkalAngives: Den udvendige bredde skal være angivet');
    expect(read(L({ vejledendeDybde: null }), z(-99))).toMatchObject({ code: 'vejledendeDybdeBetingelse', pointer: '/properties/vejledendeDybde' });
    expect(read(P('AndenLedning', { forsyningsart: 'el' }), z(3))).toMatchObject({ code: 'forsyningsartRestriktion', pointer: '/properties/forsyningsart' });
  });

  it('not when they were checked on the document (GML): restrictions false', () => {
    expect(read(P('AndenLedning', { forsyningsart: 'el' }), z(3), { restrictions: false })).toEqual({ code: 'none' });
  });

  it('a line crossing itself is refused where asked (GML uploads), not by default', () => {
    const bowtie = { type: 'LineString', coordinates: [[700000, 6200000], [700010, 6200010], [700000, 6200010], [700010, 6200000]] };
    expect(read(L({}), bowtie)).toEqual({ code: 'none' });
    expect(read(L({}), bowtie, { simpleLines: true })).toMatchObject({ code: 'LINE_SELF_INTERSECTS', pointer: '/geometry/coordinates/0' });
    const parts2 = { type: 'MultiLineString', coordinates: [[[700000, 6200000], [700010, 6200010]], bowtie.coordinates] };
    expect(read(L({}), parts2, { simpleLines: true })).toMatchObject({ code: 'LINE_SELF_INTERSECTS', pointer: '/geometry/coordinates/1/0' });
    // Two parts crossing each other, and a line touching itself at a vertex, are not.
    const cross = { type: 'MultiLineString', coordinates: [[[700000, 6200000], [700010, 6200010]], [[700000, 6200010], [700010, 6200000]]] };
    expect(read(L({}), cross, { simpleLines: true })).toEqual({ code: 'none' });
    const loop = { type: 'LineString', coordinates: [[700000, 6200000], [700010, 6200000], [700010, 6200010], [700000, 6200000]] };
    expect(read(L({}), loop, { simpleLines: true })).toEqual({ code: 'none' });
  });
});

describe('the table, the checks and the catalogues agree', () => {
  it('81 restrictions under 46 names, each stated on the types LER states it on', () => {
    expect(LER_RESTRICTION_COUNT).toBe(81);
    expect(Object.keys(LER_RESTRICTIONS)).toHaveLength(46);
    const table = Object.entries(LER_RESTRICTIONS).flatMap(([name, r]) => r.types.map((t) => `${t} ${name}`)).sort();
    const checks = RESTRICTED_TYPES.flatMap((t) => statedOn(t).map((name) => `${t} ${name}`)).sort();
    expect(checks).toEqual(table);
  });

  it('each is an error code (422, its explanation) and a published rule', () => {
    for (const [name, r] of Object.entries(LER_RESTRICTIONS)) {
      expect(ErrorCodes[name as LerRestrictionName], name).toEqual({ status: 422, message: `LER restriction: ${r.explanation}` });
      expect(RULES.find((rule) => rule.code === name), name).toMatchObject({ severity: 'error', appliesTo: r.concerns });
    }
    expect(RULES.find((rule) => rule.code === 'LINE_SELF_INTERSECTS')).toMatchObject({ appliesTo: 'geometry' });
  });
});
