/**
 * Webhook signatures, in the form Stripe made familiar so receivers can reuse what they know:
 * the header `LER-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 *
 * The time is signed with the body so a captured delivery cannot be replayed later than the
 * receiver's tolerance; several `v1` values may stand in one header (a secret being rotated signs
 * with the old and the new secret), and keys the verifier does not know (a later `v2`) are skipped.
 * The body is signed as the exact text sent: a receiver must verify the raw body before parsing it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'LER-Signature';

/** How far the signed time may lie from the receiver's clock, by default (5 minutes). */
const DEFAULT_TOLERANCE_SECONDS = 300;
/** A header longer than this is not ours: it is refused before any parsing or hashing. */
const MAX_HEADER_CHARS = 4096;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

function hmacHex(secret: string, t: string, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>` */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  if (typeof secret !== 'string' || secret.length === 0) throw new RangeError('A webhook secret must be a non-empty string.');
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) throw new RangeError('The signing time must be a non-negative number of seconds.');
  const t = String(Math.floor(unixSeconds));
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Checks a header against a body: true when one of its v1 values matches (compared in constant
 * time) and t lies within toleranceSeconds (default 300) of nowSeconds (default: the clock).
 * Never throws: malformed input of any kind answers false.
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {}
): boolean {
  if (typeof header !== 'string' || header.length > MAX_HEADER_CHARS) return false;
  if (typeof body !== 'string' || typeof secret !== 'string' || secret.length === 0) return false;
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = opts.nowSeconds ?? Date.now() / 1000;
  if (!(tolerance >= 0) || !Number.isFinite(now)) return false;

  let t: string | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return false;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined || !UNIX_SECONDS.test(value)) return false;
      t = value;
    } else if (key === 'v1') {
      if (HEX_SHA256.test(value)) candidates.push(value);
    }
  }
  if (t === undefined || candidates.length === 0) return false;
  if (Math.abs(now - Number(t)) > tolerance) return false;

  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  let match = false;
  // Every candidate is compared, so the time taken does not tell which one matched.
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) match = true;
  }
  return match;
}

/** A new secret: 'whsec_' + 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
