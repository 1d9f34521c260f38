/**
 * The package's status list: for every owner it names, its status, contact and what the
 * contractor is to do, with the owner's own answer and marking when there are, as plain text
 * (status.txt) and as a small HTML page (status.html) for the package's zip.
 */
import type { Package, PackageOwner } from './types.js';

interface Row {
  label: string;
  value: string;
}

function rowsOf(pkg: Package, o: PackageOwner): Row[] {
  const inside = o.conflicts.filter((c) => c.zone === 'digArea').length;
  const near = o.conflicts.length - inside;
  const rows: Row[] = [
    { label: 'Status', value: o.status },
    { label: 'Contact', value: o.contact ?? '-' },
    { label: 'Lines', value: `${inside} in the dig area, ${near} in the information zone` },
    { label: 'Network version', value: o.networkVersion === null ? 'none uploaded' : String(o.networkVersion) },
    { label: 'Message', value: o.message },
    { label: 'Answer due', value: pkg.answerDeadline }
  ];
  if (o.answer !== undefined) {
    rows.push({ label: 'Answered', value: `${o.answer.at} (${o.answer.by})` });
    if (o.answer.reason !== null) rows.push({ label: 'Reason', value: o.answer.reason });
    if (o.answer.expectedAt !== null) rows.push({ label: 'Expected answer', value: o.answer.expectedAt });
    if (o.answer.validUntil !== null) rows.push({ label: 'Answer valid until', value: o.answer.validUntil });
    if (o.answer.note !== null) rows.push({ label: 'Note', value: o.answer.note });
  } else {
    rows.push({ label: 'Answered', value: 'not yet (the registry\'s answer)' });
  }
  if (o.marking !== undefined) rows.push({ label: 'Marked on site', value: `${o.marking.at} by ${o.marking.by}${o.marking.note !== null ? `: ${o.marking.note}` : ''}` });
  return rows;
}

function headerRows(pkg: Package): Row[] {
  const rows: Row[] = [
    { label: 'Dig request', value: pkg.id },
    { label: 'Type', value: pkg.type },
    { label: 'Revision', value: `${pkg.revision} (${pkg.revisedAt})` },
    { label: 'Created', value: pkg.createdAt },
    { label: 'Valid until', value: pkg.validUntil },
    { label: 'Answers due', value: pkg.answerDeadline },
    { label: 'Work', value: pkg.workType },
    { label: 'Information zone', value: `${pkg.infoZone} m` }
  ];
  if (pkg.notice !== null) rows.push({ label: 'Notice', value: pkg.notice });
  if (pkg.reason !== null) rows.push({ label: 'Reason', value: pkg.reason });
  return rows;
}

function textBlock(rows: readonly Row[]): string {
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  return rows.map((r) => `${`${r.label}:`.padEnd(width)}${r.value.replace(/\r?\n/g, `\n${' '.repeat(width)}`)}`).join('\n');
}

/** The status list as plain text. */
export function statusText(pkg: Package): string {
  const parts = [`Ledningspakke: status per owner\n\n${textBlock(headerRows(pkg))}`];
  for (const o of pkg.owners) parts.push(`${o.name || o.owner} (${o.owner})\n${textBlock(rowsOf(pkg, o))}`);
  if (pkg.owners.length === 0) parts.push('No owner has lines or an interest area here.');
  return `${parts.join('\n\n')}\n`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function table(rows: readonly Row[]): string {
  return `<table>${rows.map((r) => `<tr><th>${html(r.label)}</th><td>${html(r.value)}</td></tr>`).join('')}</table>`;
}

/** The status list as an HTML page (no scripts, no outside resources). */
export function statusHtml(pkg: Package): string {
  const owners = pkg.owners.map((o) => `<section><h2>${html(o.name || o.owner)} <small>(${html(o.owner)})</small></h2>${table(rowsOf(pkg, o))}</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Ledningspakke ${html(pkg.id)}: status per owner</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}th{text-align:left;padding-right:1em;vertical-align:top;white-space:nowrap}td{white-space:pre-wrap}section{margin-top:1.5em}</style></head>
<body><h1>Ledningspakke: status per owner</h1>
${table(headerRows(pkg))}
${owners || '<p>No owner has lines or an interest area here.</p>'}
</body></html>
`;
}
