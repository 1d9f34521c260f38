/**
 * The LER 2.0 model's own rules beyond enumerations: danger classes some elements may not have,
 * numeric ranges, the attributes lines laid after 2023-07-01 must carry, and attributes whose
 * absence makes answers less precise (warnings). Errors throw a LerError; warnings go to `warn`.
 */
import { LerError, type ErrorLocation } from '../errors.js';
import { LINE_TYPES, type FeatureType } from '../model/ler.js';

/** Elements that may not be "meget farlig". */
export const NOT_VERY_DANGEROUS: readonly FeatureType[] = ['Vandledning', 'Telekommunikationsledning'];

/** Upper bounds of numeric attributes (their units as in LER 2.0). */
export const RANGES: Readonly<Record<string, { max: number; unit: string; integer?: boolean }>> = {
  udvendigDiameter: { max: 5000, unit: 'mm' },
  bredde: { max: 100, unit: 'm' },
  vejledendeDybde: { max: 100_000, unit: 'mm' },
  antalKabler: { max: 10_000, unit: 'cables', integer: true },
  spaendingsniveau: { max: 1000, unit: 'kV' },
  tryk: { max: 500, unit: 'bar' }
};

/** Lines laid from this day on carry the attributes of REQUIRED_SINCE. */
export const REQUIRED_FROM = '2023-07-01';

/** What a line laid since REQUIRED_FROM must carry: every line, and pipes besides. */
export const REQUIRED_SINCE: Readonly<Record<string, readonly string[]>> = {
  all: ['fareklasse', 'driftsstatus', 'noejagtighedsklasse'],
  Vandledning: ['udvendigDiameter', 'niveau'],
  Afloebsledning: ['udvendigDiameter', 'niveau'],
  Gasledning: ['udvendigDiameter', 'niveau'],
  TermiskLedning: ['udvendigDiameter', 'niveau'],
  Olieledning: ['udvendigDiameter', 'niveau']
};

/** Attributes whose absence is reported as a warning: the margin or the danger is then unknown. */
export const RECOMMENDED: readonly string[] = ['fareklasse', 'noejagtighedsklasse'];

/** A date, a year-month or a year (LER's TM_Position), or a time of day with its zone. */
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const RANGE_LIST = Object.entries(RANGES);
const REQUIRED_BY_TYPE = new Map<string, readonly string[]>(
  Object.entries(REQUIRED_SINCE).filter(([name]) => name !== 'all').map(([type, names]) => [type, [...REQUIRED_SINCE.all, ...names]])
);

export function checkLerRules(props: Record<string, unknown>, type: FeatureType, where: ErrorLocation, warn: ((e: LerError) => void) | null): void {
  if (props.fareklasse === 'meget farlig' && NOT_VERY_DANGEROUS.includes(type)) {
    throw new LerError('FAREKLASSE_NOT_ALLOWED', { ...where, pointer: '/properties/fareklasse' }, `${type} is at most "farlig".`);
  }
  for (const [name, range] of RANGE_LIST) {
    const value = props[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (value > range.max || (range.integer === true && !Number.isInteger(value))) {
      throw new LerError('ATTRIBUTE_OUT_OF_RANGE', { ...where, pointer: `/properties/${name}` }, `Got ${value}; ${name} is ${range.integer ? 'a whole number ' : ''}at most ${range.max} ${range.unit}.`);
    }
  }
  const laid = props.etableringstidspunkt;
  const isLine = type in LINE_TYPES || type === 'Ledningstrace';
  if (laid !== undefined && laid !== null) {
    const m = typeof laid === 'string' ? DATE.exec(laid) : null;
    const valid = m !== null && !Number.isNaN(Date.parse(laid as string)) && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 12)) && (m[3] === undefined || (Number(m[3]) >= 1 && Number(m[3]) <= 31));
    if (!valid) throw new LerError('ATTRIBUTE_DATE_INVALID', { ...where, pointer: '/properties/etableringstidspunkt' }, `Got ${JSON.stringify(laid)}.`);
    if (isLine && (laid as string) >= REQUIRED_FROM) {
      for (const name of REQUIRED_BY_TYPE.get(type) ?? REQUIRED_SINCE.all) {
        if (props[name] === undefined || props[name] === null) {
          throw new LerError('ATTRIBUTE_REQUIRED', { ...where, pointer: `/properties/${name}` }, `${type} laid on ${(laid as string).slice(0, 10)} (from ${REQUIRED_FROM} on) needs ${name}.`);
        }
      }
    }
  }
  if (warn !== null && isLine) {
    for (const name of RECOMMENDED) {
      if (props[name] === undefined || props[name] === null) warn(new LerError('ATTRIBUTE_RECOMMENDED', { ...where, pointer: `/properties/${name}` }, `${name} is missing.`));
    }
  }
}
