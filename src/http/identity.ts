/**
 * Who a request comes from, known before the rate limit counts it. On a route with an access
 * rule the key is authenticated first (onRequest): the rate limit then counts it on the key's id,
 * so that one key has one bucket however its Authorization header is written. Without a valid
 * key (public routes, no header, an unknown or malformed token) it counts on the client's
 * address, so that random tokens share their sender's bucket. An authentication failure is kept
 * and thrown only after the rate limit (preParsing), so a caller past its limit is told 429.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KeyRing } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the request's key was refused (401), to be thrown after the rate limit; null: it was not. */
    authFailure: Error | null;
  }
}

/** Authenticates requests to routes with an access rule before any route-level hook runs. */
export function identifyFirst(app: FastifyInstance, keys: KeyRing): void {
  app.decorateRequest('authFailure', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.access === undefined) return;
    try {
      request.principal = await keys.authenticate(request.headers.authorization);
    } catch (error) {
      request.authFailure = error as Error;
    }
  });
}

/** The rate limit's bucket: the key's id once authenticated, else the client's address. */
export function rateLimitKey(request: FastifyRequest): string {
  return request.principal !== null ? `key:${request.principal.id}` : `ip:${request.ip}`;
}
