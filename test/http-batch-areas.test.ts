/**
 * A batch's areas are read as a dig request's are: an area a dig request refuses is refused in
 * the batch too, by its own summary with the same code, while the batch's other areas are
 * answered (one bad area among a hundred thousand does not cost the planner the rest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaSummary } from '../src/engine.js';
import type { BatchView } from '../src/http/batches.js';
import { cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const UTM = 'EPSG:25832';
const dir = dataDir('batch-areas');
let t: TestApp;

beforeAll(async () => {
  t = await testApp(dir.sub('app'), { prepare: (engine) => engine.putNetwork('el', { type: 'FeatureCollection', features: [cable('a', [585000, 6139005], [585100, 6139005])] }, { crs: UTM }) });
});

afterAll(async () => {
  await t.close();
  dir.remove();
});

const BOW_TIE = { type: 'Polygon', coordinates: [[[585000, 6139000], [585010, 6139010], [585010, 6139000], [585000, 6139010], [585000, 6139000]]] };
const OVERLAPPING = { type: 'MultiPolygon', coordinates: [rect(585000, 6139000, 585010, 6139010).coordinates, rect(585002, 6139002, 585008, 6139008).coordinates] };

describe('a batch\'s areas', () => {
  it.each([
    ['a self-crossing polygon', BOW_TIE, 'POLYGON_SELF_INTERSECTS'],
    ['overlapping member polygons', OVERLAPPING, 'DIG_AREA_INVALID']
  ])('refuses %s as a dig request does, with the same code', async (_name, geometry, code) => {
    const contractor = await t.key('contractor');
    const dig = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry, crs: UTM } });
    expect(dig.statusCode).toBe(422);
    expect(problemOf(dig).code).toBe(code);

    const planner = await t.key('planner');
    const areas = { type: 'FeatureCollection', features: [
      { type: 'Feature', id: 'good', geometry: rect(585000, 6139000, 585010, 6139010), properties: {} },
      { type: 'Feature', id: 'bad', geometry, properties: {} }
    ] };
    const res = await t.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas, crs: UTM } });
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as BatchView).id;
    const results = await t.as(planner, { method: 'GET', url: `/v1/batches/${id}/results` });
    const lines = results.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AreaSummary);
    expect(lines.map((s) => [s.id, s.status, s.error?.code ?? null])).toEqual([['good', 'ok', null], ['bad', 'failed', code]]);
    expect(lines[0].conflictCount).toBe(1);
  });
});
