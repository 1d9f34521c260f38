/**
 * Precautions attached to each conflict, from a matrix as KLIC's owners keep one: danger class
 * (fareklasse) x kind of work -> precautions, each a stable code and a text. The texts may name
 * `{distance}` (metres within which to dig by hand: the line's margin, at least `minHandDig`)
 * and `{contact}` (the owner's contact). The matrix is configurable (LER_PRECAUTIONS_FILE).
 */
import { readFileSync } from 'node:fs';
import type { Precaution } from './types.js';

export type { Precaution };

export const WORK_TYPES = ['excavation', 'handDigging', 'drilling', 'piling'] as const;
export type WorkType = (typeof WORK_TYPES)[number];

/** The matrix's rows: the LER danger classes, and `ukendt` for a line without one. */
export const DANGER_ROWS = ['meget farlig', 'farlig', 'ikke farlig', 'ukendt'] as const;

export interface PrecautionMatrix {
  /** Hand digging is asked within at least this many metres of a line, whatever its margin. */
  minHandDig: number;
  /** Row by danger class, column by kind of work. */
  rows: Record<string, Record<string, Precaution[]>>;
}

const HAND_DIG: Precaution = { code: 'HAND_DIG', text: 'Dig by hand, no machine, within {distance} m of the line (its width and positional accuracy).' };
const TRIAL_HOLES: Precaution = { code: 'TRIAL_HOLES', text: 'Find the line with hand-dug trial holes before machines work near it.' };
const OWNER_PRESENT: Precaution = {
  code: 'OWNER_PRESENT',
  text: 'Very dangerous line: the owner shows it on site and is present while anyone digs within {distance} m of it. Agree a time first: {contact}.'
};
const NO_DRILLING: Precaution = { code: 'NO_DRILLING', text: 'No drilling or piling within {distance} m of the line without the owner\'s written consent: {contact}.' };
const KEEP_DISTANCE: Precaution = { code: 'KEEP_DISTANCE', text: 'Keep the drill or pile at least {distance} m from the line, and find the line by hand first.' };
const EXPOSE_WITH_CARE: Precaution = { code: 'EXPOSE_WITH_CARE', text: 'Expose the line by hand with care, support it once exposed, and report any damage to the owner at once: {contact}.' };
const TREAT_AS_DANGEROUS: Precaution = { code: 'TREAT_AS_DANGEROUS', text: 'The line\'s danger class is not given: treat it as dangerous (farlig).' };

function row(all: Precaution[], byWork: Partial<Record<WorkType, Precaution[]>>): Record<string, Precaution[]> {
  return Object.fromEntries(WORK_TYPES.map((w) => [w, [...all, ...(byWork[w] ?? [])]]));
}

export const DEFAULT_PRECAUTIONS: PrecautionMatrix = {
  minHandDig: 0.5,
  rows: {
    'meget farlig': row([OWNER_PRESENT], { excavation: [HAND_DIG, TRIAL_HOLES], handDigging: [EXPOSE_WITH_CARE], drilling: [NO_DRILLING], piling: [NO_DRILLING] }),
    farlig: row([], { excavation: [HAND_DIG, TRIAL_HOLES], handDigging: [EXPOSE_WITH_CARE], drilling: [KEEP_DISTANCE, TRIAL_HOLES], piling: [KEEP_DISTANCE, TRIAL_HOLES] }),
    'ikke farlig': row([], { excavation: [HAND_DIG], handDigging: [EXPOSE_WITH_CARE], drilling: [KEEP_DISTANCE], piling: [KEEP_DISTANCE] }),
    ukendt: row([TREAT_AS_DANGEROUS], { excavation: [HAND_DIG, TRIAL_HOLES], handDigging: [EXPOSE_WITH_CARE], drilling: [KEEP_DISTANCE, TRIAL_HOLES], piling: [KEEP_DISTANCE, TRIAL_HOLES] })
  }
};

/** The kinds of work a matrix knows (its columns). */
export function workTypesOf(matrix: PrecautionMatrix): string[] {
  const set = new Set<string>();
  for (const r of Object.values(matrix.rows)) for (const w of Object.keys(r)) set.add(w);
  return [...set];
}

const filled = new WeakMap<PrecautionMatrix, Map<string, Precaution[]>>();

/**
 * The precautions for one line, with `{distance}` and `{contact}` filled in. Lines of the same class,
 * margin and owner share one list: treat it as read-only.
 */
export function precautionsFor(matrix: PrecautionMatrix, fareklasse: string | null, margin: number, workType: string, contact: string | null): Precaution[] {
  let memo = filled.get(matrix);
  if (memo === undefined) filled.set(matrix, (memo = new Map()));
  const key = `${fareklasse ?? ''}\u0000${margin}\u0000${workType}\u0000${contact ?? ''}\u0000${contact === null ? 0 : 1}`;
  let list = memo.get(key);
  if (list === undefined) {
    const r = matrix.rows[fareklasse ?? 'ukendt'] ?? matrix.rows.ukendt ?? {};
    const distance = (Math.ceil(Math.max(margin, matrix.minHandDig) * 100) / 100).toFixed(2);
    const who = contact ?? 'see the owner\'s contact in the package';
    list = (r[workType] ?? []).map((p) => ({ code: p.code, text: p.text.replaceAll('{distance}', distance).replaceAll('{contact}', who) }));
    if (memo.size >= 10_000) memo.clear();
    memo.set(key, list);
  }
  return list;
}

/** Reads and checks a matrix file; throws an Error that names what is wrong. */
export function loadPrecautions(file: string): PrecautionMatrix {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return checkMatrix(raw, file);
}

export function checkMatrix(raw: unknown, name = 'the precaution matrix'): PrecautionMatrix {
  const m = raw as { minHandDig?: unknown; rows?: unknown } | null;
  const bad = (what: string): Error => new Error(`${name}: ${what}. Expected {"minHandDig": number, "rows": {"<fareklasse>": {"<workType>": [{"code", "text"}]}}}.`);
  if (!m || typeof m !== 'object') throw bad('not an object');
  if (typeof m.minHandDig !== 'number' || !Number.isFinite(m.minHandDig) || m.minHandDig < 0 || m.minHandDig > 100) throw bad('minHandDig must be 0 to 100 m');
  if (!m.rows || typeof m.rows !== 'object') throw bad('rows missing');
  const rows = m.rows as Record<string, unknown>;
  if (!('ukendt' in rows)) throw bad('a row "ukendt" (lines without fareklasse) is required');
  for (const [klass, columns] of Object.entries(rows)) {
    if (!columns || typeof columns !== 'object') throw bad(`row ${JSON.stringify(klass)} is not an object`);
    for (const [work, list] of Object.entries(columns as Record<string, unknown>)) {
      const ok = Array.isArray(list) && list.every((p) => p && typeof p === 'object' && typeof (p as Precaution).code === 'string' && typeof (p as Precaution).text === 'string');
      if (!ok) throw bad(`rows[${JSON.stringify(klass)}][${JSON.stringify(work)}] must be a list of {code, text}`);
    }
  }
  return { minHandDig: m.minHandDig, rows: rows as PrecautionMatrix['rows'] };
}
