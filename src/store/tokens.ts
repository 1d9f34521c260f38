/**
 * API tokens: what a key's holder sends (`Authorization: Bearer <token>`) and what the store keeps
 * of it (its SHA-256, never the token). The service and the command line make keys alike.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new random token (256 bits). */
export function newToken(): string {
  return `ler_${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps of a token, and looks a Bearer token up by: SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The id shown for a key: enough of its hash to tell keys apart, never the token. */
export function keyId(hash: string): string {
  return hash.slice(0, 16);
}
