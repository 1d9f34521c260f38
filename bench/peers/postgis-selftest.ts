/**
 * Self-test of the PostGIS peer: hand-made cases with known zones, then a seeded timing run.
 *
 *   node --import tsx bench/peers/postgis-selftest.ts            # cases + 100k lines, 1000 digs
 *   node --import tsx bench/peers/postgis-selftest.ts --big      # also 1.7 M lines, 10,000 digs
 *   node --import tsx bench/peers/postgis-selftest.ts --lines=500000 --digs=5000
 */
import type { Position } from '../../src/types.js';
import { loadNetwork, queryBatch, queryBatchParallel, querySingle, startPostgis, type Dig, type Pairs, type PgPeer, type Row } from './postgis.js';

const X0 = 600000;
const Y0 = 6200000;
const at = (x: number, y: number): Position => [X0 + x, Y0 + y];
const line = (pts: [number, number][]): Position[] => pts.map(([x, y]) => at(x, y));
const rect = (x0: number, y0: number, x1: number, y1: number): Position[] => line([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]);
const key = (owner: string, fid: string): string => `${owner}\u0000${fid}`;

let failures = 0;
function check(what: string, ok: boolean, detail = ''): void {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `: ${detail}`}`);
}

function handRows(): Row[] {
  const steps = (n: number, f: (i: number) => [number, number]): [number, number][] => Array.from({ length: n }, (_, i) => f(i));
  return [
    { owner: 'a', fid: 'cross', margin: 0, type: 'LineString', coordinates: line([[-5, 5], [15, 5]]) },
    { owner: 'b', fid: 'cross', margin: 0, type: 'LineString', coordinates: line([[-5, 5], [15, 5]]) },
    { owner: 'a', fid: 'near15', margin: 2, type: 'LineString', coordinates: line([[-5, 11.5], [15, 11.5]]) },
    { owner: 'a', fid: 'out3', margin: 0.5, type: 'LineString', coordinates: line([[-5, 13], [15, 13]]) },
    { owner: 'a', fid: 'info24', margin: 0.5, type: 'LineString', coordinates: line([[-5, -2.4], [15, -2.4]]) },
    { owner: 'a', fid: 'edge3', margin: 1, type: 'LineString', coordinates: line([[13, -5], [13, 15]]) },
    { owner: 'a', fid: 'pt', margin: 0, type: 'Point', coordinates: at(5, 5) },
    { owner: 'a', fid: 'poly', margin: 0, type: 'Polygon', coordinates: [rect(8, 8, 20, 20)] },
    { owner: 'a', fid: 'polyAround', margin: 0, type: 'Polygon', coordinates: [rect(-100, -100, 100, 100)] },
    { owner: 'a', fid: 'mpoly', margin: 0, type: 'MultiPolygon', coordinates: [[rect(500, 500, 510, 510)], [rect(10, 2, 20, 8)]] },
    // 60 vertices, split by ST_Subdivide: pieces 1.5 m below the dig (infoZone) and a piece crossing it.
    {
      owner: 'a',
      fid: 'long2',
      margin: 1,
      type: 'LineString',
      coordinates: line([...steps(40, (i) => [-60 + (62 * i) / 39, -1.5] as [number, number]), ...steps(20, (i) => [2, -1 + (31 * i) / 19] as [number, number])])
    },
    { owner: 'a', fid: 'long3', margin: 1, type: 'LineString', coordinates: line(steps(60, (i) => [-60 + (130 * i) / 59, -1.5])) },
    { owner: 'a', fid: 'multi', margin: 0, type: 'MultiLineString', coordinates: [line([[500, 0], [520, 0]]), line([[-5, 11], [15, 11]])] },
    { owner: 'a', fid: 'far', margin: 5, type: 'LineString', coordinates: line([[-1000, 0], [-990, 0]]) },
    // Inside the hole of dig 2, 5 m from the hole's ring.
    { owner: 'a', fid: 'inhole', margin: 3.5, type: 'LineString', coordinates: line([[1050, 45], [1050, 55]]) },
    { owner: 'a', fid: 'inhole2', margin: 5, type: 'LineString', coordinates: line([[1050, 45], [1050, 55]]) }
  ];
}

function handDigs(): Dig[] {
  return [
    { id: 1, type: 'Polygon', coordinates: [rect(0, 0, 10, 10)] },
    { id: 2, type: 'MultiPolygon', coordinates: [[rect(1000, 0, 1100, 100), rect(1040, 40, 1060, 60)], [rect(3000, 0, 3010, 10)]] },
    { id: 3, type: 'Polygon', coordinates: [rect(-5000, -5000, -4990, -4990)] }
  ];
}

function expected(b: number): Pairs {
  const e = (list: [string, string, 1 | 2][]): Map<string, 1 | 2> => new Map(list.map(([o, f, z]) => [key(o, f), z]));
  if (b === 2) {
    return new Map([
      [1, e([['a', 'cross', 1], ['b', 'cross', 1], ['a', 'near15', 1], ['a', 'info24', 2], ['a', 'edge3', 2], ['a', 'pt', 1], ['a', 'poly', 1],
        ['a', 'polyAround', 1], ['a', 'mpoly', 1], ['a', 'long2', 1], ['a', 'long3', 2], ['a', 'multi', 2]])],
      [2, e([['a', 'inhole', 2], ['a', 'inhole2', 1]])],
      [3, e([])]
    ]);
  }
  return new Map([
    [1, e([['a', 'cross', 1], ['b', 'cross', 1], ['a', 'near15', 1], ['a', 'pt', 1], ['a', 'poly', 1], ['a', 'polyAround', 1], ['a', 'mpoly', 1], ['a', 'long2', 1]])],
    [2, e([['a', 'inhole2', 1]])],
    [3, e([])]
  ]);
}

/** First difference between two answers, or '' when they are the same. */
function diff(got: Pairs, want: Pairs): string {
  for (const [id, w] of want) {
    const g = got.get(id);
    if (!g) return `dig ${id} missing`;
    for (const [k, z] of w) if (g.get(k) !== z) return `dig ${id} ${k.replace('\u0000', '/')}: got ${g.get(k) ?? 'nothing'}, want ${z}`;
    for (const [k, z] of g) if (!w.has(k)) return `dig ${id} ${k.replace('\u0000', '/')}: got ${z}, want nothing`;
  }
  for (const id of got.keys()) if (!want.has(id)) return `unexpected dig ${id}`;
  return '';
}

async function errorCases(peer: PgPeer): Promise<void> {
  const bad: Row[] = [...handRows(), { owner: 'a', fid: 'onePoint', margin: 0, type: 'LineString', coordinates: [at(0, 0)] }];
  const err1 = await loadNetwork(peer, bad).then(() => null, (e: unknown) => e);
  check('a one-vertex line fails the load', err1 instanceof Error, String(err1));
  const failing = function* (): Generator<Row> {
    yield* handRows();
    throw new Error('source broke');
  };
  const err2 = await loadNetwork(peer, failing()).then(() => null, (e: unknown) => e);
  check('a failing source fails the load with its own error', err2 instanceof Error && err2.message === 'source broke', String(err2));
  const res = await peer.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('net', 'net_sub')`);
  check('a failed load leaves no tables behind', res.rows[0].n === 0);
}

async function handCases(peer: PgPeer): Promise<void> {
  await errorCases(peer);
  await loadNetwork(peer, handRows());
  const digs = handDigs();
  for (const b of [2, 0]) {
    const want = expected(b);
    const maxMargin = 5;
    const batch = await queryBatch(peer, digs, b, maxMargin);
    check(`batch b=${b}`, diff(batch.pairs, want) === '', diff(batch.pairs, want));
    const single = await querySingle(peer, digs, b, maxMargin);
    check(`single b=${b}`, diff(single.pairs, want) === '', diff(single.pairs, want));
    check(`single latencies b=${b}`, single.micros.length === digs.length && single.micros.every((us) => us > 0));
    const par = await queryBatchParallel(peer, digs, b, maxMargin, 2);
    check(`parallel(2) b=${b}`, diff(par.pairs, want) === '', diff(par.pairs, want));
  }
}

/** Seeded uniform [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MARGINS = [0, 0.25, 0.5, 0.75, 1, 1.25, 2.25, 5.25];
const MAX_MARGIN = 5.25;
/** Lines per km², about a dense Danish town's cables and pipes. */
const DENSITY = 500;

/** `n` short lines of 7 vertices (6 segments of 2-10 m), streamed. */
function* randomLines(n: number, seed: number): Generator<Row> {
  const rnd = random(seed);
  const side = Math.sqrt(n / DENSITY) * 1000;
  for (let i = 0; i < n; i++) {
    let x = X0 + rnd() * side;
    let y = Y0 + rnd() * side;
    let dir = rnd() * 2 * Math.PI;
    const coordinates: Position[] = [[x, y]];
    for (let k = 0; k < 6; k++) {
      dir += (rnd() - 0.5) * 0.8;
      const len = 2 + rnd() * 8;
      x += Math.cos(dir) * len;
      y += Math.sin(dir) * len;
      coordinates.push([x, y]);
    }
    yield { owner: `u${i % 7}`, fid: String(i), margin: MARGINS[Math.floor(rnd() * MARGINS.length)], type: 'LineString', coordinates };
  }
}

/** Square digs of 5-50 m side over the same area as `randomLines(n)`. */
function randomDigs(count: number, n: number, seed: number): Dig[] {
  const rnd = random(seed);
  const side = Math.sqrt(n / DENSITY) * 1000;
  return Array.from({ length: count }, (_, id) => {
    const s = 5 + rnd() * 45;
    const x = X0 + rnd() * (side - s);
    const y = Y0 + rnd() * (side - s);
    return { id, type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] };
  });
}

/** The answer computed directly on the unsubdivided `net` table with ST_Distance, for the first `count` digs. */
async function directAnswer(peer: PgPeer, digs: Dig[], b: number): Promise<Pairs> {
  const c = peer.client;
  await queryBatch(peer, digs, b, MAX_MARGIN); // leaves `dig` loaded on this connection
  await c.query('CREATE INDEX IF NOT EXISTS net_geom ON net USING GIST (geom)');
  const res = await c.query<[number, string, string, boolean]>({
    text: `SELECT d.id, n.owner, n.fid, min(ST_Distance(n.geom, d.geom) - n.margin) <= 0
           FROM dig d JOIN net n ON n.geom && ST_Expand(d.geom, ${MAX_MARGIN + b})
           WHERE ST_Distance(n.geom, d.geom) <= n.margin + ${b} GROUP BY 1, 2, 3`,
    rowMode: 'array'
  });
  const pairs: Pairs = new Map(digs.map((d) => [d.id, new Map()]));
  for (const [id, owner, fid, near] of res.rows) pairs.get(id)?.set(key(owner, fid), near ? 1 : 2);
  return pairs;
}

const pct = (xs: Float64Array, p: number): number => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const f1 = (x: number): string => x.toFixed(1);

async function timing(peer: PgPeer, lines: number, digCount: number, singleCount: number, b: number): Promise<void> {
  console.log(`\n-- ${lines.toLocaleString('en')} lines x 6 segments, ${digCount} square digs (5-50 m), b=${b}, maxMargin=${MAX_MARGIN}`);
  const load = await loadNetwork(peer, randomLines(lines, 42));
  console.log(
    `load: ${load.rows} rows, ${load.segments} segments -> ${load.pieces} pieces; copy ${f1(load.copySeconds)} s ` +
      `(${Math.round(load.rows / load.copySeconds).toLocaleString('en')} rows/s), subdivide ${f1(load.subdivideSeconds)} s, ` +
      `index ${f1(load.indexSeconds)} s, vacuum+analyze ${f1(load.analyzeSeconds)} s, total ${f1(load.seconds)} s`
  );
  const digs = randomDigs(digCount, lines, 7);
  await queryBatch(peer, digs, b, MAX_MARGIN); // warm-up: index and table pages into shared buffers
  const runs = [];
  for (let k = 0; k < 3; k++) runs.push(await queryBatch(peer, digs, b, MAX_MARGIN));
  const batch = runs[0];
  const us = runs.map((r) => (r.seconds * 1e6) / digs.length);
  console.log(`batch: min ${f1(Math.min(...us))} us/dig, mean ${f1(us.reduce((x, y) => x + y) / us.length)} us/dig over 3 runs, ${batch.pairCount} pairs`);
  const single = await querySingle(peer, digs.slice(0, singleCount), b, MAX_MARGIN);
  console.log(
    `single prepared: ${singleCount} digs, mean ${f1((single.seconds * 1e6) / singleCount)} us, p50 ${f1(pct(single.micros, 0.5))} us, p99 ${f1(pct(single.micros, 0.99))} us`
  );
  const par = await queryBatchParallel(peer, digs, b, MAX_MARGIN, 2);
  console.log(`batch on 2 connections: ${f1(par.seconds * 1000)} ms, ${f1((par.seconds * 1e6) / digs.length)} us/dig`);
  check('single == batch', diff(single.pairs, new Map([...batch.pairs].filter(([id]) => id < singleCount))) === '');
  check('parallel == batch', diff(par.pairs, batch.pairs) === '', diff(par.pairs, batch.pairs));
  const sample = digs.slice(0, 100);
  const direct = await directAnswer(peer, sample, b);
  const sub = new Map([...batch.pairs].filter(([id]) => id < sample.length));
  check('batch == direct ST_Distance on unsubdivided lines (100 digs)', diff(sub, direct) === '', diff(sub, direct));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, dflt: number): number => {
    const a = args.find((s) => s.startsWith(`--${name}=`));
    return a ? Number(a.slice(name.length + 3)) : dflt;
  };
  const big = args.includes('--big');
  const peer = await startPostgis({ log: (s) => console.log(`[postgis] ${s}`) });
  if ('unavailable' in peer) {
    console.log(`PostGIS unavailable: ${peer.unavailable}`);
    process.exitCode = 1;
    return;
  }
  try {
    console.log(peer.version);
    await handCases(peer);
    await timing(peer, arg('lines', 100_000), arg('digs', 1000), arg('single', 1000), 2);
    if (big) await timing(peer, 1_700_000, 10_000, 2000, 2);
  } finally {
    await peer.close();
  }
  console.log(failures === 0 ? '\nall checks passed' : `\n${failures} check(s) failed`);
  if (failures > 0) process.exitCode = 1;
}

await main();
