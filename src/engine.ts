/**
 * The engine: the live network (every owner's, as one snapshot), single digs answered inline,
 * and planners' batches run in a worker pool over the same shared buffers.
 *
 * ```ts
 * const engine = new Engine({ workers: 2 });
 * engine.putNetwork('dk-el', featureCollection);
 * const conflicts = engine.query(digArea, { infoZone: 2 });
 * for await (const summary of engine.checkBatch(areas, { infoZone: 2 })) console.log(summary);
 * await engine.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { declaredCrs, isInternal, normaliseCrs, resolveExtent, unprojectToLonLat } from './crs/index.js';
import { GeomType } from './index/columns.js';
import { readGeometry } from './input/geometry.js';
import { CellCover } from './geometry/cell-cover.js';
import { LerError } from './errors.js';
import { NetworkIndex } from './index/network-index.js';
import { QueryPool } from './pool.js';
import { checkInfoZone } from './query/dig-area.js';
import { DEFAULT_MAX_SIDE, DEFAULT_MAX_VERTICES, openBatchInput, type AreaLimits, type RouteInput } from './batch/areas.js';
import { DEFAULT_WINDOW, runBatch, type BatchProgress } from './batch/run.js';
import type { AreaSummary } from './batch/summary.js';
import type { Store } from './store/store.js';
import { buildFromStream, type StreamBuildOptions } from './ingest/upload.js';
import type { BuildOptions, Conflict, Extent, FeatureCollection, MultiPolygon, QueryOptions } from './types.js';
import { Snapshot, type OwnerPart } from './snapshot.js';

export interface EngineOptions {
  /** Worker threads for batches; default: the machine's parallelism; 0 runs batches inline. */
  workers?: number;
  /** Consecutive segments per index entry (see NetworkIndex). */
  chunkSize?: number;
  /** Worker module for the pool (tests); default: the query worker of this build. */
  workerFile?: string | URL;
  /**
   * Durable store: the engine starts with every owner's newest stored version, and an upload is
   * stored before it becomes visible. Without one, networks live in memory only.
   */
  store?: Store;
  /**
   * Milliseconds after the last upload before the owners are merged into one index again
   * (default 250); until then single digs answer from the owners' indexes side by side.
   */
  compactDelay?: number;
}

const DEFAULT_COMPACT_DELAY = 250;

/** One owner's network in the engine. */
export type OwnerNetwork = OwnerPart;

export { Snapshot };

export interface BatchOptions {
  /** Width b of the information zone, metres (0 to 100). */
  infoZone?: number;
  /** CRS of the areas (or route); default EPSG:4326. */
  crs?: string;
  /** As for queries: `null` turns the extent check off. */
  extent?: Extent | null;
  /** For a route (a LineString): the full width of its corridor, metres. */
  corridorWidth?: number;
  /** For a route: the length of each reported stretch, metres; default 100. */
  stretchLength?: number;
  /** Include every conflict of each area in its summary (without geometry). */
  conflicts?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BatchProgress) => void;
  /** Areas per task; default: at least 100, more for long batches. */
  taskSize?: number;
  /** Areas read ahead and sorted together; default 8192. */
  window?: number;
  /** Largest side of an area's box, metres; default 2500. */
  maxSide?: number;
  maxVertices?: number;
}

export type { AreaSummary, BatchProgress };

/** The answer to a dig request, by owner, with the network versions it was built from. */
export interface DigPackage {
  id: string;
  createdAt: string;
  digArea: unknown;
  infoZone: number;
  crs: string;
  /** The extent the dig area was checked against, when not Denmark's (`null`: none). */
  extent?: Extent | null;
  /** Every owner's network version the dig was checked against, hit or not. */
  networkVersions: Record<string, number>;
  /** The owners hit, each with its conflicts (geometry in the request's CRS). */
  owners: { owner: string; networkVersion: number; conflicts: Conflict[] }[];
}

function packageOwners(conflicts: Conflict[], versions: Record<string, number>): DigPackage['owners'] {
  const byOwner = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const list = byOwner.get(c.owner);
    if (list) list.push(c);
    else byOwner.set(c.owner, [c]);
  }
  return [...byOwner].map(([owner, list]) => ({ owner, networkVersion: versions[owner], conflicts: list }));
}

export class Engine {
  private readonly networks = new Map<string, OwnerNetwork>();
  private current: Snapshot | null = null;
  /** Snapshots held by running batches, with their hold counts. */
  private readonly held = new Map<Snapshot, number>();
  private version = 0;
  private readonly chunkSize: number | undefined;
  private pool: QueryPool | null;
  private readonly store: Store | null;
  private readonly interest = new Map<string, unknown>();
  private readonly workerFile: string | URL | undefined;
  private closed = false;
  /** Uploads being read: compaction waits for them. */
  private uploads = 0;
  private compactTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly compacting = new Map<Snapshot, Promise<void>>();
  private readonly compactDelay: number;

  constructor(opts: EngineOptions = {}) {
    const workers = opts.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
      throw new LerError('OPTION_INVALID', { pointer: '/workers' }, `workers must be 0 to 256, got ${String(workers)}.`);
    }
    this.chunkSize = opts.chunkSize;
    this.workerFile = opts.workerFile;
    this.compactDelay = opts.compactDelay ?? DEFAULT_COMPACT_DELAY;
    this.store = opts.store ?? null;
    if (this.store !== null) this.restore(this.store);
    this.pool = workers > 0 ? new QueryPool({ threads: workers, workerFile: opts.workerFile }) : null;
  }

  /** Every owner's newest stored version, reopened from its packed buffers, merged once. */
  private restore(store: Store): void {
    const next = new Map<string, OwnerNetwork>();
    for (const v of store.currentVersions()) {
      let index: NetworkIndex;
      try {
        index = NetworkIndex.from(store.loadSnapshot(v.owner, v.version));
      } catch (error) {
        throw new LerError('STORE_CORRUPT', {}, `${v.owner} version ${v.version}: ${(error as Error).message}`);
      }
      next.set(v.owner, { owner: v.owner, version: v.version, features: index.featureCount, index });
    }
    if (next.size > 0) this.swap(next);
  }

  /**
   * Changes the number of worker threads (0: batches run inline). Tasks already in the old pool
   * finish; a batch still running on it fails its remaining areas with WORKER_FAILED.
   */
  async setWorkers(workers: number): Promise<void> {
    this.checkOpen();
    if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
      throw new LerError('OPTION_INVALID', { pointer: '/workers' }, `workers must be 0 to 256, got ${String(workers)}.`);
    }
    const old = this.pool;
    this.pool = workers > 0 ? new QueryPool({ threads: workers, workerFile: this.workerFile }) : null;
    await old?.close();
  }

  /** Worker threads of the pool (0: batches run inline). */
  get workers(): number {
    return this.pool?.threads ?? 0;
  }

  /** The live snapshot; null before any network is loaded. */
  get snapshot(): Snapshot | null {
    return this.current;
  }

  /** Versions of snapshots still in use: the live one and those running batches hold. */
  liveVersions(): number[] {
    const versions = [...this.held.keys()].map((s) => s.version);
    if (this.current !== null && !versions.includes(this.current.version)) versions.push(this.current.version);
    return versions;
  }

  /**
   * Replaces one owner's whole network (GeoJSON in the LER 2.0 model, or an index built for
   * that owner) and swaps in a new snapshot. Throws a LerError, leaving everything as it was,
   * when the input is invalid.
   */
  putNetwork(owner: string, input: FeatureCollection | NetworkIndex | unknown, opts: Omit<BuildOptions, 'owner'> = {}): Snapshot {
    return this.putNetworks([{ owner, input, opts }]);
  }

  /**
   * Replaces an owner's network from an upload's bytes (a FeatureCollection or an RFC 8142 text
   * sequence), parsed as they arrive with bounded memory: stored, then swapped in, only when every
   * feature has passed (or, with `invalid: 'skip'` and a report, the valid ones).
   */
  async putNetworkStream(owner: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, opts: Omit<StreamBuildOptions, 'owner'> = {}): Promise<Snapshot> {
    this.checkOpen();
    this.uploads++;
    let index: NetworkIndex;
    try {
      ({ index } = await buildFromStream(source, { chunkSize: this.chunkSize, parser: this.pool, ...opts, owner }));
    } finally {
      if (--this.uploads === 0) this.scheduleCompaction();
    }
    return this.putNetworks([{ owner, input: index }]);
  }

  /** Several owners' networks replaced in one swap (one merge). */
  putNetworks(items: readonly { owner: string; input: FeatureCollection | NetworkIndex | unknown; opts?: Omit<BuildOptions, 'owner'> }[]): Snapshot {
    this.checkOpen();
    const built = items.map(({ owner, input, opts }) => {
      const index = input instanceof NetworkIndex ? input : NetworkIndex.build(input, { chunkSize: this.chunkSize, ...opts, owner });
      if (index.owners.length !== 1 || index.owners[0] !== owner) {
        throw new LerError('OWNER_INVALID', {}, `The index given for ${JSON.stringify(owner)} holds ${JSON.stringify(index.owners)}.`);
      }
      return { owner, index };
    });
    const next = new Map(this.networks);
    for (const { owner, index } of built) {
      const version = (next.get(owner)?.version ?? 0) + 1;
      // Durable before visible: the version is committed to the store, then swapped in.
      if (this.store !== null) {
        this.store.saveVersion(owner, version, index.buffers, index.featureCount);
        this.store.audit({ actor: owner, action: 'network.replace', owner, detail: { version, features: index.featureCount } });
      }
      next.set(owner, { owner, version, features: index.featureCount, index });
    }
    return this.swap(next);
  }

  /**
   * Applies a change set to an owner's network (upsert features by id, delete ids) as a new
   * version, stored before it is visible. Throws a LerError, changing nothing, when it is invalid.
   */
  patchNetwork(owner: string, changes: { upsert?: unknown; delete?: unknown }, opts: Omit<BuildOptions, 'owner'> = {}): Snapshot {
    this.checkOpen();
    const current = this.networks.get(owner) ?? null;
    const index = NetworkIndex.applyChanges(current?.index ?? null, changes, { chunkSize: this.chunkSize, ...opts, owner });
    const version = (current?.version ?? 0) + 1;
    if (this.store !== null) {
      this.store.saveVersion(owner, version, index.buffers, index.featureCount);
      this.store.audit({ actor: owner, action: 'network.patch', owner, detail: { version, features: index.featureCount } });
    }
    const next = new Map(this.networks);
    next.set(owner, { owner, version, features: index.featureCount, index });
    return this.swap(next);
  }

  /**
   * Registers an owner's interest areas (replacing the previous ones): a FeatureCollection of
   * Polygon or MultiPolygon features, each with `properties.forsyningsart` and
   * `properties.contact`. Checked whole; throws a LerError naming the feature and attribute.
   */
  putInterestAreas(owner: string, areas: unknown, opts: { crs?: string; extent?: Extent | null } = {}): void {
    this.checkOpen();
    const crs = normaliseCrs(opts.crs ?? declaredCrs(areas));
    const extent = resolveExtent(opts.extent);
    const fc = areas as { type?: unknown; features?: unknown };
    if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new LerError('FEATURE_COLLECTION_INVALID');
    const sink = { beginPart(): void {}, vertex(): void {} };
    fc.features.forEach((feature: unknown, i: number) => {
      const f = feature as { type?: unknown; geometry?: unknown; properties?: Record<string, unknown> | null } | null;
      if (!f || typeof f !== 'object' || f.type !== 'Feature') throw new LerError('FEATURE_NOT_OBJECT', { featureIndex: i });
      for (const name of ['forsyningsart', 'contact']) {
        const value = f.properties?.[name];
        if (value === undefined || value === null || value === '') throw new LerError('ATTRIBUTE_REQUIRED', { featureIndex: i, pointer: `/properties/${name}` }, `An interest area needs ${name}.`);
      }
      readGeometry(f.geometry, [GeomType.Polygon, GeomType.MultiPolygon], sink, { crs, extent, where: { featureIndex: i }, pointer: '/geometry' });
    });
    this.store?.putInterestAreas(owner, { ...fc, crs: { type: 'name', properties: { name: crs } } });
    this.store?.audit({ actor: owner, action: 'interest-areas.replace', owner, detail: { areas: fc.features.length } });
    this.interest.set(owner, fc);
  }

  /** An owner's registered interest areas, or null. */
  interestAreas(owner: string): unknown {
    return this.interest.get(owner) ?? this.store?.interestAreas(owner) ?? null;
  }

  /**
   * An owner's interest area derived from its network: the cells of a square grid (default
   * 100 m) that its features, grown by their margins, reach, outlined as a MultiPolygon in the
   * given CRS (default lon/lat). Coarse on purpose: it shows where the owner has lines without
   * drawing them.
   */
  deriveInterestArea(owner: string, opts: { cellSize?: number; crs?: string } = {}): MultiPolygon {
    const network = this.networks.get(owner);
    if (!network) throw new LerError('OWNER_INVALID', { pointer: '/owner' }, `No network for ${JSON.stringify(owner)}.`);
    const cellSize = opts.cellSize ?? 100;
    if (typeof cellSize !== 'number' || !Number.isFinite(cellSize) || cellSize < 1 || cellSize > 10_000) {
      throw new LerError('OPTION_INVALID', { pointer: '/cellSize' }, 'cellSize must be 1 to 10,000 m.');
    }
    const crs = normaliseCrs(opts.crs);
    const c = network.index.columns;
    // The grid starts below and left of everything it will mark: cell indices stay small and positive.
    let minX = Infinity, minY = Infinity;
    for (let i = 0; i < c.xy.length; i += 2) {
      if (c.xy[i] < minX) minX = c.xy[i];
      if (c.xy[i + 1] < minY) minY = c.xy[i + 1];
    }
    const pad = network.index.maxMargin + cellSize;
    const cover = new CellCover(cellSize, Math.floor((minX - pad) / cellSize) * cellSize, Math.floor((minY - pad) / cellSize) * cellSize);
    for (let f = 0; f < c.featureCount; f++) {
      const r = c.margin[f];
      for (let p = c.featureParts[f]; p < c.featureParts[f + 1]; p++) {
        const v0 = c.partVertices[p], v1 = c.partVertices[p + 1];
        if (v1 - v0 === 1) cover.markBox(c.xy[2 * v0] - r, c.xy[2 * v0 + 1] - r, c.xy[2 * v0] + r, c.xy[2 * v0 + 1] + r);
        for (let v = v0; v + 1 < v1; v++) cover.markSegment(c.xy[2 * v], c.xy[2 * v + 1], c.xy[2 * v + 2], c.xy[2 * v + 3], r);
      }
    }
    const coordinates = cover.outline();
    const out = isInternal(crs) ? coordinates : coordinates.map((poly) => poly.map((ring) => ring.map(([x, y]) => unprojectToLonLat(x, y))));
    return { type: 'MultiPolygon', coordinates: out };
  }

  /**
   * A contractor's dig request: every conflict of the dig area, by owner, with the network version
   * of every owner it was checked against (stored when the engine has a store, so that the
   * package can be rebuilt later to the same answer).
   */
  digRequest(area: unknown, opts: QueryOptions & { requester?: string } = {}): DigPackage {
    const snapshot = this.live();
    const { requester = 'anonymous', ...query } = opts;
    const conflicts = snapshot.query(area, query);
    const networkVersions = Object.fromEntries([...snapshot.networks.values()].map((n) => [n.owner, n.version]));
    const pkg: DigPackage = {
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      digArea: area,
      infoZone: query.infoZone ?? 0,
      crs: normaliseCrs(query.crs),
      ...(query.extent !== undefined ? { extent: query.extent } : {}),
      networkVersions,
      owners: packageOwners(conflicts, networkVersions)
    };
    this.store?.saveDigRequest(pkg.id, requester, pkg);
    return pkg;
  }

  /**
   * A stored dig request's package built again from the network versions it recorded (kept in the
   * store's history): the same answer however the networks changed since.
   */
  rebuildPackage(id: string): DigPackage {
    const stored = this.store?.digRequest(id) ?? null;
    if (stored === null) throw new LerError('DIG_REQUEST_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(id)}.`);
    const pkg = stored.body as DigPackage;
    const indexes = Object.entries(pkg.networkVersions).map(([owner, version]) => {
      const live = this.networks.get(owner);
      if (live?.version === version) return live.index;
      if (!(this.store?.history(owner) ?? []).some((v) => v.version === version)) {
        throw new LerError('VERSION_GONE', {}, `${owner} version ${version}.`);
      }
      return NetworkIndex.from((this.store as Store).loadSnapshot(owner, version));
    });
    if (indexes.length === 0) return pkg;
    const index = indexes.length === 1 ? indexes[0] : NetworkIndex.merge(indexes, this.chunkSize !== undefined ? { chunkSize: this.chunkSize } : {});
    const conflicts = index.query(pkg.digArea, { infoZone: pkg.infoZone, crs: pkg.crs, ...(pkg.extent !== undefined ? { extent: pkg.extent } : {}) });
    return { ...pkg, owners: packageOwners(conflicts, pkg.networkVersions) };
  }

  /** Removes an owner's network; returns the new snapshot (null when no network is left). */
  removeNetwork(owner: string): Snapshot | null {
    this.checkOpen();
    if (!this.networks.has(owner)) return this.current;
    this.store?.removeOwner(owner);
    this.store?.audit({ actor: owner, action: 'network.remove', owner, detail: {} });
    const next = new Map(this.networks);
    next.delete(owner);
    return this.swap(next);
  }

  private swap(next: Map<string, OwnerNetwork>): Snapshot {
    const owners = [...next.values()].sort((a, b) => (a.owner < b.owner ? -1 : 1));
    const snapshot = owners.length > 0 ? new Snapshot(++this.version, owners, this.current, this.chunkSize) : null;
    // One assignment: a query sees the old network or the new one, never a mix.
    this.networks.clear();
    for (const [k, v] of next) this.networks.set(k, v);
    this.current = snapshot;
    this.scheduleCompaction();
    return snapshot as Snapshot;
  }

  /**
   * Merges the live snapshot's owners into one index once uploads pause (in a worker when there
   * is a pool), so that an upload never waits for every other owner to be merged again.
   */
  private scheduleCompaction(): void {
    if (this.compactTimer !== null) clearTimeout(this.compactTimer);
    this.compactTimer = null;
    const snapshot = this.current;
    if (snapshot === null || snapshot.compacted || this.closed) return;
    this.compactTimer = setTimeout(() => {
      this.compactTimer = null;
      if (this.uploads > 0) return; // the upload's own swap schedules again
      void this.compact(snapshot).catch(() => undefined);
    }, this.compactDelay);
    this.compactTimer.unref();
  }

  /**
   * Merges the live snapshot's owners into one index now, rather than when uploads pause; resolves
   * once it is merged (batches need one index, and wait for it themselves).
   */
  async compactNow(): Promise<void> {
    const snapshot = this.live();
    await this.compact(snapshot);
  }

  /** Merges a snapshot's owners into one index (once; concurrent callers share the work). */
  private compact(snapshot: Snapshot): Promise<void> {
    if (snapshot.compacted) return Promise.resolve();
    let running = this.compacting.get(snapshot);
    if (running === undefined) {
      const pool = this.pool;
      running = (async (): Promise<void> => {
        let merged: NetworkIndex | null = null;
        if (pool !== null) {
          try {
            merged = NetworkIndex.from(await pool.merge(snapshot.parts.map((o) => o.index.buffers), this.chunkSize));
          } catch {
            merged = null; // a pool without the merge task: merge here (unless the engine is closing)
          }
        }
        if (this.closed && merged === null) return;
        if (!snapshot.compacted) snapshot.setMerged(merged ?? NetworkIndex.merge(snapshot.parts.map((o) => o.index), this.chunkSize !== undefined ? { chunkSize: this.chunkSize } : {}));
      })().finally(() => this.compacting.delete(snapshot));
      this.compacting.set(snapshot, running);
    }
    return running;
  }

  /** A single dig, answered inline on the live snapshot (see NetworkIndex.query). */
  query(area: unknown, opts: QueryOptions = {}): Conflict[] {
    return this.live().query(area, opts);
  }

  /**
   * Checks a planner's batch: a FeatureCollection (or array, or async iterable) of Polygon and
   * MultiPolygon features, or a route (a LineString geometry or Feature, with `corridorWidth`)
   * reported stretch by stretch. Yields one summary per area; a bad area yields a summary with
   * status 'failed' and its code, and the rest go on. The whole batch runs on the snapshot that
   * was live when it started.
   */
  async *checkBatch(input: unknown, opts: BatchOptions = {}): AsyncGenerator<AreaSummary> {
    this.checkOpen();
    const infoZone = checkInfoZone(opts.infoZone);
    const limits: AreaLimits = {
      crs: normaliseCrs(opts.crs),
      extent: resolveExtent(opts.extent),
      maxSide: positive(opts.maxSide, DEFAULT_MAX_SIDE, 'maxSide'),
      maxVertices: positive(opts.maxVertices, DEFAULT_MAX_VERTICES, 'maxVertices')
    };
    const route = routeOf(input, opts);
    const snapshot = this.live();
    this.held.set(snapshot, (this.held.get(snapshot) ?? 0) + 1);
    try {
      await this.compact(snapshot);
      const batch = openBatchInput(input, limits, route);
      yield* runBatch(
        {
          input: batch,
          limits,
          infoZone,
          radius: route === null ? 0 : route.width / 2,
          conflicts: opts.conflicts === true,
          signal: opts.signal ?? null,
          onProgress: opts.onProgress ?? null,
          taskSize: opts.taskSize === undefined ? 0 : positive(opts.taskSize, 0, 'taskSize'),
          window: opts.window === undefined ? DEFAULT_WINDOW : positive(opts.window, DEFAULT_WINDOW, 'window')
        },
        { snapshot, pool: this.pool, live: () => this.liveVersions() }
      );
    } finally {
      const holds = (this.held.get(snapshot) ?? 1) - 1;
      if (holds > 0) this.held.set(snapshot, holds);
      else this.held.delete(snapshot);
    }
  }

  /** Stops the pool; running batches fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactTimer !== null) clearTimeout(this.compactTimer);
    await this.pool?.close();
  }

  private live(): Snapshot {
    this.checkOpen();
    if (this.current === null) throw new LerError('NETWORK_EMPTY');
    return this.current;
  }

  private checkOpen(): void {
    if (this.closed) throw new LerError('ENGINE_CLOSED');
  }
}

/** Largest value a batch's size options take: beyond, a window or task would hold too much at once. */
const MAX_BATCH_OPTION = 1_000_000;

function positive(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BATCH_OPTION) {
    throw new LerError('BATCH_INVALID', { pointer: `/${name}` }, `${name} must be a whole number from 1 to ${MAX_BATCH_OPTION}, got ${String(value)}.`);
  }
  return value;
}

/** A route when the input is a LineString (geometry or Feature); null for a collection of areas. */
function routeOf(input: unknown, opts: BatchOptions): RouteInput | null {
  const x = input as { type?: unknown; geometry?: { type?: unknown } | null; id?: unknown } | null;
  const isLine = x !== null && typeof x === 'object' && (x.type === 'LineString' || (x.type === 'Feature' && x.geometry?.type === 'LineString'));
  if (!isLine) {
    if (opts.corridorWidth !== undefined) throw new LerError('BATCH_INVALID', { pointer: '/corridorWidth' }, 'corridorWidth is for a route: give a LineString.');
    return null;
  }
  if (opts.corridorWidth === undefined) throw new LerError('ROUTE_INVALID', { pointer: '/corridorWidth' }, 'A route needs corridorWidth, metres.');
  const id = typeof x.id === 'string' || typeof x.id === 'number' ? x.id : null;
  return { line: input, id, width: opts.corridorWidth, stretchLength: opts.stretchLength ?? 100 };
}
