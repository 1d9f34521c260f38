/**
 * Package maps (map.svg, map.png) are drawn once per package and format, kept in the store and
 * served from there (also after a restart), with a strong ETag and immutable caching; drawing is
 * limited per key (429 RENDER_LIMITED) and service-wide (a queue, then 503 OVERLOADED), and a map
 * served from the store counts against neither. The drawing functions are wrapped to count calls
 * and, where a test needs renders in flight, to hold them until it lets them go.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Package } from '../src/package/types.js';
import { ADMIN_TOKEN, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const control = vi.hoisted(() => ({
  svg: 0,
  png: 0,
  /** While set, PNG renders wait for it. */
  gate: null as Promise<void> | null,
  /** Called whenever a PNG render starts. */
  onPng: null as (() => void) | null
}));

vi.mock('../src/package/views.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/package/views.js')>();
  return {
    ...real,
    packageSvg: (pkg: Package): string => {
      control.svg++;
      return real.packageSvg(pkg);
    },
    packagePngAsync: async (pkg: Package): Promise<Buffer> => {
      control.png++;
      control.onPng?.();
      if (control.gate !== null) await control.gate;
      return real.packagePngAsync(pkg);
    }
  };
});

const dir = dataDir('pictures');
afterAll(() => dir.remove());
afterEach(() => {
  control.svg = 0;
  control.png = 0;
  control.gate = null;
  control.onPng = null;
});

const DIG = { geometry: rect(585160, 6139405, 585190, 6139430), crs: 'EPSG:25832' };

async function digFor(t: TestApp, token: string): Promise<string> {
  const res = await t.as(token, { method: 'POST', url: '/v1/dig-requests', payload: DIG });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Package>().id;
}

/** ler_package_renders_total of a format, as /metrics says (0 when it has no sample). */
async function rendersCounted(t: TestApp, kind: 'svg' | 'png'): Promise<number> {
  const res = await t.as(ADMIN_TOKEN, { method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  const m = new RegExp(`^ler_package_renders_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(res.body);
  return m === null ? 0 : Number(m[1]);
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('cached package pictures', () => {
  it('draws a package\'s map once per format, across many requests and a restart, with ETag and immutable caching', async () => {
    const data = dir.sub('once');
    let t = await testApp(data);
    let contractor: string;
    let id: string;
    let first: LightMyRequestResponse;
    try {
      contractor = await t.key('contractor');
      id = await digFor(t, contractor);
      const get = (kind: string, headers: Record<string, string> = {}) => t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}/map.${kind}`, headers });
      // Five at once share one drawing; five more, one after the other, are served from the store.
      const together = await Promise.all([1, 2, 3, 4, 5].map(() => get('png')));
      const after: LightMyRequestResponse[] = [];
      for (let i = 0; i < 5; i++) after.push(await get('png'));
      first = together[0];
      for (const res of [...together, ...after]) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('image/png');
        expect(res.rawPayload.equals(first.rawPayload)).toBe(true);
        expect(res.headers.etag).toBe(first.headers.etag);
      }
      expect(control.png).toBe(1);
      expect(await rendersCounted(t, 'png')).toBe(1);
      expect(first.headers.etag).toMatch(/^"png-[A-Za-z0-9_-]+"$/);
      expect(first.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      expect(first.headers['content-disposition']).toBe(`inline; filename="dig-request-${id}.png"`);
      // The client that has it is told so.
      const again = await get('png', { 'if-none-match': String(first.headers.etag) });
      expect(again.statusCode).toBe(304);
      expect(again.rawPayload.length).toBe(0);
      // The SVG, likewise once.
      const svgs = [];
      for (let i = 0; i < 3; i++) svgs.push(await get('svg'));
      for (const res of svgs) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
        expect(res.body).toBe(svgs[0].body);
        expect(res.headers.etag).toMatch(/^"svg-/);
      }
      expect(svgs[0].body).toContain('<svg');
      expect(control.svg).toBe(1);
      expect(await rendersCounted(t, 'svg')).toBe(1);
      // A kept map goes to its requester and admins only, as the package does.
      const stranger = await t.key('contractor');
      const refused = await t.as(stranger, { method: 'GET', url: `/v1/dig-requests/${id}/map.png` });
      expect(refused.statusCode).toBe(404);
      expect(problemOf(refused).code).toBe('DIG_REQUEST_UNKNOWN');
      expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/dig-requests/${id}/map.png` })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
    // A restart draws nothing again: the maps come from the store.
    t = await testApp(data);
    try {
      const png = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}/map.png` });
      const svg = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}/map.svg` });
      expect(png.statusCode).toBe(200);
      expect(png.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(png.headers.etag).toBe(first.headers.etag);
      expect(svg.statusCode).toBe(200);
      expect(control.png).toBe(1);
      expect(control.svg).toBe(1);
      expect(await rendersCounted(t, 'png')).toBe(0);
      expect(await rendersCounted(t, 'svg')).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('limits the renders of one key: 20 first renders at once get 429 beyond the limit, another key\'s succeeds', async () => {
    const t = await testApp(dir.sub('per-key'), { config: { limits: { rendersPerKey: 2, rendersRunning: 4, rendersQueued: 32 } } });
    try {
      const busy = await t.key('contractor');
      const calm = await t.key('contractor');
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await digFor(t, busy));
      const calmId = await digFor(t, calm);

      // Renders are held until every request has either started one or been answered.
      const gate = deferred();
      control.gate = gate.promise;
      const allIn = deferred();
      let answered = 0;
      const check = (): void => {
        if (control.png + answered === 21) allIn.resolve();
      };
      control.onPng = check;
      const track = (p: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> =>
        p.then((res) => {
          answered++;
          check();
          return res;
        });
      const busyAnswers = ids.map((id) => track(t.as(busy, { method: 'GET', url: `/v1/dig-requests/${id}/map.png` })));
      const calmAnswer = track(t.as(calm, { method: 'GET', url: `/v1/dig-requests/${calmId}/map.png` }));
      await allIn.promise;
      gate.resolve();
      const results = await Promise.all(busyAnswers);

      const ok = results.filter((r) => r.statusCode === 200);
      const limited = results.filter((r) => r.statusCode === 429);
      expect(ok).toHaveLength(2);
      expect(limited).toHaveLength(18);
      for (const res of limited) {
        expect(problemOf(res).code).toBe('RENDER_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect((await calmAnswer).statusCode).toBe(200);
      expect(control.png).toBe(3);
      // With two renders of its own in flight, the key is still served the maps drawn before: a hit never counts.
      const drawn = ids.filter((_, i) => results[i].statusCode === 200);
      const fresh = ids.filter((_, i) => results[i].statusCode !== 200);
      const held = deferred();
      control.gate = held.promise;
      const started = deferred();
      control.onPng = () => {
        if (control.png === 5) started.resolve();
      };
      const inFlight = fresh.slice(0, 2).map((id) => t.as(busy, { method: 'GET', url: `/v1/dig-requests/${id}/map.png` }));
      await started.promise;
      for (const id of drawn) expect((await t.as(busy, { method: 'GET', url: `/v1/dig-requests/${id}/map.png` })).statusCode).toBe(200);
      expect(problemOf(await t.as(busy, { method: 'GET', url: `/v1/dig-requests/${fresh[2]}/map.png` })).code).toBe('RENDER_LIMITED');
      held.resolve();
      for (const res of await Promise.all(inFlight)) expect(res.statusCode).toBe(200);
      expect(control.png).toBe(5);
    } finally {
      control.gate = null;
      await t.close();
    }
  });

  it('makes renders beyond the service-wide limit wait in a bounded queue, then answers 503', async () => {
    const t = await testApp(dir.sub('queue'), { config: { limits: { rendersPerKey: 2, rendersRunning: 1, rendersQueued: 1 } } });
    try {
      const keys = [await t.key('contractor'), await t.key('contractor'), await t.key('contractor')];
      const ids: string[] = [];
      for (const key of keys) ids.push(await digFor(t, key));
      const gate = deferred();
      control.gate = gate.promise;
      const ready = deferred();
      let answered = 0;
      const check = (): void => {
        if (control.png + answered === 2) ready.resolve();
      };
      control.onPng = check;
      const answers = keys.map((key, i) =>
        t.as(key, { method: 'GET', url: `/v1/dig-requests/${ids[i]}/map.png` }).then((res) => {
          answered++;
          check();
          return res;
        })
      );
      // The first draws, the second waits, the third finds the queue full.
      await ready.promise;
      expect(control.png).toBe(1);
      gate.resolve();
      const [a, b, c] = await Promise.all(answers);
      expect(a.statusCode).toBe(200);
      expect(b.statusCode).toBe(200);
      expect(c.statusCode).toBe(503);
      expect(problemOf(c).code).toBe('OVERLOADED');
      expect(Number(c.headers['retry-after'])).toBeGreaterThan(0);
      expect(control.png).toBe(2);
    } finally {
      await t.close();
    }
  });
});
