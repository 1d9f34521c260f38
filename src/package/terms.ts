/**
 * The terms of a dig request besides its area: the information zone, the kind of work, the
 * purpose and the dig period, checked against a registry's limits. The area itself is read by
 * src/query's AreaReader.
 */
import { LerError } from '../errors.js';
import { workTypesOf, type PrecautionMatrix } from './precautions.js';
import { REQUEST_TYPES, type DigPeriod, type DigRequestInput, type RequestType } from './types.js';

/** What a registry allows a dig request; each has a default (DEFAULT_DIG_LIMITS). */
export interface DigLimits {
  /** Largest dig area, square metres (planar, EPSG:25832). */
  maxDigAreaM2: number;
  /** Largest area of a planning request (orientation), square metres. */
  maxPlanningAreaM2: number;
  /** Largest area of an emergency request, square metres. */
  maxEmergencyAreaM2: number;
  /** Most vertices of a dig area, over all its rings. */
  maxDigVertices: number;
  /** Widest information zone, metres (at most 100). */
  maxInfoZone: number;
  /** Longest dig period, days. */
  maxPeriodDays: number;
  /** How far ahead a dig period may begin, days from today. */
  maxPeriodLeadDays: number;
  /** How long a package is valid when the request gives no period, days. */
  packageValidDays: number;
}

export const DEFAULT_DIG_LIMITS: DigLimits = {
  // KLIC's dig request: at most 500 x 500 m.
  maxDigAreaM2: 250_000,
  // KLIC's orientation request: at most 2,500 x 2,500 m.
  maxPlanningAreaM2: 6_250_000,
  maxEmergencyAreaM2: 250_000,
  maxDigVertices: 1000,
  maxInfoZone: 100,
  maxPeriodDays: 183,
  // A dig is asked for shortly before it starts: a package for a dig years away would be stale.
  maxPeriodLeadDays: 365,
  packageValidDays: 30
};

export interface DigTerms {
  type: RequestType;
  /** Why an emergency cannot wait; null for other types. */
  reason: string | null;
  infoZone: number;
  workType: string;
  purpose: string | null;
  period: DigPeriod | null;
  /** The end of the package's validity: the period's last day, or `packageValidDays` from now. */
  validUntil: string;
}

const DAY = 86_400_000;

/** Longest reason an emergency gives. */
export const MAX_REASON = 1000;

/** The largest area a request of this type may ask, square metres. */
export function maxAreaOf(type: RequestType, limits: DigLimits): number {
  return type === 'planning' ? limits.maxPlanningAreaM2 : type === 'emergency' ? limits.maxEmergencyAreaM2 : limits.maxDigAreaM2;
}
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks a request's terms; throws a LerError with a pointer into the request. */
export function checkDigTerms(input: DigRequestInput, limits: DigLimits, precautions: PrecautionMatrix, now: Date): DigTerms {
  const type = input.type === undefined || input.type === null ? 'dig' : input.type;
  if (typeof type !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(type)) {
    throw new LerError('REQUEST_TYPE_UNKNOWN', { pointer: '/type' }, `Got ${JSON.stringify(type)}; known: ${REQUEST_TYPES.join(', ')}.`);
  }
  let reason: string | null = null;
  if (type === 'emergency') {
    if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new LerError('REASON_REQUIRED', { pointer: '/reason' }, 'An emergency request says why the work cannot wait (reason).');
    if (input.reason.length > MAX_REASON) throw new LerError('REASON_REQUIRED', { pointer: '/reason' }, `At most ${MAX_REASON} characters.`);
    reason = input.reason.trim();
  }
  const infoZone = input.infoZone === undefined || input.infoZone === null ? 0 : input.infoZone;
  if (typeof infoZone !== 'number' || !Number.isFinite(infoZone) || infoZone < 0 || infoZone > Math.min(100, limits.maxInfoZone)) {
    throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `Got ${JSON.stringify(infoZone) ?? String(infoZone)}; this registry allows 0 to ${Math.min(100, limits.maxInfoZone)} m.`);
  }
  const workType = input.workType === undefined ? 'excavation' : input.workType;
  const known = workTypesOf(precautions);
  if (typeof workType !== 'string' || !known.includes(workType)) {
    throw new LerError('WORK_TYPE_UNKNOWN', { pointer: '/workType' }, `Got ${JSON.stringify(workType)}; known: ${known.join(', ')}.`);
  }
  const period = checkPeriod(input.period, now, limits.maxPeriodDays, limits.maxPeriodLeadDays);
  const validUntil = period !== null ? new Date(Date.parse(`${period.to}T00:00:00Z`) + DAY - 1).toISOString() : new Date(now.getTime() + limits.packageValidDays * DAY).toISOString();
  return { type: type as RequestType, reason, infoZone, workType, purpose: typeof input.purpose === 'string' ? input.purpose : null, period, validUntil };
}

function checkPeriod(period: DigRequestInput['period'], now: Date, maxDays: number, maxLeadDays: number): DigPeriod | null {
  if (period === undefined || period === null) return null;
  if (typeof period !== 'object') throw new LerError('PERIOD_INVALID', { pointer: '/period' }, 'The period is {from, to}, dates YYYY-MM-DD.');
  const from = dateOf(period.from, '/period/from');
  const to = dateOf(period.to, '/period/to');
  if (to < from) throw new LerError('PERIOD_INVALID', { pointer: '/period/to' }, 'The period ends before it begins.');
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  if (to < today) throw new LerError('PERIOD_INVALID', { pointer: '/period/to' }, 'The period is over.');
  const days = (to - from) / DAY + 1;
  if (days > maxDays) throw new LerError('PERIOD_INVALID', { pointer: '/period' }, `It lasts ${days} days; at most ${maxDays} are allowed.`);
  const lead = (from - today) / DAY;
  if (lead > maxLeadDays) throw new LerError('PERIOD_INVALID', { pointer: '/period/from' }, `It begins in ${lead} days; a period may begin at most ${maxLeadDays} days ahead.`);
  return { from: String(period.from), to: String(period.to) };
}

function dateOf(value: unknown, pointer: string): number {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  const t = m ? Date.parse(`${value as string}T00:00:00Z`) : Number.NaN;
  // Date.parse rolls 2025-02-30 over; a real date prints back as itself.
  if (!m || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    throw new LerError('PERIOD_INVALID', { pointer }, `Got ${JSON.stringify(value)}; a date is YYYY-MM-DD.`);
  }
  return t;
}
