/**
 * An owner's features read back from the columns as GeoJSON, as they were uploaded: id,
 * properties, geometry in EPSG:25832 with Z where it was given. For downloads of a whole network
 * (LER GML): a generator, one feature at a time, over one immutable index, so a download sees one
 * version whatever is uploaded meanwhile. Features of types not asked for are skipped without
 * reading their properties.
 */
import { FEATURE_TYPES } from '../model/ler.js';
import type { Feature, Geometry, Position } from '../types.js';
import { GeomType, PART_OUTER } from './columns.js';
import type { NetworkIndex } from './network-index.js';

export function* featuresOf(index: NetworkIndex, owner: string, types: ReadonlySet<string> | null = null): Generator<Feature> {
  const c = index.columns;
  const o = c.owners.indexOf(owner);
  if (o < 0) return;
  const position = (v: number): Position => (c.hasZ && !Number.isNaN(c.z[v]) ? [c.xy[2 * v], c.xy[2 * v + 1], c.z[v]] : [c.xy[2 * v], c.xy[2 * v + 1]]);
  const part = (p: number): Position[] => {
    const out: Position[] = [];
    for (let v = c.partVertices[p]; v < c.partVertices[p + 1]; v++) out.push(position(v));
    return out;
  };
  for (let f = 0; f < c.featureCount; f++) {
    if (c.featureOwner[f] !== o) continue;
    if (types !== null && !types.has(FEATURE_TYPES[c.featureType[f] - 1])) continue;
    const p0 = c.featureParts[f];
    const p1 = c.featureParts[f + 1];
    let geometry: Geometry;
    switch (c.geomType[f]) {
      case GeomType.Point:
        geometry = { type: 'Point', coordinates: position(c.partVertices[p0]) };
        break;
      case GeomType.MultiPoint: {
        const points: Position[] = [];
        for (let p = p0; p < p1; p++) points.push(...part(p));
        geometry = { type: 'MultiPoint', coordinates: points };
        break;
      }
      case GeomType.LineString:
        geometry = { type: 'LineString', coordinates: part(p0) };
        break;
      case GeomType.MultiLineString: {
        const lines: Position[][] = [];
        for (let p = p0; p < p1; p++) lines.push(part(p));
        geometry = { type: 'MultiLineString', coordinates: lines };
        break;
      }
      default: {
        // Polygons: each exterior ring starts a polygon, its holes follow it.
        const polygons: Position[][][] = [];
        for (let p = p0; p < p1; p++) {
          if ((c.partFlags[p] & PART_OUTER) !== 0 || polygons.length === 0) polygons.push([]);
          polygons[polygons.length - 1].push(part(p));
        }
        geometry = c.geomType[f] === GeomType.Polygon ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
      }
    }
    yield { type: 'Feature', id: index.featureId(f), geometry, properties: index.featureProperties(f) };
  }
}
