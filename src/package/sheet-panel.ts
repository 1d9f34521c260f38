/**
 * The right-hand panel of the package sheet: what was asked and when, the legend, and every owner
 * concerned with its status in LER terms, its contact and how many of its lines are delivered.
 * The owner list is cut with "and N more" where the sheet ends.
 */
import { STATUS, type Package, type PackageOwner } from './types.js';
import type { MapFrame } from './sheet-frame.js';
import { DIG_AREA_FILL, FAREKLASSE_COLOURS, INFO_ZONE_DASH, INFO_ZONE_EDGE, INFO_ZONE_FILL } from './sheet-style.js';
import { num, text } from './sheet-svg.js';
import { textWidth, xmlText } from './sheet-text.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const PAD = 12;
const ROW = 17;
const OWNER_ROW = 49;
const HEADING = '#1d3557';

/** Owners the contractor must act on first: those who show lines on site, then those to contact. */
const STATUS_ORDER: Record<string, number> = { [STATUS.marking]: 0, [STATUS.manual]: 1, [STATUS.delivered]: 2, [STATUS.none]: 3 };
const STATUS_COLOUR: Record<string, string> = { [STATUS.marking]: '#b2182b', [STATUS.manual]: '#8c5a00' };

const CRS_NAMES: Record<string, string> = {
  'EPSG:4326': 'EPSG:4326 (lon/lat), drawn in EPSG:25832',
  'EPSG:25832': 'EPSG:25832 (ETRS89 / UTM 32N)',
  'EPSG:7416': 'EPSG:7416 (ETRS89 / UTM 32N + DVR90)'
};

export function sidePanel(pkg: Package, frame: MapFrame, box: Box): string {
  const out: string[] = [`<g id="panel">`];
  out.push(`<rect x="${box.x}" y="${box.y}" width="${box.width}" height="48" fill="${HEADING}"/>`);
  out.push(text(box.x + PAD, box.y + 23, 'Ledningspakke – package map', { size: 18, bold: true, fill: '#ffffff', maxWidth: box.width - 2 * PAD }));
  out.push(text(box.x + PAD, box.y + 40, 'The dig request and the owners’ lines in and near it', { size: 12, fill: '#e4ebf3', maxWidth: box.width - 2 * PAD }));
  let y = box.y + 70;
  y = facts(pkg, frame, box, y, out);
  y = legend(pkg, box, y + 8, out);
  owners(pkg, box, y + 8, out);
  out.push('</g>');
  return out.join('');
}

function facts(pkg: Package, frame: MapFrame, box: Box, top: number, out: string[]): number {
  const rows: [string, string][] = [
    ['Request', pkg.id],
    ['Created', when(pkg.createdAt)],
    ['Valid until', when(pkg.validUntil)],
    ['Work type', pkg.workType]
  ];
  if (pkg.period !== null) rows.push(['Period', `${pkg.period.from} – ${pkg.period.to}`]);
  if (pkg.purpose !== null && pkg.purpose.trim() !== '') rows.push(['Purpose', pkg.purpose]);
  rows.push(['Dig area', `${areaText(pkg.areaM2)}, information zone ${pkg.infoZone} m`]);
  rows.push(['CRS', CRS_NAMES[pkg.crs] ?? pkg.crs]);
  rows.push(['Map scale', `1:${frame.scale.toLocaleString('en-GB')} on A4 (297 × 210 mm)`]);
  const valueX = box.x + PAD + 84;
  out.push('<g id="facts">');
  rows.forEach(([label, value], i) => {
    const y = top + i * ROW;
    out.push(text(box.x + PAD, y, label, { size: 12, bold: true, fill: '#444444' }));
    out.push(text(valueX, y, value, { size: 12, maxWidth: box.x + box.width - PAD - valueX, id: `fact-${label.toLowerCase().replace(/ /g, '-')}` }));
  });
  out.push('</g>');
  return top + (rows.length - 1) * ROW + 10;
}

function legend(pkg: Package, box: Box, top: number, out: string[]): number {
  out.push('<g id="legend">');
  out.push(heading(box, top + 14, 'Legend'));
  const first = top + 36;
  const left = box.x + PAD;
  const right = box.x + 180;
  const labels: Record<string, string> = { 'meget farlig': 'meget farlig', farlig: 'farlig', 'ikke farlig': 'ikke farlig', ukendt: 'fareklasse not given' };
  Object.entries(FAREKLASSE_COLOURS).forEach(([name, colour], i) => {
    const y = first + i * 18;
    out.push(`<line x1="${left}" y1="${y - 4}" x2="${left + 28}" y2="${y - 4}" stroke="${colour}" stroke-width="3" stroke-linecap="round" data-fareklasse="${name}"/>`);
    out.push(text(left + 36, y, labels[name] ?? name, { size: 12, maxWidth: right - left - 44 }));
  });
  const width = box.x + box.width - PAD - (right + 36);
  const zone = pkg.infoZone > 0 ? `Information zone, ${pkg.infoZone} m` : 'No information zone (0 m)';
  out.push(`<rect x="${right}" y="${first - 10}" width="28" height="12" fill="${DIG_AREA_FILL}" stroke="#000000" stroke-width="2"/>`);
  out.push(text(right + 36, first, 'Dig area (graveområde)', { size: 12, maxWidth: width, id: 'legend-dig-area' }));
  out.push(`<rect x="${right}" y="${first + 8}" width="28" height="12" fill="${INFO_ZONE_FILL}" stroke="${INFO_ZONE_EDGE}" stroke-width="1.5"/>`);
  out.push(text(right + 36, first + 18, zone, { size: 12, maxWidth: width, id: 'legend-info-zone' }));
  out.push(`<line x1="${right}" y1="${first + 32}" x2="${right + 28}" y2="${first + 32}" stroke="#555555" stroke-width="3" stroke-dasharray="${INFO_ZONE_DASH}"/>`);
  out.push(text(right + 36, first + 36, 'Dashed: info zone only', { size: 12, maxWidth: width, id: 'legend-info-zone-only' }));
  out.push(`<circle cx="${right + 14}" cy="${first + 50}" r="5" fill="#555555" stroke="#ffffff" stroke-width="2"/>`);
  out.push(text(right + 36, first + 54, 'Component (point)', { size: 12, maxWidth: width }));
  out.push('</g>');
  return first + 3 * 18 + 8;
}

function owners(pkg: Package, box: Box, top: number, out: string[]): void {
  const list = [...pkg.owners].sort((a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9));
  out.push(`<g id="owners" data-count="${list.length}">`);
  out.push(heading(box, top + 14, `Owners (ledningsejere): ${list.length}`));
  const first = top + 38;
  const bottom = box.y + box.height;
  // Every row ends with its contact 30 px below its name; the "and N more" line takes a row's place.
  const fits = Math.floor((bottom - first - 30) / OWNER_ROW) + 1;
  const shown = list.length <= fits ? list : list.slice(0, Math.floor((bottom - first) / OWNER_ROW));
  const right = box.x + box.width - PAD;
  shown.forEach((o, i) => {
    const y = first + i * OWNER_ROW;
    const count = countText(o);
    const countWidth = textWidth(count, 12);
    out.push(`<g class="owner" data-owner="${xmlText(o.owner)}">`);
    out.push(text(box.x + PAD, y, o.name, { size: 13, bold: true, maxWidth: right - countWidth - 10 - (box.x + PAD) }));
    out.push(text(right, y, count, { size: 12, anchor: 'end', fill: '#444444' }));
    out.push(text(box.x + PAD, y + 15, o.status, { size: 12, fill: STATUS_COLOUR[o.status] ?? '#1a1a1a', bold: STATUS_COLOUR[o.status] !== undefined, maxWidth: right - box.x - PAD }));
    out.push(text(box.x + PAD, y + 30, o.contact ?? 'no contact given', { size: 12, fill: '#444444', maxWidth: right - box.x - PAD }));
    out.push('</g>');
  });
  if (list.length === 0) out.push(text(box.x + PAD, first, 'No owner has lines or an interest area here.', { size: 12, id: 'owners-none' }));
  if (shown.length < list.length) {
    const more = list.length - shown.length;
    const lines = list.slice(shown.length).reduce((n, o) => n + o.conflicts.length, 0);
    out.push(text(box.x + PAD, first + shown.length * OWNER_ROW, `and ${more} more owner${more === 1 ? '' : 's'} (${lines} line${lines === 1 ? '' : 's'}): see the package`, { size: 12, bold: true, id: 'owners-more', maxWidth: right - box.x - PAD }));
  }
  out.push('</g>');
}

function heading(box: Box, y: number, title: string): string {
  return `${text(box.x + PAD, y, title, { size: 14, bold: true, fill: HEADING, maxWidth: box.width - 2 * PAD })}<line x1="${box.x}" y1="${num(y + 6)}" x2="${box.x + box.width}" y2="${num(y + 6)}" stroke="${HEADING}" stroke-width="1"/>`;
}

function countText(o: PackageOwner): string {
  const lines = o.conflicts.filter((c) => c.geometry === null || c.geometry.type.includes('Line')).length;
  const others = o.conflicts.length - lines;
  if (o.conflicts.length === 0) return 'no lines';
  const parts = [`${lines} line${lines === 1 ? '' : 's'}`];
  if (others > 0) parts.push(`${others} component${others === 1 ? '' : 's'}`);
  return lines === 0 ? parts.slice(1).join('') : parts.join(', ');
}

function when(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

function areaText(m2: number): string {
  return m2 >= 10_000 ? `${(m2 / 10_000).toLocaleString('en-GB', { maximumFractionDigits: 2 })} ha` : `${m2.toLocaleString('en-GB', { maximumFractionDigits: 1 })} m²`;
}
