/**
 * API keys and roles. A token is shown once, when it is made; the store keeps only its SHA-256.
 * Roles (DESIGN.md): admin; owner, bound to one owner id, touches only that owner's data;
 * contractor, its own dig requests; planner, its own batches.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, ServiceStore } from '../store/store.js';
import { hashToken, keyId, newToken } from '../store/tokens.js';
import { ProblemError } from './problem.js';

export const ROLES = ['admin', 'owner', 'contractor', 'planner'] as const;
export type Role = (typeof ROLES)[number];

/** Who a request comes from. */
export interface Principal {
  /** Stable id of the key (the first 16 hex digits of its hash); `admin` for the configured admin token. */
  id: string;
  role: Role;
  /** The owner an owner key is bound to. */
  owner: string | null;
  name: string | null;
}

export { hashToken, keyId, newToken };

export function principalOf(key: ApiKeyRecord): Principal {
  return { id: keyId(key.hash), role: key.role, owner: key.owner, name: key.name };
}

const CHALLENGE = 'Bearer realm="ler-engine"';

const BEARER_HEADER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,512})[ ]*$/i;

/** The token of an Authorization header (`Bearer <token>`, the scheme in any case), or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  return BEARER_HEADER.exec(value ?? '')?.[1] ?? null;
}

/** Whether a token is the one whose hash is given (compared in constant time). */
export function tokenMatches(token: string | null, hash: Buffer | null): boolean {
  return token !== null && hash !== null && timingSafeEqual(Buffer.from(hashToken(token), 'hex'), hash);
}

/**
 * Finds the principal of a request's Authorization header; throws 401 when there is none or it is
 * not a key. The store keeps its lookups (and forgets one when the key changes, here or, told by
 * the database, at another replica).
 */
export class KeyRing {
  private readonly adminHash: Buffer | null;

  constructor(
    private readonly store: Pick<ServiceStore, 'findApiKey'>,
    adminToken: string | null
  ) {
    this.adminHash = adminToken === null ? null : Buffer.from(hashToken(adminToken), 'hex');
  }

  async authenticate(header: string | string[] | undefined): Promise<Principal> {
    if (header === undefined) throw unauthorized('No Authorization header.', CHALLENGE);
    const token = bearerToken(header);
    if (token === null) throw unauthorized('The Authorization header must be "Bearer <token>".', `${CHALLENGE}, error="invalid_request"`);
    if (tokenMatches(token, this.adminHash)) return { id: 'admin', role: 'admin', owner: null, name: 'admin token' };
    const key = await this.store.findApiKey(hashToken(token));
    if (key === null) throw unauthorized('The token is not a key of this service (or it was revoked).', `${CHALLENGE}, error="invalid_token"`);
    return principalOf(key);
  }
}

function unauthorized(detail: string, challenge: string): ProblemError {
  return new ProblemError('UNAUTHORIZED', { detail, headers: { 'www-authenticate': challenge } });
}

/** What a route allows: roles, and whether an owner key must match the route's `owner` parameter. */
export interface Access {
  roles: readonly Role[];
  ownOwner?: boolean;
}

/** Throws 403 unless the principal may use a route with this access for this owner parameter. */
export function authorise(principal: Principal, access: Access, ownerParam: string | undefined): void {
  if (!access.roles.includes(principal.role)) {
    throw new ProblemError('FORBIDDEN', { detail: `This route is for ${access.roles.join(' or ')} keys; this key is a ${principal.role} key.` });
  }
  if (principal.role === 'owner' && access.ownOwner === true && ownerParam !== principal.owner) {
    throw new ProblemError('FORBIDDEN', { detail: `This key is bound to owner ${JSON.stringify(principal.owner)}.` });
  }
}

/** Whether a principal may see a resource made by `requester` (its own, or any for admin). */
export function mayRead(principal: Principal, requester: string): boolean {
  return principal.role === 'admin' || principal.id === requester;
}
