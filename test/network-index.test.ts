import { describe, expect, it } from 'vitest';
import { LerError, NetworkIndex } from '../src/library.js';
import type { Feature, Polygon } from '../src/types.js';
import { projectLonLat } from '../src/crs/index.js';
import { buildNetwork, queryArea } from './helpers/query.js';

// A small network near Viborg in EPSG:25832.
const X = 527_000;
const Y = 6_254_000;
const line = (id: string, coords: number[][], properties: Record<string, unknown> = {}): Feature => ({
  type: 'Feature',
  id,
  geometry: { type: 'LineString', coordinates: coords.map(([x, y]) => [X + x, Y + y]) },
  properties: { featureType: 'Elledning', fareklasse: 'farlig', driftsstatus: 'i drift', ...properties }
});
const square = (x0: number, y0: number, size: number): Polygon => ({
  type: 'Polygon',
  coordinates: [[[X + x0, Y + y0], [X + x0 + size, Y + y0], [X + x0 + size, Y + y0 + size], [X + x0, Y + y0 + size], [X + x0, Y + y0]]]
});
const planar = { crs: 'EPSG:25832' } as const;

describe('NetworkIndex', () => {
  const el = buildNetwork(
    [
      line('crossing', [[-10, 5], [20, 5]]),
      line('beside', [[-10, 11.5], [20, 11.5]], { noejagtighedsklasse: '<= 2.00 m' }),
      line('info', [[-10, 13], [20, 13]]),
      line('far', [[-10, 40], [20, 40]])
    ],
    { owner: 'dk-el', ...planar }
  );
  const gas = buildNetwork(
    { type: 'FeatureCollection', features: [{ type: 'Feature', id: 7, geometry: { type: 'Point', coordinates: [X + 5, Y + 5] }, properties: { featureType: 'Gaskomponent', fareklasse: 'meget farlig' } }] },
    { owner: 'dk-gas', ...planar }
  );

  it('answers zones, distances and lengths by the conflict semantics', () => {
    const conflicts = queryArea(el, square(0, 0, 10), { ...planar, infoZone: 3.5 });
    const byId = Object.fromEntries(conflicts.map((c) => [c.featureId, c]));
    expect(Object.keys(byId).sort()).toEqual(['beside', 'crossing', 'info']);
    expect(byId.crossing).toMatchObject({ zone: 'digArea', distance: 0, lengthInside: 10, owner: 'dk-el', featureType: 'Elledning', forsyningsart: 'el', fareklasse: 'farlig' });
    // 1.5 m outside with a 2 m accuracy class: in the dig area.
    expect(byId.beside).toMatchObject({ zone: 'digArea', margin: 2, lengthInside: 0 });
    expect(byId.beside.distance).toBeCloseTo(1.5, 12);
    expect(byId.info.zone).toBe('infoZone');
    expect(byId.info.distance).toBeCloseTo(3, 12);
  });

  it('clips delivered geometry to m + b + 1 m around the dig area', () => {
    const [crossing] = queryArea(el, square(0, 0, 10), { ...planar, infoZone: 0 });
    expect(crossing.geometry).toEqual({ type: 'LineString', coordinates: [[X - 1 + 1e-6, Y + 5], [X + 11 - 1e-6, Y + 5]] });
  });

  it('queries several owners together after merge', () => {
    const both = NetworkIndex.merge([el, gas]);
    expect(both.owners).toEqual(['dk-el', 'dk-gas']);
    const answer = queryArea(both, square(0, 0, 10), planar);
    // By owner, then nearest first.
    expect(answer.map((c) => `${c.owner}/${c.featureId}`)).toEqual(['dk-el/crossing', 'dk-el/beside', 'dk-gas/7']);
    expect(answer.find((c) => c.owner === 'dk-gas')).toMatchObject({ featureType: 'Gaskomponent', forsyningsart: 'gas', fareklasse: 'meget farlig', geometry: { type: 'Point', coordinates: [X + 5, Y + 5] } });
    expect(() => NetworkIndex.merge([el, el])).toThrow(LerError);
  });

  it('reopens from its shared buffers without copying and answers the same', () => {
    const copy = NetworkIndex.from(el.buffers);
    expect(copy.columns.xy.buffer).toBe(el.columns.xy.buffer);
    expect(queryArea(copy, square(0, 0, 10), planar)).toEqual(queryArea(el, square(0, 0, 10), planar));
  });

  it('refuses a damaged snapshot buffer with INDEX_BUFFER_INVALID', () => {
    const { columns, chunks, tree } = el.buffers;
    const damagedHeader = new SharedArrayBuffer(columns.byteLength);
    new Uint8Array(damagedHeader).set(new Uint8Array(columns));
    new Uint8Array(damagedHeader, 8, 4).fill(0x7b); // '{{{{': not JSON
    const truncated = new SharedArrayBuffer(columns.byteLength - 8);
    new Uint8Array(truncated).set(new Uint8Array(columns, 0, truncated.byteLength));
    for (const bad of [damagedHeader, truncated]) {
      expect(() => NetworkIndex.from({ columns: bad, chunks, tree })).toThrow(expect.objectContaining({ code: 'INDEX_BUFFER_INVALID' }));
    }
  });

  it('takes lon/lat input and answers in the CRS asked for', () => {
    const p = new Float64Array(2);
    const lonLat: Feature = { type: 'Feature', id: 'll', geometry: { type: 'LineString', coordinates: [[9.4, 56.45], [9.41, 56.45]] }, properties: { featureType: 'Vandledning' } };
    const index = buildNetwork([lonLat], { owner: 'dk-vand' });
    projectLonLat(9.405, 56.45, p, 0);
    const dig = square(p[0] - X - 5, p[1] - Y - 5, 10);
    const [hit] = queryArea(index, dig, planar);
    expect(hit.lengthInside).toBeGreaterThan(9.9);
    const digLonLat: Polygon = { type: 'Polygon', coordinates: [[[9.4049, 56.4499], [9.4051, 56.4499], [9.4051, 56.4501], [9.4049, 56.4501], [9.4049, 56.4499]]] };
    const [asLonLat] = queryArea(index, digLonLat);
    expect(asLonLat.featureId).toBe('ll');
    const coords = (asLonLat.geometry as { coordinates: number[][] }).coordinates;
    for (const [lon, lat] of coords) {
      expect(lon).toBeGreaterThan(9.4045);
      expect(lon).toBeLessThan(9.4055);
      expect(lat).toBeCloseTo(56.45, 6);
    }
    expect(index.memory().coordinates).toBeGreaterThan(0);
  });

  it('rejects coordinates outside Denmark with a code naming the feature', () => {
    const swapped: Feature = { type: 'Feature', id: 'swapped', geometry: { type: 'LineString', coordinates: [[56.45, 9.4], [56.45, 9.41]] }, properties: { featureType: 'Vandledning' } };
    try {
      buildNetwork([swapped], { owner: 'dk-vand' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LerError);
      expect(error).toMatchObject({ code: 'COORDINATE_OUT_OF_EXTENT', featureIndex: 0, featureId: 'swapped' });
    }
  });

  it('reports memory per part and counts', () => {
    expect(el.featureCount).toBe(4);
    expect(el.segmentCount).toBe(4);
    const m = el.memory();
    expect(m.total).toBe(m.coordinates + m.index + m.chunks + m.features + m.attributes);
  });
});
