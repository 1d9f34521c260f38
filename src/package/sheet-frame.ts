/**
 * The map frame of the package sheet: which piece of EPSG:25832 it shows and at what scale. The
 * scale is a round 1:N at which the dig area, its information zone and every delivered line fit
 * the frame when the sheet is printed on A4; the scale bar and the grid follow from it.
 */
import { isInternal, normaliseCrs, projectLonLat, unprojectToLonLat } from '../crs/index.js';
import type { Geometry } from '../types.js';
import type { Package } from './types.js';

/** The sheet: A4 landscape, drawn on a grid of 4 px per millimetre. */
export const SHEET = { widthMm: 297, heightMm: 210, pxPerMm: 4, width: 1188, height: 840 } as const;

export type Project = (p: readonly number[]) => [number, number];

export interface MapFrame {
  /** The frame on the sheet, px. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The map scale is 1:scale on the printed A4 sheet. */
  scale: number;
  pxPerMetre: number;
  /** The EPSG:25832 point at the frame's centre. */
  centre: [number, number];
  /** EPSG:25832 metres to sheet px. */
  toPx: (p: readonly [number, number]) => [number, number];
  /** The frame's extent in EPSG:25832: [minX, minY, maxX, maxY]. */
  extent: [number, number, number, number];
}

/** Positions in the package's CRS to EPSG:25832 metres (lon/lat is projected). */
export function projector(crs: string): Project {
  if (isInternal(normaliseCrs(crs))) return (p) => [p[0], p[1]];
  const out = [0, 0];
  return (p) => {
    projectLonLat(p[0], p[1], out, 0);
    return [out[0], out[1]];
  };
}

/** The dig area's rings (outer and holes of every polygon), in the package's CRS. */
export function digRings(pkg: Package): number[][][] {
  const g = pkg.digArea as { type: string; coordinates: number[][][] | number[][][][] };
  return g.type === 'Polygon' ? (g.coordinates as number[][][]) : (g.coordinates as number[][][][]).flat();
}

/** Every position of a geometry, whatever its type. */
export function positionsOf(g: Geometry): number[][] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

/** The usual map scales within a power of ten (1:1000, 1:1250, 1:1500, 1:2000, ...). */
const SCALE_STEPS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5];

/** The smallest usual scale, at least 1:100, not below `minimum`. */
export function roundScale(minimum: number): number {
  if (!(minimum <= 1e9)) return 1e9;
  for (let power = 100; ; power *= 10) {
    for (const m of SCALE_STEPS) if (m * power >= minimum) return m * power;
  }
}

/** The longest whole number of metres, 1, 2 or 5 times a power of ten, drawn no longer than `maxPx` (at least 1 m). */
export function roundLength(pxPerMetre: number, maxPx: number): number {
  let best = 1;
  for (let power = 1; power * pxPerMetre <= maxPx; power *= 10) {
    for (const m of [1, 2, 5]) if (m * power * pxPerMetre <= maxPx) best = m * power;
  }
  return best;
}

/** The shortest whole number of metres, 1, 2 or 5 times a power of ten, drawn at least `minPx` long. */
export function roundStep(pxPerMetre: number, minPx: number): number {
  for (let power = 1; ; power *= 10) {
    for (const m of [1, 2, 5]) if (m * power * pxPerMetre >= minPx) return m * power;
  }
}

/**
 * The frame at (x, y) of width x height px: centred on the dig area, its information zone and the
 * delivered geometry, with a margin of at least 2 m or 5 % around them.
 */
export function mapFrame(pkg: Package, x: number, y: number, width: number, height: number): MapFrame {
  const project = projector(pkg.crs);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const add = (px: number, py: number, r: number): void => {
    if (!Number.isFinite(px) || !Number.isFinite(py)) return;
    minX = Math.min(minX, px - r);
    minY = Math.min(minY, py - r);
    maxX = Math.max(maxX, px + r);
    maxY = Math.max(maxY, py + r);
  };
  for (const ring of digRings(pkg)) for (const p of ring) add(...project(p), pkg.infoZone);
  for (const o of pkg.owners) for (const c of o.conflicts) if (c.geometry !== null) for (const p of positionsOf(c.geometry)) add(...project(p), 0);
  if (!Number.isFinite(minX)) [minX, minY, maxX, maxY] = [0, 0, 0, 0];
  const pad = Math.max(2, 0.05 * Math.max(maxX - minX, maxY - minY));
  const needed = Math.max((maxX - minX + 2 * pad) / width, (maxY - minY + 2 * pad) / height) * SHEET.pxPerMm * 1000;
  const scale = roundScale(needed);
  const pxPerMetre = (SHEET.pxPerMm * 1000) / scale;
  const centre: [number, number] = [(minX + maxX) / 2, (minY + maxY) / 2];
  const halfW = width / 2 / pxPerMetre;
  const halfH = height / 2 / pxPerMetre;
  return {
    x,
    y,
    width,
    height,
    scale,
    pxPerMetre,
    centre,
    toPx: (p) => [x + width / 2 + (p[0] - centre[0]) * pxPerMetre, y + height / 2 - (p[1] - centre[1]) * pxPerMetre],
    extent: [centre[0] - halfW, centre[1] - halfH, centre[0] + halfW, centre[1] + halfH]
  };
}

/**
 * The angle from grid north to true north at a point, degrees, positive when true north lies west
 * of grid north (east of UTM 32's central meridian, 9° E).
 */
export function meridianConvergence(point: readonly [number, number]): number {
  const [lon, lat] = unprojectToLonLat(point[0], point[1]);
  const rad = Math.PI / 180;
  return Math.atan(Math.tan((lon - 9) * rad) * Math.sin(lat * rad)) / rad;
}
