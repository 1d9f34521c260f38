/**
 * The planner's flow in a real browser: upload a file of areas (EPSG:25832, with a crs member),
 * watch the batch run, see each area coloured by its worst line and the counts, download the CSV;
 * and a route checked stretch by stretch.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../src/cli/formats.js';
import { readDemoRoads } from '../src/http/demo.js';
import { FAILED_COLOUR, FAREKLASSE_COLOURS, NO_CONFLICT_COLOUR } from '../web/src/colours.js';
import { openSignedIn, setupOnce, screenshot, startService, type Service, type Session } from './helpers/e2e-browser.js';

interface Summary {
  index: number;
  status: 'ok' | 'failed';
  conflictCount: number;
  mostDangerous: { fareklasse: string | null } | null;
}

const UTM = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::25832' } };
const square = (x: number, y: number, half: number): number[][][] => [[[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half], [x - half, y - half]]];

/** The middle of a road's middle segment. */
function middle(coordinates: number[][]): [number, number] {
  const k = Math.floor((coordinates.length - 1) / 2);
  return [(coordinates[k][0] + coordinates[k + 1][0]) / 2, (coordinates[k][1] + coordinates[k + 1][1]) / 2];
}

/**
 * Squares on the middle of demo roads: across a main road (meget farlig), a small road (farlig),
 * a 2 m one on a road's centreline that only the sewer under it meets (ikke farlig); one in an
 * empty corner and one outside Denmark (not checked).
 */
function areas(): unknown {
  const roads = readDemoRoads();
  const picks: [number[][], number][] = [
    [roads.find((r) => r.vejklasse.startsWith('Trafikvej'))!.coordinates, 10],
    [roads.find((r) => r.vejklasse === 'Lokalvej-Tertiær')!.coordinates, 10],
    [roads.find((r) => r.vejklasse === 'Lokalvej-Tertiær' && r.coordinates.length > 3)!.coordinates, 1],
    [roads[10].coordinates, 10],
    [roads[200].coordinates, 10]
  ];
  const features: unknown[] = picks.map(([line, half], i) => ({ type: 'Feature', id: `a${i}`, properties: { name: `area ${i}` }, geometry: { type: 'Polygon', coordinates: square(...middle(line), half) } }));
  features.push({ type: 'Feature', id: 'empty', properties: {}, geometry: { type: 'Polygon', coordinates: square(584520, 6140180, 5) } });
  features.push({ type: 'Feature', id: 'outside', properties: {}, geometry: { type: 'Polygon', coordinates: square(300000, 6139000, 10) } });
  return { type: 'FeatureCollection', crs: UTM, features };
}

/** The cells of one CSV line (RFC 4180 quoting). */
function csvCells(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
}

const colourOfSummary = (s: Summary): string =>
  s.status === 'failed' ? FAILED_COLOUR : s.mostDangerous === null ? NO_CONFLICT_COLOUR : FAREKLASSE_COLOURS[s.mostDangerous.fareklasse ?? 'ukendt'];

let service: Service;
let session: Session;
let token: string;

const setup = setupOnce(async () => {
  service = await startService('planner');
  token = await service.key('planner');
  session = await openSignedIn(service, token);
});
beforeAll(setup.run);

afterAll(async () => {
  await session?.browser.close();
  await service?.close();
});

describe('the planner\'s map page', () => {
  it('checks a file of areas, colours each by its worst line and downloads the CSV', async () => {
    setup.check();
    const { page } = session;
    expect(await page.isVisible('#view-planner')).toBe(true);
    const file = areas();
    await page.setInputFiles('#batch-file', { name: 'areas.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(file)) });
    await page.waitForSelector('#batch-file-info:has-text("7 areas (EPSG:25832)")');
    await page.fill('#batch-info-zone', '0');
    await page.click('#batch-submit');
    await page.waitForSelector('#batch-result:not([hidden])');
    expect(await page.textContent('#batch-progress-text')).toBe('Done: 7 of 7 checked.');
    expect(await page.getAttribute('#batch-progress', 'value')).toBe(await page.getAttribute('#batch-progress', 'max'));

    // The service's own answer for the same areas, to compare the page with.
    const submitted = await service.t.as(token, { method: 'POST', url: '/v1/batches', payload: { areas: file, infoZone: 0, crs: 'EPSG:25832' } });
    const id = (submitted.json() as { id: string }).id;
    let results = '';
    for (let i = 0; i < 100 && results.split('\n').filter(Boolean).length < 7; i++) {
      results = (await service.t.as(token, { method: 'GET', url: `/v1/batches/${id}/results` })).body;
    }
    const summaries = results.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Summary);
    expect(summaries).toHaveLength(7);
    const expected = summaries.map(colourOfSummary);
    // The demo areas cover more than one class, an empty one and a failed one: the colours tell them apart.
    expect(new Set(expected)).toEqual(new Set([FAREKLASSE_COLOURS['meget farlig'], FAREKLASSE_COLOURS.farlig, FAREKLASSE_COLOURS['ikke farlig'], NO_CONFLICT_COLOUR, FAILED_COLOUR]));
    expect(expected).toContain(NO_CONFLICT_COLOUR);
    expect(expected).toContain(FAILED_COLOUR);

    const fills = await page.locator('path.batch-area').evaluateAll((paths) => paths.map((p) => p.getAttribute('fill')));
    expect(fills).toHaveLength(7);
    expect(fills.sort()).toEqual([...expected].sort());
    const withLines = summaries.filter((s) => s.status === 'ok' && s.conflictCount > 0).length;
    expect(await page.textContent('#batch-summary')).toBe(`7 areas checked: ${withLines} with lines in or near them, 1 without, 1 not checked.`);
    const counts: Record<string, number> = Object.fromEntries(await page.locator('#batch-counts tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-class'), Number(r.querySelector('.num')?.textContent)])));
    expect(counts.failed).toBe(1);
    expect(counts.none).toBe(1);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(7);
    expect(await page.textContent('#batch-failed')).toMatch(/Area 7 \(outside\) was not checked: .*outside Denmark's extent/);
    await screenshot(page, 'planner-areas');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toBe('areas-results.csv');
    const lines = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(8);
    const rows = lines.slice(1).map(csvCells);
    expect(rows.map((r) => r[1])).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'empty', 'outside']);
    expect(rows[6].slice(2, 4)).toEqual(['failed', 'COORDINATE_OUT_OF_EXTENT']);
    expect(rows.map((r) => Number(r[5]))).toEqual(summaries.map((s) => s.conflictCount));

    const [geojson] = await Promise.all([page.waitForEvent('download'), page.click('#download-batch-geojson')]);
    const fc = JSON.parse(readFileSync(await geojson.path(), 'utf8')) as { features: { geometry: { coordinates: number[][][] } | null; properties: Summary }[] };
    expect(fc.features).toHaveLength(7);
    // Lon/lat (RFC 7946), converted from the file's EPSG:25832.
    const [lon, lat] = fc.features[0].geometry!.coordinates[0][0];
    expect(lon).toBeGreaterThan(10.3);
    expect(lat).toBeLessThan(55.5);
    expect(session.errors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });

  it('checks a route stretch by stretch', async () => {
    setup.check();
    const { page } = session;
    const road = readDemoRoads().reduce((a, b) => (b.coordinates.length > a.coordinates.length ? b : a));
    const route = { type: 'FeatureCollection', crs: UTM, features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: road.coordinates } }] };
    await page.setInputFiles('#batch-file', { name: 'route.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(route)) });
    await page.waitForSelector('#route-options:not([hidden])');
    await page.fill('#corridor-width', '10');
    await page.fill('#stretch-length', '50');
    await page.click('#batch-submit');
    await page.waitForSelector('#batch-summary:text-matches("stretch")');
    const text = (await page.textContent('#batch-summary')) ?? '';
    const n = Number(/^(\d+) stretch/.exec(text)?.[1]);
    expect(n).toBeGreaterThan(1);
    expect(await page.locator('path.batch-area').count()).toBe(n);
    // Demo lines lie along every road: each stretch of the road has some.
    expect(await page.locator('path.batch-area.worst-none').count()).toBe(0);
    await screenshot(page, 'planner-route');
  });
});
