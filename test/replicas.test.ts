/**
 * Two service processes on one PostgreSQL database are replicas: what is made at one is answered
 * at the other, a batch whose replica is killed is finished by the other (each area exactly once,
 * as an undisturbed run has them), and a replica outlives the database going away and coming back.
 * Real processes (src/server.ts), a real throwaway PostgreSQL cluster, real HTTP.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../bench/service-process.js';
import { LISTENER_NAME } from '../src/store/postgres-listen.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { cable, rect } from './helpers/http-app.js';

const serverFile = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const TOKEN = 'replicas-admin-token-0123456789abcdef';
const UTM = 'EPSG:25832';
/** Areas of the batch a replica is killed in the middle of. */
const AREAS = 100_000;

let cluster: PgCluster;
let url: string;
const services = new Set<ServiceProcess>();

function start(): Promise<ServiceProcess> {
  return startServiceProcess({
    args: ['--import', 'tsx', serverFile],
    env: {
      LER_DATABASE_URL: url,
      LER_ADMIN_TOKEN: TOKEN,
      LER_DEMO: '0',
      LER_WORKERS: '1',
      LER_LOG_LEVEL: 'warn',
      LER_MAX_EVENT_LOOP_DELAY_MS: '0',
      LER_RATE_LIMIT_MAX: '1000000',
      LER_MAX_BATCH_AREAS: String(AREAS),
      // A task whose replica died is taken over within seconds (see docs/deploy.md for the bound).
      LER_BATCH_TASK_EXPIRE_S: '10'
    }
  }).then((s) => {
    services.add(s);
    void s.exit.then(() => services.delete(s));
    return s;
  });
}

async function stop(s: ServiceProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  s.child.kill(signal);
  await s.exit;
}

async function call(s: ServiceProcess, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dig = (x: number, y: number) => ({ geometry: rect(x, y, x + 20, y + 20), crs: UTM, infoZone: 1 });

/** A grid of cables every 20 m over 2 x 2 km. */
function grid(owner: string) {
  const features = [];
  for (let i = 0; i < 100; i++) {
    features.push(cable(`${owner}-h${i}`, [585000, 6139000 + 20 * i + 10], [587000, 6139000 + 20 * i + 10]));
    features.push(cable(`${owner}-v${i}`, [585000 + 20 * i + 10, 6139000], [585000 + 20 * i + 10, 6141000]));
  }
  return { type: 'FeatureCollection', features };
}

/** n small squares at seeded places on the grid. */
function areas(n: number) {
  let s = 7;
  const next = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  return { type: 'FeatureCollection', features: Array.from({ length: n }, (_, i) => {
    const x = 585050 + next() * 1900, y = 6139050 + next() * 1900;
    return { type: 'Feature', id: i, geometry: rect(x, y, x + 8, y + 8), properties: {} };
  }) };
}

/**
 * A batch's results read whole, as one digest of its lines in index order with the snapshot
 * version left out (each replica numbers its own snapshots), and whether every index came once.
 */
async function digestResults(s: ServiceProcess, id: string, token: string, n: number): Promise<{ once: boolean; digest: string; lines: number }> {
  const res = await fetch(`${s.url}/v1/batches/${id}/results`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  const lines = text.split('\n').filter((l) => l !== '');
  const seen = new Uint8Array(n);
  let once = lines.length === n;
  const hash = createHash('sha256');
  for (const [k, line] of lines.entries()) {
    const summary = JSON.parse(line) as { index: number; version?: number };
    if (summary.index !== k || seen[summary.index] === 1) once = false;
    seen[summary.index] = 1;
    delete summary.version;
    hash.update(JSON.stringify(summary)).update('\n');
  }
  return { once, digest: hash.digest('hex'), lines: lines.length };
}

beforeAll(async () => {
  cluster = await startPgCluster();
  url = cluster.url;
}, 120_000);

afterAll(async () => {
  for (const s of [...services]) await stop(s, 'SIGKILL');
  await cluster?.stop();
}, 60_000);

describe('two replicas on one PostgreSQL database', () => {
  let a: ServiceProcess;
  let b: ServiceProcess;

  beforeAll(async () => {
    // Both at once: the migrations run once, under an advisory lock.
    [a, b] = await Promise.all([start(), start()]);
  }, 180_000);

  it('share keys, networks and dig requests: made at one, answered at the other', async () => {
    // A key made at A works at B.
    const made = await call(a, 'POST', '/v1/keys', TOKEN, { role: 'contractor', name: 'at a' });
    expect(made.status).toBe(201);
    const contractor = String(made.json.token);
    // An upload at A is answered at B, within seconds.
    const put = await call(a, 'PUT', `/v1/owners/rep-el/network?crs=${UTM}`, TOKEN, grid('rep-el'));
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    const uploadedAt = Date.now();
    const atB = await until('the upload answered at B', async () => {
      const r = await call(b, 'POST', '/v1/dig-requests', contractor, dig(586000, 6140000));
      const owners = (r.json.owners as { owner: string }[] | undefined)?.map((o) => o.owner) ?? [];
      return r.status === 201 && owners.includes('rep-el') ? r : undefined;
    });
    expect(Date.now() - uploadedAt).toBeLessThan(30_000);
    // The dig request made at B is read at A, the same package.
    const id = String(atB.json.id);
    const read = await call(a, 'GET', `/v1/dig-requests/${id}`, contractor);
    expect(read.status).toBe(200);
    expect(read.json.id).toBe(id);
    expect(read.json.owners).toEqual(atB.json.owners);
    // A key revoked at B is refused at A once A hears of it.
    const keys = await call(b, 'GET', '/v1/keys', TOKEN);
    const key = (keys.json as unknown as { id: string; name: string }[]).find((k) => k.name === 'at a');
    expect(key).toBeDefined();
    expect((await call(b, 'DELETE', `/v1/keys/${String(key?.id)}`, TOKEN)).status).toBe(204);
    await until('the revoked key refused at A', async () => ((await call(a, 'POST', '/v1/dig-requests', contractor, dig(586000, 6140000))).status === 401 ? true : undefined));
  }, 120_000);

  it('finishes a 100,000-area batch whose replica was SIGKILLed, every area exactly once, as an undisturbed run', async () => {
    const planner = String((await call(a, 'POST', '/v1/keys', TOKEN, { role: 'planner' })).json.token);
    const input = { areas: areas(AREAS), crs: UTM, infoZone: 2, conflicts: false };
    const submitted = await call(a, 'POST', '/v1/batches', planner, input);
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    const id = String(submitted.json.id);
    // Some of it done, not all: then A dies without a word.
    await until('the batch under way', async () => {
      const v = await call(b, 'GET', `/v1/batches/${id}`, planner);
      const done = Number((v.json.progress as { done?: number } | null)?.done ?? 0);
      return done > 0 && done < AREAS ? done : undefined;
    }, 120_000);
    await stop(a, 'SIGKILL');
    const killedAt = Date.now();
    const ended = await until('the batch done at B', async () => {
      const v = await call(b, 'GET', `/v1/batches/${id}`, planner);
      return v.json.status === 'done' ? v : undefined;
    }, 300_000);
    expect(ended.json.results).toBe(AREAS);
    const cut = await digestResults(b, id, planner, AREAS);
    expect(cut.once).toBe(true);
    // The same batch again, undisturbed: the same summaries.
    const again = await call(b, 'POST', '/v1/batches', planner, input);
    expect(again.status).toBe(202);
    await until('the undisturbed batch done', async () => ((await call(b, 'GET', `/v1/batches/${String(again.json.id)}`, planner)).json.status === 'done' ? true : undefined), 300_000);
    const whole = await digestResults(b, String(again.json.id), planner, AREAS);
    expect(whole.once).toBe(true);
    expect(cut.digest).toBe(whole.digest);
    console.log(`batch of ${AREAS} areas finished at B ${((Date.now() - killedAt) / 1000).toFixed(1)} s after A was killed`);
    a = await start();
  }, 900_000);

  it('outlives the database going away: writes answer 503 meanwhile, and it answers again once it is back', async () => {
    const contractor = String((await call(a, 'POST', '/v1/keys', TOKEN, { role: 'contractor' })).json.token);
    expect((await call(a, 'POST', '/v1/dig-requests', contractor, dig(586000, 6140000))).status).toBe(201);
    // A batch under way when the database goes: its tasks fail meanwhile, and it is finished after.
    const planner = String((await call(a, 'POST', '/v1/keys', TOKEN, { role: 'planner' })).json.token);
    const n = 30_000;
    const submitted = await call(a, 'POST', '/v1/batches', planner, { areas: areas(n), crs: UTM, infoZone: 2 });
    expect(submitted.status).toBe(202);
    const batch = String(submitted.json.id);
    await until('the batch under way', async () => Number(((await call(a, 'GET', `/v1/batches/${batch}`, planner)).json.progress as { done?: number } | null)?.done ?? 0) > 0 || undefined);
    await cluster.pause();
    try {
      // A write needs the database: 503 with a code that says so, and the process stays up.
      const refused = await call(a, 'POST', '/v1/keys', TOKEN, { role: 'planner' });
      expect(refused.status).toBe(503);
      expect(refused.json.code).toBe('STORE_UNAVAILABLE');
      // What is answered from memory goes on.
      const view = await call(a, 'GET', '/v1/owners/rep-el/network/features?bbox=10.36,55.38,10.40,55.41', TOKEN);
      expect(view.status).toBe(200);
      expect(Number(view.json.total)).toBeGreaterThan(0);
      expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
      // Long enough for running tasks to fail on the store and the queue to fail to record it.
      await new Promise((r) => setTimeout(r, 3000));
      expect(a.child.exitCode).toBeNull();
      expect(b.child.exitCode).toBeNull();
    } finally {
      await cluster.resume();
    }
    await until('the batch done', async () => ((await call(a, 'GET', `/v1/batches/${batch}`, planner)).json.status === 'done' ? true : undefined), 240_000);
    expect((await digestResults(a, batch, planner, n)).once).toBe(true);
    await until('A writes again', async () => ((await call(a, 'POST', '/v1/dig-requests', contractor, dig(586000, 6140000))).status === 201 ? true : undefined));
    // And a replica restarted after the outage answers too, with everything that was stored.
    await stop(b);
    b = await start();
    const answer = await call(b, 'POST', '/v1/dig-requests', contractor, dig(586000, 6140000));
    expect(answer.status).toBe(201);
    expect((answer.json.owners as { owner: string }[]).map((o) => o.owner)).toContain('rep-el');
    // Both listen again (each replica's listening connection, back after the outage).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const listening = async (): Promise<number> => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [LISTENER_NAME])).rows[0].n);
      await until('both replicas listening', async () => ((await listening()) === 2 ? true : undefined));
    } finally {
      await client.end();
    }
  }, 480_000);
});
