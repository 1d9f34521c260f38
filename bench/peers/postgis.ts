/**
 * PostGIS as a benchmark peer: the same conflict question the engine answers (see "Conflict
 * semantics" in DESIGN.md), asked of PostGIS the way one would tune it in production: a GiST index
 * over `ST_Subdivide(geom, 16)` pieces, digs joined in one LATERAL batch, or one prepared statement
 * per dig over the socket.
 *
 *   const peer = await startPostgis({ log: console.log });
 *   if ('unavailable' in peer) skip(peer.unavailable);
 *   await loadNetwork(peer, rows);
 *   const { seconds, pairs } = await queryBatch(peer, digs, infoZone, maxMargin);
 *   await peer.close();
 */
import pg from 'pg';
import type { Geometry, LineString, MultiPolygon, Polygon } from '../../src/types.js';
import { startCluster, type ClusterOptions } from './postgis-cluster.js';
import { CopyBinaryWriter, CopyIn, ewkbHex, segmentCount, type CopyField } from './postgis-wire.js';

const SRID = 25832;
const DB = 'ler';

/** One network feature in EPSG:25832 metres; `margin` is m(F). */
export type Row = Geometry & { owner: string; fid: string | number; margin: number };

/** One dig area in EPSG:25832 metres, with a caller's integer id (int4). */
/** A dig area; a LineString is a route's stretch, asked with a corridor radius. */
export type Dig = (Polygon | MultiPolygon | LineString) & { id: number };

/** Per dig id, the reported features keyed `${owner}\u0000${fid}`: 1 digArea, 2 infoZone. Every dig has an entry. */
export type Pairs = Map<number, Map<string, 1 | 2>>;

export interface PgPeer {
  close(): Promise<void>;
  /** PostgreSQL, PostGIS and GEOS versions. */
  version: string;
  /** The connection loads and single-connection queries use. */
  client: pg.Client;
  /** A new connection to the benchmark database (closed by `close()`). */
  connect(): Promise<pg.Client>;
  /** `client` and n - 1 more connections, opened once and reused. */
  clients(n: number): Promise<pg.Client[]>;
}

export type StartOptions = ClusterOptions;

export interface LoadResult {
  /** Whole load: copy + subdivide + index + vacuum/analyze. */
  seconds: number;
  rows: number;
  segments: number;
  /** Rows of `net_sub`. */
  pieces: number;
  copySeconds: number;
  subdivideSeconds: number;
  indexSeconds: number;
  analyzeSeconds: number;
}

export interface BatchResult {
  /** Wall time of the query alone (digs already in a temp table), results received. */
  seconds: number;
  pairs: Pairs;
  pairCount: number;
}

export interface SingleResult extends BatchResult {
  /** Round-trip latency of each dig's execution, microseconds, in `digs` order. */
  micros: Float64Array;
}

class Peer implements PgPeer {
  private readonly extra: pg.Client[] = [];

  constructor(
    readonly client: pg.Client,
    readonly version: string,
    private readonly config: pg.ClientConfig,
    private readonly stopCluster: () => Promise<void>
  ) {}

  async connect(): Promise<pg.Client> {
    const c = await openClient(this.config);
    this.extra.push(c);
    return c;
  }

  /** `n` connections, the main one first, opening more as needed. */
  async clients(n: number): Promise<pg.Client[]> {
    while (this.extra.length < n - 1) await this.connect();
    return [this.client, ...this.extra.slice(0, n - 1)];
  }

  async close(): Promise<void> {
    for (const c of [this.client, ...this.extra]) await c.end().catch(() => {});
    this.extra.length = 0;
    await this.stopCluster();
  }
}

async function openClient(config: pg.ClientConfig): Promise<pg.Client> {
  const c = new pg.Client(config);
  // A server that stops under an idle connection must not crash the runner.
  c.on('error', () => {});
  await c.connect();
  return c;
}

function asPeer(peer: PgPeer): Peer {
  if (!(peer instanceof Peer)) throw new TypeError('Not a PostGIS peer - create it with startPostgis().');
  return peer;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Starts a private PostgreSQL + PostGIS cluster (installing PostGIS with apt when it is missing and
 * we are root). Resolves `{ unavailable }` instead of throwing when that is impossible.
 */
export async function startPostgis(opts: StartOptions = {}): Promise<PgPeer | { unavailable: string }> {
  const cluster = await startCluster(opts);
  if ('unavailable' in cluster) return cluster;
  const base: pg.ClientConfig = { host: cluster.socketDir, port: cluster.port, user: 'postgres' };
  try {
    const admin = await openClient({ ...base, database: 'postgres' });
    await admin.query(`CREATE DATABASE ${DB} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    await admin.end();
    const config = { ...base, database: DB };
    const client = await openClient(config);
    await client.query('CREATE EXTENSION postgis');
    const v = await client.query<{ pg: string; postgis: string; geos: string }>(
      `SELECT current_setting('server_version') AS pg, postgis_lib_version() AS postgis, postgis_geos_version() AS geos`
    );
    const { pg: pgVersion, postgis, geos } = v.rows[0];
    const version = `PostgreSQL ${pgVersion}, PostGIS ${postgis}, GEOS ${geos.split('-')[0]}`;
    opts.log?.(version);
    return new Peer(client, version, config, () => cluster.stop());
  } catch (err) {
    await cluster.stop();
    return { unavailable: `PostGIS did not start: ${errorText(err)}` };
  }
}

const since = (t0: number): number => (performance.now() - t0) / 1000;

function isAsync<T>(src: AsyncIterable<T> | Iterable<T>): src is AsyncIterable<T> {
  return typeof (src as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/** Encodes rows into COPY chunks; a sync source is read without an await per row. */
async function* encodeRows(rows: AsyncIterable<Row> | Iterable<Row>, stats: { rows: number; segments: number }): AsyncGenerator<Buffer> {
  const w = new CopyBinaryWriter(SRID);
  const owners = new Map<string, Buffer>();
  const fields: CopyField[] = [
    { kind: 'bytes', value: Buffer.alloc(0) },
    { kind: 'text', value: '' },
    { kind: 'float8', value: 0 },
    { kind: 'geometry', value: { type: 'Point', coordinates: [0, 0] } }
  ];
  const add = (r: Row): Buffer | null => {
    let owner = owners.get(r.owner);
    if (!owner) owners.set(r.owner, (owner = Buffer.from(r.owner, 'utf8')));
    fields[0] = { kind: 'bytes', value: owner };
    fields[1] = { kind: 'text', value: String(r.fid) };
    fields[2] = { kind: 'float8', value: r.margin };
    fields[3] = { kind: 'geometry', value: r };
    w.row(fields);
    stats.rows++;
    stats.segments += segmentCount(r);
    return w.take();
  };
  if (isAsync(rows)) {
    for await (const r of rows) {
      const chunk = add(r);
      if (chunk) yield chunk;
    }
  } else {
    for (const r of rows) {
      const chunk = add(r);
      if (chunk) yield chunk;
    }
  }
  w.end();
  const last = w.take(true);
  if (last) yield last;
}

/**
 * Loads the network into `net` with binary COPY, then `net_sub` = `ST_Subdivide(geom, 16)` with a GiST
 * index, vacuumed and analysed. Replaces what an earlier load left.
 */
export async function loadNetwork(peer: PgPeer, rows: AsyncIterable<Row> | Iterable<Row>): Promise<LoadResult> {
  const c = asPeer(peer).client;
  await c.query('DROP TABLE IF EXISTS net_sub; DROP TABLE IF EXISTS net');
  const stats = { rows: 0, segments: 0 };
  const t0 = performance.now();
  // Created in the same transaction as the COPY: with wal_level=minimal nothing goes to the WAL, and FREEZE is allowed.
  await c.query('BEGIN');
  await c.query(`CREATE TABLE net (gid serial, owner text, fid text, margin float8, geom geometry(Geometry,${SRID}))`);
  const copy = c.query(new CopyIn('COPY net (owner, fid, margin, geom) FROM STDIN WITH (FORMAT binary, FREEZE)', encodeRows(rows, stats)));
  try {
    await copy.done;
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
  await c.query('COMMIT');
  const copySeconds = since(t0);

  const t1 = performance.now();
  const sub = await c.query('CREATE TABLE net_sub AS SELECT gid, owner, fid, margin, ST_Subdivide(geom, 16) AS geom FROM net');
  const subdivideSeconds = since(t1);

  const t2 = performance.now();
  await c.query('CREATE INDEX net_sub_geom ON net_sub USING GIST (geom)');
  const indexSeconds = since(t2);

  const t3 = performance.now();
  // Sets hint bits and the visibility map now, so the first timed queries do not pay for it.
  await c.query('VACUUM (ANALYZE) net_sub');
  await c.query('ANALYZE net');
  const analyzeSeconds = since(t3);

  return {
    seconds: since(t0),
    rows: stats.rows,
    segments: stats.segments,
    pieces: sub.rowCount ?? 0,
    copySeconds,
    subdivideSeconds,
    indexSeconds,
    analyzeSeconds
  };
}

function checkDistances(b: number, maxMargin: number): void {
  if (!Number.isFinite(b) || b < 0 || !Number.isFinite(maxMargin) || maxMargin < 0) {
    throw new RangeError(`infoZone and maxMargin must be finite and >= 0, got ${b} and ${maxMargin}.`);
  }
}

/**
 * The per-dig conflict subquery over `net_sub`, for dig geometry `g`: the bounding-box test uses the
 * index with the widest possible reach; the exact test is each piece's own m + b. A feature is in the
 * digArea when any of its pieces is within m. With b = 0 both tests are the same, so it is not repeated.
 */
function conflictSql(g: string, b: number, maxMargin: number, radius = 0): string {
  const near = b === 0 ? 'true' : `bool_or(ST_DWithin(s.geom, ${g}, s.margin + ${radius}))`;
  return `SELECT s.owner, s.fid, ${near} AS near FROM net_sub s
    WHERE s.geom && ST_Expand(${g}, ${maxMargin + radius + b}) AND ST_DWithin(s.geom, ${g}, s.margin + ${radius + b})
    GROUP BY s.owner, s.fid`;
}

/** With a radius, each dig is a corridor: everything within that distance of its geometry. */
function batchSql(b: number, maxMargin: number, radius = 0): string {
  return `SELECT d.id, x.owner, x.fid, x.near FROM dig d CROSS JOIN LATERAL (${conflictSql('d.geom', b, maxMargin, radius)}) x`;
}

type PairRow = [number, string, string, boolean];

function emptyPairs(digs: readonly Dig[]): Pairs {
  const pairs: Pairs = new Map();
  for (const d of digs) pairs.set(d.id, new Map());
  return pairs;
}

function addPair(pairs: Pairs, id: number, owner: string, fid: string, near: boolean): void {
  let m = pairs.get(id);
  if (!m) pairs.set(id, (m = new Map()));
  m.set(`${owner}\u0000${fid}`, near ? 1 : 2);
}

/** Replaces this connection's temp table `dig` with `digs`. */
async function loadDigs(c: pg.Client, digs: readonly Dig[]): Promise<void> {
  await c.query('SET max_parallel_workers_per_gather = 0');
  await c.query(`DROP TABLE IF EXISTS pg_temp.dig; CREATE TEMP TABLE dig (id int4 PRIMARY KEY, geom geometry(Geometry,${SRID}))`);
  const w = new CopyBinaryWriter(SRID);
  const chunks = function* (): Generator<Buffer> {
    for (const d of digs) {
      if (!Number.isInteger(d.id) || d.id < -0x80000000 || d.id > 0x7fffffff) throw new RangeError(`Dig id ${d.id} is not an int4.`);
      w.row([
        { kind: 'int4', value: d.id },
        { kind: 'geometry', value: d }
      ]);
      const chunk = w.take();
      if (chunk) yield chunk;
    }
    w.end();
    const last = w.take(true);
    if (last) yield last;
  };
  await c.query(new CopyIn('COPY dig (id, geom) FROM STDIN WITH (FORMAT binary)', chunks())).done;
  await c.query('ANALYZE dig');
}

/** Runs the batch join on one connection whose `dig` table is loaded; returns seconds and rows. */
async function runBatch(c: pg.Client, b: number, maxMargin: number, radius = 0): Promise<{ seconds: number; rows: PairRow[] }> {
  const t0 = performance.now();
  const res = await c.query<PairRow>({ text: batchSql(b, maxMargin, radius), rowMode: 'array' });
  return { seconds: since(t0), rows: res.rows };
}

/**
 * All digs in one LATERAL join on one connection, no parallel workers. Only the query is timed,
 * not the COPY of the digs into their temp table.
 */
export async function queryBatch(peer: PgPeer, digs: readonly Dig[], b: number, maxMargin: number, radius = 0): Promise<BatchResult> {
  checkDistances(b, maxMargin);
  const c = asPeer(peer).client;
  await loadDigs(c, digs);
  const { seconds, rows } = await runBatch(c, b, maxMargin, radius);
  const pairs = emptyPairs(digs);
  for (const [id, owner, fid, near] of rows) addPair(pairs, id, owner, fid, near);
  return { seconds, pairs, pairCount: rows.length };
}

/**
 * The digs split into `connections` contiguous slices, each joined on its own connection, all at
 * once. `seconds` is the wall time from the start of the first query to the end of the last.
 */
export async function queryBatchParallel(
  peer: PgPeer,
  digs: readonly Dig[],
  b: number,
  maxMargin: number,
  connections: number,
  radius = 0
): Promise<BatchResult> {
  checkDistances(b, maxMargin);
  const n = Math.max(1, Math.min(Math.floor(connections), digs.length || 1));
  const clients = await asPeer(peer).clients(n);
  const per = Math.ceil(digs.length / n);
  await Promise.all(clients.map((c, i) => loadDigs(c, digs.slice(i * per, (i + 1) * per))));
  const t0 = performance.now();
  const parts = await Promise.all(clients.map((c) => runBatch(c, b, maxMargin, radius)));
  const seconds = since(t0);
  const pairs = emptyPairs(digs);
  let pairCount = 0;
  for (const part of parts) {
    pairCount += part.rows.length;
    for (const [id, owner, fid, near] of part.rows) addPair(pairs, id, owner, fid, near);
  }
  return { seconds, pairs, pairCount };
}

/** One statement name per distinct text: `pg` refuses to reuse a name for another text on a connection. */
const statementNames = new Map<string, string>();

/**
 * One named prepared statement executed once per dig over the socket, the dig as a hex EWKB
 * parameter (typed geometry, so it is parsed once per execution). The statement is prepared and
 * warmed on the first dig before timing starts. `seconds` is the sum of the latencies.
 */
export async function querySingle(peer: PgPeer, digs: readonly Dig[], b: number, maxMargin: number): Promise<SingleResult> {
  checkDistances(b, maxMargin);
  const c = asPeer(peer).client;
  await c.query('SET max_parallel_workers_per_gather = 0');
  const text = conflictSql('$1::geometry', b, maxMargin);
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `ler_dig_${statementNames.size}`));
  const hex = digs.map((d) => ewkbHex(d, SRID));
  if (hex.length > 0) await c.query({ name, text, values: [hex[0]], rowMode: 'array' });

  const micros = new Float64Array(digs.length);
  const results: [string, string, boolean][][] = new Array(digs.length);
  for (let i = 0; i < digs.length; i++) {
    const t0 = performance.now();
    const res = await c.query<[string, string, boolean]>({ name, text, values: [hex[i]], rowMode: 'array' });
    micros[i] = (performance.now() - t0) * 1000;
    results[i] = res.rows;
  }
  const pairs = emptyPairs(digs);
  let pairCount = 0;
  let seconds = 0;
  for (let i = 0; i < digs.length; i++) {
    seconds += micros[i] / 1e6;
    pairCount += results[i].length;
    for (const [owner, fid, near] of results[i]) addPair(pairs, digs[i].id, owner, fid, near);
  }
  return { seconds, pairs, pairCount, micros };
}
