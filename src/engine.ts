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
import { declaredCrs, isInternal, normaliseCrs, unprojectPositions, unprojectToLonLat, type Positions } from './crs/index.js';
import { LerError } from './errors.js';
import { NetworkIndex } from './index/network-index.js';
import { networkOutline } from './index/outline.js';
import { applyChanges, buildNetwork, planChanges } from './ingest/network-builder.js';
import { finishBytes, finishElsewhere } from './ingest/finish.js';
import { QueryPool } from './pool.js';
import { AreaReader, checkInfoZone, readArea, type ReadArea } from './query/area-reader.js';
import { readInterestProperties, salvageInterestProperties } from './query/interest-properties.js';
import { DEFAULT_PROPERTY_LIMITS, resolvePropertyLimits, type PropertyLimits } from './input/property-limits.js';
import { openBatchInput } from './batch/areas.js';
import { batchSettings, type BatchSettingsInput } from './batch/options.js';
import { runBatch, type BatchProgress } from './batch/run.js';
import type { AreaSummary } from './batch/summary.js';
import type { AuditInput, Store } from './store/store.js';
import { buildFromStream, type StreamBuildOptions } from './ingest/upload.js';
import { checkRemovedShare, checkReplacement, deletedCount, type RemovalGuard } from './ingest/removal.js';
import { assemblePackage, auditDetail } from './package/assemble.js';
import { InterestRegistry, type InterestArea } from './package/interest.js';
import { DEFAULT_PRECAUTIONS, workTypesOf, type PrecautionMatrix } from './package/precautions.js';
import { checkDigTerms, DEFAULT_DIG_LIMITS, maxAreaOf, type DigLimits } from './package/terms.js';
import type { DigRequestInput, Package } from './package/types.js';
import { answerDeadline, DEFAULT_DEADLINE_RULES, type DeadlineRules } from './package/deadline.js';
import { checkAnswer, checkMarking, reviseWithAnswer, reviseWithMarking } from './package/answer.js';
import { createdEventBodies, eventBody, ownerNotices } from './package/notice.js';
import { packageConflict } from './package/assemble.js';
import type { InboxUpdate, OutboxEvent } from './store/store.js';
import type { BuildOptions, Conflict, CrsName, Extent, FeatureCollection, MultiPolygon, QueryOptions } from './types.js';
import { Snapshot, type OwnerPart } from './snapshot.js';
import { ReplicaSync, type ReplicaSyncOptions } from './replica-sync.js';
import type { OwnerProfile } from './model/owner.js';

export interface EngineOptions {
  /** Worker threads for batches; default: the machine's parallelism; 0 runs batches inline. */
  workers?: number;
  /** Consecutive segments per index entry (see NetworkIndex). */
  chunkSize?: number;
  /** Worker module for the pool (tests); default: the query worker of this build. */
  workerFile?: string | URL;
  /**
   * Durable store: the engine (`Engine.open`) starts with every owner's newest stored version, and
   * an upload is stored before it becomes visible; on a store shared by replicas, it follows their
   * changes. Without one, networks live in memory only.
   */
  store?: Store;
  /** How the other replicas' changes are followed (errors, timings). */
  sync?: ReplicaSyncOptions;
  /**
   * Milliseconds after the last upload before the owners are merged into one index again
   * (default 250); until then single digs answer from the owners' indexes side by side.
   */
  compactDelay?: number;
  /** The precaution matrix packages take their precautions from; default DEFAULT_PRECAUTIONS. */
  precautions?: PrecautionMatrix;
  /** What a dig request may be (area, vertices, zone, period) and how long a package is valid. */
  digLimits?: Partial<DigLimits>;
  /** Dig and interest areas outside it are refused; default Denmark's; null: none (planar test data). */
  extent?: Extent | null;
  /** The clock of packages (tests). */
  now?: () => Date;
  /** When owners' answers are due (LER's rule, Danish time and holidays); default DEFAULT_DEADLINE_RULES. */
  deadlines?: DeadlineRules;
}

/** Who answers a dig request, and in what CRS its lines come. */
export interface AnswerOptions {
  actor: string;
  crs?: string;
  propertyLimits?: Partial<PropertyLimits>;
}

/** Who made a change, and what the audit log is to say of it besides the version. */
export interface ChangeAudit {
  actor: string;
  /** The action the entry is written under, when it is not the change's own (e.g. network.rollback). */
  action?: string;
  /** More for the entry, read when it is written (e.g. the bytes an upload streamed). */
  detail?: Record<string, unknown> | (() => Record<string, unknown>);
}

/** A dig request answered: the package, and its JSON in UTF-8 as stored (to send as it is). */
export interface DigAnswer {
  pkg: Package;
  json: Buffer;
}

const DEFAULT_COMPACT_DELAY = 250;

/** Without a pool, a network's layout or merge past this many bytes of columns runs in a thread of its own. */
const OFF_THREAD_BYTES = 16 * 1024 * 1024;

/** One owner's network in the engine. */
export type OwnerNetwork = OwnerPart;

export { Snapshot };

/** How a batch is checked (see BatchSettingsInput), and what its caller hears of it. */
export interface BatchOptions extends BatchSettingsInput {
  /** Include every conflict of each area in its summary (without geometry). */
  conflicts?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BatchProgress) => void;
}

export type { AreaSummary, BatchProgress };

export class Engine {
  private readonly networks = new Map<string, OwnerNetwork>();
  private current: Snapshot | null = null;
  /** Snapshots held by running batches, with their hold counts. */
  private readonly held = new Map<Snapshot, number>();
  private version = 0;
  private readonly chunkSize: number | undefined;
  private pool: QueryPool | null;
  /** Without a pool: one thread for the whole-network steps of big networks (layout, merge), started when first needed. */
  private helper: QueryPool | null = null;
  private readonly store: Store | null;
  /** Every owner's interest areas: the only copy the service has. */
  private readonly interest = new InterestRegistry();
  /** Owners' profiles as stored (names and contacts in packages), kept current across replicas. */
  private readonly profiles = new Map<string, OwnerProfile>();
  /** When each owner's live version was stored (its record's createdAt), where known. */
  private readonly storedAt = new Map<string, string>();
  /** Following the other replicas' changes (a store shared by several processes). */
  private sync: ReplicaSync | null = null;
  private readonly syncOptions: ReplicaSyncOptions;
  /** Dig areas are read into the same buffers request after request (reading is synchronous). */
  private readonly reader = new AreaReader();
  private readonly precautions: PrecautionMatrix;
  private readonly digLimits: DigLimits;
  private readonly extent: Extent | null | undefined;
  private readonly now: () => Date;
  private readonly deadlines: DeadlineRules;
  private readonly workerFile: string | URL | undefined;
  private closed = false;
  /** Uploads being read: compaction waits for them. */
  private uploads = 0;
  /** The asynchronous changes, one after the other: each is applied to the version before it. */
  private changes: Promise<unknown> = Promise.resolve();
  /** Versions being stored by an asynchronous change, by owner: a synchronous change numbers past them. */
  private readonly storing = new Map<string, number>();
  /** Removals of each owner's network, counted: a version stored while its owner was removed is not swapped in. */
  private readonly removals = new Map<string, number>();
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
    this.syncOptions = opts.sync ?? {};
    this.precautions = opts.precautions ?? DEFAULT_PRECAUTIONS;
    this.digLimits = { ...DEFAULT_DIG_LIMITS, ...opts.digLimits };
    this.extent = opts.extent;
    this.now = opts.now ?? ((): Date => new Date());
    this.deadlines = opts.deadlines ?? DEFAULT_DEADLINE_RULES;
    this.pool = workers > 0 ? new QueryPool({ threads: workers, workerFile: opts.workerFile }) : null;
  }

  /**
   * An engine on a store: every owner's newest stored version reopened from its packed buffers
   * (merged once), the interest areas and owner profiles read, and, on a store shared by other
   * replicas, their changes followed from then on (replica-sync.ts).
   */
  static async open(opts: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(opts);
    if (engine.store !== null) {
      try {
        await engine.restore(engine.store);
      } catch (error) {
        await engine.close();
        throw error;
      }
    }
    return engine;
  }

  /** Every owner's newest stored version, reopened from its packed buffers, merged once. */
  private async restore(store: Store): Promise<void> {
    // Listening first, then reading: a change committed meanwhile is followed after the read (in
    // turn), never missed.
    this.sync = new ReplicaSync(this, store, this.syncOptions);
    await this.inTurn(async () => {
      const next = new Map<string, OwnerNetwork>();
      for (const v of await store.currentVersions()) {
        next.set(v.owner, await this.loadVersion(store, v.owner, v.version));
        this.storedAt.set(v.owner, v.createdAt);
      }
      if (next.size > 0) this.swap(next);
      for (const owner of await store.interestAreaOwners()) await this.reloadInterestAreas(owner);
      for (const profile of await store.ownerProfiles()) this.profiles.set(profile.owner, profile);
    });
  }

  /** A stored version of an owner's network, opened. */
  private async loadVersion(store: Store, owner: string, version: number): Promise<OwnerNetwork> {
    let index: NetworkIndex;
    try {
      index = NetworkIndex.from(await store.loadSnapshot(owner, version));
    } catch (error) {
      if (error instanceof LerError && (error.code === 'VERSION_GONE' || error.code === 'STORE_UNAVAILABLE')) throw error;
      throw new LerError('STORE_CORRUPT', {}, `${owner} version ${version}: ${(error as Error).message}`);
    }
    return { owner, version, features: index.featureCount, index };
  }

  /**
   * Brings one owner's network up to its newest stored version (committed by another replica, or
   * removed there): loaded and swapped in when newer than the live one. Called in turn with this
   * replica's own changes, so a version is never swapped in over a newer one.
   */
  followOwner(owner: string): Promise<void> {
    const store = this.store;
    if (store === null || this.closed) return Promise.resolve();
    return this.inTurn(async () => {
      const removals = this.removals.get(owner) ?? 0;
      const newest = (await store.history(owner))[0];
      const live = this.networks.get(owner);
      if (this.closed) return;
      if (newest === undefined) {
        if (live === undefined) return;
        this.interest.delete(owner);
        this.storedAt.delete(owner);
        const next = new Map(this.networks);
        next.delete(owner);
        this.swap(next);
        return;
      }
      // The store's newest is what this replica answers from: newer or not (an owner removed and
      // uploaded again numbers from 1), told apart by when it was stored.
      if (live !== undefined && live.version === newest.version && (this.storedAt.get(owner) ?? newest.createdAt) === newest.createdAt) return;
      const loaded = await this.loadVersion(store, owner, newest.version);
      // Removed here meanwhile (removals run outside the turn): it stays removed.
      if (this.closed || (this.removals.get(owner) ?? 0) !== removals || this.networks.get(owner) !== live) return;
      const next = new Map(this.networks);
      next.set(owner, loaded);
      this.storedAt.set(owner, newest.createdAt);
      this.swap(next);
    });
  }

  /** Every owner followed at once (after the store reconnected: changes may have been missed). */
  async followAll(): Promise<void> {
    const store = this.store;
    if (store === null || this.closed) return;
    // One owner failing does not stop the others; the first failure is thrown at the end (the
    // caller tries the whole again).
    let failed: { error: unknown } | null = null;
    const attempt = (work: Promise<void>): Promise<void> => work.catch((error: unknown) => void (failed ??= { error }));
    const stored = await store.currentVersions();
    const owners = new Set([...stored.map((v) => v.owner), ...this.networks.keys()]);
    for (const owner of owners) await attempt(this.followOwner(owner));
    for (const owner of new Set([...(await store.interestAreaOwners()), ...this.interest.owners])) await attempt(this.reloadInterestAreas(owner));
    const profiles = await store.ownerProfiles();
    this.profiles.clear();
    for (const profile of profiles) this.profiles.set(profile.owner, profile);
    if (failed !== null) throw (failed as { error: unknown }).error;
  }

  /** An owner's interest areas read again from the store (changed by another replica). */
  async reloadInterestAreas(owner: string): Promise<void> {
    if (this.store === null) return;
    const areas = await this.store.interestAreas(owner);
    // Checked whole when they were stored: read again without the shape checks.
    if (areas === null || areas === undefined) this.interest.delete(owner);
    else this.interest.set(owner, this.readInterestAreas(areas, { crs: declaredCrs(areas) ?? 'EPSG:4326', validate: false }), areas);
  }

  /** An owner's profile read again from the store (set here or by another replica). */
  async reloadOwnerProfile(owner: string): Promise<void> {
    if (this.store === null) return;
    const profile = await this.store.ownerProfile(owner);
    if (profile === null) this.profiles.delete(owner);
    else this.profiles.set(owner, profile);
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
   * that owner), stored (with a store) and swapped in as a new snapshot. Invalid input throws a
   * LerError at once, leaving everything as it was; without a store the new snapshot is live
   * before this returns.
   */
  putNetwork(owner: string, input: FeatureCollection | NetworkIndex | unknown, opts: Omit<BuildOptions, 'owner'> & { audit?: ChangeAudit } = {}): Promise<Snapshot> {
    const { audit, ...build } = opts;
    return this.putNetworks([{ owner, input, opts: build, audit }]);
  }

  /**
   * Replaces an owner's network from an upload's bytes (a FeatureCollection or an RFC 8142 text
   * sequence), parsed as they arrive with bounded memory: stored, then swapped in, only when every
   * feature has passed (or, with `invalid: 'skip'` and a report, the valid ones).
   */
  async putNetworkStream(owner: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, opts: Omit<StreamBuildOptions, 'owner'> & { audit?: ChangeAudit; guard?: RemovalGuard } = {}): Promise<Snapshot> {
    this.checkOpen();
    const { audit, guard, ...build } = opts;
    this.uploads++;
    let index: NetworkIndex;
    try {
      ({ index } = await buildFromStream(source, { chunkSize: this.chunkSize, parser: this.pool, finisher: (task) => this.offThread(finishBytes(task)), ...build, owner }));
    } finally {
      if (--this.uploads === 0) this.scheduleCompaction();
    }
    return this.inTurn(async () => {
      // With a guard: no empty network, and no more than its share of the features gone at once,
      // measured against the network as it is when this upload's turn comes (not as it was when
      // the upload began: another one may have been stored meanwhile).
      if (guard !== undefined) await checkReplacement(this.networks.get(owner)?.index ?? null, index, guard);
      return this.commitNetwork(owner, index, audit, 'network.replace');
    });
  }

  /** Several owners' networks replaced in one swap (one merge); invalid input throws at once. */
  putNetworks(items: readonly { owner: string; input: FeatureCollection | NetworkIndex | unknown; opts?: Omit<BuildOptions, 'owner'>; audit?: ChangeAudit }[]): Promise<Snapshot> {
    this.checkOpen();
    const built = items.map(({ owner, input, opts, audit }) => {
      const index = input instanceof NetworkIndex ? input : buildNetwork(input, { chunkSize: this.chunkSize, ...opts, owner });
      if (index.owners.length !== 1 || index.owners[0] !== owner) {
        throw new LerError('OWNER_INVALID', {}, `The index given for ${JSON.stringify(owner)} holds ${JSON.stringify(index.owners)}.`);
      }
      return { owner, index, audit };
    });
    const store = this.store;
    if (store === null) {
      const next = new Map(this.networks);
      for (const { owner, index } of built) next.set(owner, { owner, version: this.liveVersion(owner, next) + 1, features: index.featureCount, index });
      return Promise.resolve(this.swap(next));
    }
    // Durable before visible: each version and its audit entry are committed together, then all swapped in.
    return this.inTurn(async () => {
      const next = new Map(this.networks);
      for (const { owner, index, audit } of built) {
        const version = await this.storeVersion(store, owner, index, audit, 'network.replace', next);
        next.set(owner, { owner, version, features: index.featureCount, index });
      }
      return this.swap(next);
    });
  }

  /**
   * Applies a change set to an owner's network (upsert features by id, delete ids) as a new
   * version, stored before it is visible. Throws a LerError, changing nothing, when it is invalid.
   */
  patchNetwork(owner: string, changes: { upsert?: unknown; delete?: unknown }, opts: Omit<BuildOptions, 'owner'> & { audit?: ChangeAudit; guard?: RemovalGuard } = {}): Promise<Snapshot> {
    this.checkOpen();
    const { audit, guard, ...build } = opts;
    const current = this.networks.get(owner) ?? null;
    const index = applyChanges(current?.index ?? null, changes, { chunkSize: this.chunkSize, ...build, owner });
    if (guard !== undefined) checkRemovedShare(current?.features ?? 0, deletedCount(changes.delete), guard);
    if (this.store === null) {
      const next = new Map(this.networks);
      next.set(owner, { owner, version: this.liveVersion(owner, next) + 1, features: index.featureCount, index });
      return Promise.resolve(this.swap(next));
    }
    return this.inTurn(() => this.commitNetwork(owner, index, audit, 'network.patch'));
  }

  /**
   * As patchNetwork, without holding the event loop for the whole network: the change set is read
   * here, the network laid out and indexed again in the pool (when there is one), and the new
   * version stored by the store's writer thread, then swapped in. Changes made this way (and
   * streamed uploads) are applied one after the other, each to the version before it.
   */
  applyChangeSet(owner: string, changes: { upsert?: unknown; delete?: unknown }, opts: Omit<BuildOptions, 'owner'> & { audit?: ChangeAudit; guard?: RemovalGuard } = {}): Promise<Snapshot> {
    this.checkOpen();
    const { audit, guard, ...build } = opts;
    return this.inTurn(async () => {
      const current = this.networks.get(owner) ?? null;
      const plan = planChanges(current?.index ?? null, changes, { chunkSize: this.chunkSize, ...build, owner });
      if (guard !== undefined) checkRemovedShare(current?.features ?? 0, deletedCount(changes.delete), guard);
      const index = await finishElsewhere(plan, this.offThread(finishBytes(plan)));
      return this.commitNetwork(owner, index, audit, 'network.patch');
    });
  }

  /**
   * Makes a kept version of an owner's network current again, as a new version (the newest + 1)
   * holding that version's features: stored with its audit entry (network.rollback, with `from`)
   * and swapped in as an upload is. Throws OWNER_UNKNOWN when the owner has no network,
   * VERSION_UNKNOWN for a version it never had, VERSION_GONE for one no longer kept.
   */
  async rollbackNetwork(owner: string, version: number, opts: { audit?: ChangeAudit } = {}): Promise<Snapshot> {
    this.checkOpen();
    const current = this.networks.get(owner);
    if (current === undefined) throw new LerError('OWNER_UNKNOWN', { pointer: '/owner' }, `No network of ${JSON.stringify(owner)} is loaded.`);
    if (!Number.isSafeInteger(version) || version < 1 || version > current.version) {
      throw new LerError('VERSION_UNKNOWN', { pointer: '/version' }, `${owner} has had versions 1 to ${current.version}; got ${String(version)}.`);
    }
    let index = current.index;
    if (version !== current.version) {
      if (this.store === null || !(await this.store.history(owner)).some((v) => v.version === version)) throw new LerError('VERSION_GONE', { pointer: '/version' }, `${owner} version ${version}.`);
      // Dropped from the history since it was looked up: VERSION_GONE, as if it had been then.
      index = (await this.loadVersion(this.store, owner, version)).index;
    }
    const given = opts.audit?.detail;
    const audit: ChangeAudit = { actor: opts.audit?.actor ?? owner, action: 'network.rollback', detail: () => ({ ...(typeof given === 'function' ? given() : given), from: version }) };
    // Stored like an upload: in steps in the store's writer thread, then swapped in.
    return this.inTurn(() => this.commitNetwork(owner, index, audit, 'network.rollback'));
  }

  /**
   * Registers an owner's interest areas (replacing the previous ones): a FeatureCollection of
   * Polygon or MultiPolygon features, each with `properties.forsyningsart` (a kind of supply, or
   * an array of them) and `properties.contact` (at most 500 characters), read by the same reader
   * as dig areas. Checked whole, properties within `propertyLimits` (default 16 KiB and 4 KiB);
   * throws a LerError naming the feature and attribute.
   */
  putInterestAreas(owner: string, areas: unknown, opts: { crs?: string; audit?: ChangeAudit; propertyLimits?: Partial<PropertyLimits> } = {}): Promise<{ areas: number; crs: CrsName }> {
    this.checkOpen();
    let crs: CrsName;
    try {
      crs = normaliseCrs(opts.crs ?? declaredCrs(areas));
    } catch (error) {
      throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, (error as LerError).message);
    }
    const prepared = this.readInterestAreas(areas, { crs, propertyLimits: resolvePropertyLimits(opts.propertyLimits) });
    const fc = areas as FeatureCollection;
    const stored = { ...fc, crs: { type: 'name', properties: { name: crs } } };
    const done = { areas: fc.features.length, crs };
    if (this.store === null) {
      this.interest.set(owner, prepared, stored);
      return Promise.resolve(done);
    }
    return this.store.putInterestAreas(owner, stored, auditEntry(opts.audit, 'interest-areas.replace', owner, done)).then(() => {
      this.interest.set(owner, prepared, stored);
      return done;
    });
  }

  /** An owner's registered interest areas (as given, with their CRS declared), or null. */
  interestAreas(owner: string): unknown {
    return this.interest.source(owner);
  }

  /** The kinds of work dig requests may name (the precaution matrix's columns). */
  get workTypes(): string[] {
    return workTypesOf(this.precautions);
  }

  /** Resolves once the other replicas' changes heard so far are followed. */
  synced(): Promise<void> {
    return this.sync?.settled() ?? Promise.resolve();
  }

  /** Owners with registered interest areas, sorted. */
  get interestAreaOwners(): string[] {
    return this.interest.owners;
  }

  /** Reads and checks interest areas into prepared areas, each kept (not in the reader's buffers). */
  private readInterestAreas(areas: unknown, opts: { crs: string; validate?: boolean; propertyLimits?: PropertyLimits }): InterestArea[] {
    const fc = areas as { type?: unknown; features?: unknown } | null;
    if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new LerError('FEATURE_COLLECTION_INVALID');
    return fc.features.map((feature: unknown, i: number) => {
      const f = feature as { type?: unknown; geometry?: unknown; properties?: Record<string, unknown> | null } | null;
      if (!f || typeof f !== 'object' || f.type !== 'Feature') throw new LerError('FEATURE_NOT_OBJECT', { featureIndex: i });
      const id = (f as { id?: unknown }).id;
      const where = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? { featureIndex: i, featureId: id } : { featureIndex: i };
      // Stored ones were checked when they were stored (or before these checks): read, never refused.
      const props = opts.validate === false ? salvageInterestProperties(f.properties) : readInterestProperties(f.properties, where, opts.propertyLimits ?? DEFAULT_PROPERTY_LIMITS);
      const read = readArea(f.geometry, { crs: opts.crs, extent: this.extent, kind: 'member', where, pointer: '/geometry', validate: opts.validate });
      return { area: read.prepared, ...props };
    });
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
    const coordinates = networkOutline(network.index, cellSize);
    const out = isInternal(crs) ? coordinates : coordinates.map((poly) => poly.map((ring) => ring.map(([x, y]) => unprojectToLonLat(x, y))));
    return { type: 'MultiPolygon', coordinates: out };
  }

  /**
   * A contractor's dig request, the only road to a package: the area read and checked once, the
   * live snapshot queried with it, the owners' interest areas near it found, the package assembled
   * and, with a store, recorded with its audit entry in one transaction before it is answered.
   * Throws a LerError with a pointer into the request when the request is invalid.
   */
  async digRequest(input: DigRequestInput, opts: { requester?: string; extent?: Extent | null; renewalOf?: string } = {}): Promise<DigAnswer> {
    const snapshot = this.openSnapshot();
    const now = this.now();
    const request: DigRequestInput = input !== null && typeof input === 'object' ? input : {};
    const terms = checkDigTerms(request, this.digLimits, this.precautions, now);
    const extent = opts.extent !== undefined ? opts.extent : this.extent;
    const area = this.readDigArea(request.geometry, request.crs, extent, maxAreaOf(terms.type, this.digLimits));
    const conflicts = snapshot === null ? [] : snapshot.query(area.prepared, { infoZone: terms.infoZone, crs: area.crs });
    const networkVersions: Record<string, number> = {};
    if (snapshot !== null) for (const n of snapshot.networks.values()) networkVersions[n.owner] = n.version;
    const createdAt = now.toISOString();
    const pkg = assemblePackage({
      id: randomUUID(),
      createdAt,
      terms,
      answerDeadline: answerDeadline(now, this.deadlines).toISOString(),
      renewalOf: opts.renewalOf ?? null,
      digArea: request.geometry,
      crs: area.crs,
      areaM2: area.areaM2,
      ...(extent !== undefined ? { extent } : {}),
      conflicts,
      hits: this.interest.hits(area.prepared, terms.infoZone),
      snapshotVersion: snapshot?.version ?? null,
      networkVersions,
      profile: (owner) => this.profiles.get(owner) ?? null,
      precautions: this.precautions
    });
    // Written and encoded once: the same bytes are stored and sent.
    const json = Buffer.from(JSON.stringify(pkg));
    const requester = opts.requester ?? 'anonymous';
    if (this.store !== null) {
      const inbox = ownerNotices(pkg, lonLatOf(request.geometry, area.crs));
      const priority = pkg.type === 'emergency' ? 1 : 0;
      let events: OutboxEvent[] = [];
      // Made only when a webhook may take them: every dig request passes here.
      if (this.store.mayDeliver()) {
        const ids = inbox.map(() => randomUUID());
        const bodies = createdEventBodies(inbox, ids);
        events = inbox.map((entry, k) => ({ id: ids[k], type: 'dig-request.created', createdAt, priority, owner: entry.owner, requester: null, body: bodies[k] }));
      }
      await this.store.recordDigRequest(pkg.id, requester, json, { actor: requester, action: 'dig-request.create', owner: null, detail: auditDetail(pkg, area.bbox) }, { inbox, events });
    }
    return { pkg, json };
  }

  /** The newest revision of a stored package (or revision `revision`); DIG_REQUEST_UNKNOWN / REVISION_UNKNOWN. */
  async storedPackage(id: string, revision?: number): Promise<{ pkg: Package; requester: string }> {
    const store = this.requireStore();
    const row = revision === undefined ? await store.digRequest(id) : await store.digRequestRevision(id, revision);
    if (row === null) {
      if (revision !== undefined && (await store.digRequest(id)) !== null) throw new LerError('REVISION_UNKNOWN', { pointer: '/revision' }, `Dig request ${id} has no revision ${revision}.`);
      throw new LerError('DIG_REQUEST_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(id)}.`);
    }
    return { pkg: withRevision(row.body as Package, row.revision, row.createdAt), requester: row.requester };
  }

  /**
   * An owner's answer to a dig request its package names: checked (a status of LER's six with what
   * it needs; lines read by the rules of uploads and clipped by the package's rule), stored as the
   * package's next revision with the owner's inbox entry, its audit entry and the requester's
   * `dig-request.answered` event. A package past its validity is not answered (DIG_REQUEST_EXPIRED).
   */
  async answerDigRequest(id: string, owner: string, body: unknown, opts: AnswerOptions): Promise<DigAnswer> {
    const now = this.now();
    const answer = checkAnswer(body, now);
    // Read once (by the rules of uploads), whatever revision it is then cut against.
    const crs = answer.lines === null ? undefined : (opts.crs ?? declaredCrs(answer.lines));
    const index = answer.lines === null ? null : buildNetwork(answer.lines, { owner, ...(crs !== undefined ? { crs } : {}), ...(this.extent !== undefined ? { extent: this.extent } : {}), ...(opts.propertyLimits !== undefined ? { propertyLimits: opts.propertyLimits } : {}) });
    return this.revise(id, owner, async (pkg) => {
      let conflicts = null;
      if (index !== null) {
        const area = this.readDigArea(pkg.digArea, pkg.crs, pkg.extent !== undefined ? pkg.extent : this.extent, Number.POSITIVE_INFINITY);
        const contact = answer.contact ?? pkg.owners.find((o) => o.owner === owner)?.contact ?? null;
        conflicts = index.query(area.prepared, { infoZone: pkg.infoZone, crs: area.crs }).map((c) => packageConflict(c, this.precautions, pkg.workType, contact));
      }
      const next = reviseWithAnswer(pkg, owner, answer, conflicts, opts.actor, now.toISOString());
      const entry = next.owners.find((o) => o.owner === owner) as Package['owners'][number];
      return { next, update: { owner, status: entry.status, conflicts: entry.conflicts.length, answeredAt: now.toISOString() }, action: 'dig-request.answer', answered: true };
    }, opts.actor);
  }

  /** Records an owner's lines shown on site (påvisning) as the package's next revision. */
  async markDigRequest(id: string, owner: string, body: unknown, opts: { actor: string }): Promise<DigAnswer> {
    const now = this.now();
    const marking = checkMarking(body, now);
    return this.revise(id, owner, async (pkg) => {
      const next = reviseWithMarking(pkg, owner, marking, now.toISOString());
      const entry = next.owners.find((o) => o.owner === owner) as Package['owners'][number];
      return { next, update: { owner, status: entry.status, conflicts: entry.conflicts.length, answeredAt: null }, action: 'dig-request.marking', answered: false };
    }, opts.actor);
  }

  /** A new revision made from the newest one, stored only over it (a concurrent answer makes it try again). */
  private async revise(id: string, owner: string, make: (pkg: Package) => Promise<{ next: Package; update: InboxUpdate; action: string; answered: boolean }>, actor: string): Promise<DigAnswer> {
    const store = this.requireStore();
    for (let attempt = 0; attempt < 5; attempt++) {
      const { pkg, requester } = await this.storedPackage(id);
      if (!pkg.owners.some((o) => o.owner === owner)) throw new LerError('DIG_REQUEST_OWNER_UNKNOWN', { pointer: '/owner' }, `${owner} is not named in dig request ${id}.`);
      const now = this.now();
      if (Date.parse(pkg.validUntil) < now.getTime()) throw new LerError('DIG_REQUEST_EXPIRED', { pointer: '/id' }, `Dig request ${id} was valid until ${pkg.validUntil}.`);
      const { next, update, action, answered } = await make(pkg);
      const json = JSON.stringify(next);
      const events: OutboxEvent[] = [];
      if (answered) {
        const eventId = randomUUID();
        const at = now.toISOString();
        events.push({ id: eventId, type: 'dig-request.answered', createdAt: at, priority: pkg.type === 'emergency' ? 1 : 0, owner, requester, body: eventBody(eventId, 'dig-request.answered', at, { id, owner, status: update.status, revision: next.revision, conflicts: update.conflicts }) });
      }
      const detail = { id, revision: next.revision, status: update.status, conflicts: update.conflicts };
      if (await store.reviseDigRequest(id, next.revision, json, update, { actor, action, owner, detail }, events)) return { pkg: next, json: Buffer.from(json) };
    }
    throw new LerError('REVISION_CONFLICT', { pointer: '/id' }, `Dig request ${id} kept changing.`);
  }

  /**
   * The same area asked again on today's networks, as a new request linked to the old one (LER
   * allows it within the dig period): while the old package is valid.
   */
  async renewDigRequest(id: string, opts: { requester: string }): Promise<DigAnswer> {
    const { pkg } = await this.storedPackage(id);
    if (Date.parse(pkg.validUntil) < this.now().getTime()) throw new LerError('DIG_REQUEST_EXPIRED', { pointer: '/id' }, `Dig request ${id} was valid until ${pkg.validUntil}.`);
    const input: DigRequestInput = { type: pkg.type, reason: pkg.reason ?? undefined, geometry: pkg.digArea, crs: pkg.crs, infoZone: pkg.infoZone, workType: pkg.workType, purpose: pkg.purpose ?? undefined, period: pkg.period };
    return this.digRequest(input, { requester: opts.requester, renewalOf: id, ...(pkg.extent !== undefined ? { extent: pkg.extent } : {}) });
  }

  private requireStore(): Store {
    this.checkOpen();
    if (this.store === null) throw new LerError('OPTION_INVALID', {}, 'Dig requests are kept only by an engine with a store.');
    return this.store;
  }

  /**
   * A stored dig request's package built again, by the same road, from the network versions it
   * recorded (kept in the store's history): the same answer however the networks changed since.
   */
  async rebuildPackage(id: string): Promise<Package> {
    this.checkOpen();
    // The registry's own answer: the first revision, before any owner's.
    const stored = (await this.store?.digRequestRevision(id, 1)) ?? null;
    if (stored === null) throw new LerError('DIG_REQUEST_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(id)}.`);
    const pkg = stored.body as Package;
    const indexes: NetworkIndex[] = [];
    for (const [owner, version] of Object.entries(pkg.networkVersions)) {
      const live = this.networks.get(owner);
      if (live?.version === version) {
        indexes.push(live.index);
        continue;
      }
      if (!((await this.store?.history(owner)) ?? []).some((v) => v.version === version)) {
        throw new LerError('VERSION_GONE', {}, `${owner} version ${version}.`);
      }
      indexes.push((await this.loadVersion(this.store as Store, owner, version)).index);
    }
    const area = this.readDigArea(pkg.digArea, pkg.crs, pkg.extent !== undefined ? pkg.extent : this.extent, Number.POSITIVE_INFINITY);
    let conflicts: Conflict[] = [];
    if (indexes.length > 0) {
      const index = indexes.length === 1 ? indexes[0] : NetworkIndex.merge(indexes, this.chunkSize !== undefined ? { chunkSize: this.chunkSize } : {});
      conflicts = index.query(area.prepared, { infoZone: pkg.infoZone, crs: area.crs });
    }
    return assemblePackage({
      id: pkg.id,
      createdAt: pkg.createdAt,
      terms: { type: pkg.type ?? 'dig', reason: pkg.reason ?? null, infoZone: pkg.infoZone, workType: pkg.workType, purpose: pkg.purpose, period: pkg.period, validUntil: pkg.validUntil },
      answerDeadline: pkg.answerDeadline,
      renewalOf: pkg.renewalOf ?? null,
      digArea: pkg.digArea,
      crs: pkg.crs,
      areaM2: pkg.areaM2,
      ...(pkg.extent !== undefined ? { extent: pkg.extent } : {}),
      conflicts,
      hits: this.interest.hits(area.prepared, pkg.infoZone),
      snapshotVersion: pkg.snapshotVersion,
      networkVersions: pkg.networkVersions,
      profile: (owner) => this.profiles.get(owner) ?? null,
      precautions: this.precautions
    });
  }

  /** A dig request's area, read once with every check and this engine's limits. */
  private readDigArea(geometry: unknown, crs: unknown, extent: Extent | null | undefined, maxAreaM2 = this.digLimits.maxDigAreaM2): ReadArea {
    let name: CrsName;
    try {
      name = normaliseCrs(crs);
    } catch {
      throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, `Got ${JSON.stringify(crs)}.`);
    }
    const limits = this.digLimits;
    return this.reader.read(geometry, { crs: name, extent, kind: 'dig', pointer: '/geometry', limits: { maxVertices: limits.maxDigVertices, maxAreaM2 } });
  }

  /** Removes an owner's network; returns the new snapshot (null when no network is left). */
  async removeNetwork(owner: string, opts: { audit?: ChangeAudit } = {}): Promise<Snapshot | null> {
    this.checkOpen();
    if (!this.networks.has(owner)) return this.current;
    // Counted before the write: a version being stored meanwhile sees the removal and is not swapped in.
    this.removals.set(owner, (this.removals.get(owner) ?? 0) + 1);
    await this.store?.removeOwner(owner, auditEntry(opts.audit, 'network.remove', owner, {}));
    this.interest.delete(owner);
    if (!this.networks.has(owner)) return this.current;
    const next = new Map(this.networks);
    next.delete(owner);
    return this.swap(next);
  }

  /**
   * Where a whole-network step (lay out and index, merge) over `bytes` of columns runs: in the
   * pool; without one, in a thread of its own when it is big (seconds of work that would hold the
   * event loop), else here (null).
   */
  private offThread(bytes: number): QueryPool | null {
    if (this.pool !== null) return this.pool;
    if (bytes < OFF_THREAD_BYTES || this.closed) return null;
    this.helper ??= new QueryPool({ threads: 1, workerFile: this.workerFile });
    return this.helper;
  }

  /** Runs an asynchronous change after those before it (whether they succeeded or not). */
  private inTurn<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(change);
    this.changes = run.catch(() => undefined);
    return run;
  }

  /** The newest version of an owner here: live, or being stored. */
  private liveVersion(owner: string, networks: ReadonlyMap<string, OwnerNetwork>): number {
    return Math.max(networks.get(owner)?.version ?? 0, this.storing.get(owner) ?? 0);
  }

  /**
   * Stores the next version of an owner's network with its audit entry and says its number: past
   * the live one, any being stored, and any the store holds (a write committed but never answered,
   * or one of another replica). Two replicas numbering the same version at once: the second is
   * refused by the store (VERSION_TAKEN) and numbers again.
   */
  private async storeVersion(store: Store, owner: string, index: NetworkIndex, audit: ChangeAudit | undefined, action: string, networks: ReadonlyMap<string, OwnerNetwork>): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const stored = (await store.history(owner))[0]?.version ?? 0;
      const version = Math.max(this.liveVersion(owner, networks), stored) + 1;
      this.storing.set(owner, version);
      try {
        const record = await store.commitVersion(owner, version, index.buffers, index.featureCount, auditEntry(audit, action, owner, { version, features: index.featureCount }));
        this.storedAt.set(owner, record.createdAt);
        return version;
      } catch (error) {
        if (error instanceof LerError && error.code === 'VERSION_TAKEN' && attempt < 5) continue;
        throw error;
      } finally {
        if (this.storing.get(owner) === version) this.storing.delete(owner);
      }
    }
  }

  /**
   * Stores a new version of one owner's network without blocking the event loop (the store writes
   * its snapshot in steps in its writer thread), then swaps it in: durable before visible. Called
   * in turn (inTurn). A synchronous change that overtook it meanwhile stays live (this version is
   * kept in the history); an owner removed meanwhile stays removed.
   */
  private async commitNetwork(owner: string, index: NetworkIndex, audit: ChangeAudit | undefined, action: string): Promise<Snapshot> {
    this.checkOpen();
    if (index.owners.length !== 1 || index.owners[0] !== owner) {
      throw new LerError('OWNER_INVALID', {}, `The index given for ${JSON.stringify(owner)} holds ${JSON.stringify(index.owners)}.`);
    }
    const removals = this.removals.get(owner) ?? 0;
    let version = this.liveVersion(owner, this.networks) + 1;
    if (this.store !== null) {
      try {
        version = await this.storeVersion(this.store, owner, index, audit, action, this.networks);
      } catch (error) {
        // The owner was removed while its version was being written (its staged pieces went with it).
        if ((this.removals.get(owner) ?? 0) !== removals && !(error instanceof LerError)) {
          throw new LerError('OWNER_UNKNOWN', {}, `${JSON.stringify(owner)} was removed while this version was being stored: nothing of it was kept.`);
        }
        throw error;
      }
    }
    if ((this.removals.get(owner) ?? 0) !== removals) {
      await this.store?.removeOwner(owner, { actor: audit?.actor ?? owner, action: 'network.remove', owner, detail: { version, removedWhileStored: true } });
      return this.current as Snapshot;
    }
    if (this.closed || (this.networks.get(owner)?.version ?? 0) >= version) return this.current as Snapshot;
    const next = new Map(this.networks);
    next.set(owner, { owner, version, features: index.featureCount, index });
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
      const pool = this.offThread(snapshot.parts.reduce((n, o) => n + o.index.buffers.columns.byteLength, 0));
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

  /**
   * A single dig's conflicts, answered inline on the live snapshot, without a package or a record:
   * the area read as the kernel takes it (rings even-odd, as PostGIS takes an invalid polygon),
   * without the shape checks and limits of a dig request (`digRequest`).
   */
  query(area: unknown, opts: QueryOptions = {}): Conflict[] {
    const snapshot = this.live();
    const infoZone = checkInfoZone(opts.infoZone);
    const read = this.reader.read(area, { crs: opts.crs, extent: opts.extent !== undefined ? opts.extent : this.extent, kind: 'dig', validate: false });
    return snapshot.query(read.prepared, { infoZone, crs: read.crs, geometry: opts.geometry });
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
    const { infoZone, limits, route, taskSize, window } = batchSettings(input, opts);
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
          taskSize,
          window
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
    this.sync?.close();
    await this.pool?.close();
    await this.helper?.close();
  }

  /** The live snapshot, null before any network is loaded (a dig then meets interest areas only). */
  private openSnapshot(): Snapshot | null {
    this.checkOpen();
    return this.current;
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

/** The audit entry of a change, with what the caller adds to the engine's own detail. */
function auditEntry(audit: ChangeAudit | undefined, action: string, owner: string, detail: Record<string, unknown>): AuditInput {
  const more = typeof audit?.detail === 'function' ? audit.detail() : (audit?.detail ?? {});
  return { actor: audit?.actor ?? owner, action: audit?.action ?? action, owner, detail: { ...more, ...detail } };
}

/** A package as stored, with the revision and time its row says (packages stored before revisions were counted have none). */
function withRevision(pkg: Package, revision: number, at: string): Package {
  return pkg.revision === revision ? pkg : { ...pkg, revision, revisedAt: pkg.revisedAt ?? at };
}

/** A dig area in lon/lat (EPSG:4326), for maps: as given, or unprojected from planar metres. */
function lonLatOf(geometry: unknown, crs: CrsName): unknown {
  if (!isInternal(crs)) return geometry;
  const g = geometry as { type: string; coordinates: Positions };
  return { type: g.type, coordinates: unprojectPositions(g.coordinates) };
}
