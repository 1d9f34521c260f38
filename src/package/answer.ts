/**
 * An owner's answer to a dig request, and its lines shown on site (påvisning): checked against
 * LER's six statuses and the fields each needs, and applied to the package as its next revision.
 * Pure: the lines an answer brings are read and clipped by the engine (as an upload's are, and by
 * the package's rule) before they get here.
 */
import { LerError } from '../errors.js';
import { STATUS, type Marking, type OwnerStatus, type Package, type PackageConflict } from './types.js';

/** What an owner answers, checked. */
export interface CheckedAnswer {
  status: OwnerStatus;
  reason: string | null;
  expectedAt: string | null;
  validUntil: string | null;
  contact: string | null;
  note: string | null;
  /** The lines (a FeatureCollection), when the answer brings any. */
  lines: unknown;
}

/** Statuses under which an owner delivers lines. */
const DELIVERS: readonly OwnerStatus[] = [STATUS.delivered, STATUS.marking];
/** Statuses that say the owner delivers none: its lines go from the package. */
const DELIVERS_NONE: readonly OwnerStatus[] = [STATUS.none, STATUS.notDelivered, STATUS.markingNotDelivered];
/** Statuses that need a reason. */
const NEEDS_REASON: readonly OwnerStatus[] = [STATUS.notDelivered, STATUS.markingNotDelivered];

const MAX_TEXT = 1000;
const MAX_CONTACT = 500;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function invalid(pointer: string, detail: string): LerError {
  return new LerError('ANSWER_INVALID', { pointer }, detail);
}

function text(input: Record<string, unknown>, name: string, max: number): string | null {
  const v = input[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw invalid(`/${name}`, `${name} is a text of 1 to ${max} characters.`);
  return v.trim();
}

/** A time (ISO 8601 with zone) or, with `dateOnly`, also a date; as ISO text in UTC. */
function time(input: Record<string, unknown>, name: string, dateOnly: boolean): string | null {
  const v = input[name];
  if (v === undefined || v === null) return null;
  const ok = typeof v === 'string' && (ISO_TIME.test(v) || (dateOnly && ISO_DATE.test(v)));
  const t = ok ? Date.parse(ISO_DATE.test(v as string) ? `${v as string}T23:59:59.999Z` : (v as string)) : Number.NaN;
  if (!Number.isFinite(t)) throw invalid(`/${name}`, `${name} is a time in ISO 8601 with its zone, e.g. 2026-03-10T14:00:00+01:00${dateOnly ? ', or a date YYYY-MM-DD' : ''}.`);
  return new Date(t).toISOString();
}

/** Checks an answer's body; throws ANSWER_INVALID (422) with a pointer to what is wrong. */
export function checkAnswer(body: unknown, now: Date): CheckedAnswer {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('', 'The answer is a JSON object.');
  const input = body as Record<string, unknown>;
  const statuses = Object.values(STATUS) as string[];
  if (typeof input.status !== 'string' || !statuses.includes(input.status)) throw invalid('/status', `status is one of: ${statuses.join('; ')}.`);
  const status = input.status as OwnerStatus;
  const reason = text(input, 'reason', MAX_TEXT);
  if (NEEDS_REASON.includes(status) && reason === null) throw invalid('/reason', `"${status}" needs a reason.`);
  const expectedAt = time(input, 'expectedAt', false);
  if (status === STATUS.manual && expectedAt === null) throw invalid('/expectedAt', `"${status}" needs the time the owner expects to answer (expectedAt).`);
  if (expectedAt !== null && Date.parse(expectedAt) < now.getTime()) throw invalid('/expectedAt', 'expectedAt has passed.');
  const lines = input.lines ?? null;
  if (lines !== null && !DELIVERS.includes(status)) throw invalid('/lines', `Lines go with "${STATUS.delivered}" or "${STATUS.marking}" only.`);
  return { status, reason, expectedAt, validUntil: time(input, 'validUntil', true), contact: text(input, 'contact', MAX_CONTACT), note: text(input, 'note', MAX_TEXT), lines };
}

/** What the contractor is to do about an owner that answered so. */
export function answerMessage(a: CheckedAnswer): string {
  switch (a.status) {
    case STATUS.none:
      return 'The owner says it has no lines in the dig area or its information zone.';
    case STATUS.delivered:
      return 'The owner\'s lines in the dig area and its information zone are delivered here: follow each line\'s precautions.';
    case STATUS.notDelivered:
      return `The owner does not deliver its lines (${a.reason ?? ''}): contact it before digging.`;
    case STATUS.manual:
      return `The owner handles this request by hand and expects to answer by ${a.expectedAt ?? ''}: wait for it before digging.`;
    case STATUS.marking:
      return 'The owner shows its lines on site: agree a time with it and wait for it before digging. Its lines are delivered here.';
    default:
      return `The owner shows its lines on site and delivers no drawings${a.reason !== null ? ` (${a.reason})` : ''}: agree a time with it and wait for it before digging.`;
  }
}

function revised(pkg: Package, owner: string, at: string, change: (o: Package['owners'][number]) => Package['owners'][number]): Package {
  const index = pkg.owners.findIndex((o) => o.owner === owner);
  if (index < 0) throw new LerError('DIG_REQUEST_OWNER_UNKNOWN', { pointer: '/owner' }, `${owner} is not named in dig request ${pkg.id}.`);
  const owners = pkg.owners.slice();
  owners[index] = change(owners[index]);
  return { ...pkg, revision: pkg.revision + 1, revisedAt: at, owners };
}

/**
 * The package's next revision with an owner's answer: its status, message, contact and answer;
 * its lines those the answer brought (`conflicts`, already clipped), none for a status that says it
 * delivers none, else as they were (`udtaget til manuel behandling` keeps what the registry gave).
 */
export function reviseWithAnswer(pkg: Package, owner: string, answer: CheckedAnswer, conflicts: PackageConflict[] | null, by: string, at: string): Package {
  return revised(pkg, owner, at, (o) => ({
    ...o,
    status: answer.status,
    contact: answer.contact ?? o.contact,
    message: answerMessage(answer),
    conflicts: conflicts ?? (DELIVERS_NONE.includes(answer.status) ? [] : o.conflicts),
    answer: { at, by, reason: answer.reason, expectedAt: answer.expectedAt, validUntil: answer.validUntil, note: answer.note }
  }));
}

/** Checks a marking's body: when the lines were shown (default now), by whom, a note. */
export function checkMarking(body: unknown, now: Date): Omit<Marking, 'recordedAt'> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('', 'The marking is a JSON object.');
  const input = body as Record<string, unknown>;
  const at = time(input, 'at', false) ?? now.toISOString();
  if (Date.parse(at) > now.getTime() + 60_000) throw invalid('/at', 'A marking is recorded once the lines were shown: at is in the future.');
  const by = text(input, 'by', 200);
  if (by === null) throw invalid('/by', 'Who showed the lines (by).');
  return { at, by, note: text(input, 'note', MAX_TEXT) };
}

/** The package's next revision with an owner's lines shown on site. */
export function reviseWithMarking(pkg: Package, owner: string, marking: Omit<Marking, 'recordedAt'>, at: string): Package {
  return revised(pkg, owner, at, (o) => ({ ...o, marking: { ...marking, recordedAt: at } }));
}
