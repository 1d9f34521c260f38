/**
 * What the map page asks besides the API it drives: its configuration (base map, reference layer,
 * start view, kinds of work), the reference lines, who a token is, and an owner's network within
 * a view (its owner and admins only: contractors see lines only through their packages).
 */
import type { FastifyInstance } from 'fastify';
import { BEARER, OWNER_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { networksBoxLonLat, ownerNetworkView, parseBbox, referenceLayer, type ReferenceLayer } from '../map-layers.js';
import { ProblemError } from '../problem.js';
import { FEATURE_COLLECTION_SCHEMA } from '../schemas.js';
import { OWNER_ACCESS } from './owners.js';

/** Most features one view answers with; past it the answer says `truncated`. */
export const VIEW_LIMIT = 20_000;
const DEFAULT_VIEW_LIMIT = 5000;

export function mapRoutes(ctx: ServiceContext) {
  const cache: { layer: ReferenceLayer | null } = { layer: null };

  return async function map(app: FastifyInstance): Promise<void> {
    app.get(
      '/v1/map/config',
      {
        schema: {
          tags: ['map'],
          summary: 'The map page\'s configuration: base map, reference layer, start view, kinds of work',
          operationId: 'getMapConfig',
          security: [],
          response: {
            200: {
              type: 'object',
              description: 'The configuration',
              required: ['tiles', 'attribution', 'reference', 'view', 'workTypes', 'maxInfoZone'],
              properties: {
                tiles: { type: ['string', 'null'], description: 'XYZ tile URL template (LER_MAP_TILES); null: a plain background' },
                attribution: { type: ['string', 'null'] },
                reference: { type: 'boolean', description: 'Whether GET /v1/map/reference.geojson has lines' },
                view: { type: ['array', 'null'], items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[west, south, east, north] of every loaded network, lon/lat; null: none loaded' },
                workTypes: { type: 'array', items: { type: 'string' }, description: 'The kinds of work a dig request may name' },
                maxInfoZone: { type: 'number', description: 'The widest information zone a dig request may ask, metres' }
              }
            },
            ...problems(429)
          }
        }
      },
      async () => ({
        tiles: ctx.config.mapTiles,
        attribution: ctx.config.mapAttribution,
        reference: referenceLayer(ctx, cache) !== null,
        view: networksBoxLonLat(ctx.engine),
        workTypes: ctx.engine.workTypes,
        maxInfoZone: ctx.config.limits.maxInfoZone
      })
    );

    app.get(
      '/v1/map/reference.geojson',
      {
        schema: {
          tags: ['map'],
          summary: 'The reference lines (e.g. roads) drawn under everything, lon/lat',
          operationId: 'getMapReference',
          security: [],
          produces: ['application/geo+json'],
          response: { 200: { description: 'The reference lines (LER_MAP_REFERENCE)', content: { 'application/geo+json': { schema: FEATURE_COLLECTION_SCHEMA } } }, ...problems(404, 429) }
        }
      },
      async (_request, reply) => {
        const layer = referenceLayer(ctx, cache);
        if (layer === null) throw new ProblemError('MAP_REFERENCE_UNSET');
        return reply.type('application/geo+json').header('cache-control', 'max-age=300').send(JSON.stringify(layer.collection));
      }
    );

    app.get(
      '/v1/me',
      {
        config: { access: { roles: ['admin', 'owner', 'contractor', 'planner'] } },
        schema: {
          tags: ['keys'],
          summary: 'Who this token is: its role, and the owner an owner key is bound to',
          operationId: 'getMe',
          security: BEARER,
          response: {
            200: {
              type: 'object',
              description: 'The key',
              required: ['id', 'role', 'owner', 'name'],
              properties: {
                id: { type: 'string', description: 'The key\'s id; admin for the admin token' },
                role: { type: 'string', enum: ['admin', 'owner', 'contractor', 'planner'] },
                owner: { type: ['string', 'null'], description: 'The owner an owner key is bound to' },
                name: { type: ['string', 'null'] }
              }
            },
            ...problems(401, 429)
          }
        }
      },
      async (request) => {
        const { id, role, owner, name } = principal(request);
        return { id, role, owner, name };
      }
    );

    app.get<{ Params: { owner: string }; Querystring: { bbox: string; limit?: string } }>(
      '/v1/owners/:owner/network/features',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'The network within a view, lon/lat, cut to the view (for the map page)',
          operationId: 'getNetworkFeatures',
          description: `At most \`limit\` features (default ${DEFAULT_VIEW_LIMIT}, at most ${VIEW_LIMIT}); \`truncated\` says whether more lie in the view, \`total\` how many. Views larger than about 50 km² are refused (MAP_VIEW_TOO_LARGE): zoom in.`,
          security: BEARER,
          params: OWNER_PARAM,
          querystring: {
            type: 'object',
            required: ['bbox'],
            additionalProperties: false,
            properties: {
              bbox: { type: 'string', maxLength: 200, description: 'minLon,minLat,maxLon,maxLat' },
              limit: { type: 'string', pattern: '^[0-9]{1,5}$', description: `Most features to answer with (1 to ${VIEW_LIMIT})` }
            }
          },
          produces: ['application/geo+json'],
          response: {
            200: {
              description: 'The features in the view, lon/lat',
              content: {
                'application/geo+json': {
                  schema: {
                    ...FEATURE_COLLECTION_SCHEMA,
                    required: [...FEATURE_COLLECTION_SCHEMA.required, 'total', 'truncated'],
                    properties: { ...FEATURE_COLLECTION_SCHEMA.properties, total: { type: 'integer', description: 'Features in the view in all' }, truncated: { type: 'boolean', description: 'Whether more lie in the view than are listed' } }
                  }
                }
              }
            },
            ...problems(400, 401, 403, 404, 422, 429)
          }
        }
      },
      async (request, reply) => {
        const view = ownerNetworkView(ctx.engine, request.params.owner, parseBbox(request.query.bbox), Math.min(VIEW_LIMIT, Math.max(1, Number(request.query.limit ?? DEFAULT_VIEW_LIMIT))));
        return reply.type('application/geo+json').send(view);
      }
    );
  };
}
