/**
 * Routes about the service itself: health, OpenAPI, the rule and error catalogues (public);
 * metrics (an admin key, or the metrics token: they name every owner and its network's size);
 * and the audit log for admins.
 */
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import { RULES } from '../../rules/catalogue.js';
import { authorise, bearerToken, hashToken, tokenMatches } from '../auth.js';
import { BEARER, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';

const NO_RATE_LIMIT = { rateLimit: false } as const;

/** An error code as GET /v1/errors lists it. */
const ERROR_SCHEMA = { type: 'object', required: ['code', 'status', 'message'], properties: { code: { type: 'string' }, status: { type: 'integer' }, message: { type: 'string' } } } as const;

/** An upload rule as GET /v1/rules lists it (src/rules/catalogue.ts, with its code's status and message). */
const RULE_SCHEMA = {
  type: 'object',
  required: ['code', 'severity', 'appliesTo', 'explanation', 'status', 'message'],
  properties: {
    code: { type: 'string' },
    severity: { type: 'string', enum: ['error', 'warning'], description: 'warning: reported, never rejects a feature' },
    appliesTo: { type: 'string', enum: ['upload', 'feature', 'id', 'properties', 'geometry', 'crs'] },
    explanation: { type: 'string', description: 'Why the rule exists and how to fix what it finds' },
    status: { type: 'integer', description: 'The HTTP status of an upload rejected by it' },
    message: { type: 'string' }
  }
} as const;

export function metaRoutes(ctx: ServiceContext) {
  const metricsHash = ctx.config.metricsToken === null ? null : Buffer.from(hashToken(ctx.config.metricsToken), 'hex');
  return async function meta(app: FastifyInstance): Promise<void> {
    app.get(
      '/healthz',
      {
        config: { ...NO_RATE_LIMIT },
        schema: {
          tags: ['service'],
          summary: 'Liveness and what is loaded',
          operationId: 'getHealth',
          security: [],
          response: {
            200: {
              type: 'object',
              description: 'The service is up',
              required: ['status', 'snapshotVersion', 'owners', 'features', 'batches'],
              properties: {
                status: { type: 'string' },
                snapshotVersion: { type: 'integer' },
                owners: { type: 'integer' },
                features: { type: 'integer' },
                batches: { type: 'object', required: ['running', 'queued'], properties: { running: { type: 'integer' }, queued: { type: 'integer' } } }
              }
            },
            ...problems(415, 503)
          }
        }
      },
      async () => {
        const snapshot = ctx.engine.snapshot;
        let features = 0;
        for (const n of snapshot?.networks.values() ?? []) features += n.features;
        const { running, queued } = ctx.batches.depth;
        return { status: 'ok', snapshotVersion: snapshot?.version ?? 0, owners: snapshot?.networks.size ?? 0, features, batches: { running, queued } };
      }
    );

    app.get(
      '/metrics',
      {
        // Scraped also while the service is under pressure: that is when it matters.
        config: { ...NO_RATE_LIMIT, pressureHandler: () => undefined },
        schema: {
          tags: ['service'],
          summary: 'Prometheus metrics',
          description: 'For an admin key, or the metrics token (LER_METRICS_TOKEN), which may read nothing else.',
          operationId: 'getMetrics',
          security: BEARER,
          produces: ['text/plain'],
          response: { 200: { description: 'The metrics in Prometheus\'s text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...problems(401, 403, 415) }
        }
      },
      async (request, reply) => {
        const header = request.headers.authorization;
        if (!tokenMatches(bearerToken(header), metricsHash)) authorise(await ctx.keys.authenticate(header), { roles: ['admin'] }, undefined);
        const text = await ctx.metrics.registry.metrics();
        return reply.type(ctx.metrics.registry.contentType).send(text);
      }
    );

    app.get('/openapi.json', { config: { ...NO_RATE_LIMIT }, schema: { tags: ['service'], summary: 'This API as OpenAPI 3', operationId: 'getOpenApi', security: [], response: { 200: { type: 'object', description: 'This document', additionalProperties: true }, ...problems(415) } } }, async () => app.swagger());

    app.get(
      '/v1/rules',
      { schema: { tags: ['service'], summary: 'The upload rules: every check, its code, severity and explanation', operationId: 'listRules', security: [], response: { 200: { type: 'array', description: 'Every rule', items: RULE_SCHEMA }, ...problems(429) } } },
      async () => RULES.map((r) => ({ ...r, status: ErrorCodes[r.code].status, message: ErrorCodes[r.code].message }))
    );

    app.get('/v1/errors', { schema: { tags: ['service'], summary: 'Every error code the service answers with', operationId: 'listErrors', security: [], response: { 200: { type: 'array', description: 'Every code', items: ERROR_SCHEMA }, ...problems(429) } } }, async () =>
      Object.entries(ErrorCodes).map(([code, e]) => ({ code, status: e.status, message: e.message }))
    );

    app.get<{ Params: { code: string } }>(
      '/v1/errors/:code',
      {
        schema: {
          tags: ['service'],
          summary: 'One error code (the `type` of a problem answer)',
          operationId: 'getError',
          security: [],
          params: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^[A-Z0-9_]{1,64}$' } } },
          response: { 200: { ...ERROR_SCHEMA, description: 'The code, its status and its message' }, ...problems(400, 404, 429) }
        }
      },
      async (request) => {
        const code = request.params.code;
        if (!Object.hasOwn(ErrorCodes, code)) throw new ProblemError('ROUTE_UNKNOWN', { detail: `No error code ${code}.` });
        const e = ErrorCodes[code as ErrorCode];
        return { code, status: e.status, message: e.message };
      }
    );

    app.get<{ Querystring: { limit?: string } }>(
      '/v1/audit',
      {
        config: { access: { roles: ['admin'] } },
        schema: {
          tags: ['service'],
          summary: 'The audit log, newest first (admin)',
          operationId: 'listAuditEvents',
          security: BEARER,
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[0-9]{1,5}$' } } },
          response: {
            200: {
              type: 'array',
              description: 'The newest `limit` events (default 100, at most 10,000)',
              items: {
                type: 'object',
                required: ['at', 'actor', 'action', 'owner', 'detail'],
                properties: { at: { type: 'string' }, actor: { type: 'string', description: 'The key\'s id, or admin' }, action: { type: 'string' }, owner: { type: ['string', 'null'] }, detail: { type: 'object', additionalProperties: true } }
              }
            },
            ...problems(400, 401, 403, 429)
          }
        }
      },
      async (request) => {
        const limit = Math.min(10_000, Math.max(1, Number(request.query.limit ?? 100)));
        return ctx.store.auditLog(limit);
      }
    );
  };
}
