/**
 * What the owners a package names hear of it: their inbox entries (with the answer deadline, and
 * answered at once where the registry answered from the owner's own network) and the bodies of
 * the events delivered to webhooks. Pure; the store keeps them and fans the events out.
 */
import { STATUS, type OwnerStatus, type Package, type RequestType } from './types.js';

/** Statuses that wait for the owner's own answer: the registry could not answer for it. */
export function awaitsAnswer(status: OwnerStatus | string): boolean {
  return status === STATUS.manual;
}

/** An owner's inbox entry for a new package (the store's InboxEntry). */
export interface OwnerNotice {
  id: string;
  owner: string;
  type: RequestType;
  createdAt: string;
  deadline: string;
  status: string;
  conflicts: number;
  answeredAt: string | null;
  overdueAt: string | null;
  revision: number;
  validUntil: string;
  area: unknown;
}

/** The inbox entries of every owner a new package names; `area` is the dig area in lon/lat. */
export function ownerNotices(pkg: Package, area: unknown): OwnerNotice[] {
  return pkg.owners.map((o) => ({
    id: pkg.id,
    owner: o.owner,
    type: pkg.type,
    createdAt: pkg.createdAt,
    deadline: pkg.answerDeadline,
    status: o.status,
    conflicts: o.conflicts.length,
    answeredAt: awaitsAnswer(o.status) ? null : pkg.createdAt,
    overdueAt: null,
    revision: pkg.revision,
    validUntil: pkg.validUntil,
    area
  }));
}

/** An inbox entry as a party sees it: whether it is answered, and overdue at `now`. */
export function inboxView<E extends OwnerNotice>(entry: E, now: Date): Omit<E, 'overdueAt'> & { answered: boolean; overdue: boolean } {
  const { overdueAt: _overdueAt, ...rest } = entry;
  return { ...rest, answered: entry.answeredAt !== null, overdue: entry.answeredAt === null && Date.parse(entry.deadline) < now.getTime() };
}

/** A delivery's body: `{id, type, createdAt, data}`. */
export function eventBody(id: string, type: string, createdAt: string, data: Record<string, unknown>): string {
  return JSON.stringify({ id, type, createdAt, data });
}
