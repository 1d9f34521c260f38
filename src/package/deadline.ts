/**
 * When an owner must answer a dig request, by LER 2.0's rule in Danish time: a request received on a
 * working day within the window [07:00, 16:00) is due two hours later (a request at 15:30 is due at
 * 17:30, the two hours run past the window); any other request is due at the first 09:00 on a
 * working day that is later than its receipt (05:00 on a Tuesday is due 09:00 that Tuesday, 16:30
 * on a Friday 09:00 on Monday, or on Tuesday when Monday is a holiday).
 *
 * Edges: the window is half-open, so 07:00:00.000 exactly is inside and 16:00:00.000 exactly is
 * outside (LER's "07-16" read as a working day that ends at 16:00). The two hours are elapsed time,
 * not wall-clock time; the two differ only if the window crossed a clock change, which Denmark's
 * (at 02:00/03:00 on Sundays) never does.
 *
 * A working day is Monday to Friday and not a holiday. The holidays are the official Danish public
 * holidays (danishHolidays); Grundlovsdag (5 June) and 24 and 31 December are customary days off,
 * not public holidays, so a registry that observes them adds them through configuration
 * (parseHolidays). The default holidays cover the years 2020..2040; later receipts use weekends
 * only unless the registry configures their holidays.
 *
 * Local time comes from Intl with the IANA zone, so summer time (the last Sundays of March and
 * October) is exact. The module is pure: no Node imports, no clock.
 */

/** The rule's parameters; DEFAULT_DEADLINE_RULES holds LER's. Hours are local wall-clock hours. */
export interface DeadlineRules {
  /** IANA time zone of the wall clock the rule speaks of. */
  timeZone: string;
  /** First hour of the answering window (inside). */
  windowStart: number;
  /** End of the answering window (outside). */
  windowEnd: number;
  /** Hours to answer a request received within the window. */
  answerHours: number;
  /** Local hour on the next working day by which other requests are due. */
  nextDayAt: number;
  /** Local dates 'YYYY-MM-DD' that are not working days. */
  holidays: ReadonlySet<string>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** How far ahead a working day is looked for before the holidays are taken to be wrong. */
const MAX_SEARCH_DAYS = 400;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Danish public holidays (helligdage) of a year, as sorted local dates 'YYYY-MM-DD': nytårsdag,
 * skærtorsdag, langfredag, påskedag, 2. påskedag, store bededag (before 2024 only; abolished from
 * 2024), Kristi himmelfartsdag, pinsedag, 2. pinsedag, juledag and 2. juledag. The movable ones
 * follow Easter Sunday by the Gregorian computus.
 */
export function danishHolidays(year: number): string[] {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new Error(`Holidays are computed for Gregorian years 1583..9999, not ${year}.`);
  }
  const easter = easterSunday(year);
  const movable = [-3, -2, 0, 1, ...(year < 2024 ? [26] : []), 39, 49, 50];
  const dates = [
    formatDate(Date.UTC(year, 0, 1)),
    ...movable.map((days) => formatDate(easter + days * DAY_MS)),
    formatDate(Date.UTC(year, 11, 25)),
    formatDate(Date.UTC(year, 11, 26))
  ];
  return dates.sort();
}

/**
 * Reads a holiday list from configuration: dates 'YYYY-MM-DD' separated by commas, whitespace or
 * newlines. Answers them sorted, without repeats; throws naming the first entry that is not a
 * calendar date.
 */
export function parseHolidays(text: string): string[] {
  const dates = new Set<string>();
  for (const entry of text.split(/[\s,]+/)) {
    if (entry === '') continue;
    if (parseDate(entry) === undefined) {
      throw new Error(`Holiday "${entry}" is not a calendar date written YYYY-MM-DD.`);
    }
    dates.add(entry);
  }
  return [...dates].sort();
}

function defaultHolidays(): Set<string> {
  const dates = new Set<string>();
  for (let year = 2020; year <= 2040; year++) for (const date of danishHolidays(year)) dates.add(date);
  return dates;
}

/** LER 2.0: 2 hours within 07:00-16:00 on Danish working days, otherwise 09:00 the next working day. */
export const DEFAULT_DEADLINE_RULES: DeadlineRules = Object.freeze({
  timeZone: 'Europe/Copenhagen',
  windowStart: 7,
  windowEnd: 16,
  answerHours: 2,
  nextDayAt: 9,
  holidays: defaultHolidays()
});

/** Whether a local date 'YYYY-MM-DD' is a working day: Monday to Friday and not a holiday. */
export function isWorkingDay(localDate: string, rules: DeadlineRules = DEFAULT_DEADLINE_RULES): boolean {
  const day = parseDate(localDate);
  if (day === undefined) throw new Error(`"${localDate}" is not a calendar date written YYYY-MM-DD.`);
  const weekday = new Date(day).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !rules.holidays.has(localDate);
}

/** The instant by which an owner must answer a request received at `received`. */
export function answerDeadline(received: Date, rules: DeadlineRules = DEFAULT_DEADLINE_RULES): Date {
  const at = received.getTime();
  if (!Number.isFinite(at)) throw new Error('The time a request was received is not a valid date.');
  checkRules(rules);
  const local = wallClock(at, rules.timeZone);
  let date = formatDate(local.day);
  if (isWorkingDay(date, rules) && local.msOfDay >= rules.windowStart * HOUR_MS && local.msOfDay < rules.windowEnd * HOUR_MS) {
    return new Date(at + rules.answerHours * HOUR_MS);
  }
  let day = local.day;
  for (let i = 0; i <= MAX_SEARCH_DAYS; i++) {
    if (isWorkingDay(date, rules)) {
      const due = instantOf(day + rules.nextDayAt * HOUR_MS, rules.timeZone);
      if (due > at) return new Date(due);
    }
    day += DAY_MS;
    date = formatDate(day);
  }
  throw new Error(`No working day within ${MAX_SEARCH_DAYS} days of ${received.toISOString()}: check the holidays.`);
}

function checkRules(rules: DeadlineRules): void {
  const { windowStart, windowEnd, answerHours, nextDayAt } = rules;
  const hour = (h: number): boolean => Number.isFinite(h) && h >= 0 && h <= 24;
  if (!hour(windowStart) || !hour(windowEnd) || windowStart >= windowEnd) {
    throw new Error(`The answering window ${windowStart}-${windowEnd} is not a range of hours within a day.`);
  }
  if (!Number.isFinite(answerHours) || answerHours <= 0) throw new Error(`Answer hours must be positive, not ${answerHours}.`);
  if (!hour(nextDayAt) || nextDayAt === 24) throw new Error(`The next day's hour must be within 0..24, not ${nextDayAt}.`);
}

// ---- Wall-clock time in a zone -------------------------------------------------------------

/** A wall-clock time: its local date as the UTC midnight of that date, and the milliseconds since. */
interface WallClock {
  day: number;
  msOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offsets are looked up per quarter hour of UTC: zones change their offsets on quarter hours. */
const BUCKET_MS = 15 * 60_000;
/** Per zone, per quarter hour: the offset throughout it, or null when it changes within. */
const offsets = new Map<string, Map<number, number | null>>();

/**
 * The wall clock in `timeZone` at a UTC instant (milliseconds). Formatting with Intl costs tens of
 * microseconds, and every dig request asks: the offset of each quarter hour is read once (at its
 * first and last millisecond) and kept; a quarter hour in which it changes is formatted each time.
 */
function wallClock(at: number, timeZone: string): WallClock {
  let zone = offsets.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const bucket = Math.floor(at / BUCKET_MS);
  let offset = zone.get(bucket);
  if (offset === undefined) {
    const start = bucket * BUCKET_MS;
    const end = start + BUCKET_MS - 1;
    const first = formattedWallClock(start, timeZone);
    const last = formattedWallClock(end, timeZone);
    const a = first.day + first.msOfDay - start;
    offset = a === last.day + last.msOfDay - end ? a : null;
    if (zone.size >= 100_000) zone.clear();
    zone.set(bucket, offset);
  }
  if (offset === null) return formattedWallClock(at, timeZone);
  const local = at + offset;
  const day = Math.floor(local / DAY_MS) * DAY_MS;
  return { day, msOfDay: local - day };
}

/** The wall clock in `timeZone` at a UTC instant (milliseconds), read from Intl. */
function formattedWallClock(at: number, timeZone: string): WallClock {
  let year = 0, month = 0, dayOfMonth = 0, hour = 0, minute = 0, second = 0;
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    const value = Number(part.value);
    switch (part.type) {
      case 'year': year = value; break;
      case 'month': month = value; break;
      case 'day': dayOfMonth = value; break;
      case 'hour': hour = value; break;
      case 'minute': minute = value; break;
      case 'second': second = value; break;
    }
  }
  // Zone offsets are whole seconds, so the milliseconds are the instant's own.
  const ms = ((at % 1000) + 1000) % 1000;
  return { day: Date.UTC(year, month - 1, dayOfMonth), msOfDay: ((hour * 60 + minute) * 60 + second) * 1000 + ms };
}

/** The zone's offset from UTC at an instant, milliseconds (local minus UTC). */
function offsetAt(at: number, timeZone: string): number {
  const local = wallClock(at, timeZone);
  return local.day + local.msOfDay - at;
}

/**
 * The UTC instant of a wall-clock time, given as milliseconds on the UTC scale (the local date's
 * UTC midnight plus the time of day). The offset is taken a day before and a day after, which
 * brackets any one clock change; an offset is right when the instant it gives has that offset.
 * When both are right (the hour repeated in autumn) the earlier instant wins; when neither is (the
 * hour skipped in spring) the time moves forward by the gap, as a clock set by hand would.
 */
function instantOf(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((at) => offsetAt(at, timeZone) === wall - at);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before;
}

// ---- Calendar dates --------------------------------------------------------------------------

/** Easter Sunday of a Gregorian year as a UTC midnight (anonymous Gregorian computus). */
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day);
}

/** The UTC midnight of a date 'YYYY-MM-DD', or undefined when it is not a calendar date. */
function parseDate(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]), month = Number(match[2]), day = Number(match[3]);
  const time = Date.UTC(year, month - 1, day);
  // Date.UTC maps years 0..99 to 1900..1999 and rolls 2026-02-30 over to March; both fail here.
  return formatDate(time) === text ? time : undefined;
}

/** 'YYYY-MM-DD' of a UTC midnight. */
function formatDate(day: number): string {
  return new Date(day).toISOString().slice(0, 10);
}
