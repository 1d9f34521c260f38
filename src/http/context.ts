/**
 * What every route of the service works with, and the fastify declarations the routes share:
 * the principal on each request and the access rule in each route's config.
 */
import type { Engine } from '../engine.js';
import type { ServiceStore } from '../store/store.js';
import type { Access, KeyRing, Principal } from './auth.js';
import type { BatchService } from './batch-service.js';
import type { ServiceConfig } from './config.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceContext {
  engine: Engine;
  store: ServiceStore;
  keys: KeyRing;
  config: ServiceConfig;
  metrics: ServiceMetrics;
  batches: BatchService;
  /** Told when a change queued webhook deliveries, so they go at once (set once the dispatcher exists). */
  notify?: { nudge(): void };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Who may use the route; absent: anyone. */
    access?: Access;
    /** The route unpacks a gzip body itself; every other route takes no Content-Encoding. */
    gzip?: boolean;
  }
}

/** The principal of a route with an access rule (set before the body is read). */
export function principal(request: { principal: Principal | null }): Principal {
  if (request.principal === null) throw new Error('The route has no access rule: its principal is unknown.');
  return request.principal;
}

/** The OpenAPI security requirement of routes with an access rule. */
export const BEARER = [{ bearer: [] }];

/** Schema of a problem+json body, for the docs. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details with a stable code from the catalogue (GET /v1/errors)',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    featureIndex: { type: 'integer' },
    featureId: { type: ['string', 'number'] },
    pointer: { type: 'string' },
    in: { type: 'string', description: 'Where a request that failed validation is wrong: body, querystring or params' }
  },
  required: ['type', 'title', 'status', 'detail', 'code']
} as const;

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed',
  401: 'No valid API key',
  403: 'The key\'s role or owner does not allow this',
  404: 'Not found (or not this key\'s to see)',
  409: 'Not possible in the current state (e.g. a batch cancelled before any result)',
  410: 'No longer kept (e.g. a network version past the store\'s history)',
  413: 'The body is larger than the limit',
  415: 'Content-Type or Content-Encoding not taken',
  422: 'The request is well-formed but invalid (see code and pointer)',
  429: 'Rate limit reached: see Retry-After',
  503: 'Overloaded, shutting down, or nothing to answer from yet: see Retry-After'
};

/** The problem schema in the OpenAPI document's components (app.ts puts PROBLEM_SCHEMA there). */
export const PROBLEM_REF = { $ref: '#/components/schemas/Problem' } as const;

/** Problem answers a route can give, for the docs. */
export function problems(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((s) => [String(s), { description: STATUS_TEXT[s] ?? `Problem (${s})`, content: { 'application/problem+json': { schema: PROBLEM_REF } } }]));
}

export const OWNER_PARAM = {
  type: 'object',
  required: ['owner'],
  properties: { owner: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Owner (ledningsejer) id' } }
} as const;

export const ID_PARAM = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }
} as const;
