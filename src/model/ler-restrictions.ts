/**
 * LER 2.2.0's feature-catalogue restrictions, by LER's own names: the 81 assertions of
 * `restrictions-2.2.0.yml` (OpenLER/ler-xml-validator) under their 46 distinct names, each with the
 * LER types it is stated on (a type's subtypes inherit it: `Ledning` is every line type,
 * `Roerledning` every pipe, `LedningEllerLedningstrace` lines and traces, `Ledningskomponent`
 * every component), what it asks in one English sentence, and, where LER splits it into parts,
 * each part's name and LER's Danish message. The checks themselves are src/rules/ler-restrictions.ts;
 * the error catalogue (src/errors.ts) and the rule catalogue take their codes from here.
 *
 * `$afterCutoff` in LER's text is "etableringstidspunkt after 2023-07-01": a date after that day,
 * a year-month after 2023-07, or a year after 2023.
 */

export interface LerRestriction {
  /** The LER (XSD) types the restriction is stated on, as in LER's file. */
  readonly types: readonly string[];
  /** What it looks at: the feature's attributes, or its geometry. */
  readonly concerns: 'properties' | 'geometry';
  /** What the restriction asks, in one sentence. */
  readonly explanation: string;
  /** LER's parts of the restriction (its sub-assertions), by name, with LER's Danish message. */
  readonly parts?: Readonly<Record<string, string>>;
}

const TYPE_TILLADT = 'Geometrien skal have en af følgende typer: GM_Point, GM_MultiPoint, GM_Curve, GM_MultiCurve, GM_Surface eller GM_MultiSurface.';
const GRAENSE = 'Geometriens grænser skal anvende lineær interpolation hvis geometriens type er GM_Surface eller GM_MultiSurface.';

/** The parts of `geometriDatatyperestriktion` on components and information resources. */
const GEOMETRY_PARTS = {
  geometriTypeTilladt: TYPE_TILLADT,
  kurveLineærInterpolation: 'Geometrien skal anvende lineær interpolation hvis dens type er GM_Curve eller GM_MultiCurve.',
  fladePlanInterpolation: 'Geometrien skal anvende 2-dimensionel interpolation ("planar interpolation") hvis dens type er GM_Surface eller GM_MultiSurface.',
  polygonGrænseLineærInterpolation: GRAENSE,
  fladeGrænseLineærInterpolation: GRAENSE,
  multifladeGrænseLineærInterpolation: GRAENSE
} as const;

const OWN_AFTER_CUTOFF = 'on a line laid after 2023-07-01, owned by the delivering owner (ejerskabsforhold absent or "ejet af udleverende ledningsejer")';

export const LER_RESTRICTIONS = {
  anborstedTilladelse: {
    types: ['Vandkomponent'],
    concerns: 'properties',
    explanation: 'A Vandkomponent gives `anborsted` only when its `type` is "tilslutningspunkt".'
  },
  breddeMåleenhedsrestriktion: {
    types: ['Ledningstrace'],
    concerns: 'properties',
    explanation: 'A Ledningstrace gives `bredde` in millimetres (uom="mm"; the GeoJSON model keeps it in metres and writes it in mm).'
  },
  brøndformTilladelse: {
    types: ['Afloebskomponent'],
    concerns: 'properties',
    explanation: 'An Afloebskomponent gives `broendform` only when its `type` is "brønd".'
  },
  bunddiameterbreddeMåleenhedsrestriktion: {
    types: ['Afloebskomponent'],
    concerns: 'properties',
    explanation: 'An Afloebskomponent gives `bunddiameterbredde` in millimetres (uom="mm").'
  },
  bundlængdeMåleenhedsrestriktion: {
    types: ['Afloebskomponent'],
    concerns: 'properties',
    explanation: 'An Afloebskomponent gives `bundlaengde` in millimetres (uom="mm").'
  },
  bundlængdeTilladelse: {
    types: ['Afloebskomponent'],
    concerns: 'properties',
    explanation: 'An Afloebskomponent gives `bundlaengde` only when its `type` is "brønd" and its `broendform` is "kvadratisk" or "rektangulær".'
  },
  driftsstatusVoidrestriktion: {
    types: ['Ledning'],
    concerns: 'properties',
    explanation: 'A line laid after 2023-07-01 does not leave `driftsstatus` void (xsi:nil).'
  },
  fareklasseRestriktion: {
    types: ['Telekommunikationsledning', 'Vandledning'],
    concerns: 'properties',
    explanation: 'A Vandledning or Telekommunikationsledning is not "meget farlig".'
  },
  fareklasseVoidrestriktion: {
    types: ['Ledning'],
    concerns: 'properties',
    explanation: 'A line laid after 2023-07-01 does not leave `fareklasse` void (xsi:nil).'
  },
  formatRestriktion: {
    types: ['Informationsressource'],
    concerns: 'properties',
    explanation: 'An Informationsressource\'s `format` is one of LER\'s file formats (CSV, DGN, DOC, DOCX, DWF, DWG, DXF, IFC-SPF, IFC-XML, JPEG, PDF, SAT, SHP, SKP, TAB, TIFF, XLS, XLSX) with that format\'s MIME type in its `type` attribute.'
  },
  forsyningsartRestriktion: {
    types: ['AndenKomponent', 'AndenLedning'],
    concerns: 'properties',
    explanation: 'An AndenLedning or AndenKomponent does not name one of the predefined kinds of supply (afløb, el, fjernvarme/fjernkøling, gas, olie, telekommunikation, vand) as its `forsyningsart`: that kind has an element of its own.'
  },
  forventetAfleveringstidspunktBetingelse: {
    types: ['Graveforespoergselssvar'],
    concerns: 'properties',
    explanation: 'An answer gives `forventetAfleveringstidspunkt` only when its `type` is "udtaget til manuel behandling".'
  },
  geometriBetingelse: {
    types: ['Ledning'],
    concerns: 'geometry',
    explanation: 'A line has a `geometri` that is not void, unless a Ledningstrace of the document holds it (`indeholdtLedning` with xlink:href="#" and its gml:id).'
  },
  geometriDatatyperestriktion: {
    types: ['Informationsressource', 'Ledning', 'Ledningskomponent', 'Ledningstrace'],
    concerns: 'geometry',
    explanation: 'A line\'s `geometri` is a gml:LineString or a gml:Curve of LineStringSegments, a trace\'s curve members are such curves, and a component\'s or information resource\'s geometry is a point, curve or surface with linear (planar) interpolation.',
    parts: GEOMETRY_PARTS
  },
  geometriVertikaleKoordinaterRestriktion: {
    types: ['Afloebsledning', 'AndenLedning', 'Foeringsroer', 'Gasledning', 'Olieledning', 'TermiskLedning', 'Vandledning'],
    concerns: 'geometry',
    explanation: `A pipe ${OWN_AFTER_CUTOFF} and not "under etablering" has known heights: not every Z of its geometry is -99 (a Foeringsroer only when its first \`forsyningsart\` is neither el nor telekommunikation).`
  },
  geometryDataTypeConstraint: {
    types: ['LinearAnnotation', 'LinearDimension'],
    concerns: 'geometry',
    explanation: 'A linear annotation\'s geometry or a linear dimension\'s dimension line is a gml:LineString or a gml:Curve of LineStringSegments.'
  },
  idRestriktion: {
    types: ['Graveforespoergselssvar'],
    concerns: 'properties',
    explanation: 'An answer\'s `id` is a UUID (8-4-4-4-12 hexadecimal digits).'
  },
  indholdGM_ObjectSRIDrestriktion: {
    types: ['Graveforespoergselssvar'],
    concerns: 'geometry',
    explanation: 'Every srsName in an answer is http://www.opengis.net/def/crs/EPSG/0/7416 (ETRS89 / UTM 32N + DVR90).'
  },
  indholdKoteSRIDrestriktion: {
    types: ['Graveforespoergselssvar'],
    concerns: 'properties',
    explanation: 'Every height (an element whose name ends in "kote") of an answer that names its srsName names http://www.opengis.net/def/crs/EPSG/0/5799 (DVR90).'
  },
  indholdNilReasonRestriktion: {
    types: ['Graveforespoergselssvar'],
    concerns: 'properties',
    explanation: 'A void (xsi:nil) element of an answer gives nilReason "unknown", if any.'
  },
  mailadresseBetingelse: {
    types: ['Kontaktprofil'],
    concerns: 'properties',
    explanation: 'A Kontaktprofil gives a `mailadresse` when it gives no `telefonnummer`.'
  },
  nøjagtighedsklasseBetingelse: {
    types: ['Ledning', 'Ledningstrace'],
    concerns: 'properties',
    explanation: 'A line with a `geometri` gives `noejagtighedsklasse` and one without gives none; a Ledningstrace always gives it.'
  },
  nøjagtighedsklasseVertikalBetingelse: {
    types: ['Ledning', 'Ledningstrace'],
    concerns: 'properties',
    explanation: 'A line with a `geometri` gives `noejagtighedsklasseVertikal` and one without gives none; a Ledningstrace always gives it.'
  },
  nøjagtighedsklasseVertikalVoidrestriktion: {
    types: ['Ledning', 'Ledningstrace'],
    concerns: 'properties',
    explanation: `\`noejagtighedsklasseVertikal\` is not void (xsi:nil) ${OWN_AFTER_CUTOFF}, or on such a trace.`
  },
  nøjagtighedsklasseVoidrestriktion: {
    types: ['Ledning', 'Ledningstrace'],
    concerns: 'properties',
    explanation: `\`noejagtighedsklasse\` is not void (xsi:nil) ${OWN_AFTER_CUTOFF}, or on such a trace.`
  },
  relativNiveauTilladelse: {
    types: ['Elkomponent'],
    concerns: 'properties',
    explanation: 'An Elkomponent gives `relativNiveau` only when its `type` is "rørblok".'
  },
  spændingsniveauMåleenhedsrestriktion: {
    types: ['Elkomponent', 'Elledning'],
    concerns: 'properties',
    explanation: '`spaendingsniveau` is given in kilovolts (uom="kV").'
  },
  stiRestriktion: {
    types: ['Informationsressource'],
    concerns: 'properties',
    explanation: 'An Informationsressource\'s `sti` is a relative path: it neither starts with "/" nor with a URI scheme ("https:", "file:").'
  },
  stutskoteTilladelse: {
    types: ['Vandkomponent'],
    concerns: 'properties',
    explanation: 'A Vandkomponent gives `stutskote` only when its `type` is "tapsted" or "ventil".'
  },
  tapstedstypeTilladelse: {
    types: ['Vandkomponent'],
    concerns: 'properties',
    explanation: 'A Vandkomponent gives `tapstedstype` only when its `type` is "tapsted".'
  },
  telefonnummerBetingelse: {
    types: ['Kontaktprofil'],
    concerns: 'properties',
    explanation: 'A Kontaktprofil gives a `telefonnummer` when it gives no `mailadresse`.'
  },
  temperaturMåleenhedsrestriktion: {
    types: ['TermiskLedning'],
    concerns: 'properties',
    explanation: 'A TermiskLedning gives `temperatur` in degrees Celsius (uom="Cel").'
  },
  trykMåleenhedsrestriktion: {
    types: ['Gasledning', 'Olieledning', 'TermiskLedning'],
    concerns: 'properties',
    explanation: '`tryk` is given in bar (uom="bar").'
  },
  typeSupplerendeInfoBetingelse: {
    types: ['Graveforespoergselssvar'],
    concerns: 'properties',
    explanation: 'An answer whose `type` is "ledningsoplysninger udleveres ikke" says why in `typeSupplerendeInfo`.'
  },
  udvendigBreddeBetingelse: {
    types: ['AndenLedning', 'Roerledning'],
    concerns: 'properties',
    explanation: 'A pipe whose `tvaersnitsform` is not "cirkulær" and that was laid after 2023-07-01 gives `udvendigBredde`; a "cirkulær" one gives none.',
    parts: {
      udvendigBreddeSkalAngives: 'Den udvendige bredde skal være angivet hvis etableringstidspunktet er efter skæringsdatoen og tværsnitsformen ikke er cirkulær.',
      udvendigBreddeMåIkkeAngives: 'Den udvendige bredde må ikke være angivet hvis tværsnitsformen er cirkulær.'
    }
  },
  udvendigBreddeMåleenhedsrestriktion: {
    types: ['AndenLedning', 'Roerledning'],
    concerns: 'properties',
    explanation: '`udvendigBredde` is given in millimetres (uom="mm").'
  },
  udvendigBreddeVoidrestriktion: {
    types: ['AndenLedning', 'Roerledning'],
    concerns: 'properties',
    explanation: `\`udvendigBredde\` is not void (xsi:nil) ${OWN_AFTER_CUTOFF} and not "under etablering".`
  },
  udvendigDiameterBetingelse: {
    types: ['AndenLedning', 'Elledning', 'Roerledning', 'Telekommunikationsledning'],
    concerns: 'properties',
    explanation: 'An Elledning or Telekommunikationsledning laid after 2023-07-01 gives `udvendigDiameter`; a pipe gives it when its `tvaersnitsform` is "cirkulær" and it was laid after 2023-07-01, and gives none when its `tvaersnitsform` is not "cirkulær".',
    parts: {
      udvendigDiameterSkalAngives: 'Den udvendige diameter skal være angivet hvis etableringstidspunktet er efter skæringsdatoen og tværsnitsformen er cirkulær.',
      udvendigDiameterMåIkkeAngives: 'Den udvendige diameter må ikke være angivet hvis tværsnitsformen ikke er cirkulær.'
    }
  },
  udvendigDiameterMåleenhedsrestriktion: {
    types: ['Ledning'],
    concerns: 'properties',
    explanation: '`udvendigDiameter` is given in millimetres (uom="mm").'
  },
  udvendigDiameterVoidrestriktion: {
    types: ['Ledning'],
    concerns: 'properties',
    explanation: `\`udvendigDiameter\` is not void (xsi:nil) ${OWN_AFTER_CUTOFF} and not "under etablering".`
  },
  udvendigHøjdeBetingelse: {
    types: ['AndenLedning', 'Roerledning'],
    concerns: 'properties',
    explanation: 'A pipe whose `tvaersnitsform` is not "cirkulær" and that was laid after 2023-07-01 gives `udvendigHoejde`; a "cirkulær" one gives none.',
    parts: {
      udvendigHøjdeSkalAngives: 'Den udvendige højde skal være angivet hvis etableringstidspunktet er efter skæringsdatoen og tværsnitsformen ikke er cirkulær.',
      udvendigHøjdeMåIkkeAngives: 'Den udvendige højde må ikke være angivet hvis tværsnitsformen er cirkulær.'
    }
  },
  udvendigHøjdeMåleenhedsrestriktion: {
    types: ['AndenLedning', 'Roerledning'],
    concerns: 'properties',
    explanation: '`udvendigHoejde` is given in millimetres (uom="mm").'
  },
  udvendigHøjdeVoidrestriktion: {
    types: ['AndenLedning', 'Roerledning'],
    concerns: 'properties',
    explanation: `\`udvendigHoejde\` is not void (xsi:nil) ${OWN_AFTER_CUTOFF} and not "under etablering".`
  },
  vejledendeDybdeBetingelse: {
    types: ['Elledning', 'Foeringsroer', 'Ledningstrace', 'Telekommunikationsledning'],
    concerns: 'properties',
    explanation: 'An Elledning or Telekommunikationsledning (or a Foeringsroer or Ledningstrace whose first `forsyningsart` is el or telekommunikation) laid after 2023-07-01 whose every Z is -99 (height unknown) gives `vejledendeDybde`.'
  },
  vejledendeDybdeMåleenhedsrestriktion: {
    types: ['LedningEllerLedningstrace', 'Ledningskomponent'],
    concerns: 'properties',
    explanation: '`vejledendeDybde` is given in millimetres (uom="mm").'
  },
  vejledendeDybdeVoidrestriktion: {
    types: ['Elledning', 'Foeringsroer', 'Ledningstrace', 'Telekommunikationsledning'],
    concerns: 'properties',
    explanation: `\`vejledendeDybde\` is not void (xsi:nil) ${OWN_AFTER_CUTOFF}, not "under etablering", whose every Z is -99, when it is an Elledning or Telekommunikationsledning (or a Foeringsroer or Ledningstrace whose first \`forsyningsart\` is el or telekommunikation).`
  }
} as const satisfies Record<string, LerRestriction>;

export type LerRestrictionName = keyof typeof LER_RESTRICTIONS;

/** The restrictions as entries of the error catalogue (src/errors.ts): HTTP 422, the explanation as message. */
export const LER_RESTRICTION_ERRORS = Object.fromEntries(
  Object.entries(LER_RESTRICTIONS).map(([name, r]) => [name, { status: 422, message: `LER restriction: ${r.explanation}` }])
) as { readonly [K in LerRestrictionName]: { readonly status: 422; readonly message: string } };

/** How many restrictions LER's file states: one per name and type it is stated on. */
export const LER_RESTRICTION_COUNT = Object.values(LER_RESTRICTIONS).reduce((n, r: LerRestriction) => n + r.types.length, 0);
