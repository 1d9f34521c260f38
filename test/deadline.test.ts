import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEADLINE_RULES,
  answerDeadline,
  danishHolidays,
  isWorkingDay,
  parseHolidays,
  type DeadlineRules
} from '../src/package/deadline.js';
import { Random } from './helpers/random.js';

/** The deadline of a request received at an ISO instant, as an ISO instant. */
function due(received: string, rules?: DeadlineRules): string {
  return answerDeadline(new Date(received), rules).toISOString();
}

describe('answer deadline within the window', () => {
  it('is two hours after a weekday morning request (Tue 10:15 CET -> 12:15 CET)', () => {
    expect(due('2026-03-10T09:15:00.000Z')).toBe('2026-03-10T11:15:00.000Z');
  });

  it('runs past 16:00 for a request at 15:30 (-> 17:30 the same day)', () => {
    expect(due('2026-03-10T14:30:00.000Z')).toBe('2026-03-10T16:30:00.000Z');
  });

  it('counts 07:00 exactly as inside the window', () => {
    expect(due('2026-03-10T06:00:00.000Z')).toBe('2026-03-10T08:00:00.000Z');
    // One millisecond before 07:00 is outside: due at 09:00 the same day.
    expect(due('2026-03-10T05:59:59.999Z')).toBe('2026-03-10T08:00:00.000Z');
    expect(due('2026-03-10T05:59:59.000Z')).toBe('2026-03-10T08:00:00.000Z');
  });

  it('counts 16:00 exactly as outside the window, one millisecond before as inside', () => {
    expect(due('2026-03-10T15:00:00.000Z')).toBe('2026-03-11T08:00:00.000Z');
    expect(due('2026-03-10T14:59:59.999Z')).toBe('2026-03-10T16:59:59.999Z');
  });

  it('uses summer time on the Monday after the clock change (10:00 CEST -> 12:00 CEST)', () => {
    expect(due('2026-03-30T08:00:00.000Z')).toBe('2026-03-30T10:00:00.000Z');
  });
});

describe('answer deadline outside the window', () => {
  it('is 09:00 the same day for a request at 05:00 on a weekday', () => {
    expect(due('2026-03-10T04:00:00.000Z')).toBe('2026-03-10T08:00:00.000Z');
  });

  it('is 09:00 the next day for a request at 18:00 on a weekday', () => {
    expect(due('2026-03-10T17:00:00.000Z')).toBe('2026-03-11T08:00:00.000Z');
  });

  it('is 09:00 on Monday for a request on Friday evening', () => {
    expect(due('2026-03-13T17:00:00.000Z')).toBe('2026-03-16T08:00:00.000Z');
    // 16:30 on Friday, the example of the rule.
    expect(due('2026-03-13T15:30:00.000Z')).toBe('2026-03-16T08:00:00.000Z');
  });

  it('is 09:00 on Monday for a request on Saturday or Sunday, even within 07-16', () => {
    expect(due('2026-03-14T10:00:00.000Z')).toBe('2026-03-16T08:00:00.000Z');
    expect(due('2026-03-15T07:30:00.000Z')).toBe('2026-03-16T08:00:00.000Z');
    expect(due('2026-03-15T22:59:59.999Z')).toBe('2026-03-16T08:00:00.000Z');
  });

  it('is 09:00 on Monday 28 December for a request on the evening of 24 December 2026', () => {
    // 25 and 26 December are holidays (Friday, Saturday) and 27 is a Sunday.
    expect(due('2026-12-24T18:00:00.000Z')).toBe('2026-12-28T08:00:00.000Z');
  });

  it('treats Kristi himmelfartsdag as a holiday (Thu 2026-05-14 10:00 -> Fri 09:00 CEST)', () => {
    expect(due('2026-05-14T08:00:00.000Z')).toBe('2026-05-15T07:00:00.000Z');
  });

  it('skips Easter from skærtorsdag to 2. påskedag (Wed 2026-04-01 17:00 -> Tue 04-07 09:00)', () => {
    expect(due('2026-04-01T15:00:00.000Z')).toBe('2026-04-07T07:00:00.000Z');
  });

  it('is Tuesday when the Monday is a holiday (Fri before pinse 16:30 -> Tue 09:00)', () => {
    // Pinsedag 2026 is 24 May, 2. pinsedag Monday 25 May.
    expect(due('2026-05-22T14:30:00.000Z')).toBe('2026-05-26T07:00:00.000Z');
  });

  it('crosses the spring clock change (Fri 2026-03-27 17:00 CET -> Mon 09:00 CEST)', () => {
    expect(due('2026-03-27T16:00:00.000Z')).toBe('2026-03-30T07:00:00.000Z');
  });

  it('crosses the autumn clock change (Fri 2026-10-23 17:00 CEST -> Mon 09:00 CET)', () => {
    expect(due('2026-10-23T15:00:00.000Z')).toBe('2026-10-26T08:00:00.000Z');
    // 02:30 on the Sunday of the change happens twice; both are due on Monday.
    expect(due('2026-10-25T00:30:00.000Z')).toBe('2026-10-26T08:00:00.000Z');
    expect(due('2026-10-25T01:30:00.000Z')).toBe('2026-10-26T08:00:00.000Z');
  });

  it('keeps milliseconds of the receipt out of a 09:00 deadline', () => {
    expect(due('2026-03-10T20:12:34.567Z')).toBe('2026-03-11T08:00:00.000Z');
  });

  it('moves a next-day hour that the clock skips forward by the gap', () => {
    // Tehran skipped 00:00-01:00 on Monday 2021-03-22 (+03:30 -> +04:30).
    const rules: DeadlineRules = { ...DEFAULT_DEADLINE_RULES, timeZone: 'Asia/Tehran', nextDayAt: 0, holidays: new Set() };
    expect(due('2021-03-21T15:00:00.000Z', rules)).toBe('2021-03-21T20:30:00.000Z');
    // A request within the window in Tehran: two hours.
    expect(due('2021-03-22T05:00:00.000Z', rules)).toBe('2021-03-22T07:00:00.000Z');
    // Monday 12:00 is already at +04:30, the Sunday before still at +03:30.
    expect(due('2021-03-21T15:00:00.000Z', { ...rules, nextDayAt: 12 })).toBe('2021-03-22T07:30:00.000Z');
  });

  it('takes the first of a next-day hour that the clock repeats', () => {
    // Tehran repeated 23:00-24:00 on Tuesday 2021-09-21 (+04:30 -> +03:30); a request at 17:30.
    const rules: DeadlineRules = { ...DEFAULT_DEADLINE_RULES, timeZone: 'Asia/Tehran', nextDayAt: 23, holidays: new Set() };
    expect(due('2021-09-21T13:00:00.000Z', rules)).toBe('2021-09-21T18:30:00.000Z');
  });
});

describe('deadline rules', () => {
  it('uses a custom holiday set passed in the rules', () => {
    const rules: DeadlineRules = { ...DEFAULT_DEADLINE_RULES, holidays: new Set(parseHolidays('2026-03-11, 2026-03-12')) };
    expect(due('2026-03-10T17:00:00.000Z', rules)).toBe('2026-03-13T08:00:00.000Z');
    expect(due('2026-03-11T09:00:00.000Z', rules)).toBe('2026-03-13T08:00:00.000Z');
    // Without the official holidays, 25 December 2026 is an ordinary Friday.
    expect(due('2026-12-24T18:00:00.000Z', rules)).toBe('2026-12-25T08:00:00.000Z');
    expect(due('2026-03-11T09:00:00.000Z')).toBe('2026-03-11T11:00:00.000Z');
  });

  it('adds customary days off through configuration (24 and 31 December, Grundlovsdag)', () => {
    expect(isWorkingDay('2026-12-24')).toBe(true);
    expect(isWorkingDay('2026-06-05')).toBe(true);
    const rules: DeadlineRules = {
      ...DEFAULT_DEADLINE_RULES,
      holidays: new Set([...DEFAULT_DEADLINE_RULES.holidays, ...parseHolidays('2026-06-05\n2026-12-24\n2026-12-31')])
    };
    expect(isWorkingDay('2026-12-24', rules)).toBe(false);
    // Wed 23 December 2026 16:30 -> Mon 28 December 09:00.
    expect(due('2026-12-23T15:30:00.000Z', rules)).toBe('2026-12-28T08:00:00.000Z');
    // Thu 4 June 2026 18:00 -> Mon 8 June 09:00 CEST.
    expect(due('2026-06-04T16:00:00.000Z', rules)).toBe('2026-06-08T07:00:00.000Z');
  });

  it('follows a configured window, answer time and next-day hour', () => {
    const rules: DeadlineRules = { ...DEFAULT_DEADLINE_RULES, windowStart: 8, windowEnd: 15, answerHours: 3, nextDayAt: 10 };
    expect(due('2026-03-10T06:30:00.000Z', rules)).toBe('2026-03-10T09:00:00.000Z');
    expect(due('2026-03-10T07:00:00.000Z', rules)).toBe('2026-03-10T10:00:00.000Z');
    expect(due('2026-03-10T14:00:00.000Z', rules)).toBe('2026-03-11T09:00:00.000Z');
  });

  it('refuses an invalid receipt, invalid rules and holidays that never end', () => {
    expect(() => answerDeadline(new Date('nonsense'))).toThrow(/not a valid date/);
    expect(() => answerDeadline(new Date(), { ...DEFAULT_DEADLINE_RULES, windowStart: 16, windowEnd: 7 })).toThrow(/window 16-7/);
    expect(() => answerDeadline(new Date(), { ...DEFAULT_DEADLINE_RULES, answerHours: 0 })).toThrow(/Answer hours/);
    expect(() => answerDeadline(new Date(), { ...DEFAULT_DEADLINE_RULES, nextDayAt: 24 })).toThrow(/next day's hour/);
    const always = new Set<string>();
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2028, 0, 1); day += 86_400_000) always.add(new Date(day).toISOString().slice(0, 10));
    expect(() => answerDeadline(new Date('2026-03-10T17:00:00Z'), { ...DEFAULT_DEADLINE_RULES, holidays: always })).toThrow(/No working day within 400 days/);
  });

  it('says whether a local date is a working day', () => {
    expect(isWorkingDay('2026-03-10')).toBe(true);
    expect(isWorkingDay('2026-03-14')).toBe(false);
    expect(isWorkingDay('2026-03-15')).toBe(false);
    expect(isWorkingDay('2026-05-14')).toBe(false);
    expect(isWorkingDay('2026-01-01')).toBe(false);
    expect(() => isWorkingDay('2026-02-30')).toThrow(/"2026-02-30" is not a calendar date/);
    expect(() => isWorkingDay('10/03/2026')).toThrow(/"10\/03\/2026"/);
  });
});

describe('Danish public holidays', () => {
  it('computes Easter Sunday by the Gregorian computus', () => {
    const easter = (year: number): string => danishHolidays(year)[3];
    expect(easter(2024)).toBe('2024-03-31');
    expect(easter(2025)).toBe('2025-04-20');
    expect(easter(2026)).toBe('2026-04-05');
    expect(easter(2027)).toBe('2027-03-28');
    // The extremes of the Gregorian range of Easter: 22 March and 25 April.
    expect(easter(2285)).toBe('2285-03-22');
    expect(easter(2038)).toBe('2038-04-25');
  });

  it('lists every helligdag of 2026', () => {
    expect(danishHolidays(2026)).toEqual([
      '2026-01-01', // nytårsdag
      '2026-04-02', // skærtorsdag
      '2026-04-03', // langfredag
      '2026-04-05', // påskedag
      '2026-04-06', // 2. påskedag
      '2026-05-14', // Kristi himmelfartsdag
      '2026-05-24', // pinsedag
      '2026-05-25', // 2. pinsedag
      '2026-12-25', // juledag
      '2026-12-26' // 2. juledag
    ]);
  });

  it('has store bededag in 2023 and not from 2024', () => {
    const y2023 = danishHolidays(2023);
    expect(y2023).toContain('2023-05-05');
    expect(y2023).toHaveLength(11);
    expect(isWorkingDay('2023-05-05')).toBe(false);
    const y2024 = danishHolidays(2024);
    expect(y2024).toHaveLength(10);
    // Store bededag would have been Friday 26 April 2024.
    expect(y2024).not.toContain('2024-04-26');
    expect(isWorkingDay('2024-04-26')).toBe(true);
  });

  it('holds 2020..2040 in the default rules and refuses impossible years', () => {
    expect(DEFAULT_DEADLINE_RULES.holidays.has('2020-01-01')).toBe(true);
    expect(DEFAULT_DEADLINE_RULES.holidays.has('2040-12-26')).toBe(true);
    expect(DEFAULT_DEADLINE_RULES.holidays.has('2041-01-01')).toBe(false);
    expect(DEFAULT_DEADLINE_RULES.holidays.size).toBe(4 * 11 + 17 * 10);
    expect(() => danishHolidays(2026.5)).toThrow(/not 2026.5/);
    expect(() => danishHolidays(1000)).toThrow(/not 1000/);
  });
});

describe('parseHolidays', () => {
  it('reads dates separated by commas, whitespace and newlines', () => {
    expect(parseHolidays(' 2026-12-31,2026-12-24\n2026-06-05\t2026-12-24 ,, \r\n')).toEqual(['2026-06-05', '2026-12-24', '2026-12-31']);
    expect(parseHolidays('')).toEqual([]);
    expect(parseHolidays(' \n ')).toEqual([]);
  });

  it('names the entry that is not a date', () => {
    expect(() => parseHolidays('2026-12-24, 2026-13-01, 2026-12-31')).toThrow('Holiday "2026-13-01" is not a calendar date written YYYY-MM-DD.');
    expect(() => parseHolidays('2026-12-24;2026-12-31')).toThrow(/"2026-12-24;2026-12-31"/);
    expect(() => parseHolidays('2026-2-3')).toThrow(/"2026-2-3"/);
    expect(() => parseHolidays('2027-02-29')).toThrow(/"2027-02-29"/);
    expect(() => parseHolidays('0099-01-01')).toThrow(/"0099-01-01"/);
    expect(parseHolidays('2028-02-29')).toEqual(['2028-02-29']);
  });
});

describe('answer deadline against brute force', () => {
  // Copenhagen's wall clock read independently of the module under test.
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Copenhagen',
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit'
  });
  const holidays2026 = new Set(['2026-01-01', '2026-04-02', '2026-04-03', '2026-04-05', '2026-04-06', '2026-05-14', '2026-05-24', '2026-05-25', '2026-12-25', '2026-12-26']);

  interface Local { date: string; weekday: string; hour: number; minute: number; second: number }
  function local(at: number): Local {
    const parts = Object.fromEntries(clock.formatToParts(at).map((p) => [p.type, p.value]));
    return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: parts.weekday, hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) };
  }
  // Deadlines of 2026 end at the latest on Monday 4 January 2027 (1 January is a holiday).
  const working = (l: Local): boolean => {
    if (l.date >= '2027-01-01') return l.date === '2027-01-04';
    return l.weekday !== 'Sat' && l.weekday !== 'Sun' && !holidays2026.has(l.date);
  };
  const nineOnWorkingDay = (at: number): boolean => {
    if (at % 1000 !== 0) return false;
    const l = local(at);
    return l.hour === 9 && l.minute === 0 && l.second === 0 && working(l);
  };

  it('agrees on 2,000 seeded instants over 2026', () => {
    const random = new Random(20260310);
    const start = Date.UTC(2025, 11, 31, 23);
    const end = Date.UTC(2026, 11, 31, 23);
    let inside = 0;
    let edges = 0;
    for (let n = 0; n < 2000; n++) {
      let at = start + Math.floor(random.next() * (end - start));
      // Every other instant on a whole quarter hour, so that 07:00 and 16:00 exactly come up.
      if (n % 2 === 1) at -= at % 900_000;
      const received = local(at);
      const deadline = answerDeadline(new Date(at)).getTime();
      expect(deadline).toBeGreaterThan(at);
      const msOfDay = ((received.hour * 60 + received.minute) * 60 + received.second) * 1000 + (at % 1000);
      if (working(received) && (msOfDay === 7 * 3_600_000 || msOfDay === 16 * 3_600_000)) edges++;
      if (working(received) && msOfDay >= 7 * 3_600_000 && msOfDay < 16 * 3_600_000) {
        inside++;
        expect(deadline).toBe(at + 2 * 3_600_000);
        expect(working(local(deadline))).toBe(true);
        continue;
      }
      expect(nineOnWorkingDay(deadline)).toBe(true);
      // 09:00 in Copenhagen is always on a whole UTC hour: no such hour lies between.
      for (let t = at - (at % 3_600_000) + 3_600_000; t < deadline; t += 3_600_000) {
        if (nineOnWorkingDay(t)) expect.fail(`${new Date(at).toISOString()} is due ${new Date(deadline).toISOString()}, after ${new Date(t).toISOString()}`);
      }
    }
    // The sample reaches both kinds of request and the window's edges.
    expect(inside).toBeGreaterThan(300);
    expect(2000 - inside).toBeGreaterThan(1000);
    expect(edges).toBeGreaterThan(0);
  });
});
