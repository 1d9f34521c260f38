/**
 * The conversation under load: dig requests over HTTP against the service as its own process (on
 * SQLite), while every owner they name is told by a webhook. Six owners' networks along real
 * Danish roads (one tile of bench/network.ts) and four owners with only an interest area over the
 * whole of it, so a dig names several owners and four of them must answer. Three runs of the same
 * seeded digs, one after another:
 *
 * - no webhooks (the inbox entries and events are still written: the baseline of this code);
 * - a webhook per owner, to a receiver that answers at once;
 * - the same, but one of the ten receivers takes 200 ms for each delivery (a slow one): the other
 *   nine must not wait for it, and the dig requests must not either.
 *
 * Reported per run: dig requests per second, p50 / p99 latency; and for the webhook runs the
 * deliveries expected to the receivers that answer at once (owners named in each package answered
 * during the timed run), received, duplicates, bad signatures, the lag from an event to its
 * receipt (p50 / p99 / max) and how long the outbox took to drain after the load stopped; for the
 * slow receiver, what it got meanwhile (its backlog is dropped with its webhook afterwards).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifySignature } from '../src/notify/signature.js';
import { dataFiles, loadRoads, ownerFeatures, OWNERS, planNetwork } from './network.js';
import { ADMIN, cannon, merged, placesAlongRoads, send } from './replicas.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

export const CONVERSATION_SECTION = '## The conversation under load';

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const CRS = 'EPSG:25832';
const INTEREST_OWNERS = ['dk-fiber-a', 'dk-fiber-b', 'dk-gas-lokal', 'dk-vand-lokal'];

export interface ConversationOptions {
  seed: number;
  smoke: boolean;
  connections: number;
  seconds: number;
  warmUpSeconds: number;
  /** How many of the three runs (1: the baseline alone, which any version of the service can answer). */
  runs: number;
  log: (line: string) => void;
}

export interface ConversationRun {
  name: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Webhook runs: deliveries expected and what the receiver got. */
  expected: number | null;
  received: number | null;
  duplicates: number | null;
  badSignatures: number | null;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  lagMaxMs: number | null;
  /** From the end of the load to the last delivery, s. */
  drainSeconds: number | null;
  /** The slow receiver: deliveries it got by then, of those made for it. */
  slowReceived: number | null;
  slowExpected: number | null;
}

export interface ConversationReport {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  options: Omit<ConversationOptions, 'log'>;
  features: number;
  runs: ConversationRun[];
  problems: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A receiver: records each event id and when it came; `delayMs` before answering 200. */
class Receiver {
  readonly seen = new Map<string, number>();
  duplicates = 0;
  badSignatures = 0;
  readonly lags: number[] = [];
  last = 0;
  /** Paths that answer after `delayMs`; the others at once. */
  slow = new Set<string>();
  delayMs = 0;
  readonly perPath = new Map<string, number>();
  secrets = new Map<string, string>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const now = Date.now();
        const event = JSON.parse(body) as { id: string; createdAt: string };
        const secret = this.secrets.get(req.url ?? '');
        if (secret === undefined || !verifySignature(String(req.headers['ler-signature']), body, secret)) this.badSignatures++;
        const path = req.url ?? '';
        const slow = this.slow.has(path);
        if (this.seen.has(event.id)) this.duplicates++;
        else {
          this.seen.set(event.id, now);
          this.perPath.set(path, (this.perPath.get(path) ?? 0) + 1);
          if (!slow) {
            this.lags.push(now - Date.parse(event.createdAt));
            this.last = now;
          }
        }
        setTimeout(() => res.writeHead(200).end(), slow ? this.delayMs : 0);
      });
    });
    this.server.keepAliveTimeout = 1;
    await new Promise<void>((r) => (this.server as Server).listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(slow: string[], delayMs: number): void {
    this.seen.clear();
    this.perPath.clear();
    this.lags.length = 0;
    this.duplicates = 0;
    this.badSignatures = 0;
    this.slow = new Set(slow);
    this.delayMs = delayMs;
  }

  /** Deliveries received by the paths that answer at once. */
  fast(): number {
    let n = 0;
    for (const [path, count] of this.perPath) if (!this.slow.has(path)) n += count;
    return n;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server?.closeAllConnections();
      this.server?.close(() => r());
    });
  }
}

export async function measureConversation(o: ConversationOptions): Promise<ConversationReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ler-bench-conversation-'));
  const receiver = new Receiver();
  await receiver.start();
  const problems: string[] = [];
  let s: ServiceProcess | null = null;
  try {
    const roads = loadRoads(dataFiles(o.smoke).roads);
    const plan = planNetwork({ seed: o.seed, tiles: 1 }, roads);
    s = await startServiceProcess({
      // LER_BENCH_PROFILE=<dir>: the service writes a CPU profile there when it stops.
      args: [...(process.env.LER_BENCH_PROFILE !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LER_BENCH_PROFILE}`] : []), '--import', 'tsx', SERVER],
      env: { LER_DATA_DIR: join(dir, 'data'), LER_ADMIN_TOKEN: ADMIN, LER_DEMO: '0', LER_LOG_LEVEL: 'warn', LER_RATE_LIMIT_MAX: '100000000', LER_MAX_EVENT_LOOP_DELAY_MS: '0', LER_WEBHOOK_ALLOW_PRIVATE: '1', LER_WEBHOOK_POLL_MS: '100', LER_WEBHOOK_RETRY_BASE_MS: '1000' }
    });
    const service = s;
    let features = 0;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const owner of OWNERS) {
      const list = [...ownerFeatures(plan, owner)];
      features += list.length;
      const r = await send(`${service.url}/v1/owners/${owner.id}/network?crs=${CRS}`, 'PUT', ADMIN, JSON.stringify({ type: 'FeatureCollection', features: list }), 'application/geo+json');
      if (r.status !== 200) throw new Error(`the upload of ${owner.id} answered ${r.status}: ${r.body.slice(0, 300)}`);
    }
    const [dx, dy] = plan.tiles[0];
    for (const road of plan.roads) for (const [x, y] of road.path) [minX, minY, maxX, maxY] = [Math.min(minX, x + dx), Math.min(minY, y + dy), Math.max(maxX, x + dx), Math.max(maxY, y + dy)];
    const box = [[[minX - 50, minY - 50], [maxX + 50, minY - 50], [maxX + 50, maxY + 50], [minX - 50, maxY + 50], [minX - 50, minY - 50]]];
    for (const owner of INTEREST_OWNERS) {
      const r = await send(`${service.url}/v1/owners/${owner}/interest-areas?crs=${CRS}`, 'PUT', ADMIN, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: box }, properties: { forsyningsart: 'telekommunikation', contact: `vagt@${owner}.invalid` } }] }));
      if (r.status !== 200) throw new Error(`the interest areas of ${owner} answered ${r.status}: ${r.body.slice(0, 300)}`);
    }
    await merged(service);
    const bodies = placesAlongRoads(plan, 500, o.seed, 'conversation-digs').map((coordinates) => JSON.stringify({ geometry: { type: 'Polygon', coordinates }, crs: CRS, infoZone: 2 }));

    const run = async (name: string, webhooks: boolean, slowOwner: string | null): Promise<ConversationRun> => {
      o.log(`${name} ...`);
      const slowPaths = slowOwner === null ? [] : [`/${slowOwner}`];
      let fastExpected = 0;
      let slowExpected = 0;
      const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
      const requests = bodies.map((body) => ({ method: 'POST' as const, path: '/v1/dig-requests', headers, body }));
      receiver.reset(slowPaths, 200);
      await cannon({ url: service.url, connections: o.connections, duration: o.warmUpSeconds, requests });
      // Deliveries of the warm-up are not counted: wait for them to drain first.
      if (webhooks) await drained(receiver, 2000);
      receiver.reset(slowPaths, 200);
      const counted = requests.map((r) => ({ ...r, onResponse: (status: number, body: string) => {
        if (status !== 201) return;
        for (const owner of (JSON.parse(body) as { owners: { owner: string }[] }).owners) {
          if (owner.owner === slowOwner) slowExpected++;
          else fastExpected++;
        }
      } }));
      const r = await cannon({ url: service.url, connections: o.connections, duration: o.seconds, requests: counted });
      const stopped = Date.now();
      let drainSeconds: number | null = null;
      if (webhooks) {
        const until = Date.now() + 600_000;
        // Requests answered after the timed window still make events: at least what was counted.
        while (receiver.fast() < fastExpected && Date.now() < until) await sleep(50);
        await drained(receiver, 1000);
        drainSeconds = Math.max(0, receiver.last - stopped) / 1000;
        if (receiver.fast() < fastExpected) problems.push(`${name}: ${fastExpected - receiver.fast()} of ${fastExpected} deliveries did not arrive within 10 minutes.`);
      }
      const lags = [...receiver.lags].sort((a, b) => a - b);
      return {
        name,
        requests: r.requests.total,
        perSecond: r.requests.total / o.seconds,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        non2xx: r.non2xx,
        expected: webhooks ? fastExpected : null,
        received: webhooks ? receiver.fast() : null,
        duplicates: webhooks ? receiver.duplicates : null,
        badSignatures: webhooks ? receiver.badSignatures : null,
        lagP50Ms: webhooks ? quantile(lags, 0.5) : null,
        lagP99Ms: webhooks ? quantile(lags, 0.99) : null,
        lagMaxMs: webhooks ? (lags[lags.length - 1] ?? null) : null,
        drainSeconds,
        slowReceived: slowOwner === null ? null : (receiver.perPath.get(`/${slowOwner}`) ?? 0),
        slowExpected: slowOwner === null ? null : slowExpected
      };
    };

    const runs: ConversationRun[] = [];
    runs.push(await run('no webhooks', false, null));
    if (o.runs < 2) return report(o, features, runs, problems);
    const hooks = new Map<string, string>();
    for (const owner of [...OWNERS.map((x) => x.id), ...INTEREST_OWNERS]) {
      const r = await send(`${service.url}/v1/webhooks`, 'POST', ADMIN, JSON.stringify({ url: `${receiver.url}/${owner}`, events: ['dig-request.created'], owner }));
      if (r.status !== 201) throw new Error(`the webhook for ${owner} answered ${r.status}: ${r.body.slice(0, 300)}`);
      const made = JSON.parse(r.body) as { id: string; secret: string };
      receiver.secrets.set(`/${owner}`, made.secret);
      hooks.set(owner, made.id);
    }
    runs.push(await run('a webhook per owner (ten), answered at once', true, null));
    if (o.runs < 3) return report(o, features, runs, problems);
    // An owner named by every dig (its interest area covers them all) with a slow receiver.
    const slowOwner = INTEREST_OWNERS[0];
    runs.push(await run(`the same, one of the ten (${slowOwner}) taking 200 ms per delivery`, true, slowOwner));
    // Its backlog goes with its webhook.
    await send(`${service.url}/v1/webhooks/${hooks.get(slowOwner) ?? ''}`, 'DELETE', ADMIN);
    return report(o, features, runs, problems);
  } finally {
    if (s !== null) {
      s.child.kill('SIGTERM');
      await s.exit;
    }
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(o: ConversationOptions, features: number, runs: ConversationRun[], problems: string[]): ConversationReport {
  for (const r of runs) {
    if (r.non2xx > 0) problems.push(`${r.name}: ${r.non2xx} dig requests were not answered 201.`);
    if ((r.duplicates ?? 0) > 0 || (r.badSignatures ?? 0) > 0) problems.push(`${r.name}: ${r.duplicates} duplicates, ${r.badSignatures} bad signatures.`);
  }
  const { log: _log, ...options } = o;
  return { date: new Date().toISOString().slice(0, 10), machine: { cpu: cpus()[0]?.model ?? '?', cores: cpus().length, node: process.version }, options, features, runs, problems };
}

/** Waits until the receiver has heard nothing for `quietMs`. */
async function drained(receiver: Receiver, quietMs: number): Promise<void> {
  const until = Date.now() + 600_000;
  await sleep(quietMs);
  while (Date.now() - receiver.last < quietMs && Date.now() < until) await sleep(100);
}

const f = (v: number | null, digits = 0): string => (v === null || Number.isNaN(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function renderConversation(r: ConversationReport): string[] {
  return [
    CONVERSATION_SECTION,
    '',
    `\`npm run bench -- --only conversation\`, ${r.date}: the service as its own process on SQLite, ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, seed ${r.options.seed}. Six owners' networks along one tile of Danish roads (${f(r.features)} features) and four owners with only an interest area over all of it; 500 seeded dig requests of 20 x 20 m (b = 2 m) cycled by ${r.options.connections} connections for ${r.options.seconds} s after a ${r.options.warmUpSeconds} s warm-up, three runs one after another. A webhook per owner (ten) on a receiver in the bench's process on the same machine, which checks every signature.`,
    '',
    '| run | dig requests/s | p50 / p99 ms | deliveries expected / received (receivers answering at once) | duplicates, bad signatures | event to receipt p50 / p99 / max ms | drained after the load, s | the slow receiver got |',
    '|---|---|---|---|---|---|---|---|',
    ...r.runs.map((x) => `| ${x.name} | ${f(x.perSecond)} | ${f(x.p50Ms)} / ${f(x.p99Ms)} | ${x.expected === null ? '–' : `${f(x.expected)} / ${f(x.received)}`} | ${x.duplicates === null ? '–' : `${x.duplicates}, ${x.badSignatures}`} | ${x.lagP50Ms === null ? '–' : `${f(x.lagP50Ms)} / ${f(x.lagP99Ms)} / ${f(x.lagMaxMs)}`} | ${f(x.drainSeconds, 1)} | ${x.slowExpected === null ? '–' : `${f(x.slowReceived)} of ${f(x.slowExpected)}`} |`),
    '',
    'Every dig request writes its package, its audit entry, an inbox entry for each owner it names and an event for each, in one transaction through the writer thread; deliveries go one at a time per webhook (in order), up to 8 at once. Dig requests and deliveries share the 2 cores. Deliveries expected = the owners named in the packages answered during the timed run (requests answered just after it add a few received). A slow receiver gets at most one delivery per 200 ms (one at a time, in order); the rest wait in the outbox, and the others\' deliveries do not wait for them.',
    ...(r.problems.length > 0 ? ['', ...r.problems.map((p) => `- **${p}**`)] : []),
    ''
  ];
}
