/**
 * Owners in the PostgreSQL store: how an owner id is spelt where the store knows it (as an owner,
 * or as an API key's owner), compared without case (ASCII letters), and the one place an owner
 * comes into being. A write that makes an owner known first takes a transaction-level advisory
 * lock on the folded id, so two replicas cannot make `dk-el` and `DK-EL` at once: the second one
 * waits, then finds the first and is refused (OWNER_ID_CASE_CONFLICT).
 */
import { LerError } from '../errors.js';
import type { Sql } from './postgres-db.js';
import type { OwnerProfile } from './store.js';

/** The spellings of an owner id, the id itself first when known so. */
export async function ownerSpelling(q: Sql, owner: string): Promise<string | null> {
  const r = await q.query<{ owner: string }>(
    `SELECT owner FROM owners WHERE lower(owner) = lower($1::text COLLATE "C")
     UNION SELECT owner FROM api_keys WHERE lower(owner) = lower($1::text COLLATE "C") ORDER BY owner`,
    [owner]
  );
  if (r.rows.length === 0) return null;
  return r.rows.some((row) => row.owner === owner) ? owner : r.rows[0].owner;
}

/** Throws OWNER_ID_CASE_CONFLICT when the owner is known by another spelling of its id. */
export async function checkSpelling(q: Sql, owner: string): Promise<void> {
  const known = await ownerSpelling(q, owner);
  if (known !== null && known !== owner) throw new LerError('OWNER_ID_CASE_CONFLICT', { pointer: '/owner' }, `Got ${JSON.stringify(owner)}; the owner is known as ${JSON.stringify(known)}.`);
}

/** In a transaction: waits for other writes of this owner id (any case), then checks its spelling. */
export async function lockOwnerId(q: Sql, owner: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('ler-engine owner ' || lower($1::text COLLATE "C"), 0))`, [owner]);
  await checkSpelling(q, owner);
}

/**
 * Makes the owner known in the caller's transaction (refused when known by another spelling), and
 * locks its row until the transaction ends: the owner's versions are written one at a time.
 */
export async function claimOwner(q: Sql, owner: string, at: string): Promise<void> {
  await lockOwnerId(q, owner);
  await q.query('INSERT INTO owners (owner, created_at) VALUES ($1, $2) ON CONFLICT (owner) DO NOTHING', [owner, at]);
  await q.query('SELECT 1 FROM owners WHERE owner = $1 FOR UPDATE', [owner]);
}

/** Sets an owner's profile (creating the owner) in the caller's transaction. */
export async function putProfile(q: Sql, profile: OwnerProfile, at: string): Promise<void> {
  await lockOwnerId(q, profile.owner);
  await q.query(
    `INSERT INTO owners (owner, name, contact, requires_marking, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (owner) DO UPDATE SET name = excluded.name, contact = excluded.contact, requires_marking = excluded.requires_marking, updated_at = excluded.updated_at`,
    [profile.owner, profile.name, profile.contact, profile.requiresMarking, at]
  );
}

const PROFILE_COLUMNS = 'owner, name, contact, requires_marking';

export async function readProfile(q: Sql, owner: string): Promise<OwnerProfile | null> {
  const r = await q.query(`SELECT ${PROFILE_COLUMNS} FROM owners WHERE owner = $1`, [owner]);
  return r.rows.length === 0 ? null : profileOf(r.rows[0]);
}

/** Every known owner's profile (owners with a network, interest areas or a profile), by owner id. */
export async function readProfiles(q: Sql): Promise<OwnerProfile[]> {
  return (await q.query(`SELECT ${PROFILE_COLUMNS} FROM owners ORDER BY owner`)).rows.map(profileOf);
}

function profileOf(r: Record<string, unknown>): OwnerProfile {
  return { owner: String(r.owner), name: (r.name as string | null) ?? null, contact: (r.contact as string | null) ?? null, requiresMarking: r.requires_marking === true };
}
