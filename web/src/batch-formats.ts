/**
 * A batch's results as files, made in the page from the summaries: NDJSON (each summary as the
 * service sent it), CSV (the same columns as the `ler` command line writes) and GeoJSON (each
 * area's geometry with its summary as properties).
 */
import type { Feature, Geometry, LineString, Position } from 'geojson';
import type { AreaSummary } from './types';

/** The command line's CSV columns, in its order. */
export const CSV_COLUMNS = [
  'index', 'id', 'status', 'error_code', 'error_message', 'conflicts', 'in_dig_area', 'in_info_zone', 'owners',
  'worst_fareklasse', 'worst_feature_id', 'worst_owner', 'worst_zone', 'length_inside_m', 'stretch_from_m', 'stretch_to_m', 'version'
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(summaries: readonly AreaSummary[]): string {
  const rows = summaries.map((s) => {
    const worst = s.mostDangerous;
    return [
      s.index, s.id, s.status, s.error?.code, s.error?.message, s.conflictCount, s.inDigArea, s.inInfoZone, s.owners.join(';'),
      worst?.fareklasse ?? (worst ? 'ukendt' : null), worst?.featureId, worst?.owner, worst?.zone,
      Math.round(s.lengthInside * 1000) / 1000, s.stretch?.from, s.stretch?.to, s.version
    ].map(csvField).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].map((r) => `${r}\r\n`).join('');
}

export function toNdjson(summaries: readonly AreaSummary[]): string {
  return summaries.map((s) => `${JSON.stringify(s)}\n`).join('');
}

/** A FeatureCollection of the areas (lon/lat) with their summaries; `geometryOf` gives an area's geometry by its summary. */
export function toGeoJson(summaries: readonly AreaSummary[], geometryOf: (s: AreaSummary) => Geometry | null): string {
  const features = summaries.map((s) => ({ type: 'Feature', ...(s.id !== null ? { id: s.id } : {}), geometry: geometryOf(s), properties: s }));
  return `${JSON.stringify({ type: 'FeatureCollection', features })}\n`;
}

/** The worst danger class of an area: its most dangerous line's, 'none' without lines, 'failed' when not checked. */
export function worstOf(s: AreaSummary): string {
  if (s.status === 'failed') return 'failed';
  if (s.mostDangerous === null) return s.conflictCount > 0 ? 'ukendt' : 'none';
  return s.mostDangerous.fareklasse ?? 'ukendt';
}

/**
 * The part of a lon/lat line from `from` to `to` metres along it, for showing a route's stretch.
 * Distances are measured on a local plane at the line's latitude: within a few metres per
 * kilometre of the service's, which is enough to draw the stretch.
 */
export function cutLine(line: LineString, from: number, to: number): LineString {
  const pts = line.coordinates;
  const lat0 = (pts.reduce((a, p) => a + p[1], 0) / pts.length) * (Math.PI / 180);
  const mx = 111_320 * Math.cos(lat0);
  const my = 110_574;
  const out: Position[] = [];
  let at = 0;
  for (let i = 0; i + 1 < pts.length; i++) {
    const [x0, y0] = pts[i];
    const [x1, y1] = pts[i + 1];
    const len = Math.hypot((x1 - x0) * mx, (y1 - y0) * my);
    const end = at + len;
    if (end >= from && at <= to && len > 0) {
      const t0 = Math.max(0, (from - at) / len);
      const t1 = Math.min(1, (to - at) / len);
      const a: Position = [x0 + (x1 - x0) * t0, y0 + (y1 - y0) * t0];
      if (out.length === 0) out.push(a);
      out.push([x0 + (x1 - x0) * t1, y0 + (y1 - y0) * t1]);
    }
    at = end;
    if (at > to) break;
  }
  if (out.length === 1) out.push(out[0]);
  return { type: 'LineString', coordinates: out };
}

/** The route in a file: a LineString geometry, or the first Feature holding one. */
export function routeOf(features: readonly Feature[]): LineString | null {
  for (const f of features) if (f?.geometry?.type === 'LineString') return f.geometry;
  return null;
}
