/**
 * Uploads while contractors dig: does a big network upload stall everyone else? The service runs
 * as its own process (src/server.ts through tsx, its worker pool as the server sizes it, the
 * event loop watched by bench/loop-probe.ts), on a fresh store holding one other owner's network.
 * One owner then uploads a seeded network of about 50 MB and one of about 200 MB over HTTP (a
 * streamed PUT), while one contractor key sends building-sized dig requests one after another. For
 * each upload: the slowest dig and the event loop's longest delay from the first byte sent until
 * the service has merged the new version into one index, beside an idle window for reference.
 *
 * With `--profile`, the service runs under `--cpu-prof`, and the report lists the main thread's
 * long tasks (busy for 50 ms or more without yielding) with the source functions on their stacks:
 * the steps that block.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Feature } from '../src/types.js';
import type { LoopReading } from './loop-probe.js';
import { dataFiles, loadRoads, OWNERS, ownerFeatures, planNetwork, type NetworkPlan } from './network.js';
import { summarize, type Summary } from './stats.js';
import { startServiceProcess } from './service-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CRS_MEMBER = '{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}}';
const UPLOAD_OWNER = 'bench-el';
const OTHER_OWNER = 'bench-vand';
/** Idle reference window, ms. */
const IDLE_MS = 3000;
/** A main-thread task this long without yielding is listed in the profile. */
const LONG_TASK_MS = 50;

export interface StallOptions {
  seed: number;
  smoke: boolean;
  /** Upload sizes, MB (10^6 bytes). */
  sizesMb: number[];
  /** LER_WORKERS of the service; undefined: the server's default (the machine's cores). */
  workers?: number;
  profile: boolean;
  log: (line: string) => void;
}

export interface StallWindow {
  label: string;
  /** Bytes and features of the upload (0 for the idle window). */
  bytes: number;
  features: number;
  /** First byte sent until the answer, then until the service said it had merged, seconds. */
  uploadSeconds: number;
  mergeSeconds: number;
  /** Dig requests answered in the window, their latencies (ms, client side). */
  digs: Summary;
  /** Event-loop delay in the window (monitorEventLoopDelay, 1 ms resolution). */
  loop: LoopReading;
  non2xx: number;
}

export interface LongTask {
  /** The window it fell in. */
  window: string;
  ms: number;
  /** Source functions on the stack in most of the task's samples, outermost first (else the functions most sampled). */
  frames: string[];
}

export interface StallReport {
  workers: string;
  node: string;
  windows: StallWindow[];
  /** With --profile: the main thread's long tasks, longest first. */
  longTasks?: LongTask[];
}

/** A FeatureCollection of the seeded owners' lines (dk-el first, then the next owners) of about `bytes` bytes. */
export async function writeUpload(path: string, plan: NetworkPlan, bytes: number, owners = OWNERS): Promise<{ bytes: number; features: number }> {
  const out = createWriteStream(path);
  let parts: string[] = [`{"type":"FeatureCollection","crs":${CRS_MEMBER},"features":[`];
  let size = parts[0].length;
  let pending = 0;
  let n = 0;
  const flush = async (): Promise<void> => {
    const text = parts.join('');
    parts = [];
    pending = 0;
    if (!out.write(text)) await once(out, 'drain');
  };
  outer: for (const owner of owners) {
    for (const f of ownerFeatures(plan, owner) as Generator<Feature>) {
      const text = (n === 0 ? '\n' : ',\n') + JSON.stringify(f);
      parts.push(text);
      size += text.length;
      pending += text.length;
      n++;
      if (pending >= 1 << 20) await flush();
      if (size >= bytes) break outer;
    }
  }
  parts.push('\n]}\n');
  await flush();
  out.end();
  await finished(out);
  return { bytes: statSync(path).size, features: n };
}

interface Service {
  child: ChildProcess;
  url: string;
  admin: string;
  /** Asks the loop probe: 'reset' starts a window, 'read' ends it. */
  probe(cmd: 'reset'): Promise<void>;
  probe(cmd: 'read'): Promise<LoopReading>;
}

async function startService(dataDir: string, opts: StallOptions, profileDir: string | null): Promise<Service> {
  const admin = `bench-admin-${'x'.repeat(40)}`;
  const args = ['--import', 'tsx', '--import', join(ROOT, 'bench', 'loop-probe.ts'), ...(profileDir !== null ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), join(ROOT, 'src', 'server.ts')];
  const { child, url } = await startServiceProcess({
    args,
    cwd: ROOT,
    ipc: true,
    env: {
      LER_DATA_DIR: dataDir,
      LER_DEMO: '0',
      LER_LOG_LEVEL: 'warn',
      LER_ADMIN_TOKEN: admin,
      LER_RATE_LIMIT_MAX: String(Number.MAX_SAFE_INTEGER),
      LER_MAX_EVENT_LOOP_DELAY_MS: '0',
      LER_DIG_REQUESTS_PER_DAY: String(Number.MAX_SAFE_INTEGER),
      ...(opts.workers !== undefined ? { LER_WORKERS: String(opts.workers) } : {})
    }
  });
  const probe = (cmd: 'reset' | 'read'): Promise<unknown> =>
    new Promise((resolve) => {
      child.once('message', (m: { reading?: LoopReading }) => resolve(m.reading));
      child.send(cmd);
    });
  return { child, url, admin, probe: probe as Service['probe'] };
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request; resolves with the status, the body and the milliseconds it took. */
function send(url: string, opts: { method: string; token: string; type?: string; body?: string | NodeJS.ReadableStream }): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method, agent, headers: { authorization: `Bearer ${opts.token}`, ...(opts.type !== undefined ? { 'content-type': opts.type } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body === undefined) req.end();
    else if (typeof opts.body === 'string') req.end(opts.body);
    else opts.body.pipe(req);
  });
}

async function makeKey(service: Service, body: Record<string, unknown>): Promise<string> {
  const r = await send(`${service.url}/v1/keys`, { method: 'POST', token: service.admin, type: 'application/json', body: JSON.stringify(body) });
  if (r.status !== 201) throw new Error(`POST /v1/keys answered ${r.status}: ${r.body}`);
  return (JSON.parse(r.body) as { token: string }).token;
}

async function merged(service: Service): Promise<void> {
  for (;;) {
    const r = await send(`${service.url}/metrics`, { method: 'GET', token: service.admin });
    if (/^ler_snapshot_merged 1$/m.test(r.body)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Dig requests one after another until stopped: each one's start and latency. */
class Digger {
  readonly done: { at: number; ms: number; status: number }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(service: Service, token: string, body: string) {
    this.loop = (async () => {
      while (this.running) {
        const at = performance.now();
        const r = await send(`${service.url}/v1/dig-requests`, { method: 'POST', token, type: 'application/json', body });
        this.done.push({ at, ms: r.ms, status: r.status });
      }
    })();
  }

  /** The digs that overlapped [from, to). */
  between(from: number, to: number): { ms: number[]; non2xx: number } {
    const hits = this.done.filter((d) => d.at < to && d.at + d.ms > from);
    return { ms: hits.map((d) => d.ms), non2xx: hits.filter((d) => d.status < 200 || d.status > 299).length };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** A building-sized square (10 x 10 m, EPSG:25832) beside the first road of the plan. */
function digBody(plan: NetworkPlan): string {
  const [x, y] = plan.roads[0].path[0];
  const ring = [[x - 5, y - 5], [x + 5, y - 5], [x + 5, y + 5], [x - 5, y + 5], [x - 5, y - 5]];
  return JSON.stringify({ geometry: { type: 'Polygon', coordinates: [ring] }, crs: 'EPSG:25832', infoZone: 2 });
}

export async function measureStall(opts: StallOptions): Promise<StallReport> {
  const { log } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'ler-stall-'));
  const profileDir = opts.profile ? join(dir, 'profile') : null;
  try {
    const files = dataFiles(opts.smoke);
    const plan = planNetwork({ seed: opts.seed, tiles: 49 }, loadRoads(files.roads));
    const uploads: { label: string; path: string; bytes: number; features: number }[] = [];
    for (const mb of opts.sizesMb) {
      const path = join(dir, `upload-${mb}.geojson`);
      const written = await writeUpload(path, plan, mb * 1e6);
      uploads.push({ label: `${mb} MB upload`, path, ...written });
      log(`  wrote ${(written.bytes / 1e6).toFixed(1)} MB, ${written.features} features`);
    }
    const other = join(dir, 'other.geojson');
    await writeUpload(other, planNetwork({ seed: opts.seed, tiles: 1 }, loadRoads(files.roads)), opts.smoke ? 1e6 : 5e6, [OWNERS[1]]);

    const service = await startService(join(dir, 'data'), opts, profileDir);
    log(`  service at ${service.url}`);
    const windows: StallWindow[] = [];
    try {
      const ownerToken = await makeKey(service, { role: 'owner', owner: UPLOAD_OWNER });
      const otherToken = await makeKey(service, { role: 'owner', owner: OTHER_OWNER });
      const contractor = await makeKey(service, { role: 'contractor' });
      const put = (owner: string, token: string, path: string) =>
        send(`${service.url}/v1/owners/${owner}/network`, { method: 'PUT', token, type: 'application/geo+json', body: createReadStream(path, { highWaterMark: 1 << 20 }) });
      const first = await put(OTHER_OWNER, otherToken, other);
      if (first.status !== 200) throw new Error(`the other owner's upload answered ${first.status}: ${first.body.slice(0, 300)}`);
      await merged(service);

      const digger = new Digger(service, contractor, digBody(plan));
      try {
        // Warm up the dig path, then an idle window for reference.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await service.probe('reset');
        const idleFrom = performance.now();
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
        const idleLoop = await service.probe('read');
        const idle = digger.between(idleFrom, performance.now());
        windows.push({ label: 'idle', bytes: 0, features: 0, uploadSeconds: 0, mergeSeconds: 0, digs: summarize(idle.ms), loop: idleLoop, non2xx: idle.non2xx });

        for (const u of uploads) {
          await service.probe('reset');
          const t0 = performance.now();
          const r = await put(UPLOAD_OWNER, ownerToken, u.path);
          const t1 = performance.now();
          if (r.status !== 200) throw new Error(`the ${u.label} answered ${r.status}: ${r.body.slice(0, 300)}`);
          await merged(service);
          const t2 = performance.now();
          const loop = await service.probe('read');
          const got = digger.between(t0, t2);
          const w: StallWindow = { label: u.label, bytes: u.bytes, features: u.features, uploadSeconds: (t1 - t0) / 1000, mergeSeconds: (t2 - t1) / 1000, digs: summarize(got.ms), loop, non2xx: got.non2xx };
          windows.push(w);
          log(`  ${u.label}: ${w.uploadSeconds.toFixed(1)} s + merge ${w.mergeSeconds.toFixed(1)} s; ${w.digs.n} digs, p50 ${w.digs.p50.toFixed(1)} ms, slowest ${w.digs.max.toFixed(0)} ms; event loop max ${w.loop.maxMs.toFixed(0)} ms`);
          // Let the service settle (garbage of the upload) before the next window.
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } finally {
        await digger.stop();
      }
    } finally {
      service.child.kill('SIGTERM');
      await once(service.child, 'exit');
      agent.destroy();
    }
    const report: StallReport = { workers: opts.workers === undefined ? 'the server\'s default (the machine\'s cores)' : String(opts.workers), node: process.version, windows };
    if (profileDir !== null) report.longTasks = longTasks(profileDir, windows);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The main thread's tasks of LONG_TASK_MS or more within the windows, in the service's CPU profile, longest first. */
function longTasks(profileDir: string, windows: readonly StallWindow[]): LongTask[] {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return [];
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = (id: number): ProfileNode[] => {
    const out: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) out.unshift(byId.get(at) as ProfileNode);
    return out;
  };
  const nameOf = (n: ProfileNode): string => {
    const url = n.callFrame.url;
    const at = url.lastIndexOf('/src/') >= 0 ? url.lastIndexOf('/src/') + 1 : url.lastIndexOf('/') + 1;
    return `${n.callFrame.functionName || '(anonymous)'}${url === '' ? '' : ` (${url.slice(at)})`}`;
  };
  const tasks: LongTask[] = [];
  let run: number[] = [];
  let runMs = 0;
  let runAt = 0;
  const close = (): void => {
    const window = windows.find((w) => runAt >= w.loop.fromUs && runAt <= w.loop.toUs);
    if (runMs >= LONG_TASK_MS && window !== undefined) {
      const counts = new Map<string, { n: number; depth: number }>();
      for (const id of run) {
        const seen = new Set<string>();
        stackOf(id).forEach((n, depth) => {
          const url = n.callFrame.url;
          if (!url.includes('/src/') && !url.includes('/workers/')) return;
          const name = nameOf(n);
          if (seen.has(name)) return;
          seen.add(name);
          const c = counts.get(name) ?? { n: 0, depth };
          c.n++;
          counts.set(name, c);
        });
      }
      const sorted = [...counts.entries()].sort((a, b) => a[1].depth - b[1].depth);
      const frames = sorted.filter(([, c]) => c.n >= run.length / 2).map(([name]) => name);
      // Within that path: the source functions the task spent a tenth or more of its samples in.
      const within = sorted.filter(([, c]) => c.n < run.length / 2 && c.n >= run.length / 10).sort((a, b) => b[1].n - a[1].n);
      if (frames.length > 0 && within.length > 0) frames.push(`(${within.slice(0, 6).map(([name, c]) => `${name} ${Math.round((100 * c.n) / run.length)}%`).join(', ')})`);
      if (frames.length === 0) {
        // No source function in most samples: the functions the task spent most of its samples in.
        const self = new Map<string, number>();
        for (const id of run) self.set(nameOf(byId.get(id) as ProfileNode), (self.get(nameOf(byId.get(id) as ProfileNode)) ?? 0) + 1);
        const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
        frames.push(`mostly ${top.map(([name, n]) => `${name} ${Math.round((100 * n) / run.length)}%`).join(', ')}`);
      }
      tasks.push({ window: window.label, ms: runMs, frames });
    }
    run = [];
    runMs = 0;
  };
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id) as ProfileNode;
    t += profile.timeDeltas[i] ?? 0;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (node.callFrame.functionName === '(idle)') close();
    else {
      if (run.length === 0) runAt = t;
      run.push(id);
      runMs += ms;
    }
  });
  close();
  return tasks.sort((a, b) => b.ms - a.ms).slice(0, 20);
}

/** The report as Markdown, for bench/out/stall.md and the full run's RESULTS.md. */
export function renderStall(r: StallReport): string[] {
  const out: string[] = ['## Uploads while contractors dig (event-loop stalls)', ''];
  out.push(
    `The service as its own process (worker threads: ${r.workers}; Node ${r.node}), a fresh store with one other owner's network; one owner uploads ` +
      'the seeded network over HTTP (a streamed PUT of a FeatureCollection, EPSG:25832) while one contractor key sends a building-sized dig request ' +
      'after another elsewhere. Window: first byte sent until the service has merged the new version into one index. Dig latency is the client\'s; ' +
      'the event-loop delay is `monitorEventLoopDelay` in the service (1 ms resolution).',
    ''
  );
  const f = (v: number, d = 1): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
  out.push('| window | bytes | features | upload s | merge s | digs | dig p50 ms | dig p99 ms | slowest dig ms | event loop max ms | loop p99 ms | non-2xx |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const w of r.windows) {
    out.push(`| ${w.label} | ${w.bytes > 0 ? `${(w.bytes / 1e6).toFixed(1)} MB` : '-'} | ${w.features || '-'} | ${f(w.uploadSeconds)} | ${f(w.mergeSeconds)} | ${w.digs.n} | ${f(w.digs.p50)} | ${f(w.digs.p99)} | ${f(w.digs.max, 0)} | ${f(w.loop.maxMs, 0)} | ${f(w.loop.p99Ms)} | ${w.non2xx} |`);
  }
  if (r.longTasks !== undefined) {
    out.push('', `Main-thread stretches of ${LONG_TASK_MS} ms or more without an idle sample (CPU profile, which slows the service down), longest first; work that yields with setImmediate and finds nothing waiting counts as one stretch:`, '');
    for (const t of r.longTasks) out.push(`- ${t.window}, ${t.ms.toFixed(0)} ms: ${t.frames.join(' > ')}`);
  }
  out.push('');
  return out;
}
