/**
 * One planner's heavy batches against the service process: seven batches of 100,000 areas over the
 * demo network, each with every conflict (`conflicts: true`, lon/lat bodies of about 27 MB, about
 * 900 MB of results each), as the planner that once took the service down sent them. Does the
 * service stay up, how far does its memory grow, how long do the batches take, and are all their
 * results there, each area's exactly once?
 *
 *   node --import tsx bench/heavy-batches.ts [--batches 7] [--areas 100000] [--seed N] [--workers N]
 *                                            [--server FILE --label TEXT] [--compare FILE.json] [--smoke]
 *   node --import tsx bench/heavy-batches.ts --render bench/out/heavy-batches.json [--compare FILE.json]
 *
 * The service runs as its own process (src/server.ts through tsx, or --server, e.g. another
 * checkout's) on a fresh data directory with the demo network and its default limits and quotas,
 * the overload guard and rate limit off, and the planner's quota of stored results raised to 4 GiB
 * (a batch here stores about 0.9 GB). The planner submits every batch, waiting as long as
 * Retry-After says when a quota refuses one, reads each batch's results (NDJSON) as it runs, and
 * deletes the batch once it has them all. The service's RSS is sampled every 100 ms from /proc, and its peak taken from VmHWM.
 *
 * Writes bench/out/heavy-batches.json and replaces the section "Heavy batches" of bench/RESULTS.md
 * (the rest of the file is left as the last full run wrote it); --smoke runs 2 batches of 2,000
 * areas and writes bench/out/heavy-batches-smoke.* only. With --server (another build or checkout
 * of the service, described by --label) it writes bench/out/heavy-batches-other.json only;
 * --compare names such a file, whose figures the section then shows beside this run's. --render
 * writes the section again from a run's JSON, without running anything.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArgs } from './args.js';
import { readBatchResults } from './batch-results.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import { unprojectToLonLat } from '../src/crs/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..');
const TOKEN = 'bench-heavy-batches-admin-token-0123';
/** The demo network's roads, EPSG:25832: areas fall where its lines are. */
const EXTENT = [584502, 6139042, 586800, 6140178] as const;
const SECTION = '## Heavy batches: one planner, durable results';

interface Options {
  batches: number;
  areas: number;
  seed: number;
  workers: number | undefined;
  server: string;
  /** What --server is, in words (for the report). */
  label: string | null;
  /** Another run's JSON to show beside this one. */
  compare: string | null;
  /** A run's JSON to write the section from, without running. */
  render: string | null;
  smoke: boolean;
}

export interface HeavyReport {
  date: string;
  machine: { cpu: string; cores: number; ramBytes: number; node: string; load: number[] };
  options: Options;
  bodyBytes: number;
  /** Service RSS once the demo is loaded and a small batch has run (worker threads started), bytes. */
  baselineRss: number;
  /** Highest RSS sampled, and the kernel's high-water mark (VmHWM), bytes. */
  peakRss: number;
  peakHwm: number;
  batches: { id: string; status: string; seconds: number; results: number; bytes: number; once: boolean; refusals: number }[];
  /** Refusals of a submission by a quota (429), by code. */
  refusals: Record<string, number>;
  wallSeconds: number;
  resultBytes: number;
  storeBytes: number;
  /** Whether the service answered /healthz at the end and its process was alive. */
  stayedUp: boolean;
  /** How the service's process ended, when it did before the end of the run. */
  exitCode: number | null;
  exitSignal: string | null;
  error: string | null;
}

function readOptions(argv: string[]): Options {
  // The command line only: this run's options are not the full benchmark's LER_BENCH_* ones.
  const args = readArgs(argv, {});
  const smoke = args.has('smoke');
  const int = (name: string, fallback: number): number => {
    const v = Number(args.get(name) ?? fallback);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number of at least 1.`);
    return v;
  };
  const server = args.get('server') ?? join(ROOT, 'src', 'server.ts');
  return {
    batches: int('batches', smoke ? 2 : 7),
    areas: int('areas', smoke ? 2000 : 100_000),
    seed: int('seed', 20251123),
    workers: args.has('workers') ? int('workers', 1) : undefined,
    server: isAbsolute(server) ? server : resolve(server),
    label: args.get('label') ?? null,
    compare: args.get('compare') ?? null,
    render: args.get('render') ?? null,
    smoke
  };
}

/** n squares of 50 to 150 m over the demo network, in lon/lat (7 decimals), seeded. */
function areas(n: number, seed: number): { type: 'FeatureCollection'; features: unknown[] } {
  let s = seed % 2147483647 || 1;
  const next = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const lonLat = (x: number, y: number): number[] => unprojectToLonLat(x, y).map((v) => Math.round(v * 1e7) / 1e7);
  const features = [];
  for (let i = 0; i < n; i++) {
    const w = 50 + next() * 100;
    const x = EXTENT[0] + next() * (EXTENT[2] - EXTENT[0] - w);
    const y = EXTENT[1] + next() * (EXTENT[3] - EXTENT[1] - w);
    const ring = [lonLat(x, y), lonLat(x + w, y), lonLat(x + w, y + w), lonLat(x, y + w)];
    features.push({ type: 'Feature', id: `a${i}`, properties: {}, geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] } });
  }
  return { type: 'FeatureCollection', features };
}

type Service = ServiceProcess;

function start(server: string, dataDir: string, workers: number | undefined): Promise<Service> {
  return startServiceProcess({
    args: server.endsWith('.ts') ? ['--import', 'tsx', server] : [server],
    cwd: ROOT,
    env: {
      LER_DATA_DIR: dataDir,
      LER_ADMIN_TOKEN: TOKEN,
      LER_DEMO: '1',
      LER_LOG_LEVEL: 'warn',
      LER_MAX_EVENT_LOOP_DELAY_MS: '0',
      LER_RATE_LIMIT_MAX: '100000000',
      // A batch here stores about 0.9 GB of results: the planner's quota holds four of them, not two.
      LER_BATCH_RESULT_BYTES_PER_PLANNER: String(4 * 2 ** 30),
      ...(workers !== undefined ? { LER_WORKERS: String(workers) } : {})
    }
  });
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

async function call(url: string, method: string, token: string, body?: string): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function run(o: Options): Promise<HeavyReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ler-bench-heavy-'));
  const started = performance.now();
  const report: HeavyReport = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, ramBytes: totalmem(), node: process.version, load: loadavg() },
    options: { ...o, server: o.server.startsWith(`${ROOT}/`) ? o.server.slice(ROOT.length + 1) : o.server },
    bodyBytes: 0,
    baselineRss: 0,
    peakRss: 0,
    peakHwm: 0,
    batches: [],
    refusals: {},
    wallSeconds: 0,
    resultBytes: 0,
    storeBytes: 0,
    stayedUp: false,
    exitCode: null,
    exitSignal: null,
    error: null
  };
  const service = await start(o.server, dataDir, o.workers);
  const pid = service.child.pid as number;
  let exited = false;
  void service.exit.then(({ code, signal }) => {
    exited = true;
    report.exitCode = code;
    report.exitSignal = signal;
  });
  let sampler: ReturnType<typeof setInterval> | null = null;
  try {
    const key = await call(`${service.url}/v1/keys`, 'POST', TOKEN, JSON.stringify({ role: 'planner', name: 'heavy planner' }));
    const planner = String(key.json.token);
    const warm = await call(`${service.url}/v1/batches`, 'POST', planner, JSON.stringify({ areas: areas(10, 1), conflicts: true }));
    await readBatchResults(`${service.url}/v1/batches/${String(warm.json.id)}/results`, planner, 10);
    await call(`${service.url}/v1/batches/${String(warm.json.id)}`, 'DELETE', planner);
    report.baselineRss = status(pid, 'VmRSS');
    console.log(`service up (pid ${pid}), RSS ${(report.baselineRss / 2 ** 20).toFixed(0)} MiB`);
    sampler = setInterval(() => (report.peakRss = Math.max(report.peakRss, status(pid, 'VmRSS'))), 100);
    const t0 = performance.now();

    const reads: Promise<void>[] = [];
    for (let b = 0; b < o.batches; b++) {
      const body = JSON.stringify({ areas: areas(o.areas, o.seed + b), infoZone: 2, conflicts: true });
      report.bodyBytes = body.length;
      let refusals = 0;
      for (;;) {
        const res = await call(`${service.url}/v1/batches`, 'POST', planner, body);
        if (res.status === 202) {
          const id = String(res.json.id);
          const row = { id, status: 'submitted', seconds: 0, results: 0, bytes: 0, once: false, refusals };
          report.batches.push(row);
          console.log(`batch ${b + 1} submitted (${(body.length / 2 ** 20).toFixed(1)} MiB)${refusals > 0 ? ` after ${refusals} refusals` : ''}`);
          reads.push(
            readBatchResults(`${service.url}/v1/batches/${id}/results`, planner, o.areas).then(
              async (r) => {
                Object.assign(row, { results: r.lines, bytes: r.bytes, once: r.once });
                console.log(`batch ${b + 1} read: ${r.lines} results, ${(r.bytes / 2 ** 20).toFixed(0)} MiB, ${r.once ? 'each area once' : 'NOT each area once'}; RSS ${(status(pid, 'VmRSS') / 2 ** 20).toFixed(0)} MiB`);
                // All read: the planner deletes it (its view first, for the report).
                const view = await call(`${service.url}/v1/batches/${id}`, 'DELETE', planner);
                row.status = String(view.json.status);
                if (typeof view.json.startedAt === 'string' && typeof view.json.finishedAt === 'string') row.seconds = (Date.parse(view.json.finishedAt) - Date.parse(view.json.startedAt)) / 1000;
              },
              (error: Error) => {
                row.status = `read failed: ${error.message.slice(0, 200)}`;
              }
            )
          );
          break;
        }
        const code = String(res.json.code);
        if (res.status !== 429 && res.status !== 503) throw new Error(`POST /v1/batches: ${res.status} ${JSON.stringify(res.json).slice(0, 500)}`);
        report.refusals[code] = (report.refusals[code] ?? 0) + 1;
        refusals++;
        await sleep(Math.min(5, Math.max(1, Number(res.headers.get('retry-after') ?? 5))) * 1000);
      }
    }
    await Promise.all(reads);
    report.wallSeconds = (performance.now() - t0) / 1000;
    const health = await call(`${service.url}/healthz`, 'GET', TOKEN).catch(() => ({ status: 0 }));
    report.stayedUp = !exited && health.status === 200;
  } catch (error) {
    report.error = (error as Error).message;
    report.stayedUp = false;
    console.error(error);
  } finally {
    if (sampler !== null) clearInterval(sampler);
    // A batch whose reader had finished counts, whatever became of the others.
    report.resultBytes = report.batches.reduce((s, r) => s + r.bytes, 0);
    report.peakHwm = status(pid, 'VmHWM');
    report.peakRss = Math.max(report.peakRss, status(pid, 'VmRSS'));
    for (const f of ['ler.sqlite', 'ler.sqlite-wal']) if (existsSync(join(dataDir, f))) report.storeBytes += statSync(join(dataDir, f)).size;
    // A service that died mid-run: why, from its last words.
    if (report.error !== null) await Promise.race([service.exit, sleep(5000)]);
    if (exited) report.error = `the service exited (${report.exitSignal ?? `code ${String(report.exitCode)}`}): ${/(FATAL ERROR[^\n]*|JavaScript heap out of memory)/.exec(service.output())?.[1] ?? service.output().slice(-300)}`;
    else {
      service.child.kill('SIGTERM');
      await Promise.race([service.exit, sleep(15_000)]);
      if (!exited) service.child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  report.wallSeconds ||= (performance.now() - started) / 1000;
  return report;
}

const mib = (n: number): string => (n / 2 ** 20).toFixed(0);

export function renderHeavy(r: HeavyReport, other: HeavyReport | null = null): string[] {
  const o = r.options;
  const ok = r.batches.filter((b) => b.status === 'done' && b.once);
  const areasPerSecond = (ok.length * o.areas) / r.wallSeconds;
  const lines = [
    SECTION,
    '',
    `Run with \`node --import tsx bench/heavy-batches.ts${o.smoke ? ' --smoke' : ''}\` on ${r.date.slice(0, 10)} (${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; load average at start ${r.machine.load[0].toFixed(2)}). ` +
      `The service (\`${o.server}\`, its own process, ${o.workers === undefined ? 'its default worker threads' : `LER_WORKERS=${o.workers}`}) on a fresh store with the demo network and its default limits and quotas (but 4 GiB of stored results per planner); one planner submits ${o.batches} batches of ${o.areas.toLocaleString('en-US')} areas (squares of 50 to 150 m over the demo network, seed ${o.seed}, lon/lat, b = 2 m, \`conflicts: true\`; bodies of ${(r.bodyBytes / 2 ** 20).toFixed(1)} MiB), ` +
      'waiting as long as Retry-After says when a quota refuses one, reading every batch\'s results as it runs and deleting the batch once it has them all. RSS: the service process\'s, sampled every 100 ms; peak also as the kernel\'s high-water mark (VmHWM).',
    '',
    '| | |',
    '| --- | --- |',
    ['service stayed up', r.stayedUp ? 'yes' : `**no**${r.error !== null ? ` (${r.error.replace(/\|/g, '/').slice(0, 300)})` : ''}`],
    ['batches done, each area\'s result exactly once', `${ok.length} of ${o.batches}`],
    ['results read', `${mib(r.resultBytes)} MiB (${(r.resultBytes / Math.max(1, ok.length * o.areas)).toFixed(0)} B per area)`],
    ['service RSS before / peak (sampled) / VmHWM', `${mib(r.baselineRss)} / ${mib(r.peakRss)} / ${r.peakHwm > 0 ? mib(r.peakHwm) : '-'} MiB (+${mib(Math.max(r.peakRss, r.peakHwm) - r.baselineRss)} MiB)`],
    ['store on disk at the end (database + WAL)', `${mib(r.storeBytes)} MiB`],
    ['first submission to last result read', `${r.wallSeconds.toFixed(1)} s (${Math.round(areasPerSecond).toLocaleString('en-US')} areas per second)`],
    ['seconds per batch (started to ended)', r.batches.map((b) => b.seconds.toFixed(1)).join(', ')],
    ['submissions refused by a quota, then retried', Object.keys(r.refusals).length === 0 ? 'none' : Object.entries(r.refusals).map(([c, n]) => `${n} × ${c}`).join(', ')]
  ].map((row) => (Array.isArray(row) ? `| ${row[0]} | ${row[1]} |` : row));
  if (other !== null) {
    const done = other.batches.filter((b) => b.status === 'done' && b.once).length;
    lines.push(
      '',
      `The same run against ${other.options.label ?? `\`${other.options.server}\``} (${other.date.slice(0, 10)}): ` +
        `stayed up: ${other.stayedUp ? 'yes' : '**no**'}; ${done} of ${other.options.batches} batches done and read (${mib(other.resultBytes)} MiB of results); ` +
        `RSS ${mib(other.baselineRss)} MiB before, ${mib(Math.max(other.peakRss, other.peakHwm))} MiB at peak${other.error !== null ? `; ${other.error.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 200)}` : ''}.`
    );
  }
  lines.push('');
  return lines;
}

/** Replaces the section in RESULTS.md (or adds it before the targets, or at the end). */
function writeSection(file: string, section: string[]): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const body = `${section.join('\n').trimEnd()}\n\n`;
  const at = text.indexOf(SECTION);
  let out: string;
  if (at >= 0) {
    const next = text.indexOf('\n## ', at + SECTION.length);
    out = text.slice(0, at) + body + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    const targets = text.indexOf('\n## Targets');
    out = targets >= 0 ? `${text.slice(0, targets + 1)}${body}${text.slice(targets + 1)}` : `${text.trimEnd()}\n\n${body}`;
  }
  writeFileSync(file, out);
}

const options = readOptions(process.argv.slice(2));
const own = options.server === join(ROOT, 'src', 'server.ts');
const report = options.render !== null ? (JSON.parse(readFileSync(options.render, 'utf8')) as HeavyReport) : await run(options);
const markdown = renderHeavy(report, options.compare === null ? null : (JSON.parse(readFileSync(options.compare, 'utf8')) as HeavyReport));
const name = options.smoke ? 'heavy-batches-smoke' : own ? 'heavy-batches' : 'heavy-batches-other';
mkdirSync(join(HERE, 'out'), { recursive: true });
if (options.render === null) writeFileSync(join(HERE, 'out', `${name}.json`), JSON.stringify(report, null, 2));
const section = !options.smoke && own;
if (options.smoke) writeFileSync(join(HERE, 'out', `${name}.md`), `${markdown.join('\n')}\n`);
else if (section) writeSection(join(HERE, 'RESULTS.md'), markdown);
console.log(`\n${markdown.join('\n')}`);
console.log(`wrote bench/out/${name}.json${options.smoke ? ` and ${name}.md` : section ? ' and the section in bench/RESULTS.md' : ''}`);
if (!report.stayedUp || report.batches.some((b) => b.status !== 'done' || !b.once)) process.exitCode = 1;
