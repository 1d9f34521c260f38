/**
 * Apps for the HTTP tests: each over its own store in a temporary data directory (one directory
 * per test file, one subdirectory per app), an engine without worker threads unless asked, and
 * keys of every role made through the API itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions, type ConfigOverrides } from '../../src/http/app.js';
import { resolveConfig } from '../../src/http/config.js';
import type { PrecautionMatrix } from '../../src/package/precautions.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { Engine } from '../../src/engine.js';
import type { Feature, LineString } from '../../src/types.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A temporary LER_DATA_DIR for one test file; `remove` deletes it. */
export function dataDir(name: string): { path: string; sub: (n: string) => string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `ler-http-${name}-`));
  let k = 0;
  return { path, sub: (n: string) => join(path, `${n}-${k++}`), remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestApp {
  app: FastifyInstance;
  store: SqliteStore;
  engine: Engine;
  /** Makes a key through POST /v1/keys and returns its token. */
  key: (role: 'admin' | 'owner' | 'contractor' | 'planner', owner?: string) => Promise<string>;
  /** app.inject with a bearer token. */
  as: (token: string | null, opts: InjectOptions) => Promise<LightMyRequestResponse>;
  close: () => Promise<void>;
}

export interface TestAppOptions extends Omit<AppOptions, 'store' | 'engine' | 'config'> {
  config?: ConfigOverrides;
  workers?: number;
  /** The engine's precaution matrix (the engine makes the packages). */
  precautions?: PrecautionMatrix;
  /** Milliseconds after the last upload before the engine merges its owners (default 250). */
  compactDelay?: number;
  /** Runs on the engine and store before the app is built (e.g. loads the demo). */
  prepare?: (engine: Engine, store: SqliteStore) => void | Promise<unknown>;
}

export async function testApp(dir: string, opts: TestAppOptions = {}): Promise<TestApp> {
  const store = new SqliteStore({ dataDir: dir });
  const { config, workers: _workers, prepare, precautions, compactDelay, ...rest } = opts;
  // The engine takes the service's dig limits, as the server gives them to it.
  const engine = await Engine.open({ workers: opts.workers ?? 0, store, digLimits: resolveConfig(config).limits, ...(precautions !== undefined ? { precautions } : {}), ...(compactDelay !== undefined ? { compactDelay } : {}) });
  await prepare?.(engine, store);
  const app = await buildApp({ defaultMetrics: false, ...rest, store, engine, config: { adminToken: ADMIN_TOKEN, ...config } });
  const as = (token: string | null, o: InjectOptions): Promise<LightMyRequestResponse> =>
    app.inject({ ...o, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...o.headers } });
  const key = async (role: 'admin' | 'owner' | 'contractor' | 'planner', owner?: string): Promise<string> => {
    const res = await as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role, ...(owner !== undefined ? { owner } : {}), name: `${role} ${owner ?? ''}`.trim() } });
    if (res.statusCode !== 201) throw new Error(`POST /v1/keys: ${res.statusCode} ${res.body}`);
    return (res.json() as { token: string }).token;
  };
  return {
    app,
    store,
    engine,
    key,
    as,
    close: async () => {
      await app.close();
      await engine.close();
      await store.close();
    }
  };
}

/** A straight Elledning between two EPSG:25832 points (in Odense). */
export function cable(id: string, from: [number, number], to: [number, number], properties: Record<string, unknown> = {}): Feature<LineString> {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'LineString', coordinates: [from, to] },
    properties: { featureType: 'Elledning', forsyningsart: 'el', fareklasse: 'farlig', driftsstatus: 'i drift', noejagtighedsklasse: '<= 0.50 m', ...properties }
  };
}

/** A rectangle polygon in EPSG:25832. */
export function rect(x0: number, y0: number, x1: number, y1: number): { type: 'Polygon'; coordinates: number[][][] } {
  return { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] };
}

/** Asserts a problem+json answer with the code, and returns its body. */
export function problemOf(res: LightMyRequestResponse): { code: string; status: number; title: string; detail: string; type: string; pointer?: string; [k: string]: unknown } {
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) throw new Error(`Not a problem answer (${res.statusCode}, ${type}): ${res.body.slice(0, 300)}`);
  const body = res.json() as { code: string; status: number; title: string; detail: string; type: string };
  if (body.status !== res.statusCode) throw new Error(`Problem status ${body.status} differs from the answer's ${res.statusCode}.`);
  return body;
}
