/**
 * The owner's flow in a real browser: upload a network file holding errors, with a progress bar;
 * read the report grouped by rule with the offending features drawn on the map; then keep the
 * valid features and see the network drawn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, openSignedIn, setupOnce, screenshot, signIn, startService, type Service, type Session } from './helpers/e2e-browser.js';
import { problemOf } from './helpers/http-app.js';
import { FAREKLASSE_COLOURS } from '../web/src/colours.js';

const OWNER = 'test-el';
const at = (dx: number, dy: number): [number, number] => [10.3447 + dx * 0.0001, 55.3936 + dy * 0.0001];
const line = (id: string, coordinates: [number, number][], properties: Record<string, unknown>) => ({ type: 'Feature', id, geometry: { type: 'LineString', coordinates }, properties });
const EL = { featureType: 'Elledning', forsyningsart: 'el', fareklasse: 'farlig', driftsstatus: 'i drift', noejagtighedsklasse: '<= 0.50 m' };

/** Four good lines (one without fareklasse: a warning) and three bad ones, at indexes 2, 4 and 5. */
const FILE = {
  type: 'FeatureCollection',
  features: [
    line('ok-1', [at(0, 0), at(6, 1)], EL),
    line('ok-2', [at(0, 2), at(6, 3)], EL),
    line('short', [at(1, 5), at(1, 5)], EL),
    line('no-class', [at(0, 7), at(6, 8)], { ...EL, fareklasse: undefined }),
    line('water', [at(-2, -2), at(-2, 4)], { ...EL, featureType: 'Vandledning', forsyningsart: 'vand', fareklasse: 'meget farlig' }),
    line('unknown', [at(8, -2), at(8, 4)], { ...EL, featureType: 'Kabel' }),
    // An id with markup: shown as text wherever it is shown.
    line('<b id="xss">ok-3</b>', [at(0, -3), at(6, -2)], EL)
  ]
};

let service: Service;
let session: Session;

const setup = setupOnce(async () => {
  service = await startService('owner');
  const token = await service.key('owner', OWNER);
  session = await openSignedIn(service, token);
});
beforeAll(setup.run);

afterAll(async () => {
  await session?.browser.close();
  await service?.close();
});

describe('the owner\'s map page', () => {
  it('uploads a file with errors and shows the report by rule, with the offending features on the map', async () => {
    setup.check();
    const { page } = session;
    expect(await page.isVisible('#view-owner')).toBe(true);
    expect(await page.textContent('#who-text')).toContain(`utility of ${OWNER}`);
    await page.waitForSelector('#owner-network-info:has-text("No network uploaded yet.")');
    const body = Buffer.from(JSON.stringify(FILE));
    await page.setInputFiles('#network-file', { name: 'network.geojson', mimeType: 'application/geo+json', buffer: body });
    await page.click('#network-upload');
    await page.waitForSelector('#report:not([hidden])');

    // The whole file went up: the bar is full.
    expect(Number(await page.getAttribute('#upload-progress', 'value'))).toBe(body.length);
    expect(Number(await page.getAttribute('#upload-progress', 'max'))).toBe(body.length);
    const message = (await page.textContent('#owner-message')) ?? '';
    expect(message).toMatch(/^The upload was rejected: it holds invalid features \(see the report\)\. Nothing was changed\./);
    expect(message).not.toMatch(/[{}]/);

    // Grouped by rule: each code once, errors first, with its count.
    const groups = await page.locator('#report-groups details.rule').evaluateAll((ds) => ds.map((d) => [d.getAttribute('data-code'), d.classList.contains('error') ? 'error' : 'warning']));
    expect(Object.fromEntries(groups)).toEqual({ LINE_TOO_SHORT: 'error', FAREKLASSE_NOT_ALLOWED: 'error', FEATURE_TYPE_UNKNOWN: 'error', ATTRIBUTE_RECOMMENDED: 'warning' });
    expect(groups.at(-1)?.[0]).toBe('ATTRIBUTE_RECOMMENDED');
    expect(Number(await page.getAttribute('#report-invalid', 'data-count'))).toBe(3);
    expect(await page.textContent('#report-summary')).toMatch(/^7 features read: 3 features with errors \(3 errors\), 1 warning\. 4 features with problems drawn on the map\./);
    const indexes = async (code: string): Promise<string[]> => page.locator(`details[data-code="${code}"] li`).evaluateAll((li) => li.map((l) => l.getAttribute('data-feature-index') ?? ''));
    expect(await indexes('LINE_TOO_SHORT')).toEqual(['2']);
    expect(await indexes('FAREKLASSE_NOT_ALLOWED')).toEqual(['4']);
    expect(await indexes('FEATURE_TYPE_UNKNOWN')).toEqual(['5']);
    expect(await indexes('ATTRIBUTE_RECOMMENDED')).toEqual(['3']);
    expect(await page.textContent('details[data-code="FAREKLASSE_NOT_ALLOWED"]')).toContain('Vandledning and Telekommunikationsledning may not be');

    // The offending features, from the chosen file, drawn on the map.
    expect(await page.locator('path.offending-marker.severity-error').count()).toBe(3);
    expect(await page.locator('path.offending-marker.severity-warning').count()).toBe(1);
    expect(await page.locator('path.offending-feature').count()).toBe(4);
    expect(await page.locator('path.network-line').count()).toBe(0);
    await screenshot(page, 'owner-report');
    expect(session.errors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });

  it('keeps the valid features when asked, and draws the network that is now live', async () => {
    setup.check();
    const { page } = session;
    await page.check('#network-skip');
    await page.click('#network-upload');
    await page.waitForSelector('#owner-message.ok');
    expect(await page.textContent('#owner-message')).toBe('The network is live as version 1 with 4 features; 3 invalid features skipped.');
    await page.waitForSelector('#owner-network-info:has-text("Live network: version 1, 4 features.")');
    await page.waitForSelector('#network-status:has-text("4 features in view")');
    expect(await page.locator('path.network-line').count()).toBe(4);
    expect(service.t.engine.snapshot?.networks.get(OWNER)).toMatchObject({ version: 1, features: 4 });
    // Each line's tooltip names it; the id with markup is text, never an element.
    const tips: string[] = [];
    for (const path of await page.locator('path.network-line').all()) {
      await path.hover({ force: true });
      tips.push((await page.locator('.leaflet-tooltip').last().textContent()) ?? '');
    }
    expect(tips).toContain(`${OWNER}: Elledning <b id="xss">ok-3</b> (farlig)`);
    expect(await page.locator('#xss').count()).toBe(0);
    await screenshot(page, 'owner-network');
  });

  it('refuses an upload that would remove most of the network until the owner says it means it', async () => {
    setup.check();
    const { page } = session;
    // The line without a fareklasse stays: the admin's view below draws it in ukendt's grey.
    const one = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [FILE.features[3]] }));
    await page.setInputFiles('#network-file', { name: 'one.geojson', mimeType: 'application/geo+json', buffer: one });
    await page.click('#network-upload');
    await page.waitForSelector('#owner-message.error');
    expect(await page.textContent('#owner-message')).toMatch(/remove/i);
    expect(service.t.engine.snapshot?.networks.get(OWNER)).toMatchObject({ version: 1, features: 4 });
    await page.check('#network-allow-removal');
    await page.click('#network-upload');
    await page.waitForSelector('#owner-message.ok');
    expect(service.t.engine.snapshot?.networks.get(OWNER)).toMatchObject({ version: 2, features: 1 });
  });
});

describe('the administrator\'s map page', () => {
  it('offers every view, and draws every owner\'s network in view', async () => {
    setup.check();
    const { page } = session;
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    await page.goto('about:blank');
    await page.goto(`${service.url}/#map=17/55.3936/10.3447`);
    await page.waitForSelector('body[data-ready="true"]');
    await signIn(page, ADMIN_TOKEN);
    expect(await page.locator('#tabs button:not([hidden])').count()).toBe(3);
    await page.click('#tab-owner');
    const owners = await page.locator('#owner-select option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    expect(owners).toEqual(expect.arrayContaining(['demo-el', 'demo-gas', 'demo-fiber', OWNER]));
    await page.waitForSelector('#network-status:has-text("Network of 7 owners")');
    const strokes = new Set(await page.locator('path.network-line').evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke'))));
    expect(await page.locator('path.network-line').count()).toBeGreaterThan(50);
    // Coloured by fareklasse; the uploaded line without one in ukendt's grey.
    expect(strokes).toEqual(new Set(Object.values(FAREKLASSE_COLOURS)));
    await screenshot(page, 'admin-network');
  });
});

describe('an owner\'s network within a view', () => {
  const url = (owner: string, bbox: string, limit = '') => `/v1/owners/${owner}/network/features?bbox=${bbox}${limit}`;
  const VIEW = '10.340,55.390,10.350,55.397';

  it('is for that owner and admins only: contractors see lines only through their packages', async () => {
    const contractor = await service.key('contractor');
    const other = await service.key('owner', 'demo-gas');
    expect(problemOf(await service.t.as(contractor, { method: 'GET', url: url('demo-el', VIEW) })).code).toBe('FORBIDDEN');
    expect(problemOf(await service.t.as(other, { method: 'GET', url: url('demo-el', VIEW) })).code).toBe('FORBIDDEN');
    expect(problemOf(await service.t.as(null, { method: 'GET', url: url('demo-el', VIEW) })).code).toBe('UNAUTHORIZED');
    const own = await service.t.as(other, { method: 'GET', url: url('demo-gas', VIEW) });
    expect(own.statusCode).toBe(200);
  });

  it('answers lon/lat features cut to the view, capped with a truncated flag', async () => {
    const all = (await service.t.as(ADMIN_TOKEN, { method: 'GET', url: url('demo-el', VIEW) })).json() as { type: string; features: { geometry: { type: string; coordinates: number[][] }; properties: { fareklasse: string } }[]; total: number; truncated: boolean };
    expect(all.type).toBe('FeatureCollection');
    expect(all.truncated).toBe(false);
    expect(all.features.length).toBe(all.total);
    expect(all.total).toBeGreaterThan(10);
    const xs = all.features.flatMap((f) => (f.geometry.type === 'Point' ? [f.geometry.coordinates as unknown as number[]] : f.geometry.coordinates)).map((p) => p[0]);
    // Cut to the view (plus the margin a package reveals): nothing far beyond it.
    expect(Math.min(...xs)).toBeGreaterThan(10.3399);
    expect(Math.max(...xs)).toBeLessThan(10.3501);
    const one = (await service.t.as(ADMIN_TOKEN, { method: 'GET', url: url('demo-el', VIEW, '&limit=1') })).json() as typeof all;
    expect(one).toMatchObject({ total: all.total, truncated: true });
    expect(one.features).toHaveLength(1);
  });

  it('refuses a view too large, a bbox that is not one, and an owner without a network', async () => {
    const large = problemOf(await service.t.as(ADMIN_TOKEN, { method: 'GET', url: url('demo-el', '10.0,55.0,11.0,56.0') }));
    expect(large).toMatchObject({ code: 'MAP_VIEW_TOO_LARGE', status: 422 });
    expect(problemOf(await service.t.as(ADMIN_TOKEN, { method: 'GET', url: url('demo-el', '10.35,55.39,10.34,55.40') })).code).toBe('OPTION_INVALID');
    expect(problemOf(await service.t.as(ADMIN_TOKEN, { method: 'GET', url: url('demo-el', 'a,b,c,d') })).code).toBe('OPTION_INVALID');
    expect(problemOf(await service.t.as(ADMIN_TOKEN, { method: 'GET', url: url('nobody', VIEW) })).code).toBe('OWNER_UNKNOWN');
  });

  it('tells the page who a token is', async () => {
    const token = await service.key('owner', 'demo-vand');
    expect((await service.t.as(token, { method: 'GET', url: '/v1/me' })).json()).toMatchObject({ role: 'owner', owner: 'demo-vand' });
    expect(problemOf(await service.t.as(null, { method: 'GET', url: '/v1/me' })).code).toBe('UNAUTHORIZED');
  });
});
