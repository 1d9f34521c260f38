/**
 * The inbox's page cursor, shared by both stores: the last entry's time and id, opaque to clients
 * (base64url), so that a cursor one replica gave is good on any other.
 */

/** The cursor after an entry. */
export function inboxCursor(e: { createdAt: string; id: string }): string {
  return Buffer.from(`${e.createdAt}|${e.id}`, 'utf8').toString('base64url');
}

/** A cursor read back; null when it is not one this store gave. */
export function readInboxCursor(cursor: string): { createdAt: string; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar < 0 || !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(text.slice(0, bar)) || text.length - bar - 1 < 1 || text.length > 200) return null;
  return { createdAt: text.slice(0, bar), id: text.slice(bar + 1) };
}
