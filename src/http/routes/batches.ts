/**
 * Planners' batches: many areas, or a route checked as a corridor, run in the background (202) as
 * jobs kept on disk (src/http/batches.ts); progress; results as NDJSON, streamed from disk as they
 * arrive. A planner sees its own batches only (another's is 404, as an unknown one).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { normaliseCrs } from '../../crs/index.js';
import { LerError } from '../../errors.js';
import { checkInfoZone } from '../../query/area-reader.js';
import { checkRoute } from '../../batch/options.js';
import type { BatchOptions } from '../../engine.js';
import type { Principal } from '../auth.js';
import { BEARER, ID_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { batchProblem } from '../batches.js';

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
  required: ['id', 'status', 'createdAt', 'startedAt', 'finishedAt', 'results', 'resultBytes', 'progress', 'version', 'error'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
    results: { type: 'integer', description: 'Summaries ready to read' },
    resultBytes: { type: 'integer', description: 'Bytes of the stored results: they count towards the planner\'s quota until the batch is deleted or expires' },
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
          description: `Give either areas (a FeatureCollection of Polygon and MultiPolygon features, at most ${ctx.config.limits.maxBatchAreas}) or route (a LineString, or a Feature of one) with corridorWidth. Results: GET /v1/batches/{id}/results. A batch is kept on disk, with its results, until it is deleted (DELETE) or ${ctx.config.limits.batchTtlSeconds} s after it ended; one cut short by a restart runs again from its start. Quotas per planner: ${ctx.config.limits.maxBatchesRunningPerPlanner} running at once (more wait their turn, planners taking turns), ${ctx.config.limits.maxBatchesQueuedPerPlanner} waiting, ${ctx.config.limits.batchesKeptPerPlanner} kept, ${ctx.config.limits.batchResultBytesPerPlanner} bytes of results; beyond, 429 with Retry-After and a code naming the quota.`,
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
        if (body.route !== undefined) {
          if (typeof body.corridorWidth !== 'number') throw new LerError('ROUTE_INVALID', { pointer: '/corridorWidth' }, 'A route needs corridorWidth, metres.');
          // The route is read now: a Point, a bad stretch length or too many stretches is a 4xx, not a failed batch.
          const stretches = checkRoute(body.route, { corridorWidth: body.corridorWidth, stretchLength: body.stretchLength, crs: body.crs, infoZone: body.infoZone });
          if (stretches > ctx.config.limits.maxBatchAreas) {
            throw new LerError('BATCH_TOO_LARGE', { pointer: '/stretchLength' }, `The route makes ${stretches} stretches; at most ${ctx.config.limits.maxBatchAreas} (LER_MAX_BATCH_AREAS): give a longer stretchLength.`);
          }
        }
        if (ctx.engine.snapshot === null) throw new LerError('NETWORK_EMPTY', {}, 'No owner has uploaded a network yet.');
        const options: Omit<BatchOptions, 'signal' | 'onProgress'> = {};
        if (body.infoZone !== undefined) options.infoZone = body.infoZone;
        if (body.crs !== undefined) options.crs = body.crs;
        if (body.corridorWidth !== undefined) options.corridorWidth = body.corridorWidth;
        if (body.stretchLength !== undefined) options.stretchLength = body.stretchLength;
        if (body.conflicts !== undefined) options.conflicts = body.conflicts;
        const who = principal(request);
        // The batch and its audit entry are stored in one transaction.
        const view = await ctx.batches.submit(who.id, body.areas ?? body.route, options, body.route !== undefined, (id) => ({
          actor: who.id,
          action: 'batch.submit',
          owner: null,
          detail: { id, areas: Array.isArray(body.areas?.features) ? body.areas.features.length : null, route: body.route !== undefined, infoZone: body.infoZone ?? 0 }
        }));
        return reply.code(202).header('location', `/v1/batches/${view.id}`).send(view);
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/batches/:id',
      { config: ACCESS, schema: { tags: ['batches'], summary: 'A batch\'s status and progress', operationId: 'getBatch', security: BEARER, params: ID_PARAM, response: { 200: VIEW, ...problems(400, 401, 403, 404, 429) } } },
      async (request) => {
        const view = await ctx.batches.get(request.params.id, scope(principal(request)));
        if (view === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(request.params.id)}.`);
        return view;
      }
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/batches/:id',
      {
        config: ACCESS,
        schema: {
          tags: ['batches'],
          summary: 'Cancel a waiting or running batch, or delete an ended one with its results',
          description:
            'A waiting batch is cancelled at once, a running one within moments (its results so far stay readable until it is deleted). A batch that has ended (done, failed or cancelled) is deleted with its results: its place and bytes no longer count towards the planner\'s quotas, and it is 404 from then on. The answer is the batch as it was.',
          operationId: 'cancelBatch',
          security: BEARER,
          params: ID_PARAM,
          response: { 200: VIEW, ...problems(400, 401, 403, 404, 429) }
        }
      },
      async (request) => {
        const who = principal(request);
        const done = await ctx.batches.remove(request.params.id, scope(who), (view, removed) => ({ actor: who.id, action: removed ? 'batch.delete' : 'batch.cancel', owner: null, detail: { id: view.id, status: view.status, results: view.results } }));
        if (done === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(request.params.id)}.`);
        return done.view;
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/batches/:id/results',
      {
        config: ACCESS,
        schema: {
          tags: ['batches'],
          summary: 'The summaries, one JSON object per line (NDJSON), as they arrive',
          description: 'Read from the store page by page, following a running batch until it ends; the stream ends with the batch. When the batch fails on the way, or the service stops, it is cut off (see the batch\'s status for why; a batch cut by a stop runs again from its start when the service is back). A batch that failed or was cancelled before its first result answers its error as a problem.',
          operationId: 'getBatchResults',
          security: BEARER,
          params: ID_PARAM,
          produces: ['application/x-ndjson'],
          response: {
            200: { description: 'The summaries, one per line; the schema is a line\'s', content: { 'application/x-ndjson': { schema: AREA_SUMMARY } } },
            ...problems(400, 401, 403, 404, 409, 422, 429, 503)
          }
        }
      },
      async (request, reply) => {
        const who = scope(principal(request));
        const view = await ctx.batches.get(request.params.id, who);
        if (view === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(request.params.id)}.`);
        if ((view.status === 'failed' || view.status === 'cancelled') && view.results === 0) throw batchProblem(view);
        // Pages of NDJSON from the store, read as the client takes them (a byte stream: one page
        // held at a time); a batch that fails or is cancelled before its first page answers its
        // problem, as above. A reader that goes away stops reading; the batch goes on for the next one.
        // A reader that hangs up while the batch has nothing new stops waiting for it.
        const gone = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) gone.abort();
        });
        const pages = Readable.from(ctx.batches.results(request.params.id, who, gone.signal), { objectMode: false });
        return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(pages);
      }
    );
  };
}
