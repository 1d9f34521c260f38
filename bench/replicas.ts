/**
 * The two stores side by side, and replicas on PostgreSQL: the same seeded network, digs and batch
 * against the service as its own process (src/server.ts), first on SQLite in a fresh data directory,
 * then on a throwaway PostgreSQL cluster (test/helpers/pg-cluster.ts, with PostgreSQL's durable
 * defaults back on: fsync, synchronous commit, full page writes, as SQLite's synchronous = FULL).
 * Everything goes through the HTTP API:
 *
 * - upload: the whole network (one owner, a streamed PUT) a few times, first byte to the answer;
 * - dig requests: autocannon, a fixed number of connections for a fixed time after a warm-up, each
 *   connection cycling through building-sized digs (20 x 20 m) at seeded places along the lines;
 * - a batch of seeded 20 x 20 m areas, submitted and followed until done, its results read whole
 *   (each area exactly once, and the same summaries on every store and replica count);
 * - on PostgreSQL, a second replica: the version lag (a new version answered at A, then B polled
 *   until it answers the new version) and the same batch with both replicas working on it.
 *
 * CPU time of the service processes and of PostgreSQL's server processes comes from /proc.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startPgCluster, type PgCluster } from '../test/helpers/pg-cluster.js';
import { dataFiles, loadRoads, ownerFeatures, OWNERS, planNetwork, type NetworkPlan } from './network.js';
import { createRng, deriveSeed } from './rng.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import { writeUpload } from './upload-stall.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER = join(ROOT, 'src', 'server.ts');
export const ADMIN = `bench-replicas-admin-${'x'.repeat(32)}`;
const OWNER = 'bench-net';
/** An owner of one line, for the lag without a large network to load. */
const SMALL_OWNER = 'bench-small';
const CRS = 'EPSG:25832';
const INFO_ZONE = 2;
/** Side of a building-sized dig and of a batch's areas, m. */
const DIG_SIDE = 20;
/** Distinct dig requests the connections cycle through. */
const DIG_REQUESTS = 500;
export const REPLICAS_SECTION = '## Stores and replicas';

export interface ReplicasOptions {
  seed: number;
  smoke: boolean;
  /** Autocannon: connections, timed seconds, warm-up seconds. */
  connections: number;
  seconds: number;
  warmUpSeconds: number;
  /** Whole-network uploads per store (the median is reported). */
  uploads: number;
  /** Change sets whose lag is measured. */
  lagTrials: number;
  /** Areas of the batch. */
  batchAreas: number;
  /** Extra postgresql.conf lines (e.g. `synchronous_commit = off`): a run to compare, not the section's. */
  pgSettings: string | null;
  log: (line: string) => void;
}

export function replicasOptions(seed: number, smoke: boolean, args: Map<string, string>, log: (line: string) => void): ReplicasOptions {
  const int = (name: string, fallback: number): number => {
    const raw = args.get(name);
    const v = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number of at least 1, got ${raw}.`);
    return v;
  };
  return {
    seed,
    smoke,
    connections: int('connections', 10),
    seconds: int('seconds', smoke ? 2 : 15),
    warmUpSeconds: int('warm-up', smoke ? 1 : 3),
    uploads: int('uploads', smoke ? 1 : 3),
    lagTrials: int('lag-trials', smoke ? 3 : 10),
    batchAreas: int('batch-areas', smoke ? 2000 : 50_000),
    pgSettings: args.get('pg-settings')?.replace(/;\s*/g, '\n') ?? null,
    log
  };
}

export interface DigRun {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  /** CPU ms per request: the service process (all threads), PostgreSQL's server processes, autocannon. */
  serviceCpuMs: number;
  databaseCpuMs: number;
  clientCpuMs: number;
}

export interface BatchRun {
  replicas: number;
  /** Submitted to done as seen by polling, and the batch's own startedAt to finishedAt, s. */
  wallSeconds: number;
  serverSeconds: number;
  status: string;
  results: number;
  /** Every index once, and the digest of the summaries without their version (equal across runs: the same answers). */
  once: boolean;
  digest: string;
  /** CPU seconds during the batch: each replica, PostgreSQL. */
  replicaCpuS: number[];
  databaseCpuS: number;
}

export interface StoreRun {
  store: 'sqlite' | 'postgres';
  startSeconds: number;
  /** PostgreSQL: replica B's start until it answers the live version, s. */
  secondStartSeconds?: number;
  uploadSeconds: number[];
  digs: DigRun | null;
  batches: BatchRun[];
}

export interface LagTrial {
  /** The change set at A: sent to answered, ms. */
  commitMs: number;
  /** A's answer to B's first answer with the new version, ms. */
  lagMs: number;
  /** B's polls until then, and the mean time one took, ms (the lag's resolution). */
  polls: number;
  pollMs: number;
}

export interface ReplicasReport {
  date: string;
  machine: { cpu: string; cores: number; ramBytes: number; node: string };
  load: { start: number[]; end: number[] };
  /** Share of the machine's CPU (all cores) other processes took during the run, from /proc/stat less this run's own processes. */
  othersShare: number;
  options: Omit<ReplicasOptions, 'log'>;
  postgres: string;
  network: { bytes: number; features: number; roads: number };
  stores: StoreRun[];
  /** Change sets of the large owner. */
  lag: LagTrial[];
  /** Uploads of the one-line owner. */
  smallLag: LagTrial[];
  problems: string[];
}

// ---- processes and their CPU time ----------------------------------------------------------

/** CPU ms (user + system) of a process from /proc, with its reaped children's when asked, or NaN when it is gone. */
export function cpuMs(pid: number | 'self', children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0)) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU ms of the PostgreSQL server: the postmaster, its children (backends, writers) and those that ended, from /proc. */
function databaseCpuMs(cluster: PgCluster | null): number {
  if (cluster === null) return 0;
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return Number.NaN;
  }
  let total = cpuMs(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

function startService(env: Record<string, string>, batchAreas: number): Promise<ServiceProcess> {
  return startServiceProcess({
    args: ['--import', 'tsx', SERVER],
    cwd: ROOT,
    env: {
      LER_DEMO: '0',
      LER_LOG_LEVEL: 'warn',
      LER_ADMIN_TOKEN: ADMIN,
      LER_RATE_LIMIT_MAX: String(Number.MAX_SAFE_INTEGER),
      // One contractor key sends every request: its daily quota must not be what is measured.
      LER_DIG_REQUESTS_PER_DAY: String(Number.MAX_SAFE_INTEGER),
      LER_MAX_EVENT_LOOP_DELAY_MS: '0',
      LER_MAX_BATCH_AREAS: String(Math.max(batchAreas, 100_000)),
      ...env
    }
  });
}

/** CPU ms the whole machine spent busy so far (every core), from /proc/stat. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + (ticks[7] ?? 0)) * 10;
}

async function stopService(s: ServiceProcess): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const ended = await Promise.race([s.exit.then(() => true), sleep(20_000).then(() => false)]);
  if (!ended) {
    s.child.kill('SIGKILL');
    await s.exit;
  }
}

// ---- HTTP ------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One request on a kept-alive connection: status, body, milliseconds. */
export function send(url: string, method: string, token: string, body?: string | NodeJS.ReadableStream, type = 'application/json'): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': type } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

async function json(url: string, method: string, token: string, body?: unknown, want?: number): Promise<Record<string, unknown>> {
  const r = await send(url, method, token, body === undefined ? undefined : JSON.stringify(body));
  if (want !== undefined && r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${r.body.slice(0, 500)}`);
  return r.body === '' ? {} : (JSON.parse(r.body) as Record<string, unknown>);
}

async function makeKey(s: ServiceProcess, role: string): Promise<string> {
  return String((await json(`${s.url}/v1/keys`, 'POST', ADMIN, { role, name: `bench ${role}` }, 201)).token);
}

/**
 * The network version a replica answers for an owner (0: none yet), from the owners' list: the
 * live versions as the replica holds them. (GET /v1/owners/:owner/network would also work out the
 * owner's box from the one merged index, merging the owners there and then when a new version has
 * just come in: the probe would add that work to the lag it measures.)
 */
async function versionAt(s: ServiceProcess, owner = OWNER): Promise<number> {
  const r = await send(`${s.url}/v1/owners`, 'GET', ADMIN);
  if (r.status !== 200) return 0;
  return Number((JSON.parse(r.body) as { owner: string; version: number | null }[]).find((o) => o.owner === owner)?.version ?? 0);
}

export async function merged(s: ServiceProcess): Promise<void> {
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    if (/^ler_snapshot_merged 1$/m.test((await send(`${s.url}/metrics`, 'GET', ADMIN)).body)) return;
    await sleep(100);
  }
  throw new Error('the service did not merge its owners into one index in 5 minutes');
}

// ---- the seeded inputs ---------------------------------------------------------------------------

const square = (x: number, y: number, side: number): number[][][] => [[[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]];

/** n squares of DIG_SIDE m, each centred within a few metres of a vertex of a seeded road (where the lines run). */
export function placesAlongRoads(plan: NetworkPlan, n: number, seed: number, what: string): number[][][][] {
  const rng = createRng(deriveSeed(seed, 'replicas', what));
  const [dx, dy] = plan.tiles[0];
  const out: number[][][][] = [];
  for (let i = 0; i < n; i++) {
    const road = plan.roads[rng.int(plan.roads.length)];
    const [vx, vy] = road.path[rng.int(road.path.length)];
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    out.push(square(round(vx + dx + rng.range(-8, 8) - DIG_SIDE / 2), round(vy + dy + rng.range(-8, 8) - DIG_SIDE / 2), DIG_SIDE));
  }
  return out;
}

interface Inputs {
  file: string;
  bytes: number;
  features: number;
  digBodies: string[];
  batchBody: string;
  /** A change set that adds or moves one line away from every dig and area: the k-th trial's. */
  changeSet: (k: number) => string;
  /** A network of that one line (the k-th trial's), for the small owner. */
  oneLine: (k: number) => string;
}

async function prepare(dir: string, o: ReplicasOptions): Promise<Inputs & { roads: number }> {
  const roads = loadRoads(dataFiles(o.smoke).roads);
  const plan = planNetwork({ seed: o.seed, tiles: 1 }, roads);
  const file = join(dir, 'network.geojson');
  const written = await writeUpload(file, plan, Number.POSITIVE_INFINITY);
  const digBodies = placesAlongRoads(plan, DIG_REQUESTS, o.seed, 'digs').map((coordinates) => JSON.stringify({ geometry: { type: 'Polygon', coordinates }, crs: CRS, infoZone: INFO_ZONE }));
  const areas = placesAlongRoads(plan, o.batchAreas, o.seed, 'batch').map((coordinates, i) => ({ type: 'Feature', id: `a${i}`, properties: {}, geometry: { type: 'Polygon', coordinates } }));
  const batchBody = JSON.stringify({ areas: { type: 'FeatureCollection', features: areas }, crs: CRS, infoZone: INFO_ZONE, conflicts: false });
  // One real line's attributes, on a line 2 km beyond the roads' extent: no dig or area meets it.
  let maxX = -Infinity, minY = Infinity;
  for (const r of plan.roads) for (const [x, y] of r.path) [maxX, minY] = [Math.max(maxX, x), Math.min(minY, y)];
  const template = ownerFeatures(plan, OWNERS[0]).next().value;
  const properties = template?.properties ?? {};
  const line = (k: number): { type: 'FeatureCollection'; features: unknown[] } => {
    const x = Math.round(maxX + 2000), y = Math.round(minY) + k;
    return { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'bench-lag', properties, geometry: { type: 'LineString', coordinates: [[x, y], [x + 50, y]] } }] };
  };
  const changeSet = (k: number): string => JSON.stringify({ upsert: line(k) });
  const oneLine = (k: number): string => JSON.stringify(line(k));
  return { file, bytes: written.bytes, features: written.features, digBodies, batchBody, changeSet, oneLine, roads: plan.roads.length };
}

// ---- the measurements ------------------------------------------------------------------------

async function upload(s: ServiceProcess, file: string): Promise<number> {
  const r = await send(`${s.url}/v1/owners/${OWNER}/network`, 'PUT', ADMIN, createReadStream(file, { highWaterMark: 1 << 20 }), 'application/geo+json');
  if (r.status !== 200) throw new Error(`the upload answered ${r.status}: ${r.body.slice(0, 500)}`);
  return r.ms / 1000;
}

export function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function digRun(s: ServiceProcess, cluster: PgCluster | null, token: string, inputs: Inputs, o: ReplicasOptions): Promise<DigRun> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const requests = inputs.digBodies.map((body) => ({ method: 'POST' as const, path: '/v1/dig-requests', headers, body }));
  await merged(s);
  await cannon({ url: s.url, connections: o.connections, duration: o.warmUpSeconds, requests });
  const pid = s.child.pid ?? -1;
  const [service0, db0, client0] = [cpuMs(pid), databaseCpuMs(cluster), process.cpuUsage()];
  const r = await cannon({ url: s.url, connections: o.connections, duration: o.seconds, requests });
  const [service1, db1, client1] = [cpuMs(pid), databaseCpuMs(cluster), process.cpuUsage(client0)];
  const n = Math.max(1, r.requests.total);
  return {
    requests: r.requests.total,
    perSecond: r.requests.total / o.seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    serviceCpuMs: (service1 - service0) / n,
    databaseCpuMs: (db1 - db0) / n,
    clientCpuMs: (client1.user + client1.system) / 1000 / n
  };
}

/** A batch's results read whole: every index once, and a digest of the summaries in index order without their version. */
async function digestResults(s: ServiceProcess, id: string, token: string, n: number): Promise<{ once: boolean; digest: string }> {
  const r = await send(`${s.url}/v1/batches/${id}/results`, 'GET', token);
  if (r.status !== 200) throw new Error(`the results answered ${r.status}: ${r.body.slice(0, 300)}`);
  const lines = r.body.split('\n').filter((l) => l !== '');
  const hash = createHash('sha256');
  let once = lines.length === n;
  for (const [k, line] of lines.entries()) {
    const summary = JSON.parse(line) as { index: number; version?: number };
    if (summary.index !== k) once = false;
    delete summary.version;
    hash.update(JSON.stringify(summary)).update('\n');
  }
  return { once, digest: hash.digest('hex').slice(0, 16) };
}

/** The batch submitted at the first replica, followed until it ends, read at the last. */
async function batchRun(replicas: ServiceProcess[], cluster: PgCluster | null, planner: string, inputs: Inputs, areas: number): Promise<BatchRun> {
  const [first, last] = [replicas[0], replicas[replicas.length - 1]];
  const cpu0 = replicas.map((s) => cpuMs(s.child.pid ?? -1));
  const db0 = databaseCpuMs(cluster);
  const t0 = performance.now();
  const submitted = await send(`${first.url}/v1/batches`, 'POST', planner, inputs.batchBody);
  if (submitted.status !== 202) throw new Error(`the batch answered ${submitted.status}: ${submitted.body.slice(0, 500)}`);
  const id = String((JSON.parse(submitted.body) as { id: string }).id);
  let view: Record<string, unknown> = {};
  for (let k = 0; ; k++) {
    // Asked of the replicas in turn: any of them answers for any batch.
    view = await json(`${replicas[k % replicas.length].url}/v1/batches/${id}`, 'GET', planner, undefined, 200);
    if (!['queued', 'running'].includes(String(view.status))) break;
    await sleep(100);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const replicaCpuS = replicas.map((s, i) => (cpuMs(s.child.pid ?? -1) - cpu0[i]) / 1000);
  const databaseCpuS = (databaseCpuMs(cluster) - db0) / 1000;
  const read = await digestResults(last, id, planner, areas);
  await json(`${first.url}/v1/batches/${id}`, 'DELETE', planner, undefined, 200);
  const serverSeconds = typeof view.startedAt === 'string' && typeof view.finishedAt === 'string' ? (Date.parse(view.finishedAt) - Date.parse(view.startedAt)) / 1000 : Number.NaN;
  return { replicas: replicas.length, wallSeconds, serverSeconds, status: String(view.status), results: Number(view.results), ...read, replicaCpuS, databaseCpuS };
}

/**
 * New versions of an owner's network committed at A (`write(k)` sends the k-th); after each, B is
 * polled until it answers the version A answered.
 */
async function lagTrials(a: ServiceProcess, b: ServiceProcess, owner: string, write: (k: number) => Promise<{ status: number; body: string; ms: number }>, o: ReplicasOptions): Promise<LagTrial[]> {
  const trials: LagTrial[] = [];
  for (let k = 0; k < o.lagTrials; k++) {
    const r = await write(k + 1);
    const answered = performance.now();
    if (r.status !== 200) throw new Error(`${owner}'s new version answered ${r.status}: ${r.body.slice(0, 500)}`);
    const version = Number((JSON.parse(r.body) as { version: number }).version);
    let polls = 0;
    let polling = 0;
    for (;;) {
      polls++;
      const p0 = performance.now();
      const seen = await versionAt(b, owner);
      polling += performance.now() - p0;
      if (seen >= version) break;
      if (performance.now() - answered > 60_000) throw new Error(`replica B did not answer version ${version} within 60 s`);
      await sleep(2);
    }
    const trial = { commitMs: r.ms, lagMs: performance.now() - answered, polls, pollMs: polling / polls };
    trials.push(trial);
    o.log(`    ${owner}, version ${version}: answered at A in ${trial.commitMs.toFixed(0)} ms, at B ${trial.lagMs.toFixed(0)} ms later (${polls} polls of ${trial.pollMs.toFixed(1)} ms)`);
    await sleep(300);
  }
  return trials;
}

async function oneStore(kind: 'sqlite' | 'postgres', env: Record<string, string>, cluster: PgCluster | null, inputs: Inputs, o: ReplicasOptions, report: ReplicasReport): Promise<void> {
  const started: ServiceProcess[] = [];
  const { log } = o;
  try {
    const t0 = performance.now();
    const a = await startService(env, o.batchAreas);
    started.push(a);
    const run: StoreRun = { store: kind, startSeconds: (performance.now() - t0) / 1000, uploadSeconds: [], digs: null, batches: [] };
    report.stores.push(run);
    log(`  ${kind}: replica A at ${a.url} (started in ${run.startSeconds.toFixed(1)} s)`);
    for (let k = 0; k < o.uploads; k++) {
      run.uploadSeconds.push(await upload(a, inputs.file));
      log(`    upload ${k + 1}: ${run.uploadSeconds[k].toFixed(2)} s`);
    }
    const contractor = await makeKey(a, 'contractor');
    run.digs = await digRun(a, cluster, contractor, inputs, o);
    const d = run.digs;
    log(`    digs: ${d.perSecond.toFixed(0)}/s, p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, max ${d.maxMs} ms, ${d.non2xx} non-2xx, ${d.errors} errors; CPU ms per request: service ${d.serviceCpuMs.toFixed(2)}, PostgreSQL ${d.databaseCpuMs.toFixed(2)}, autocannon ${d.clientCpuMs.toFixed(2)}`);
    if (d.non2xx > 0 || d.errors > 0) report.problems.push(`${kind}: ${d.non2xx} non-2xx answers and ${d.errors} errors on dig requests.`);
    const planner = await makeKey(a, 'planner');
    const logBatch = (b: BatchRun): void => {
      log(`    batch, ${b.replicas} replica(s): ${b.status}, ${b.results} results in ${b.serverSeconds.toFixed(1)} s (${(o.batchAreas / b.serverSeconds).toFixed(0)} areas/s; ${b.wallSeconds.toFixed(1)} s submitted to seen done), each once: ${b.once}, digest ${b.digest}; CPU s: replicas ${b.replicaCpuS.map((c) => c.toFixed(1)).join(' + ')}, PostgreSQL ${b.databaseCpuS.toFixed(1)}`);
      if (b.status !== 'done' || !b.once) report.problems.push(`${kind}, ${b.replicas} replica(s): the batch ended ${b.status}, each area once: ${b.once}.`);
    };
    run.batches.push(await batchRun([a], cluster, planner, inputs, o.batchAreas));
    logBatch(run.batches[0]);
    if (kind === 'sqlite') return;

    const t1 = performance.now();
    const b = await startService(env, o.batchAreas);
    started.push(b);
    const live = await versionAt(a);
    while ((await versionAt(b)) < live) await sleep(50);
    run.secondStartSeconds = (performance.now() - t1) / 1000;
    log(`  postgres: replica B at ${b.url}, answering version ${live} ${run.secondStartSeconds.toFixed(1)} s after its start`);
    // The batch first, on the version the other batches ran on: a change set (the lag trials) lays
    // the owner's features out anew, and lines tied for the most dangerous may then be named in
    // another order (and lengths summed in another), so the digests would differ.
    await merged(b);
    run.batches.push(await batchRun([a, b], cluster, planner, inputs, o.batchAreas));
    logBatch(run.batches[1]);
    report.lag = await lagTrials(a, b, OWNER, (k) => send(`${a.url}/v1/owners/${OWNER}/network?crs=${CRS}`, 'PATCH', ADMIN, inputs.changeSet(k)), o);
    // The same for an owner of one line (uploaded whole each time): what the lag is without the load of a large network.
    report.smallLag = await lagTrials(a, b, SMALL_OWNER, (k) => send(`${a.url}/v1/owners/${SMALL_OWNER}/network?crs=${CRS}`, 'PUT', ADMIN, inputs.oneLine(k), 'application/geo+json'), o);
  } finally {
    for (const s of started.reverse()) await stopService(s);
  }
}

export async function measureReplicas(o: ReplicasOptions): Promise<ReplicasReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ler-bench-replicas-'));
  const report: ReplicasReport = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, ramBytes: totalmem(), node: process.version },
    load: { start: loadavg(), end: [] },
    othersShare: Number.NaN,
    options: { seed: o.seed, smoke: o.smoke, connections: o.connections, seconds: o.seconds, warmUpSeconds: o.warmUpSeconds, uploads: o.uploads, lagTrials: o.lagTrials, batchAreas: o.batchAreas, pgSettings: o.pgSettings },
    postgres: '',
    network: { bytes: 0, features: 0, roads: 0 },
    stores: [],
    lag: [],
    smallLag: [],
    problems: []
  };
  let cluster: PgCluster | null = null;
  // This run's own CPU: this process and the ones it started and reaped (services, initdb, pg_ctl),
  // and the PostgreSQL server (pg_ctl's daemon, not a child of ours).
  const [busy0, own0, t0] = [machineBusyMs(), cpuMs('self', true), performance.now()];
  try {
    const inputs = await prepare(dir, o);
    report.network = { bytes: inputs.bytes, features: inputs.features, roads: inputs.roads };
    o.log(`  network: ${inputs.features} features, ${(inputs.bytes / 1e6).toFixed(1)} MB of GeoJSON; batch body ${(inputs.batchBody.length / 1e6).toFixed(1)} MB`);
    await oneStore('sqlite', { LER_DATA_DIR: join(dir, 'data') }, null, inputs, o, report);
    // PostgreSQL's durable defaults (the test helper turns them off): commits wait for the disk, as SQLite's do.
    cluster = await startPgCluster({ settings: `fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n${o.pgSettings ?? ''}\n` });
    report.postgres = await serverVersion(cluster);
    await oneStore('postgres', { LER_DATABASE_URL: cluster.url }, cluster, inputs, o, report);
    const digests = new Set(report.stores.flatMap((s) => s.batches.map((b) => b.digest)));
    if (digests.size > 1) report.problems.push(`The batch's summaries differ between the runs (${[...digests].join(', ')}).`);
  } finally {
    agent.destroy();
    const database = databaseCpuMs(cluster) || 0;
    report.othersShare = Math.max(0, machineBusyMs() - busy0 - (cpuMs('self', true) - own0) - database) / ((performance.now() - t0) * cpus().length);
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
    report.load.end = loadavg();
  }
  return report;
}

async function serverVersion(cluster: PgCluster): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    return String((await client.query<{ v: string }>('SELECT version() AS v')).rows[0].v).replace(/ on .*$/, '');
  } finally {
    await client.end();
  }
}

// ---- the report ------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (v: number, d = 1): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');

/** One sentence on another run (with PostgreSQL settings of its own) beside this one. */
function renderOther(other: ReplicasReport): string {
  const pg = other.stores.find((s) => s.store === 'postgres');
  const one = pg?.batches.find((b) => b.replicas === 1);
  const two = pg?.batches.find((b) => b.replicas === 2);
  const settings = (other.options.pgSettings ?? '').replace(/\n/g, '; ');
  return `The same run with \`${settings}\` in PostgreSQL (${other.date.slice(0, 10)}, \`--pg-settings\`; its own SQLite column for reference: ${f(other.stores.find((s) => s.store === 'sqlite')?.digs?.perSecond ?? NaN, 0)} dig requests/s): ` +
    `on PostgreSQL ${f(pg?.digs?.perSecond ?? NaN, 0)} dig requests/s (p99 ${pg?.digs?.p99Ms ?? '-'} ms), upload ${f(median(pg?.uploadSeconds ?? []), 2)} s, ` +
    `lag ${f(median(other.lag.map((t) => t.lagMs)), 0)} ms (network's owner) and ${f(median(other.smallLag.map((t) => t.lagMs)), 0)} ms (one line), ` +
    `batch ${one ? f(other.options.batchAreas / one.serverSeconds, 0) : '-'} / ${two ? f(other.options.batchAreas / two.serverSeconds, 0) : '-'} areas/s on one / two replicas.`;
}

export function renderReplicas(r: ReplicasReport, other: ReplicasReport | null = null): string[] {
  const o = r.options;
  const sqlite = r.stores.find((s) => s.store === 'sqlite');
  const pg = r.stores.find((s) => s.store === 'postgres');
  const batchOf = (s: StoreRun | undefined, replicas: number): BatchRun | undefined => s?.batches.find((b) => b.replicas === replicas);
  const batches = [batchOf(sqlite, 1), batchOf(pg, 1), batchOf(pg, 2)];
  const digs = (fn: (d: DigRun) => string): string[] => [sqlite, pg].map((s) => (s?.digs ? fn(s.digs) : '-')).concat('-');
  const batch = (fn: (b: BatchRun) => string): string[] => batches.map((b) => (b ? fn(b) : '-'));
  const uploads = (s: StoreRun | undefined): string => (s && s.uploadSeconds.length > 0 ? `${f(median(s.uploadSeconds), 2)} (${f(Math.min(...s.uploadSeconds), 2)}–${f(Math.max(...s.uploadSeconds), 2)})` : '-');
  const lagCell = (trials: LagTrial[], pick: (t: LagTrial) => number): string => (trials.length > 0 ? `${f(median(trials.map(pick)), 0)} / ${f(Math.max(...trials.map(pick)), 0)}` : '-');
  const mb = (r.network.bytes / 1e6).toFixed(1);
  const rows: [string, string[]][] = [
    ['service start to listening, s (fresh store; B: until it answers the live version)', [f(sqlite?.startSeconds ?? NaN), f(pg?.startSeconds ?? NaN), `B: ${f(pg?.secondStartSeconds ?? NaN)}`]],
    [`upload of the network (${mb} MB, ${r.network.features.toLocaleString('en-US')} features, PUT), median (min–max) of ${o.uploads}, s`, [uploads(sqlite), uploads(pg), '-']],
    [`dig requests/s (20 x 20 m, ${o.connections} connections, ${o.seconds} s)`, digs((d) => f(d.perSecond, 0))],
    ['dig p50 / p99 / max, ms', digs((d) => `${d.p50Ms} / ${d.p99Ms} / ${d.maxMs}`)],
    ['dig non-2xx / errors', digs((d) => `${d.non2xx} / ${d.errors}`)],
    ['CPU ms per dig request: service / PostgreSQL / autocannon', digs((d) => `${f(d.serviceCpuMs, 2)} / ${d === sqlite?.digs ? '-' : f(d.databaseCpuMs, 2)} / ${f(d.clientCpuMs, 2)}`)],
    [`version lag, A's answer to B answering the version, median / max of ${r.lag.length}, ms: the network's owner (a change set of one line)`, ['-', '-', lagCell(r.lag, (t) => t.lagMs)]],
    ['… that change set at A, sent to answered, median / max, ms', ['-', '-', lagCell(r.lag, (t) => t.commitMs)]],
    [`version lag, median / max of ${r.smallLag.length}, ms: an owner of one line (uploaded whole)`, ['-', '-', lagCell(r.smallLag, (t) => t.lagMs)]],
    ['… one poll of B (the lag\'s resolution), ms, median over the trials', ['-', '-', f(median([...r.lag, ...r.smallLag].map((t) => t.pollMs)))]],
    [`batch of ${o.batchAreas.toLocaleString('en-US')} areas (20 x 20 m, summaries): areas/s, started to finished`, batch((b) => f(o.batchAreas / b.serverSeconds, 0))],
    ['batch: started to finished / submitted to seen done, s', batch((b) => `${f(b.serverSeconds)} / ${f(b.wallSeconds)}`)],
    ['batch: CPU s of each replica / PostgreSQL', batch((b) => `${b.replicaCpuS.map((c) => f(c)).join(' + ')} / ${b === batches[0] ? '-' : f(b.databaseCpuS)}`)],
    [`batch: cores busy (that CPU over the time submitted to seen done; ${r.machine.cores} here)`, batch((b) => f((b.replicaCpuS.reduce((t, c) => t + c, 0) + b.databaseCpuS) / b.wallSeconds, 2))],
    ['batch: status, each area once (read at the last replica), summaries\' digest', batch((b) => `${b.status}, ${b.once ? 'yes' : '**no**'}, \`${b.digest}\``)]
  ];
  const lines = [
    REPLICAS_SECTION,
    '',
    `Run with \`npm run bench -- --only replicas${o.smoke ? ' --smoke' : ''}\` on ${r.date.slice(0, 10)} (${r.machine.cpu}, ${r.machine.cores} cores, ${(r.machine.ramBytes / 2 ** 30).toFixed(1)} GiB, Node ${r.machine.node}; ${r.postgres}; load average at start / end ${r.load.start[0].toFixed(2)} / ${(r.load.end[0] ?? NaN).toFixed(2)}, this run's own processes included; other processes took ${f(100 * (r.othersShare ?? NaN), 0)} % of the machine's CPU during the run). ` +
      `The service (\`src/server.ts\` through tsx, its own process, its default worker threads, rate limits and the overload guard off) on SQLite in a fresh data directory, then on a throwaway PostgreSQL cluster on the same machine (loopback TCP; fsync, synchronous commit and full page writes on, as SQLite's synchronous = FULL${(o.pgSettings ?? null) !== null ? `; with \`${String(o.pgSettings).replace(/\n/g, '; ')}\` added` : ''}). ` +
      `The network: seed ${o.seed}, the six seeded owners' lines along ${r.network.roads.toLocaleString('en-US')} road centrelines, uploaded as one owner (EPSG:25832). ` +
      `Dig requests: autocannon in the bench's process after a ${o.warmUpSeconds} s warm-up, each connection cycling through ${DIG_REQUESTS} seeded 20 x 20 m squares within 8 m of a road vertex (b = ${INFO_ZONE} m), every answer a whole package stored with its audit entry before it is sent. ` +
      `Version lag: replica A applies a change set to the network's owner (one line, 2 km from every dig and area: A stores the owner's whole new version), or replaces the network of an owner of one line, then replica B is polled (GET /v1/owners, the live versions it holds, back to back) until it answers that version: B hears the version's id by NOTIFY and loads it from PostgreSQL. ` +
      'The batch is submitted at A and followed until done; with two replicas both work on its tasks (pg-boss), its results read at B. CPU times are from /proc (PostgreSQL: the postmaster and its children).',
    '',
    '| | SQLite, 1 process | PostgreSQL, 1 replica | PostgreSQL, 2 replicas |',
    '| --- | --- | --- | --- |',
    ...rows.map(([label, cells]) => `| ${label} | ${cells.join(' | ')} |`),
    '',
    `What this can show on ${r.machine.cores} cores: the two stores' costs side by side on one machine (what a dig request, an upload or a batch adds in the store), that a version committed at one replica is answered at the other and how soon, and that two replicas share one batch (both spend CPU on it) with each area's summary exactly once and the same summaries as one replica and as SQLite (equal digests, the version numbers left out). ` +
      `What it cannot show: scaling. The two replicas, PostgreSQL and the load generator share the same ${r.machine.cores} cores, so a second replica brings no capacity here: where two finish the batch sooner than one, they only fill moments one replica leaves the cores idle (e.g. while a task's pages are written and the next task is fetched), as the cores busy show, and their throughput says what sharing a batch through the job queue costs, not what a second machine would add; ` +
      'nor a network between the service and PostgreSQL (loopback here: a real one adds its round trips to every write and to the lag), nor a PostgreSQL on its own disks. The lag includes B loading the owner\'s whole version from PostgreSQL and swapping it in, so it grows with the owner\'s network.',
    ''
  ];
  if ((r.othersShare ?? 0) > 0.1) {
    lines.splice(lines.length - 1, 0, '', `The machine was not quiet: other processes took ${f(100 * r.othersShare, 0)} % of its CPU during the run, so rates here are lower, and latencies higher, than the same run would give alone; the columns were measured one after another and need not have met the same load.`);
  }
  if (other !== null) lines.splice(lines.length - 1, 0, '', renderOther(other));
  if (r.problems.length > 0) lines.splice(lines.length - 1, 0, '', ...r.problems.map((p) => `- **${p}**`));
  return lines;
}

/** Replaces the section in RESULTS.md (or adds it before the targets, or at the end); the rest is left as it was. */
export function replaceSection(text: string, section: string[], heading = REPLICAS_SECTION): string {
  const body = `${section.join('\n').trimEnd()}\n\n`;
  const at = text.indexOf(`\n${heading}\n`);
  if (at >= 0) {
    const next = text.indexOf('\n## ', at + 1);
    return text.slice(0, at + 1) + body + (next >= 0 ? text.slice(next + 1) : '');
  }
  const targets = text.indexOf('\n## Targets');
  return targets >= 0 ? `${text.slice(0, targets + 1)}${body}${text.slice(targets + 1)}` : `${text.trimEnd()}\n\n${body}`;
}
