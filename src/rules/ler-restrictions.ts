/**
 * LER 2.2's feature-catalogue restrictions (src/model/ler-restrictions.ts), each of LER's XPath 2
 * assertions ported by hand to a predicate over one feature: its LER type, its child elements,
 * the GML it holds. A type is checked against its own restrictions and its ancestors' (an
 * Elledning against LedningEllerLedningstrace's, Ledning's and Elledning's), as LER's server
 * does after the schema; records of a type with restrictions inside the feature (a Kontaktprofil,
 * an answer's Informationsressource) are checked too.
 *
 * The predicates follow LER's text to the letter, odd corners included: `$afterCutoff` reads
 * only the text of `etableringstidspunkt` (a date after 2023-07-01, a year-month after 2023-07, a
 * year after 2023; a time or anything else is not after, and `indeterminatePosition` is not
 * read); a height is unknown only when every third number of every posList under `geometri` is
 * the text "-99"; `ejerskabsforhold` absent counts as the delivering owner's. The subject comes
 * from GML or GeoJSON (src/rules/restriction-subject.ts), so both are held to the same rules.
 */
import { LER_RESTRICTIONS, type LerRestrictionName } from '../model/ler-restrictions.js';
import { geometryViolations } from './gml-shape-rules.js';

/** One child element of a feature (or of a record within it), as the restrictions read it. */
export interface RestrictionElement {
  /** Local name, e.g. `udvendigDiameter`. */
  name: string;
  /** `xsi:nil="true"` (LER's test is on that text). */
  nil: boolean;
  nilReason?: string;
  /** The string value: the element's text (its descendants' for a record). */
  text: string;
  uom?: string;
  /** Its other attributes by local name (`type` of `ler:format`, `srsName`, `indeterminatePosition`). */
  attributes: Readonly<Record<string, string>>;
  /** Child elements that are not GML: a record's fields (`Kontaktprofil`, then `navn`...). */
  children: readonly RestrictionElement[];
  /** Child elements that are GML: the geometry it holds. */
  shapes: readonly GmlShape[] | null;
  /** JSON pointer of the attribute, e.g. `/properties/udvendigDiameter`. */
  pointer: string;
  /** Not in the feature: what LER's encoding states for an attribute GeoJSON leaves out (void: unknown). */
  implied?: boolean;
  line?: number;
  column?: number;
}

/**
 * A GML element of a geometry, reduced to what the restrictions ask: its name, whether it is in
 * the GML namespace, its children, the srsName it names. A posList keeps its text.
 */
export interface GmlShape {
  name: string;
  gml: boolean;
  children: readonly GmlShape[];
  srsName?: string;
  /** A posList's text (the numbers of its positions). */
  text?: string;
}

/** What a document holds below its root, for an answer's (`Graveforespoergselssvar`) restrictions. */
export interface RestrictionContent {
  /** Every srsName named in the document. */
  srsNames: Set<string>;
  /** srsNames of heights (elements whose name ends in `kote`). */
  koteSrsNames: Set<string>;
  /** nilReasons of void elements. */
  nilReasons: Set<string>;
}

/** One feature (or an answer's root), as the restrictions see it. */
export interface RestrictionSubject {
  /** The LER type's local name: `Elledning`, `Ledningstrace`, `Graveforespoergselssvar`... */
  type: string;
  /** The gml:id, for `indeholdtLedning` references. */
  gmlId?: string;
  /** The child elements in document order (a repeated element is there as often as it is repeated). */
  elements: readonly RestrictionElement[];
  /** Every third number of each posList under `geometri`; asked only for lines laid after the cut-off. */
  zValues?: () => readonly string[];
  /** A Ledningstrace (or line) of the document holds this line by `indeholdtLedning`. */
  contained?: boolean;
  /** For a Graveforespoergselssvar: what its members hold (their srsNames, nilReasons). */
  content?: RestrictionContent;
  line?: number;
  column?: number;
}

/** One broken restriction: LER's name, the part of it that broke, where, and why. */
export interface RestrictionViolation {
  name: LerRestrictionName;
  /** LER's name of the part that broke (a sub-assertion's), else the restriction's own name. */
  assertion: string;
  pointer: string;
  message: string;
  line?: number;
  column?: number;
}

/** The cut-off of LER 2.2: lines laid after this date carry more attributes. */
export const LER_CUTOFF = '2023-07-01';

const PIPES = new Set(['Vandledning', 'Afloebsledning', 'Gasledning', 'TermiskLedning', 'Olieledning', 'Foeringsroer']);
/** Types that are records, checked wherever they occur inside a subject. */
const RECORDS = new Set(['Kontaktprofil', 'Informationsressource', 'LinearAnnotation', 'LinearDimension']);
const SUPPLY_KINDS = new Set(['afløb', 'el', 'fjernvarme/fjernkøling', 'gas', 'olie', 'telekommunikation', 'vand']);
const FORMATS: Readonly<Record<string, readonly string[]>> = {
  CSV: ['text/csv'],
  DGN: ['application/octet-stream'],
  DOC: ['application/msword'],
  DOCX: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  DWF: ['model/vnd.dwf'],
  DWG: ['image/vnd.dwg'],
  DXF: ['image/vnd.dxf'],
  'IFC-SPF': ['application/x-step'],
  'IFC-XML': ['application/xml'],
  JPEG: ['image/jpeg'],
  PDF: ['application/pdf'],
  SAT: ['application/octet-stream'],
  SHP: ['application/x-shapefile'],
  SKP: ['application/octet-stream'],
  TAB: ['application/x-tab'],
  TIFF: ['image/tiff'],
  XLS: ['application/vnd.ms-excel'],
  XLSX: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']
};
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const EPSG_7416 = 'http://www.opengis.net/def/crs/EPSG/0/7416';
const EPSG_5799 = 'http://www.opengis.net/def/crs/EPSG/0/5799';
const OWNER_OWN = 'ejet af udleverende ledningsejer';

/** XPath's normalize-space: XML whitespace trimmed and collapsed. */
export function normalizeSpace(text: string): string {
  if (!/[\t\n\r]|^ | $| {2}/.test(text)) return text;
  return text.replace(/[ \t\n\r]+/g, ' ').replace(/^ | $/g, '');
}

/** LER's `$afterCutoff` of an `etableringstidspunkt` text. */
export function isAfterCutoff(etableringstidspunkt: string): boolean {
  const etab = normalizeSpace(etableringstidspunkt);
  if (/^\d{4}-\d{2}-\d{2}$/.test(etab)) return validDate(etab) && etab > LER_CUTOFF;
  if (/^\d{4}-\d{2}$/.test(etab)) return etab > LER_CUTOFF.slice(0, 7);
  if (/^\d{4}$/.test(etab)) return Number(etab) > Number(LER_CUTOFF.slice(0, 4));
  return false;
}

/** A real calendar day (LER's xs:date() would fail on another: such a date is never after). */
function validDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number);
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** The type and its ancestors, most general first, as the schema derives them. */
export function typeChain(type: string): string[] {
  if (RECORDS.has(type) || type === 'Graveforespoergselssvar') return [type];
  if (type.toLowerCase().endsWith('komponent')) return ['Ledningskomponent', type];
  if (type === 'Ledningstrace') return ['LedningEllerLedningstrace', 'Ledningstrace'];
  return ['LedningEllerLedningstrace', 'Ledning', ...(PIPES.has(type) ? ['Roerledning'] : []), type];
}

/** A subject's elements by name, with the variables LER's assertions share. */
export class Facts {
  private readonly byName = new Map<string, RestrictionElement[]>();
  private vertical: boolean | null = null;
  readonly afterCutoff: boolean;
  /** ejerskabsforhold absent or the delivering owner's. */
  readonly ownLine: boolean;
  /** driftsstatus is not "under etablering". */
  readonly notBeingBuilt: boolean;
  readonly isCirkulaer: boolean;
  /** normalize-space(forsyningsart[1]). */
  readonly primaryForsyningsart: string;

  constructor(readonly subject: RestrictionSubject) {
    for (const e of subject.elements) {
      const list = this.byName.get(e.name);
      if (list === undefined) this.byName.set(e.name, [e]);
      else list.push(e);
    }
    this.afterCutoff = isAfterCutoff(this.text('etableringstidspunkt'));
    this.ownLine = !this.has('ejerskabsforhold') || this.value('ejerskabsforhold') === OWNER_OWN;
    this.notBeingBuilt = this.value('driftsstatus') !== 'under etablering';
    this.isCirkulaer = this.value('tvaersnitsform') === 'cirkulær';
    this.primaryForsyningsart = this.value('forsyningsart');
  }

  all(name: string): readonly RestrictionElement[] {
    return this.byName.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The string value of the first such element, '' when there is none. */
  text(name: string): string {
    return this.byName.get(name)?.[0].text ?? '';
  }

  /** normalize-space of the first such element. */
  value(name: string): string {
    return normalizeSpace(this.text(name));
  }

  /** Some such element is xsi:nil="true". */
  nil(name: string): boolean {
    return this.all(name).some((e) => e.nil);
  }

  /** Given, not void and not blank: LER's "skal være angivet". */
  given(name: string): boolean {
    return this.has(name) && !this.nil(name) && this.value(name) !== '';
  }

  /** Absent, or some such element in this unit. */
  inUnit(name: string, uom: string): boolean {
    return !this.has(name) || this.all(name).some((e) => e.uom === uom);
  }

  /** Every height of the geometry is unknown (-99), and it has some. */
  get verticalUnknown(): boolean {
    if (this.vertical === null) {
      const z = this.subject.zValues?.() ?? [];
      this.vertical = z.length > 0 && z.every((v) => v === '-99');
    }
    return this.vertical;
  }
}

/** What a check finds broken: the part (for restrictions in parts) and the attribute. */
interface Broken {
  part?: string;
  /** The attribute's name under /properties, or '/geometry', or a pointer of its own ('' the document). */
  at: string;
  detail?: string;
}

type Check = (f: Facts) => Broken[] | Broken | null;

const at = (name: string, detail?: string): Broken => ({ at: name, ...(detail !== undefined ? { detail } : {}) });
const unit = (name: string, uom: string): Check => (f) => (f.inUnit(name, uom) ? null : at(name, `${name} is in ${JSON.stringify(f.all(name)[0].uom ?? '')}, not ${uom}.`));
/** The owner's own line, laid after the cut-off, not under construction: LER's common premise of a void restriction. */
const ownBuilt = (f: Facts): boolean => f.afterCutoff && f.ownLine && f.notBeingBuilt;
const notVoid = (name: string, premise: (f: Facts) => boolean): Check => (f) => (premise(f) && f.nil(name) ? at(name, f.all(name).every((e) => e.implied === true) ? `${name} is not given (unknown).` : `${name} is void.`) : null);
const onlyWith = (name: string, allowed: (f: Facts) => boolean): Check => (f) => (f.has(name) && !allowed(f) ? at(name) : null);
const elTele = (f: Facts): boolean => f.primaryForsyningsart === 'el' || f.primaryForsyningsart === 'telekommunikation';

/** A pipe's measure that its cross-section decides: given after the cut-off when (not) circular, absent otherwise. */
function byCrossSection(name: string, must: string, mustNot: string, whenCircular: boolean): Check {
  return (f) => {
    const out: Broken[] = [];
    const applies = f.isCirkulaer === whenCircular;
    if (f.afterCutoff && applies && !f.given(name)) out.push({ part: must, at: name });
    if (!applies && f.has(name)) out.push({ part: mustNot, at: name });
    return out;
  };
}

const vejledendeDybdeForCables: Check = (f) => (f.afterCutoff && f.verticalUnknown && !f.given('vejledendeDybde') ? at('vejledendeDybde') : null);
const vejledendeDybdeForSupply: Check = (f) => (f.afterCutoff && f.verticalUnknown && elTele(f) && !f.given('vejledendeDybde') ? at('vejledendeDybde') : null);
const verticalKnown: Check = (f) => (ownBuilt(f) && f.verticalUnknown ? at('/geometry', 'Every Z of the geometry is -99 (unknown).') : null);
const diameterForCables: Check = (f) => (f.afterCutoff && !f.given('udvendigDiameter') ? at('udvendigDiameter') : null);
const accuracyWithGeometry = (name: string): Check => (f) => (f.has('geometri') === f.has(name) ? null : at(name, f.has('geometri') ? `The line has a geometri but no ${name}.` : `The line has no geometri but a ${name}.`));
const pipeMeasures: readonly [LerRestrictionName, Check][] = [
  ['udvendigBreddeBetingelse', byCrossSection('udvendigBredde', 'udvendigBreddeSkalAngives', 'udvendigBreddeMåIkkeAngives', false)],
  ['udvendigBreddeMåleenhedsrestriktion', unit('udvendigBredde', 'mm')],
  ['udvendigBreddeVoidrestriktion', notVoid('udvendigBredde', ownBuilt)],
  ['udvendigDiameterBetingelse', byCrossSection('udvendigDiameter', 'udvendigDiameterSkalAngives', 'udvendigDiameterMåIkkeAngives', true)],
  ['udvendigHøjdeBetingelse', byCrossSection('udvendigHoejde', 'udvendigHøjdeSkalAngives', 'udvendigHøjdeMåIkkeAngives', false)],
  ['udvendigHøjdeMåleenhedsrestriktion', unit('udvendigHoejde', 'mm')],
  ['udvendigHøjdeVoidrestriktion', notVoid('udvendigHoejde', ownBuilt)]
];
const notVeryDangerous: Check = (f) => (f.value('fareklasse') === 'meget farlig' ? at('fareklasse') : null);
const otherSupply: Check = (f) => (SUPPLY_KINDS.has(f.value('forsyningsart')) ? at('forsyningsart', `"${f.value('forsyningsart')}" has an element of its own.`) : null);
const cableDepth: readonly [LerRestrictionName, Check][] = [
  ['udvendigDiameterBetingelse', diameterForCables],
  ['vejledendeDybdeBetingelse', vejledendeDybdeForCables],
  ['vejledendeDybdeVoidrestriktion', notVoid('vejledendeDybde', (f) => ownBuilt(f) && f.verticalUnknown)]
];

/** Each LER type's own restrictions, in LER's order. */
const BY_TYPE: Readonly<Record<string, readonly [LerRestrictionName, Check][]>> = {
  LedningEllerLedningstrace: [['vejledendeDybdeMåleenhedsrestriktion', unit('vejledendeDybde', 'mm')]],
  Ledning: [
    ['driftsstatusVoidrestriktion', notVoid('driftsstatus', (f) => f.afterCutoff)],
    ['fareklasseVoidrestriktion', notVoid('fareklasse', (f) => f.afterCutoff)],
    ['geometriBetingelse', (f) => (f.subject.contained === true || (f.has('geometri') && !f.nil('geometri')) ? null : at('/geometry', f.has('geometri') ? 'geometri is void.' : 'The line has no geometri and no trace holds it.'))],
    ['geometriDatatyperestriktion', (f) => geometryViolations('Ledning', (n) => f.all(n))],
    ['nøjagtighedsklasseBetingelse', accuracyWithGeometry('noejagtighedsklasse')],
    ['nøjagtighedsklasseVertikalBetingelse', accuracyWithGeometry('noejagtighedsklasseVertikal')],
    ['nøjagtighedsklasseVertikalVoidrestriktion', notVoid('noejagtighedsklasseVertikal', (f) => f.afterCutoff && f.ownLine)],
    ['nøjagtighedsklasseVoidrestriktion', notVoid('noejagtighedsklasse', (f) => f.afterCutoff && f.ownLine)],
    ['udvendigDiameterMåleenhedsrestriktion', unit('udvendigDiameter', 'mm')],
    ['udvendigDiameterVoidrestriktion', notVoid('udvendigDiameter', ownBuilt)]
  ],
  Roerledning: pipeMeasures,
  Ledningstrace: [
    ['breddeMåleenhedsrestriktion', unit('bredde', 'mm')],
    ['geometriDatatyperestriktion', (f) => geometryViolations('Ledningstrace', (n) => f.all(n))],
    ['nøjagtighedsklasseBetingelse', (f) => (f.has('noejagtighedsklasse') ? null : at('noejagtighedsklasse'))],
    ['nøjagtighedsklasseVertikalBetingelse', (f) => (f.has('noejagtighedsklasseVertikal') ? null : at('noejagtighedsklasseVertikal'))],
    ['nøjagtighedsklasseVertikalVoidrestriktion', notVoid('noejagtighedsklasseVertikal', (f) => f.afterCutoff && f.ownLine)],
    ['nøjagtighedsklasseVoidrestriktion', notVoid('noejagtighedsklasse', (f) => f.afterCutoff && f.ownLine)],
    ['vejledendeDybdeBetingelse', vejledendeDybdeForSupply],
    ['vejledendeDybdeVoidrestriktion', notVoid('vejledendeDybde', (f) => ownBuilt(f) && f.verticalUnknown && elTele(f))]
  ],
  Elledning: [['spændingsniveauMåleenhedsrestriktion', unit('spaendingsniveau', 'kV')], ...cableDepth],
  Telekommunikationsledning: [['fareklasseRestriktion', notVeryDangerous], ...cableDepth],
  Vandledning: [
    ['fareklasseRestriktion', notVeryDangerous],
    ['geometriVertikaleKoordinaterRestriktion', verticalKnown]
  ],
  Afloebsledning: [['geometriVertikaleKoordinaterRestriktion', verticalKnown]],
  Gasledning: [
    ['geometriVertikaleKoordinaterRestriktion', verticalKnown],
    ['trykMåleenhedsrestriktion', unit('tryk', 'bar')]
  ],
  Olieledning: [
    ['geometriVertikaleKoordinaterRestriktion', verticalKnown],
    ['trykMåleenhedsrestriktion', unit('tryk', 'bar')]
  ],
  TermiskLedning: [
    ['geometriVertikaleKoordinaterRestriktion', verticalKnown],
    ['temperaturMåleenhedsrestriktion', unit('temperatur', 'Cel')],
    ['trykMåleenhedsrestriktion', unit('tryk', 'bar')]
  ],
  Foeringsroer: [
    ['geometriVertikaleKoordinaterRestriktion', (f) => (ownBuilt(f) && !elTele(f) && f.verticalUnknown ? at('/geometry', 'Every Z of the geometry is -99 (unknown).') : null)],
    ['vejledendeDybdeBetingelse', vejledendeDybdeForSupply],
    ['vejledendeDybdeVoidrestriktion', notVoid('vejledendeDybde', (f) => ownBuilt(f) && f.verticalUnknown && elTele(f))]
  ],
  // Not a Roerledning in the schema, but it carries the same measures.
  AndenLedning: [
    ['forsyningsartRestriktion', otherSupply],
    ['geometriVertikaleKoordinaterRestriktion', verticalKnown],
    ...pipeMeasures
  ],
  Ledningskomponent: [
    ['geometriDatatyperestriktion', (f) => geometryViolations('Ledningskomponent', (n) => f.all(n))],
    ['vejledendeDybdeMåleenhedsrestriktion', unit('vejledendeDybde', 'mm')]
  ],
  Afloebskomponent: [
    ['brøndformTilladelse', onlyWith('broendform', (f) => f.value('type') === 'brønd')],
    ['bunddiameterbreddeMåleenhedsrestriktion', unit('bunddiameterbredde', 'mm')],
    ['bundlængdeMåleenhedsrestriktion', unit('bundlaengde', 'mm')],
    ['bundlængdeTilladelse', onlyWith('bundlaengde', (f) => f.value('type') === 'brønd' && (f.value('broendform') === 'kvadratisk' || f.value('broendform') === 'rektangulær'))]
  ],
  AndenKomponent: [['forsyningsartRestriktion', otherSupply]],
  Elkomponent: [
    ['relativNiveauTilladelse', onlyWith('relativNiveau', (f) => f.value('type') === 'rørblok')],
    ['spændingsniveauMåleenhedsrestriktion', unit('spaendingsniveau', 'kV')]
  ],
  Vandkomponent: [
    ['anborstedTilladelse', onlyWith('anborsted', (f) => f.value('type') === 'tilslutningspunkt')],
    ['stutskoteTilladelse', onlyWith('stutskote', (f) => f.value('type') === 'tapsted' || f.value('type') === 'ventil')],
    ['tapstedstypeTilladelse', onlyWith('tapstedstype', (f) => f.value('type') === 'tapsted')]
  ],
  Graveforespoergselssvar: [
    ['forventetAfleveringstidspunktBetingelse', onlyWith('forventetAfleveringstidspunkt', (f) => f.value('type') === 'udtaget til manuel behandling')],
    ['idRestriktion', (f) => (UUID.test(f.text('id')) ? null : at('id', `${JSON.stringify(f.text('id').slice(0, 60))} is not a UUID.`))],
    ['indholdGM_ObjectSRIDrestriktion', (f) => outside(content(f).srsNames, EPSG_7416, '/geometry', 'srsName')],
    ['indholdKoteSRIDrestriktion', (f) => outside(content(f).koteSrsNames, EPSG_5799, '', 'srsName of a kote')],
    ['indholdNilReasonRestriktion', (f) => outside(content(f).nilReasons, 'unknown', '', 'nilReason')],
    ['typeSupplerendeInfoBetingelse', (f) => (f.value('type') !== 'ledningsoplysninger udleveres ikke' || f.has('typeSupplerendeInfo') ? null : at('typeSupplerendeInfo'))]
  ],
  Informationsressource: [
    ['formatRestriktion', (f) => (FORMATS[f.value('format')]?.some((t) => f.all('format').some((e) => e.attributes.type === t)) === true ? null : at('format', `format ${JSON.stringify(f.value('format'))} with type ${JSON.stringify(f.all('format')[0]?.attributes.type ?? '')}.`))],
    ['geometriDatatyperestriktion', (f) => geometryViolations('Informationsressource', (n) => f.all(n))],
    ['stiRestriktion', (f) => (f.text('sti').startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(f.text('sti')) ? at('sti') : null)]
  ],
  Kontaktprofil: [
    ['mailadresseBetingelse', (f) => (f.has('telefonnummer') || f.has('mailadresse') ? null : at('mailadresse'))],
    ['telefonnummerBetingelse', (f) => (f.has('mailadresse') || f.has('telefonnummer') ? null : at('telefonnummer'))]
  ],
  LinearAnnotation: [['geometryDataTypeConstraint', (f) => geometryViolations('LinearAnnotation', (n) => f.all(n))]],
  LinearDimension: [['geometryDataTypeConstraint', (f) => geometryViolations('LinearDimension', (n) => f.all(n))]]
};

/** The restrictions stated on a type itself (its ancestors' apart), by name, in LER's order. */
export function statedOn(type: string): LerRestrictionName[] {
  return (BY_TYPE[type] ?? []).map(([name]) => name);
}

/** The types restrictions are stated on. */
export const RESTRICTED_TYPES: readonly string[] = Object.keys(BY_TYPE);

/** What the document holds below an answer: its members' (from the subject) and its own elements'. */
function content(f: Facts): RestrictionContent {
  const out: RestrictionContent = { srsNames: new Set(f.subject.content?.srsNames), koteSrsNames: new Set(f.subject.content?.koteSrsNames), nilReasons: new Set(f.subject.content?.nilReasons) };
  const visitShape = (s: GmlShape): void => {
    if (s.srsName !== undefined) out.srsNames.add(s.srsName);
    s.children.forEach(visitShape);
  };
  const visit = (e: RestrictionElement): void => {
    const srs = e.attributes.srsName;
    if (srs !== undefined) {
      out.srsNames.add(srs);
      if (e.name.endsWith('kote')) out.koteSrsNames.add(srs);
    }
    if (e.nil && e.nilReason !== undefined) out.nilReasons.add(e.nilReason);
    e.shapes?.forEach(visitShape);
    e.children.forEach(visit);
  };
  f.subject.elements.forEach(visit);
  return out;
}

function outside(values: ReadonlySet<string>, allowed: string, pointer: string, what: string): Broken | null {
  const other = [...values].filter((v) => v !== allowed);
  return other.length === 0 ? null : { at: pointer, detail: `${what} ${other.slice(0, 3).map((v) => JSON.stringify(v)).join(', ')}${other.length > 3 ? ', ...' : ''}: only ${JSON.stringify(allowed)}.` };
}

function pointerOf(broken: Broken, base: string): string {
  if (broken.at === '' || broken.at.startsWith('/')) return base === '' ? broken.at : `${base}${broken.at === '/geometry' ? '/geometri' : broken.at}`;
  return `${base === '' ? '/properties' : base}/${broken.at}`;
}

function check(subject: RestrictionSubject, base: string, out: RestrictionViolation[]): void {
  const facts = new Facts(subject);
  for (const type of typeChain(subject.type)) {
    for (const [name, test] of BY_TYPE[type] ?? []) {
      const found = test(facts);
      if (found === null) continue;
      for (const broken of Array.isArray(found) ? found : [found]) {
        const parts = (LER_RESTRICTIONS[name] as { parts?: Readonly<Record<string, string>> }).parts;
        const part = broken.part ?? name;
        const said = broken.part !== undefined && parts !== undefined ? `${broken.part}: ${parts[broken.part]}` : LER_RESTRICTIONS[name].explanation;
        const v: RestrictionViolation = { name, assertion: part, pointer: pointerOf(broken, base), message: `${subject.type} ${name}: ${said}${broken.detail !== undefined ? ` ${broken.detail}` : ''}` };
        const where = broken.at !== '' && !broken.at.startsWith('/') ? facts.all(broken.at)[0] : undefined;
        const line = where?.line ?? subject.line;
        const column = where?.column ?? subject.column;
        if (line !== undefined) v.line = line;
        if (column !== undefined) v.column = column;
        out.push(v);
      }
    }
  }
  // Records of a type with restrictions, wherever they are inside.
  const visit = (e: RestrictionElement): void => {
    if (RECORDS.has(e.name)) check({ type: e.name, elements: e.children, ...(e.line !== undefined ? { line: e.line, column: e.column } : {}) }, e.pointer, out);
    else e.children.forEach(visit);
  };
  subject.elements.forEach(visit);
}

/** Every restriction the subject breaks (none: an empty list), in LER's order by type. */
export function checkRestrictions(subject: RestrictionSubject): RestrictionViolation[] {
  const out: RestrictionViolation[] = [];
  check(subject, '', out);
  return out;
}
