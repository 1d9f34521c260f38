/**
 * Dig requests over HTTP: the built service (`dist/src/server.js`) started as its own process on
 * the store the upload phase filled (the whole bench network), and autocannon on loopback sending
 * `POST /v1/dig-requests` with the bench's building-sized and 500 x 500 m digs. Each request is a
 * whole package: every conflict with its geometry, precautions, the package stored and audited.
 * PostGIS's single prepared query for the same digs is in the peers table.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SqliteStore } from '../src/store/sqlite.js';
import { hashToken, newToken } from '../src/store/tokens.js';
import type { BenchContext } from './context.js';
import type { DigShape } from './digs.js';
import { startServiceProcess } from './service-process.js';

const SHAPES: readonly DigShape[] = ['building', 'square'];
const CONNECTIONS = 16;
const DURATION_S = 10;
const WARM_UP_S = 3;
const INFO_ZONE = 2;
/** Distinct dig requests each connection cycles through. */
const REQUESTS_PER_SHAPE = 500;

export interface HttpRow {
  shape: DigShape;
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  /** CPU milliseconds per request: the service's main thread, the whole service (all its threads), autocannon. */
  mainCpuMs: number;
  serviceCpuMs: number;
  clientCpuMs: number;
  /** Mean answer size, bytes. */
  bytesPerRequest: number;
}

export type HttpReport = { rows: HttpRow[]; startSeconds: number; features: number } | { unavailable: string };

/** Starts the service on `dataDir` and resolves with its URL once it listens. */
async function startService(dataDir: string): Promise<{ child: ChildProcess; url: string; startSeconds: number; adminToken: string }> {
  const server = fileURLToPath(new URL('../dist/src/server.js', import.meta.url));
  if (!existsSync(server)) throw new Error('dist/src/server.js is missing: npm run build');
  const t0 = performance.now();
  const adminToken = newToken();
  const { child, url } = await startServiceProcess({
    args: [server],
    env: {
      LER_DATA_DIR: dataDir,
      LER_DEMO: '0',
      LER_WORKERS: '1',
      LER_LOG_LEVEL: 'warn',
      LER_ADMIN_TOKEN: adminToken,
      LER_RATE_LIMIT_MAX: String(Number.MAX_SAFE_INTEGER),
      // One contractor key sends every request: its daily quota must not be what is measured.
      LER_DIG_REQUESTS_PER_DAY: String(Number.MAX_SAFE_INTEGER),
      LER_MAX_EVENT_LOOP_DELAY_MS: '0'
    }
  });
  return { child, url, startSeconds: (performance.now() - t0) / 1000, adminToken };
}

/** Resolves once the service's metrics say one merged index answers for every owner (at most 5 minutes). */
async function merged(url: string, adminToken: string): Promise<void> {
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (/^ler_snapshot_merged 1$/m.test(await res.text())) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the service did not merge its owners into one index in 5 minutes');
}

/** CPU time (ms) of a process, or of one of its threads, from /proc; NaN where there is none. */
function cpuMs(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export async function runHttp(ctx: BenchContext, dataDir: string): Promise<HttpReport> {
  const { opts } = ctx;
  if (opts.smoke) return { unavailable: 'not run in a smoke run' };
  const token = newToken();
  const store = new SqliteStore({ dataDir });
  try {
    await store.putApiKey({ hash: hashToken(token), role: 'contractor', owner: null, name: 'bench' });
  } finally {
    await store.close();
  }
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(dataDir);
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
  const { child, url, startSeconds } = service;
  opts.log(`  service at ${url}, started in ${startSeconds.toFixed(1)} s`);
  try {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const rows: HttpRow[] = [];
    for (const shape of SHAPES) {
      const digs = (ctx.byShape.get(shape) ?? []).slice(0, REQUESTS_PER_SHAPE);
      const requests = digs.map((d) => ({ method: 'POST' as const, path: '/v1/dig-requests', headers, body: JSON.stringify({ geometry: d.geometry, crs: 'EPSG:25832', infoZone: INFO_ZONE }) }));
      // The service answers from its owners' indexes side by side until its background merge into
      // one index is done: timed runs start once it is (and after a warm-up).
      await merged(url, service.adminToken);
      await run({ url, connections: CONNECTIONS, duration: WARM_UP_S, requests });
      const pid = child.pid ?? -1;
      const [main0, all0, client0] = [cpuMs(pid, pid), cpuMs(pid), process.cpuUsage()];
      const r = await run({ url, connections: CONNECTIONS, duration: DURATION_S, requests });
      const [main1, all1, client1] = [cpuMs(pid, pid), cpuMs(pid), process.cpuUsage(client0)];
      const n = Math.max(1, r.requests.total);
      const row: HttpRow = {
        shape,
        connections: CONNECTIONS,
        seconds: DURATION_S,
        requests: r.requests.total,
        perSecond: r.requests.average,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        maxMs: r.latency.max,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        mainCpuMs: (main1 - main0) / n,
        serviceCpuMs: (all1 - all0) / n,
        clientCpuMs: (client1.user + client1.system) / 1000 / n,
        bytesPerRequest: r.throughput.total / n
      };
      rows.push(row);
      opts.log(`  ${shape}: ${row.perSecond.toFixed(0)} dig requests/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ${row.non2xx} non-2xx, ${row.errors} errors; CPU per request: main thread ${row.mainCpuMs.toFixed(3)} ms, service ${row.serviceCpuMs.toFixed(3)} ms, autocannon ${row.clientCpuMs.toFixed(3)} ms; ${row.bytesPerRequest.toFixed(0)} bytes`);
      if (row.non2xx > 0 || row.errors > 0) ctx.report.problems.push(`HTTP: ${row.non2xx} non-2xx answers and ${row.errors} errors on ${shape} dig requests.`);
    }
    return { rows, startSeconds, features: ctx.index.featureCount };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
