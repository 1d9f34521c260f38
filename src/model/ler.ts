/**
 * The LER 2.0 feature model (schema 2.2.0) as typed constants. Attribute names and values are the
 * Danish ones utilities already hold their data in; in columns each value is a small integer code:
 * its position in the list, plus one, with 0 for "absent".
 */

/** Line elements: geometry LineString or MultiLineString. The supply kind each implies, if any. */
export const LINE_TYPES = {
  Elledning: 'el',
  Vandledning: 'vand',
  Afloebsledning: 'afløb',
  Gasledning: 'gas',
  TermiskLedning: 'fjernvarme/fjernkøling',
  Olieledning: 'olie',
  Telekommunikationsledning: 'telekommunikation',
  Foeringsroer: null,
  AndenLedning: null,
  LedningUkendtForsyningsart: null
} as const;

/** The corridor element: a line with a width `bredde` holding one or more kinds of supply. */
export const TRACE_TYPES = { Ledningstrace: null } as const;

/** Component elements: geometry Point, MultiPoint, Polygon or MultiPolygon. */
export const COMPONENT_TYPES = {
  Elkomponent: 'el',
  Vandkomponent: 'vand',
  Afloebskomponent: 'afløb',
  Gaskomponent: 'gas',
  Oliekomponent: 'olie',
  TermiskKomponent: 'fjernvarme/fjernkøling',
  Telekommunikationskomponent: 'telekommunikation',
  AndenKomponent: null
} as const;

export type LineType = keyof typeof LINE_TYPES;
export type ComponentType = keyof typeof COMPONENT_TYPES;
export type FeatureType = LineType | ComponentType | 'Ledningstrace';

/** Every element name, in code order (code = position + 1). */
export const FEATURE_TYPES = [
  ...Object.keys(LINE_TYPES),
  ...Object.keys(TRACE_TYPES),
  ...Object.keys(COMPONENT_TYPES)
] as readonly FeatureType[];

export const FORSYNINGSART = ['afløb', 'el', 'fjernvarme/fjernkøling', 'gas', 'olie', 'telekommunikation', 'vand'] as const;
/** Code for "another named kind of supply": the name itself stays in the feature's properties. */
export const FORSYNINGSART_OTHER = FORSYNINGSART.length + 1;

export const FAREKLASSE = ['ikke farlig', 'farlig', 'meget farlig'] as const;
export const DRIFTSSTATUS = ['under etablering', 'i drift', 'permanent ude af drift'] as const;
export const NOEJAGTIGHEDSKLASSE = ['<= 0.25 m', '<= 0.50 m', '<= 1.00 m', '<= 2.00 m', '> 2.00 m'] as const;
/** Horizontal accuracy in metres for each class; the last one is configurable (see `coarseAccuracy`). */
export const ACCURACY_METRES = [0.25, 0.5, 1.0, 2.0, Number.NaN] as const;
export const DEFAULT_COARSE_ACCURACY = 5;
export const INDTEGNINGSMETODE = ['nøjagtigt', 'forskudt', 'skematisk'] as const;
export const NIVEAU = ['under terræn', 'over terræn', 'delvist under terræn'] as const;
export const EJERSKABSFORHOLD = ['ejet af udleverende ledningsejer', 'ejet af anden ledningsejer', 'uden ejer'] as const;

/** Enumerated attributes checked on input; `noejagtighedsklasseVertikal` shares the horizontal list. */
export const ENUMERATED_ATTRIBUTES = {
  fareklasse: FAREKLASSE,
  driftsstatus: DRIFTSSTATUS,
  noejagtighedsklasse: NOEJAGTIGHEDSKLASSE,
  noejagtighedsklasseVertikal: NOEJAGTIGHEDSKLASSE,
  indtegningsmetode: INDTEGNINGSMETODE,
  niveau: NIVEAU,
  ejerskabsforhold: EJERSKABSFORHOLD
} as const;

/** Numeric attributes that must be finite and non-negative when present. */
export const NON_NEGATIVE_ATTRIBUTES = ['bredde', 'udvendigDiameter', 'vejledendeDybde', 'antalKabler'] as const;

export type Fareklasse = (typeof FAREKLASSE)[number];
export type Driftsstatus = (typeof DRIFTSSTATUS)[number];

/** The kind of geometry a feature type takes. */
export function geometryKindOf(type: FeatureType): 'line' | 'component' {
  return type in COMPONENT_TYPES ? 'component' : 'line';
}

/** Small integer code of a value in a list: position + 1, 0 when absent, -1 when not in the list. */
export function codeOf(list: readonly string[], value: unknown): number {
  if (value === undefined || value === null) return 0;
  const i = typeof value === 'string' ? list.indexOf(value) : -1;
  return i < 0 ? -1 : i + 1;
}

/** Inverse of `codeOf`; undefined for 0. */
export function valueOf<T extends string>(list: readonly T[], code: number): T | undefined {
  return code > 0 ? list[code - 1] : undefined;
}

export function featureTypeCode(type: unknown): number {
  return codeOf(FEATURE_TYPES, type);
}

/** The supply kind a feature type implies, or null when it must come from `forsyningsart`. */
export function impliedForsyningsart(type: FeatureType): string | null {
  if (type in LINE_TYPES) return LINE_TYPES[type as LineType];
  if (type in COMPONENT_TYPES) return COMPONENT_TYPES[type as ComponentType];
  return null;
}
