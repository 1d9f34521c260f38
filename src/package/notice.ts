/**
 * What the owners a package names hear of it: their inbox entries (with the answer deadline, and
 * answered at once where the registry answered from the owner's own network) and the bodies of
 * the events delivered to webhooks. Pure; the store keeps them and fans the events out.
 */
import type { InboxEntry } from '../model/inbox.js';
import { STATUS, type OwnerStatus, type Package } from './types.js';

/** Statuses that wait for the owner's own answer: the registry could not answer for it. */
export function awaitsAnswer(status: OwnerStatus | string): boolean {
  return status === STATUS.manual;
}

/** An owner's inbox entry for a new package (the store keeps it). */
export type OwnerNotice = InboxEntry;

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

/**
 * The bodies of a new package's `dig-request.created` events, one per owner (`ids[k]` for
 * `entries[k]`): each owner's inbox entry as data. Every dig request makes them, so the area every
 * entry shares is written as JSON once; ids (UUIDs), types and times (ISO 8601) need no escaping.
 */
export function createdEventBodies(entries: readonly OwnerNotice[], ids: readonly string[]): string[] {
  const area = JSON.stringify(entries[0]?.area ?? null);
  const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));
  return entries.map((e, k) => {
    // Ids, types and ISO times are written as they are; names and statuses escaped.
    const data = `{"id":"${e.id}","owner":${str(e.owner)},"type":"${e.type}","createdAt":"${e.createdAt}","deadline":"${e.deadline}","status":${str(e.status)},"conflicts":${e.conflicts},"answeredAt":${e.answeredAt === null ? 'null' : `"${e.answeredAt}"`},"revision":${e.revision},"validUntil":"${e.validUntil}","answered":${!awaitsAnswer(e.status)},"overdue":false,"area":${area}}`;
    return `{"id":"${ids[k]}","type":"dig-request.created","createdAt":"${e.createdAt}","data":${data}}`;
  });
}

/** A delivery's body: `{id, type, createdAt, data}`. */
export function eventBody(id: string, type: string, createdAt: string, data: Record<string, unknown>): string {
  return JSON.stringify({ id, type, createdAt, data });
}
