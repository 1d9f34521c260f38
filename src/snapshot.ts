/**
 * A version of the whole network. An upload replaces one owner's network without merging every
 * owner again: the new snapshot answers from the last merged index (the replaced owners' old
 * features masked out) together with the changed owners' own indexes, and the engine merges them
 * in the background (`compact`). The merged index is a cache: the answers are the same before
 * and after it is set.
 */
import type { BatchSnapshot } from './batch/run.js';
import { byOwnerZoneDistance, NetworkIndex, type SnapshotBuffers } from './index/network-index.js';
import type { PreparedArea } from './geometry/index.js';
import type { Conflict, CrsName } from './types.js';

/** One owner's network as a snapshot lists it. */
export interface NetworkInfo {
  owner: string;
  /** Counts up from 1 with every replacement of this owner's network. */
  version: number;
  features: number;
}

/** What the snapshot answers from: an owner's own network, with the version it is. */
export interface OwnerPart extends NetworkInfo {
  index: NetworkIndex;
}

/** A merged index and the owner versions it holds. */
interface Base {
  index: NetworkIndex;
  versions: ReadonlyMap<string, number>;
}

export class Snapshot implements BatchSnapshot {
  /** Counts up from 1 with every change of any owner's network. */
  readonly version: number;
  readonly networks: ReadonlyMap<string, NetworkInfo>;
  private readonly owners: readonly OwnerPart[];
  private readonly chunkSize: number | undefined;
  /** A merged index holding some owners' current versions (and perhaps others' old ones). */
  private readonly base: Base | null;
  /** Owners of the base not to answer from: replaced or removed since it was merged. */
  private readonly masked: ReadonlySet<string>;
  /** Owners answered from their own index. */
  private readonly overlays: readonly OwnerPart[];
  private merged: Base | null = null;

  /**
   * The snapshot of `owners` (sorted by owner), answering from `previous`'s merged index where it
   * still holds an owner's current version.
   */
  constructor(version: number, owners: readonly OwnerPart[], previous: Snapshot | null, chunkSize: number | undefined) {
    this.version = version;
    this.owners = owners;
    this.chunkSize = chunkSize;
    this.networks = new Map(owners.map(({ owner, version: v, features }) => [owner, { owner, version: v, features }]));
    const from = previous?.merged ?? previous?.base ?? null;
    const current = new Map(owners.map((o) => [o.owner, o.version]));
    const masked = new Set<string>();
    let kept = 0;
    if (from !== null) {
      for (const [owner, v] of from.versions) {
        if (current.get(owner) === v) kept++;
        else masked.add(owner);
      }
    }
    this.base = from !== null && kept > 0 ? from : null;
    this.masked = this.base !== null ? masked : new Set();
    this.overlays = owners.filter((o) => this.base?.versions.get(o.owner) !== o.version);
    // Nothing to merge: the base alone, or a single owner's own index, is already the whole network.
    if (this.base !== null && this.masked.size === 0 && this.overlays.length === 0) this.merged = this.base;
    else if (this.base === null && owners.length === 1) this.merged = { index: owners[0].index, versions: current };
  }

  /** True once one index answers for every owner (batches and workers need it). */
  get compacted(): boolean {
    return this.merged !== null;
  }

  /** The owners' own indexes, by owner: what a compaction merges. */
  get parts(): readonly OwnerPart[] {
    return this.owners;
  }

  /** One index over every owner's network; merged here and now unless compaction has done it. */
  get index(): NetworkIndex {
    if (this.merged === null) this.setMerged(NetworkIndex.merge(this.owners.map((o) => o.index), this.chunkSize !== undefined ? { chunkSize: this.chunkSize } : {}));
    return (this.merged as Base).index;
  }

  get buffers(): SnapshotBuffers {
    return this.index.buffers;
  }

  /** Sets the merged index (built elsewhere, e.g. in a worker, from `parts` in their order). */
  setMerged(index: NetworkIndex): void {
    if (this.merged !== null) return;
    const owners = index.owners;
    if (owners.length !== this.owners.length || owners.some((o, i) => o !== this.owners[i].owner)) {
      throw new Error(`A merged index of ${owners.join(', ')} does not fit a snapshot of ${this.owners.map((o) => o.owner).join(', ')}.`);
    }
    this.merged = { index, versions: new Map(this.owners.map((o) => [o.owner, o.version])) };
  }

  /** A single dig over every owner's network: as NetworkIndex.query, merged or not. */
  query(area: PreparedArea, opts: { infoZone?: number; crs?: CrsName; geometry?: boolean } = {}): Conflict[] {
    if (this.merged !== null) return this.merged.index.query(area, opts);
    const out: Conflict[] = [];
    if (this.base !== null) {
      for (const c of this.base.index.query(area, opts)) if (!this.masked.has(c.owner)) out.push(c);
    }
    for (const o of this.overlays) for (const c of o.index.query(area, opts)) out.push(c);
    return out.sort(byOwnerZoneDistance);
  }
}
