/** Public routes about the service itself: health, metrics, OpenAPI, the rule and error catalogues; and the audit log for admins. */
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import { RULES } from '../../rules/catalogue.js';
import { BEARER, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';

const NO_RATE_LIMIT = { rateLimit: false } as const;

export function metaRoutes(ctx: ServiceContext) {
  return async function meta(app: FastifyInstance): Promise<void> {
    app.get(
      '/healthz',
      {
        config: { ...NO_RATE_LIMIT },
        schema: {
          tags: ['service'],
          summary: 'Liveness and what is loaded',
          response: {
            200: {
              type: 'object',
              properties: {
                status: { type: 'string' },
                snapshotVersion: { type: 'integer' },
                owners: { type: 'integer' },
                features: { type: 'integer' },
                batches: { type: 'object', properties: { running: { type: 'integer' }, queued: { type: 'integer' } } }
              }
            },
            ...problems(503)
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
        schema: { tags: ['service'], summary: 'Prometheus metrics', produces: ['text/plain'] }
      },
      async (_request, reply) => {
        const text = await ctx.metrics.registry.metrics();
        return reply.type(ctx.metrics.registry.contentType).send(text);
      }
    );

    app.get('/openapi.json', { config: { ...NO_RATE_LIMIT }, schema: { tags: ['service'], summary: 'This API as OpenAPI 3' } }, async () => app.swagger());

    app.get(
      '/v1/rules',
      { schema: { tags: ['service'], summary: 'The upload rules: every check, its code, severity and explanation' } },
      async () => RULES.map((r) => ({ ...r, status: ErrorCodes[r.code].status, message: ErrorCodes[r.code].message }))
    );

    app.get('/v1/errors', { schema: { tags: ['service'], summary: 'Every error code the service answers with' } }, async () =>
      Object.entries(ErrorCodes).map(([code, e]) => ({ code, status: e.status, message: e.message }))
    );

    app.get<{ Params: { code: string } }>(
      '/v1/errors/:code',
      {
        schema: {
          tags: ['service'],
          summary: 'One error code (the `type` of a problem answer)',
          params: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^[A-Z0-9_]{1,64}$' } } },
          response: { 200: { type: 'object', properties: { code: { type: 'string' }, status: { type: 'integer' }, message: { type: 'string' } } }, ...problems(400, 404) }
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
          security: BEARER,
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[0-9]{1,5}$' } } },
          ...{ response: problems(400, 401, 403) }
        }
      },
      async (request) => {
        const limit = Math.min(10_000, Math.max(1, Number(request.query.limit ?? 100)));
        return ctx.store.auditLog(limit);
      }
    );
  };
}
