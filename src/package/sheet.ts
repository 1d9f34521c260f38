/**
 * The package map: one A4 landscape sheet that prints legibly. On the left the map frame (the dig
 * area, its information zone and every delivered line coloured by fareklasse, over a grid of
 * EPSG:25832 metres), under it the scale bar and a grid-north arrow; on the right the request's
 * facts, the legend and the owners with their status in LER terms.
 */
import type { Geometry } from '../types.js';
import type { Package, PackageConflict } from './types.js';
import { digRings, mapFrame, meridianConvergence, projector, roundLength, roundStep, SHEET, type MapFrame, type Project } from './sheet-frame.js';
import { sidePanel } from './sheet-panel.js';
import { num, text } from './sheet-svg.js';
import { DIG_AREA_FILL, fareklasseColour, INFO_ZONE_DASH, INFO_ZONE_EDGE, INFO_ZONE_FILL } from './sheet-style.js';
import { xmlText } from './sheet-text.js';

const MARGIN = 40;
const FRAME = { x: MARGIN, y: MARGIN, width: 680, height: 680 };
const FOOTER_Y = FRAME.y + FRAME.height;
const PANEL = { x: 748, y: MARGIN, width: SHEET.width - MARGIN - 748, height: SHEET.height - 2 * MARGIN };
const SCALE_BAR_MAX = 220;
const GRID_MIN = 110;

/** Danger drawn last, on top. */
const DRAW_ORDER: Record<string, number> = { 'ikke farlig': 0, ukendt: 1, farlig: 2, 'meget farlig': 3 };

/** The package map as an A4 landscape SVG sheet. */
export function packageSvg(pkg: Package): string {
  const frame = mapFrame(pkg, FRAME.x, FRAME.y, FRAME.width, FRAME.height);
  const project = projector(pkg.crs);
  const lattice = grid(frame);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SHEET.widthMm}mm" height="${SHEET.heightMm}mm" viewBox="0 0 ${SHEET.width} ${SHEET.height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12" fill="#1a1a1a">`,
    `<title>${xmlText(`Dig request ${pkg.id}: package map`)}</title>`,
    `<rect width="${SHEET.width}" height="${SHEET.height}" fill="#ffffff"/>`,
    `<clipPath id="map-clip"><rect x="${frame.x}" y="${frame.y}" width="${frame.width}" height="${frame.height}"/></clipPath>`,
    `<g id="map" clip-path="url(#map-clip)">`,
    lattice.lines,
    infoZone(pkg, frame, project),
    digArea(pkg, frame, project),
    conflicts(pkg, frame, project),
    '</g>',
    `<rect id="map-frame" x="${frame.x}" y="${frame.y}" width="${frame.width}" height="${frame.height}" fill="none" stroke="#1a1a1a" stroke-width="1.5" data-scale="${frame.scale}" data-px-per-metre="${frame.pxPerMetre}"/>`,
    lattice.labels,
    scaleBar(frame),
    northArrow(frame),
    sidePanel(pkg, frame, PANEL),
    '</svg>',
    ''
  ].join('\n');
}

function ringsPath(rings: readonly (readonly number[])[][], frame: MapFrame, project: Project): string {
  return rings.map((ring) => `M${ring.map((p) => point(frame.toPx(project(p)))).join('L')}Z`).join('');
}

function point([x, y]: [number, number]): string {
  return `${num(x)},${num(y)}`;
}

/** Every point within b of the area: its outline stroked 2b wide with round joins, and the area itself. */
function infoZone(pkg: Package, frame: MapFrame, project: Project): string {
  if (pkg.infoZone <= 0) return '<g id="info-zone"/>';
  const d = ringsPath(digRings(pkg), frame, project);
  const width = 2 * pkg.infoZone * frame.pxPerMetre;
  // The zone's edge: the same shape 1.5 px wider underneath, in a darker tone.
  return [
    '<g id="info-zone" stroke-linejoin="round" fill-rule="evenodd">',
    `<path d="${d}" fill="${INFO_ZONE_EDGE}" stroke="${INFO_ZONE_EDGE}" stroke-width="${num(width + 1.5)}"/>`,
    `<path d="${d}" fill="${INFO_ZONE_FILL}" stroke="${INFO_ZONE_FILL}" stroke-width="${num(Math.max(0, width - 1.5))}"/>`,
    '</g>'
  ].join('');
}

function digArea(pkg: Package, frame: MapFrame, project: Project): string {
  const d = ringsPath(digRings(pkg), frame, project);
  return `<g id="dig-area"><path d="${d}" fill="${DIG_AREA_FILL}" fill-rule="evenodd" stroke="#000000" stroke-width="2.5" stroke-linejoin="round"/></g>`;
}

function conflicts(pkg: Package, frame: MapFrame, project: Project): string {
  const all: { owner: string; name: string; c: PackageConflict; g: Geometry }[] = [];
  for (const o of pkg.owners) for (const c of o.conflicts) if (c.geometry !== null) all.push({ owner: o.owner, name: o.name, c, g: c.geometry });
  const rank = (f: string | null): number => (f !== null && Object.hasOwn(DRAW_ORDER, f) ? DRAW_ORDER[f] : DRAW_ORDER.ukendt);
  all.sort((a, b) => rank(a.c.fareklasse) - rank(b.c.fareklasse));
  const out: string[] = [];
  for (const { owner, name, c, g } of all) {
    const colour = fareklasseColour(c.fareklasse);
    const only = c.zone === 'infoZone';
    const data = ` data-owner="${xmlText(owner)}" data-feature="${xmlText(String(c.featureId))}" data-zone="${c.zone}"`;
    const title = `<title>${xmlText(`${name}: ${c.featureType} ${String(c.featureId)} (${c.fareklasse ?? 'ukendt'}${only ? ', information zone only' : ''})`)}</title>`;
    const dash = only ? ` stroke-dasharray="${INFO_ZONE_DASH}"` : '';
    if (g.type === 'LineString' || g.type === 'MultiLineString') {
      const parts = g.type === 'LineString' ? [g.coordinates] : g.coordinates;
      const d = parts.map((l) => `M${l.map((p) => point(frame.toPx(project(p)))).join('L')}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"${dash}${data}>${title}</path>`);
    } else if (g.type === 'Point' || g.type === 'MultiPoint') {
      const points = g.type === 'Point' ? [g.coordinates] : g.coordinates;
      const fill = only ? '#ffffff' : colour;
      const stroke = only ? colour : '#ffffff';
      out.push(`<g fill="${fill}" stroke="${stroke}" stroke-width="2"${data}>${title}`);
      for (const p of points) {
        const [x, y] = frame.toPx(project(p));
        out.push(`<circle cx="${num(x)}" cy="${num(y)}" r="5"/>`);
      }
      out.push('</g>');
    } else {
      const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      const d = polygons.map((rings) => ringsPath(rings, frame, project)).join('');
      out.push(`<path d="${d}" fill="${colour}" fill-opacity="0.35" fill-rule="evenodd" stroke="${colour}" stroke-width="2"${dash}${data}>${title}</path>`);
    }
  }
  return `<g id="conflicts">${out.join('')}</g>`;
}

/** Grid lines every round number of metres, labelled with EPSG:25832 eastings above and northings left of the frame. */
function grid(frame: MapFrame): { lines: string; labels: string } {
  const step = roundStep(frame.pxPerMetre, GRID_MIN);
  const [minX, minY, maxX, maxY] = frame.extent;
  const lines: string[] = [];
  const labels: string[] = [];
  for (let e = Math.ceil(minX / step) * step; e <= maxX; e += step) {
    const [x] = frame.toPx([e, 0]);
    lines.push(`M${num(x)},${frame.y}V${frame.y + frame.height}`);
    if (x > frame.x + 30 && x < frame.x + frame.width - 30) labels.push(text(x, frame.y - 8, String(e), { size: 12, anchor: 'middle', fill: '#555555' }));
  }
  for (let n = Math.ceil(minY / step) * step; n <= maxY; n += step) {
    const [, y] = frame.toPx([0, n]);
    lines.push(`M${frame.x},${num(y)}H${frame.x + frame.width}`);
    if (y > frame.y + 34 && y < frame.y + frame.height - 34) labels.push(text(0, 0, String(n), { size: 12, anchor: 'middle', fill: '#555555', transform: `translate(${num(frame.x - 8)},${num(y)}) rotate(-90)` }));
  }
  return {
    lines: `<g id="grid" fill="none" stroke="#d5d9de" stroke-width="1"><path d="${lines.join('')}"/></g>`,
    labels: `<g id="grid-labels" data-step="${step}">${labels.join('')}</g>`
  };
}

/** A bar of a round number of metres, exactly as long as the map draws them, in four alternating parts. */
function scaleBar(frame: MapFrame): string {
  const metres = roundLength(frame.pxPerMetre, SCALE_BAR_MAX);
  const length = metres * frame.pxPerMetre;
  const x = frame.x;
  const y = FOOTER_Y + 18;
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) {
    parts.push(`<rect x="${num(x + (i * length) / 4)}" y="${y}" width="${num(length / 4)}" height="8" fill="${i % 2 === 0 ? '#1a1a1a' : '#ffffff'}"/>`);
  }
  const label = (v: number): string => String(Math.round(v * 100) / 100);
  return [
    `<g id="scale-bar" data-metres="${metres}">`,
    ...parts,
    `<rect id="scale-bar-length" x="${num(x)}" y="${y}" width="${num(length)}" height="8" fill="none" stroke="#1a1a1a" stroke-width="1"/>`,
    text(x, y + 24, '0', { size: 12, anchor: 'middle' }),
    text(x + length / 2, y + 24, label(metres / 2), { size: 12, anchor: 'middle' }),
    text(x + length, y + 24, `${label(metres)} m`, { size: 12, anchor: 'middle' }),
    text(x + length + 36, y + 8, `Scale 1:${frame.scale.toLocaleString('en-GB')}`, { size: 15, bold: true, id: 'map-scale' }),
    text(x + length + 36, y + 24, 'when printed on A4', { size: 12, fill: '#444444' }),
    '</g>'
  ].join('');
}

/** Grid north: the map's y axis is EPSG:25832 northing, which true north departs from by the meridian convergence. */
function northArrow(frame: MapFrame): string {
  const cx = frame.x + frame.width - 18;
  const top = FOOTER_Y + 22;
  const bottom = FOOTER_Y + 58;
  const convergence = meridianConvergence(frame.centre);
  const side = convergence >= 0 ? 'west' : 'east';
  const note = Math.abs(convergence) >= 0.05 ? `true north ${Math.abs(convergence).toFixed(1)}° ${side} of it` : 'true north within 0.1° of it';
  return [
    '<g id="north-arrow">',
    `<path d="M${cx},${top}L${cx + 9},${bottom}L${cx},${bottom - 8}Z" fill="#1a1a1a"/>`,
    `<path d="M${cx},${top}L${cx - 9},${bottom}L${cx},${bottom - 8}Z" fill="#ffffff" stroke="#1a1a1a" stroke-width="1.2" stroke-linejoin="round"/>`,
    text(cx, top - 4, 'N', { size: 15, bold: true, anchor: 'middle' }),
    text(cx - 22, FOOTER_Y + 34, 'Grid north (EPSG:25832)', { size: 12, anchor: 'end' }),
    text(cx - 22, FOOTER_Y + 50, note, { size: 12, anchor: 'end', fill: '#444444' }),
    '</g>'
  ].join('');
}
