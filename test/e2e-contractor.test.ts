/**
 * The contractor's flow in a real browser: sign in, draw the demo dig area by clicking on the map,
 * submit, read the package (lines drawn and coloured by fareklasse, owners with their status,
 * precautions), download it; and the service's refusals shown in words.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/http/config.js';
import { DEMO_DIG_AREA } from '../src/http/demo.js';
import { WORK_TYPES } from '../src/package/precautions.js';
import { contentSecurityPolicy } from '../src/http/routes/web.js';
import { problemSentence } from '../web/src/problem.js';
import { FAREKLASSE_COLOURS } from '../web/src/colours.js';
import { openBrowser, setupOnce, screenshot, signIn, startService, worldPixel, type Service, type Session } from './helpers/e2e-browser.js';
import { dataDir, problemOf, testApp } from './helpers/http-app.js';

interface Pkg {
  id: string;
  owners: { owner: string; status: string; conflicts: { fareklasse: string | null; featureId: string }[] }[];
}

const ZOOM = 19;
const ring = DEMO_DIG_AREA.coordinates[0].slice(0, -1);
const centre = [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length];

let service: Service;
let session: Session;
let token: string;

const setup = setupOnce(async () => {
  service = await startService('contractor');
  token = await service.key('contractor');
  session = await openBrowser(service.url);
});
beforeAll(setup.run);

afterAll(async () => {
  await session?.browser.close();
  await service?.close();
});

describe('the contractor\'s map page', () => {
  it('draws a dig area by clicking, submits it and shows and downloads the package', async () => {
    setup.check();
    const { page } = session;
    await page.goto(`${service.url}/#map=${ZOOM}/${centre[1]}/${centre[0]}`);
    await page.waitForSelector('body[data-ready="true"]');
    // The plain base map has the demo's roads on it, and nothing of the network before a request.
    await page.waitForSelector('path.reference-line', { state: 'attached' });
    expect(await page.locator('path.reference-line').count()).toBeGreaterThan(300);
    expect(await page.locator('path.network-line').count()).toBe(0);

    await screenshot(page, 'welcome');
    await signIn(page, token);
    expect(await page.textContent('#who-text')).toMatch(/contractor/);
    expect(await page.isVisible('#view-contractor')).toBe(true);

    // Each corner of the demo dig area, clicked at its pixel on the map.
    const box = await page.locator('#map').boundingBox();
    if (box === null) throw new Error('The map has no box.');
    const [cx, cy] = worldPixel(centre[0], centre[1], ZOOM);
    await page.click('#draw-start');
    for (const [lon, lat] of ring) {
      const [x, y] = worldPixel(lon, lat, ZOOM);
      await page.mouse.click(box.x + box.width / 2 + (x - cx), box.y + box.height / 2 + (y - cy));
    }
    expect(await page.locator('path.drawn-vertex').count()).toBe(4);
    await page.click('#draw-finish');
    await page.fill('#info-zone', '2');
    await page.selectOption('#work-type', 'excavation');
    await page.click('#dig-submit');
    await page.waitForSelector('#package:not([hidden])');

    const id = (await page.textContent('#package-summary code'))?.trim() ?? '';
    const stored = await service.t.as(token, { method: 'GET', url: `/v1/dig-requests/${id}` });
    expect(stored.statusCode, stored.body).toBe(200);
    const pkg = stored.json() as Pkg;
    const conflicts = pkg.owners.flatMap((o) => o.conflicts);
    expect(conflicts.length).toBeGreaterThanOrEqual(6);

    // Every line of the package is drawn, in its fareklasse's colour.
    expect(await page.locator('path.conflict-line').count()).toBe(conflicts.length);
    expect(Number(await page.getAttribute('#conflicts-drawn', 'data-count'))).toBe(conflicts.length);
    const strokes = await page.locator('path.conflict-line').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke')));
    expect(strokes.sort()).toEqual(conflicts.map((c) => FAREKLASSE_COLOURS[c.fareklasse ?? 'ukendt']).sort());
    expect(strokes).toContain(FAREKLASSE_COLOURS['meget farlig']);
    expect(await page.locator('path.dig-area').count()).toBe(1);
    expect(await page.textContent('#legend')).toMatch(/meget farlig.*farlig.*ikke farlig/s);

    // The owners with the status the service gave each, as the exact demo area gets them.
    const shown = Object.fromEntries(await page.locator('#owners-table tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-owner'), r.querySelector('.status')?.textContent ?? ''])));
    expect(shown).toEqual(Object.fromEntries(pkg.owners.map((o) => [o.owner, o.status])));
    expect(shown['demo-el']).toBe('udtaget til påvisning - ledningsoplysninger udleveret');
    expect(shown['demo-fiber']).toBe('udtaget til manuel behandling');
    expect(await page.textContent('#owners-table tr[data-owner="demo-gas"] .contact')).toBe('ledningsoplysning@gas.demo.invalid, +45 70 00 00 02');
    for (const o of ['demo-gas', 'demo-vand', 'demo-afloeb', 'demo-tele', 'demo-fjernvarme']) expect(shown[o]).toBe('ledningsoplysninger udleveret');
    const exact = await service.t.as(token, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: DEMO_DIG_AREA, infoZone: 2 } });
    expect(Object.fromEntries((exact.json() as Pkg).owners.map((o) => [o.owner, o.status]))).toEqual(shown);
    // Contacts and precautions: the electricity owner is present by its 10 kV cable.
    const el = page.locator('.owner-block[data-owner="demo-el"]');
    expect(await el.textContent()).toContain('vagt@el.demo.invalid');
    expect(await el.textContent()).toContain('OWNER_PRESENT');

    await screenshot(page, 'contractor-package');
    await page.locator('#owners-table').scrollIntoViewIfNeeded();
    await screenshot(page, 'contractor-owners');

    // The package as GeoJSON, fetched with the token and saved by the browser.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-geojson')]);
    expect(download.suggestedFilename()).toBe(`dig-request-${id}.geojson`);
    const fc = JSON.parse(readFileSync(await download.path(), 'utf8')) as { type: string; features: { properties: { kind: string; digRequest?: string; fareklasse?: string } }[] };
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(1 + conflicts.length);
    expect(fc.features[0].properties).toMatchObject({ kind: 'digArea', digRequest: id });
    expect(fc.features.filter((f) => f.properties.kind === 'conflict').map((f) => f.properties.fareklasse ?? null).sort()).toEqual(conflicts.map((c) => c.fareklasse).sort());
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#download-svg')]);
    expect(readFileSync(await svg.path(), 'utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg/);

    expect(session.foreign).toEqual([]);
    expect(session.errors).toEqual([]);
  });

  it('shows the service\'s refusal of a dig area in words, not as JSON', async () => {
    setup.check();
    const { page } = session;
    const bowtie = { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[10.3446, 55.3936], [10.3449, 55.3937], [10.3449, 55.3936], [10.3446, 55.3937], [10.3446, 55.3936]]] } };
    await page.setInputFiles('#dig-file', { name: 'crossing.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bowtie)) });
    await page.waitForSelector('#contractor-message.ok');
    await page.click('#dig-submit');
    await page.waitForSelector('#contractor-message.error');
    const text = (await page.textContent('#contractor-message')) ?? '';
    expect(text).toMatch(/ring crosses itself/);
    expect(text).not.toMatch(/[{}]|"code"|POLYGON_SELF_INTERSECTS/);
    expect(await page.isHidden('#package')).toBe(true);
    await screenshot(page, 'contractor-refused');
  });

  it('refuses a token that is not a key, in words', async () => {
    setup.check();
    const { page } = session;
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    await page.fill('#token', 'not-a-key-of-this-service');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#message.error');
    const text = (await page.textContent('#message')) ?? '';
    expect(text).toMatch(/valid API key is required.*not a key of this service/);
    expect(text).not.toMatch(/[{}]/);
    expect(await page.isVisible('#view-welcome')).toBe(true);
  });
});

describe('problems in words', () => {
  it('reads title, detail and place, and adds what to do only when the service does not say it', () => {
    expect(problemSentence(422, { title: 'The dig area is not a valid polygon: its member polygons overlap.', detail: 'Polygons 0 and 1 overlap', pointer: '/geometry/coordinates/1', code: 'DIG_AREA_INVALID' })).toBe(
      'The dig area is not a valid polygon: its member polygons overlap. Polygons 0 and 1 overlap. (at geometry › coordinates › 1) Correct the input and try again.'
    );
    expect(problemSentence(401, null)).toBe('The token was not accepted. Sign in again with a valid token.');
    expect(problemSentence(429, { title: 'Too many requests for this API key: wait as long as Retry-After says.' }, '12')).toBe('Too many requests for this API key: wait as long as Retry-After says.');
    expect(problemSentence(503, { title: 'The map page has not been built: run `npm run build`.', detail: 'x' })).toBe('The map page has not been built: run `npm run build`. x.');
    expect(problemSentence(502, null)).toBe('The service could not be reached. Try again later; if it persists, tell the service\'s operator.');
  });
});

describe('the page\'s routes', () => {
  it('serves the page and its assets with a policy that allows only the service itself', async () => {
    const page = await service.t.as(null, { method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script defer src="web/app.js"></script>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*connect-src 'self'/);
    const js = await service.t.as(null, { method: 'GET', url: '/web/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    // Leaflet is in the bundle, its images inlined: nothing is fetched from elsewhere.
    const css = await service.t.as(null, { method: 'GET', url: '/web/style.css' });
    expect(css.body).toContain('.leaflet-container');
    expect(css.body).not.toMatch(/url\((?!["']?(data:|#))/);
    expect(problemOf(await service.t.as(null, { method: 'GET', url: '/web/..%2Fpackage.json' })).code).toBe('ROUTE_UNKNOWN');
    expect(problemOf(await service.t.as(null, { method: 'GET', url: '/web/.hidden' })).code).toBe('ROUTE_UNKNOWN');
    const doc = (await service.t.as(null, { method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/map/config', '/v1/map/reference.geojson', '/v1/me', '/v1/owners/{owner}/network/features']));
    expect(Object.keys(doc.paths)).not.toContain('/');
    expect(Object.keys(doc.paths)).not.toContain('/web/{file}');
  });

  it('answers the map\'s configuration and the demo\'s roads in lon/lat', async () => {
    const config = (await service.t.as(null, { method: 'GET', url: '/v1/map/config' })).json() as { tiles: unknown; reference: boolean; view: number[]; workTypes: string[]; maxInfoZone: number };
    expect(config).toMatchObject({ tiles: null, reference: true, workTypes: [...WORK_TYPES], maxInfoZone: 100 });
    const [w, s, e, n] = config.view;
    expect(w).toBeLessThan(centre[0]);
    expect(e).toBeGreaterThan(centre[0]);
    expect(s).toBeLessThan(centre[1]);
    expect(n).toBeGreaterThan(centre[1]);
    expect(e - w).toBeLessThan(0.1);
    const roads = (await service.t.as(null, { method: 'GET', url: '/v1/map/reference.geojson' })).json() as { features: { geometry: { coordinates: number[][] } }[] };
    expect(roads.features).toHaveLength(408);
    const [lon, lat] = roads.features[0].geometry.coordinates[0];
    expect(lon).toBeGreaterThan(10.3);
    expect(lon).toBeLessThan(10.4);
    expect(lat).toBeGreaterThan(55.38);
    expect(lat).toBeLessThan(55.41);
  });

  it('tells to build the page when it was not built, and has no reference layer without the demo', async () => {
    const dir = dataDir('e2e-unbuilt');
    const t = await testApp(dir.sub('app'), { config: { webDir: dir.sub('nowhere') } });
    try {
      const res = await t.as(null, { method: 'GET', url: '/' });
      expect(res.statusCode).toBe(503);
      expect(problemOf(res)).toMatchObject({ code: 'WEB_NOT_BUILT', title: expect.stringContaining('npm run build') });
      expect(problemOf(await t.as(null, { method: 'GET', url: '/v1/map/reference.geojson' })).code).toBe('MAP_REFERENCE_UNSET');
      expect((await t.as(null, { method: 'GET', url: '/v1/map/config' })).json()).toMatchObject({ reference: false, view: null });
    } finally {
      await t.close();
      dir.remove();
    }
  });

  it('lets the page load tiles from the configured tile server only', () => {
    expect(contentSecurityPolicy('https://{s}.tiles.example/ortho/{z}/{x}/{y}.jpg')).toContain("img-src 'self' data: blob: https://*.tiles.example;");
    expect(contentSecurityPolicy(null)).toContain("img-src 'self' data: blob:;");
  });

  it('reads the map settings from the environment and stops at a bad one, naming it', () => {
    expect(loadConfig({ LER_MAP_TILES: 'https://{s}.tiles.example/{z}/{x}/{y}.png', LER_MAP_ATTRIBUTION: '© Example' })).toMatchObject({ mapTiles: 'https://{s}.tiles.example/{z}/{x}/{y}.png', mapAttribution: '© Example', mapReference: null });
    expect(() => loadConfig({ LER_MAP_TILES: 'ftp://tiles/{z}/{x}/{y}' })).toThrow('LER_MAP_TILES');
    expect(() => loadConfig({ LER_MAP_TILES: 'https://tiles.example/{z}/{x}.png' })).toThrow('LER_MAP_TILES');
    expect(() => loadConfig({ LER_MAP_REFERENCE: '/no/such/roads.geojson' })).toThrow('LER_MAP_REFERENCE');
  });
});
