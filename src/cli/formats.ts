/**
 * Output of a batch check, one summary at a time: NDJSON (each summary as it is), CSV (one row per
 * area, the counts a spreadsheet needs) or a GeoJSON FeatureCollection (each area's geometry with
 * its summary as properties, for a GIS).
 */
import type { AreaSummary } from '../batch/summary.js';
import type { Geometry } from '../types.js';

export const FORMATS = ['ndjson', 'csv', 'geojson'] as const;
export type Format = (typeof FORMATS)[number];

export interface SummaryWriter {
  head(): string;
  row(summary: AreaSummary, geometry: Geometry | null): string;
  tail(): string;
}

export const CSV_COLUMNS = [
  'index',
  'id',
  'status',
  'error_code',
  'error_message',
  'conflicts',
  'in_dig_area',
  'in_info_zone',
  'owners',
  'worst_fareklasse',
  'worst_feature_id',
  'worst_owner',
  'worst_zone',
  'length_inside_m',
  'stretch_from_m',
  'stretch_to_m',
  'version'
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(s: AreaSummary): string {
  const worst = s.mostDangerous;
  const cells = [
    s.index,
    s.id,
    s.status,
    s.error?.code,
    s.error?.message,
    s.conflictCount,
    s.inDigArea,
    s.inInfoZone,
    s.owners.join(';'),
    worst?.fareklasse ?? (worst ? 'ukendt' : null),
    worst?.featureId,
    worst?.owner,
    worst?.zone,
    Math.round(s.lengthInside * 1000) / 1000,
    s.stretch?.from,
    s.stretch?.to,
    s.version
  ];
  return `${cells.map(csvField).join(',')}\r\n`;
}

export function summaryWriter(format: Format, crs: string): SummaryWriter {
  if (format === 'ndjson') return { head: () => '', row: (s) => `${JSON.stringify(s)}\n`, tail: () => '' };
  if (format === 'csv') return { head: () => `${CSV_COLUMNS.join(',')}\r\n`, row: csvRow, tail: () => '' };
  let first = true;
  // GeoJSON is lon/lat (RFC 7946); other CRSs are named in the legacy crs member, as on input.
  const crsMember = crs === 'EPSG:4326' ? '' : `"crs":${JSON.stringify({ type: 'name', properties: { name: crs } })},`;
  return {
    head: () => `{"type":"FeatureCollection",${crsMember}"features":[\n`,
    row: (s, geometry) => {
      const feature = { type: 'Feature', ...(s.id !== null ? { id: s.id } : {}), geometry, properties: s };
      const text = `${first ? '' : ',\n'}${JSON.stringify(feature)}`;
      first = false;
      return text;
    },
    tail: () => '\n]}\n'
  };
}
