/**
 * A rule report for people: problems grouped by rule code (errors first), each code with the
 * rule's own words once and then its features (index, id, JSON pointer, and what the check said
 * beyond the rule's words).
 */
import { ErrorCodes } from '../errors.js';
import type { Problem, ReportSummary } from '../rules/report.js';

/** Problems listed per code unless every one is asked for. */
export const LISTED_PER_CODE = 20;

export function formatReport(summary: ReportSummary, opts: { all?: boolean } = {}): string {
  const lines: string[] = [];
  const codes = Object.entries(summary.byCode).sort(([a, x], [b, y]) => (x.severity === y.severity ? (a < b ? -1 : 1) : x.severity === 'error' ? -1 : 1));
  for (const [code, entry] of codes) {
    lines.push(`${entry.severity === 'error' ? 'error  ' : 'warning'} ${code} (${entry.count}): ${ruleWords(code)}`);
    // The full list while the report kept every problem; else the examples it kept for the code.
    const listed = summary.unlisted === 0 ? summary.problems.filter((p) => p.code === code) : entry.examples;
    const shown = opts.all === true ? listed : listed.slice(0, LISTED_PER_CODE);
    for (const p of shown) lines.push(`  ${where(p)}${detail(p)}`);
    if (entry.count > shown.length) lines.push(`  ... and ${entry.count - shown.length} more${opts.all === true ? ' (not kept by the report)' : ' (--all lists every one)'}`);
  }
  return lines.join('\n');
}

/** One line per code: severity, code, count, the rule's words. */
export function codeCounts(summary: ReportSummary): string {
  return Object.entries(summary.byCode)
    .map(([code, e]) => `${e.severity === 'error' ? 'error  ' : 'warning'} ${code} (${e.count}): ${ruleWords(code)}`)
    .join('\n');
}

export function countsLine(summary: ReportSummary): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(summary.features, 'feature')}: ${plural(summary.errors, 'error')} in ${plural(summary.invalidFeatures, 'feature')}, ${plural(summary.warnings, 'warning')}`;
}

function ruleWords(code: string): string {
  return (ErrorCodes as Record<string, { message: string } | undefined>)[code]?.message ?? '';
}

function where(p: Problem): string {
  const parts: string[] = [];
  if (p.featureIndex !== null) parts.push(`#${p.featureIndex}`);
  if (p.featureId !== null) parts.push(`id ${JSON.stringify(p.featureId)}`);
  if (p.pointer !== null && p.pointer !== '') parts.push(p.pointer);
  return parts.length > 0 ? parts.join('  ') : '(the input as a whole)';
}

/** What the message says beyond the code, the rule's words and the place (LerError's layout). */
function detail(p: Problem): string {
  let m = p.message;
  const head = `${p.code}: ${ruleWords(p.code)}`;
  if (m.startsWith(head)) m = m.slice(head.length);
  else if (m.startsWith(`${p.code}: `)) m = m.slice(p.code.length + 2);
  m = m.replace(/\s*\((feature #\d+|id |at \/)[^()]*\)$/, '').trim();
  return m === '' ? '' : `: ${m}`;
}
