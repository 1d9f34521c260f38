/**
 * Planners' batches: many areas, or a route checked as a corridor, run in the background (202);
 * progress; results as NDJSON, streamed as they arrive. A planner sees its own batches only
 * (another's is 404, as an unknown one).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { normaliseCrs } from '../../crs/index.js';
import { ErrorCodes, LerError, type ErrorCode } from '../../errors.js';
import { checkInfoZone } from '../../query/area-reader.js';
import type { BatchOptions } from '../../engine.js';
import type { Principal } from '../auth.js';
import { BEARER, ID_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';

const ACCESS = { access: { roles: ['planner', 'admin'] } } as const;

interface BatchBody {
  areas?: { type?: unknown; features?: unknown };
  route?: unknown;
  corridorWidth?: number;
  stretchLength?: number;
  infoZone?: number;
  crs?: string;
  conflicts?: boolean;
}

const VIEW = {
  type: 'object',
  description: 'The batch: its status and progress',
  required: ['id', 'status', 'createdAt', 'startedAt', 'finishedAt', 'results', 'progress', 'version', 'error'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
    results: { type: 'integer', description: 'Summaries ready to read' },
    progress: {
      type: ['object', 'null'],
      required: ['done', 'failed', 'total', 'elapsedSeconds', 'rate', 'etaSeconds'],
      properties: { done: { type: 'integer' }, failed: { type: 'integer' }, total: { type: ['integer', 'null'] }, elapsedSeconds: { type: 'number' }, rate: { type: 'number' }, etaSeconds: { type: ['number', 'null'] } }
    },
    version: { type: ['integer', 'null'], description: 'The snapshot version the batch runs on (known once the first result is in)' },
    error: { type: ['object', 'null'], required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, pointer: { type: 'string' } } }
  }
} as const;

/** One area's summary (src/batch/summary.ts): one line of a batch's results. */
const AREA_SUMMARY = {
  type: 'object',
  description: 'One area\'s (or stretch\'s) summary',
  required: ['index', 'id', 'version', 'status', 'conflictCount', 'inDigArea', 'inInfoZone', 'owners', 'byForsyningsart', 'byFareklasse', 'mostDangerous', 'lengthInside'],
  properties: {
    index: { type: 'integer', description: 'Position of the area in the batch (a route\'s stretch number)' },
    id: { type: ['string', 'number', 'null'], description: 'The area\'s id (a stretch\'s `routeId:k`); null: none' },
    stretch: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'number' }, to: { type: 'number' } }, description: 'A route\'s stretch: where it starts and ends along the route, metres' },
    version: { type: 'integer', description: 'The network version the answer was computed on' },
    status: { type: 'string', enum: ['ok', 'failed'], description: 'failed: the area was not checked (see error)' },
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, pointer: { type: 'string' } } },
    conflictCount: { type: 'integer', description: 'Lines in the dig area or its information zone' },
    inDigArea: { type: 'integer' },
    inInfoZone: { type: 'integer' },
    owners: { type: 'array', items: { type: 'string' }, description: 'Owners hit, sorted' },
    byForsyningsart: { type: 'object', additionalProperties: { type: 'integer' } },
    byFareklasse: { type: 'object', additionalProperties: { type: 'integer' } },
    mostDangerous: {
      type: ['object', 'null'],
      description: 'The line of the highest danger class, in the dig area before the zone, then nearest',
      required: ['featureId', 'owner', 'featureType', 'forsyningsart', 'fareklasse', 'zone', 'distance'],
      properties: {
        featureId: { type: ['string', 'number'] },
        owner: { type: 'string' },
        featureType: { type: 'string' },
        forsyningsart: { type: ['string', 'null'] },
        fareklasse: { type: ['string', 'null'] },
        zone: { type: 'string', enum: ['digArea', 'infoZone'] },
        distance: { type: 'number' }
      }
    },
    lengthInside: { type: 'number', description: 'Metres of lines inside the dig area' },
    conflicts: {
      type: 'array',
      description: 'Every line, when the batch asked for conflicts (without geometry)',
      items: {
        type: 'object',
        required: ['featureId', 'owner', 'featureType', 'forsyningsart', 'fareklasse', 'driftsstatus', 'zone', 'distance', 'margin', 'lengthInside', 'properties'],
        properties: {
          featureId: { type: ['string', 'number'] },
          owner: { type: 'string' },
          featureType: { type: 'string' },
          forsyningsart: { type: ['string', 'null'] },
          fareklasse: { type: ['string', 'null'] },
          driftsstatus: { type: ['string', 'null'] },
          zone: { type: 'string', enum: ['digArea', 'infoZone'] },
          distance: { type: 'number' },
          margin: { type: 'number' },
          lengthInside: { type: 'number' },
          properties: { type: 'object', additionalProperties: true }
        }
      }
    }
  }
} as const;

/** An admin sees every batch; anyone else only their own. */
function scope(who: Principal): string | null {
  return who.role === 'admin' ? null : who.id;
}

export function batchRoutes(ctx: ServiceContext) {
  return async function batches(app: FastifyInstance): Promise<void> {
    app.post<{ Body: BatchBody }>(
      '/v1/batches',
      {
        config: ACCESS,
        bodyLimit: ctx.config.limits.batchBytes,
        schema: {
          tags: ['batches'],
          summary: 'Check many areas, or a route, in the background',
          operationId: 'createBatch',
          description: `Give either areas (a FeatureCollection of Polygon and MultiPolygon features, at most ${ctx.config.limits.maxBatchAreas}) or route (a LineString, or a Feature of one) with corridorWidth. Results: GET /v1/batches/{id}/results. Batches are kept in memory and lost when the service restarts.`,
          security: BEARER,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              areas: { type: 'object', required: ['type', 'features'], properties: { type: { type: 'string', enum: ['FeatureCollection'] }, features: { type: 'array', items: { type: 'object' } } } },
              route: { type: 'object', description: 'A LineString geometry or a Feature of one' },
              corridorWidth: { type: 'number', description: 'Full width of the route\'s corridor, metres' },
              stretchLength: { type: 'integer', description: 'Length of each reported stretch of the route, metres (default 100)' },
              infoZone: { type: 'number', description: 'Width of the information zone, metres (0 to 100)' },
              crs: { type: 'string', maxLength: 100 },
              conflicts: { type: 'boolean', description: 'Include every conflict (without geometry) in each summary' }
            }
          },
          response: { 202: { ...VIEW, description: 'The batch is queued or running' }, ...problems(400, 401, 403, 413, 415, 422, 429, 503) }
        }
      },
      async (request, reply) => {
        const body = request.body;
        if ((body.areas === undefined) === (body.route === undefined)) throw new LerError('BATCH_INVALID', { pointer: '' }, 'Give either areas or route.');
        if (body.areas !== undefined && Array.isArray(body.areas.features) && body.areas.features.length > ctx.config.limits.maxBatchAreas) {
          throw new LerError('BATCH_TOO_LARGE', { pointer: '/areas/features' }, `It has ${body.areas.features.length} areas; at most ${ctx.config.limits.maxBatchAreas} (LER_MAX_BATCH_AREAS).`);
        }
        // What the engine would only find once the batch runs is checked now, for a 4xx instead of a failed batch.
        checkInfoZone(body.infoZone);
        try {
          normaliseCrs(body.crs);
        } catch {
          throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, `Got ${JSON.stringify(body.crs)}.`);
        }
        if (body.route !== undefined && (typeof body.corridorWidth !== 'number' || !(body.corridorWidth > 0) || body.corridorWidth > 1000)) {
          throw new LerError('ROUTE_INVALID', { pointer: '/corridorWidth' }, 'A route needs corridorWidth, metres (more than 0, at most 1000).');
        }
        if (ctx.engine.snapshot === null) throw new LerError('NETWORK_EMPTY', {}, 'No owner has uploaded a network yet.');
        const options: Omit<BatchOptions, 'signal' | 'onProgress'> = {};
        if (body.infoZone !== undefined) options.infoZone = body.infoZone;
        if (body.crs !== undefined) options.crs = body.crs;
        if (body.corridorWidth !== undefined) options.corridorWidth = body.corridorWidth;
        if (body.stretchLength !== undefined) options.stretchLength = body.stretchLength;
        if (body.conflicts !== undefined) options.conflicts = body.conflicts;
        const who = principal(request);
        const view = ctx.batches.submit(who.id, body.areas ?? body.route, options);
        ctx.store.audit({ actor: who.id, action: 'batch.submit', owner: null, detail: { id: view.id, areas: Array.isArray(body.areas?.features) ? body.areas.features.length : null, route: body.route !== undefined, infoZone: body.infoZone ?? 0 } });
        return reply.code(202).header('location', `/v1/batches/${view.id}`).send(view);
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/batches/:id',
      { config: ACCESS, schema: { tags: ['batches'], summary: 'A batch\'s status and progress', operationId: 'getBatch', security: BEARER, params: ID_PARAM, response: { 200: VIEW, ...problems(400, 401, 403, 404, 429) } } },
      async (request) => {
        const view = ctx.batches.get(request.params.id, scope(principal(request)));
        if (view === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(request.params.id)}.`);
        return view;
      }
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/batches/:id',
      { config: ACCESS, schema: { tags: ['batches'], summary: 'Cancel a batch (a waiting one at once, a running one within moments); its results so far stay readable', operationId: 'cancelBatch', security: BEARER, params: ID_PARAM, response: { 200: VIEW, ...problems(400, 401, 403, 404, 429) } } },
      async (request) => {
        const who = principal(request);
        const view = ctx.batches.cancel(request.params.id, scope(who));
        if (view === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(request.params.id)}.`);
        ctx.store.audit({ actor: who.id, action: 'batch.cancel', owner: null, detail: { id: view.id, status: view.status, results: view.results } });
        return view;
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/batches/:id/results',
      {
        config: ACCESS,
        schema: {
          tags: ['batches'],
          summary: 'The summaries, one JSON object per line (NDJSON), as they arrive',
          description: 'The stream ends with the batch; when the batch fails on the way, it is cut off (see the batch\'s status for why). A batch that failed or was cancelled before its first result answers its error as a problem.',
          operationId: 'getBatchResults',
          security: BEARER,
          params: ID_PARAM,
          produces: ['application/x-ndjson'],
          response: {
            200: { description: 'The summaries, one per line; the schema is a line\'s', content: { 'application/x-ndjson': { schema: AREA_SUMMARY } } },
            ...problems(400, 401, 403, 404, 409, 422, 429)
          }
        }
      },
      async (request, reply) => {
        const who = scope(principal(request));
        const view = ctx.batches.get(request.params.id, who);
        if (view === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(request.params.id)}.`);
        if ((view.status === 'failed' || view.status === 'cancelled') && view.results === 0) {
          const code = (view.error !== null && Object.hasOwn(ErrorCodes, view.error.code) ? view.error.code : 'BATCH_INVALID') as ErrorCode;
          throw new ProblemError(code, { where: view.error?.pointer !== undefined ? { pointer: view.error.pointer } : {}, detail: `The batch ${view.status}: ${view.error?.message ?? ''}` });
        }
        const results = ctx.batches.results(request.params.id, who);
        async function* lines(): AsyncGenerator<string> {
          for await (const summary of results) yield `${JSON.stringify(summary)}\n`;
        }
        // A reader that goes away stops reading; the batch goes on for the next one.
        return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(Readable.from(lines()));
      }
    );
  };
}
