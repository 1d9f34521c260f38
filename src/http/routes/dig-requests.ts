/**
 * Dig requests (graveforespørgsler): a contractor submits a dig area and gets the whole package at
 * once (201); the stored package, as JSON, GeoJSON or an SVG or PNG map, goes to its requester and
 * admins only. Another contractor's request is answered 404, as an unknown one is: ids do not leak.
 * A contractor key makes at most so many dig requests a day (dig-quota.ts); a package's map is drawn
 * once and then served from the store (package-pictures.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LerError } from '../../errors.js';
import { mayRead, type Principal } from '../auth.js';
import { BEARER, ID_PARAM, OWNER_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { OWNER_ACCESS, propertyLimits } from './owners.js';
import { AREA_GEOMETRY_SCHEMA, FEATURE_COLLECTION_SCHEMA, GEOMETRY_SCHEMA } from '../schemas.js';
import type { DigAnswer } from '../../engine.js';
import { packageGeoJson } from '../../package/views.js';
import { WORK_TYPES } from '../../package/precautions.js';
import { REQUEST_TYPES, STATUS, type DigRequestInput, type Package } from '../../package/types.js';
import type { PictureKind } from '../../store/store.js';
import { DigQuota } from '../dig-quota.js';
import { answerFromGml } from '../gml-answer.js';
import { GmlBody, jsonOrGmlBody } from '../gml-body.js';
import { gmlCrs } from '../../ingest/upload.js';
import { PackagePictures, sendPicture } from '../package-pictures.js';

const ACCESS = { access: { roles: ['contractor', 'admin'] } } as const;

const NOT_MODIFIED = { description: 'Not modified: the client has this map already (If-None-Match)' } as const;

const GEOMETRY = { type: 'object', description: 'A GeoJSON Polygon or MultiPolygon (holes allowed)', required: ['type', 'coordinates'], properties: { type: { type: 'string' }, coordinates: { type: 'array' } } } as const;

const CONFLICT = {
  type: 'object',
  required: ['featureId', 'featureType', 'forsyningsart', 'fareklasse', 'driftsstatus', 'zone', 'distance', 'margin', 'lengthInside', 'precautions', 'geometry', 'properties'],
  properties: {
    featureId: { type: ['string', 'number'] },
    featureType: { type: 'string' },
    forsyningsart: { type: ['string', 'null'] },
    fareklasse: { type: ['string', 'null'] },
    driftsstatus: { type: ['string', 'null'] },
    zone: { type: 'string', enum: ['digArea', 'infoZone'] },
    distance: { type: 'number', description: 'Metres from the dig area (0: touches or crosses it)' },
    margin: { type: 'number', description: 'Half the width plus the positional accuracy, metres' },
    lengthInside: { type: 'number', description: 'Metres of the line inside the dig area' },
    precautions: { type: 'array', items: { type: 'object', required: ['code', 'text'], properties: { code: { type: 'string' }, text: { type: 'string' } } } },
    geometry: { description: 'The feature cut to what the package may show, in the request\'s CRS', oneOf: [...GEOMETRY_SCHEMA.oneOf, { type: 'null' }] },
    properties: { type: 'object', additionalProperties: true, description: 'The LER attributes as uploaded' }
  }
} as const;

const OWNER_ANSWER = {
  type: 'object',
  description: 'The owner\'s own answer',
  required: ['at', 'by', 'reason', 'expectedAt', 'validUntil', 'note'],
  properties: { at: { type: 'string' }, by: { type: 'string', description: 'The key that answered' }, reason: { type: ['string', 'null'] }, expectedAt: { type: ['string', 'null'] }, validUntil: { type: ['string', 'null'] }, note: { type: ['string', 'null'] } }
} as const;

const MARKING = {
  type: 'object',
  description: 'The lines shown on site (påvisning)',
  required: ['at', 'by', 'note', 'recordedAt'],
  properties: { at: { type: 'string' }, by: { type: 'string' }, note: { type: ['string', 'null'] }, recordedAt: { type: 'string' } }
} as const;

export const PACKAGE_SCHEMA = {
  type: 'object',
  description: 'The package (ledningspakke): every owner concerned, its status and its lines in and near the dig area',
  required: ['id', 'type', 'reason', 'revision', 'revisedAt', 'renewalOf', 'answerDeadline', 'notice', 'createdAt', 'validUntil', 'digArea', 'crs', 'infoZone', 'areaM2', 'workType', 'purpose', 'period', 'snapshotVersion', 'networkVersions', 'owners'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: [...REQUEST_TYPES] },
    reason: { type: ['string', 'null'], description: 'Why an emergency cannot wait' },
    revision: { type: 'integer', description: '1 as answered at once; each owner\'s answer or marking makes the next' },
    revisedAt: { type: 'string' },
    renewalOf: { type: ['string', 'null'], description: 'The request this one renews' },
    answerDeadline: { type: 'string', description: 'When the owners\' answers are due (LER: within 2 hours on working days 07-16 Danish time, else 09:00 the next working day)' },
    notice: { type: ['string', 'null'], description: 'What the package may be used for, when limited' },
    createdAt: { type: 'string' },
    validUntil: { type: 'string' },
    digArea: { ...AREA_GEOMETRY_SCHEMA, description: 'The dig area as given, in the request\'s CRS' },
    crs: { type: 'string' },
    infoZone: { type: 'number' },
    areaM2: { type: 'number' },
    workType: { type: 'string' },
    purpose: { type: ['string', 'null'] },
    period: { type: ['object', 'null'], required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } },
    snapshotVersion: { type: ['integer', 'null'], description: 'The whole network\'s snapshot version; null: no network was loaded' },
    networkVersions: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Every owner\'s network version the dig was checked against' },
    extent: { type: ['array', 'null'], items: { type: 'number' }, minItems: 4, maxItems: 4, description: 'The EPSG:25832 extent the dig area was checked against, when not Denmark\'s (null: none)' },
    owners: {
      type: 'array',
      items: {
        type: 'object',
        required: ['owner', 'name', 'status', 'contact', 'networkVersion', 'message', 'conflicts'],
        properties: {
          owner: { type: 'string' },
          name: { type: 'string' },
          status: { type: 'string', enum: Object.values(STATUS) },
          contact: { type: ['string', 'null'] },
          networkVersion: { type: ['integer', 'null'] },
          message: { type: 'string' },
          conflicts: { type: 'array', items: CONFLICT },
          answer: OWNER_ANSWER,
          marking: MARKING
        }
      }
    }
  }
} as const;

export function digRequestRoutes(ctx: ServiceContext) {
  const quota = new DigQuota((requester, since) => ctx.store.countDigRequests(requester, since), ctx.config.limits.digRequestsPerDay);

  const unknown = (id: string): LerError => new LerError('DIG_REQUEST_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(id)}.`);

  /** The stored package (its newest revision, or `revision`), for its requester or an admin; 404 for anyone else (an unknown revision too). */
  async function stored(id: string, who: Principal, revision?: number): Promise<Package> {
    const newest = await ctx.engine.storedPackage(id).catch((error: unknown) => {
      throw error instanceof LerError && error.code === 'DIG_REQUEST_UNKNOWN' ? unknown(id) : error;
    });
    if (!mayRead(who, newest.requester)) throw unknown(id);
    return revision === undefined || revision === newest.pkg.revision ? newest.pkg : (await ctx.engine.storedPackage(id, revision)).pkg;
  }

  /** Sends a package's JSON as made (201 for a new request, 200 for a revision). */
  function sendPackage(reply: FastifyReply, status: number, answer: DigAnswer): FastifyReply {
    ctx.notify?.nudge();
    return reply.code(status).header('location', `/v1/dig-requests/${answer.pkg.id}`).type('application/json; charset=utf-8').send(answer.json);
  }

  /**
   * An owner's answer or marking, sent to that owner: the new revision with its own entry only (the
   * other owners' lines are the requester's to see, not another owner's); an admin gets it whole.
   */
  function sendRevision(reply: FastifyReply, who: Principal, owner: string, answer: DigAnswer): FastifyReply {
    if (who.role === 'admin') return sendPackage(reply, 200, answer);
    const own = { ...answer.pkg, owners: answer.pkg.owners.filter((o) => o.owner === owner) };
    return sendPackage(reply, 200, { pkg: own, json: Buffer.from(JSON.stringify(own)) });
  }

  return async function digRequests(app: FastifyInstance): Promise<void> {
    const pictures = new PackagePictures(ctx.store, ctx.config.limits, { registry: ctx.metrics.registry, retryAfterSeconds: ctx.config.pressure.retryAfterSeconds, log: app.log });

    /** A package's map: from the store when drawn before, else drawn now (within the render limits) and kept. */
    async function picture(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, kind: PictureKind): Promise<FastifyReply> {
      const { id } = request.params;
      const who = principal(request);
      const kept = await pictures.kept(id, kind);
      if (kept !== null) {
        if (!mayRead(who, kept.requester)) throw unknown(id);
        return sendPicture(request, reply, id, kind, kept);
      }
      return sendPicture(request, reply, id, kind, await pictures.draw(await stored(id, who), kind, who.id));
    }

    app.post<{ Body: DigRequestInput }>(
      '/v1/dig-requests',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'Submit a dig area; the package comes back at once',
          operationId: 'createDigRequest',
          description: `Limits: a dig or emergency area at most ${ctx.config.limits.maxDigAreaM2} and ${ctx.config.limits.maxEmergencyAreaM2} m², a planning area ${ctx.config.limits.maxPlanningAreaM2} m²; at most ${ctx.config.limits.maxDigVertices} vertices; infoZone 0 to ${ctx.config.limits.maxInfoZone} m; rings may not cross. At most ${ctx.config.limits.digRequestsPerDay} dig requests per contractor key per day (UTC): past it, 429 QUOTA_DIG_REQUESTS.`,
          security: BEARER,
          body: {
            type: 'object',
            required: ['geometry'],
            additionalProperties: false,
            properties: {
              type: { type: 'string', enum: [...REQUEST_TYPES], description: 'dig (graveforespørgsel, default); planning (orientation for planners, larger areas, not for digging); emergency (uopsætteligt reparationsarbejde: a reason is required; owners are told first)' },
              reason: { type: 'string', maxLength: 1000, description: 'Why an emergency cannot wait (required for type emergency)' },
              geometry: GEOMETRY,
              crs: { type: 'string', maxLength: 100, description: 'EPSG:4326 (lon/lat, default), EPSG:25832 or EPSG:7416' },
              infoZone: { type: 'number', description: 'Width of the information zone, metres (default 0)' },
              workType: { type: 'string', maxLength: 64, description: `Kind of work: ${WORK_TYPES.join(', ')} (default excavation)` },
              purpose: { type: 'string', maxLength: 1000 },
              period: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: { type: 'string', maxLength: 10 }, to: { type: 'string', maxLength: 10 } }, description: 'Dig period, dates YYYY-MM-DD; the package is valid to its end' }
            }
          },
          response: { 201: PACKAGE_SCHEMA, ...problems(400, 401, 403, 413, 415, 422, 429) }
        }
      },
      async (request, reply) => {
        const who = principal(request);
        // Admin keys are not counted; a refused request gives its place back.
        const giveBack = who.role === 'admin' ? null : await quota.take(who.id);
        let answer: DigAnswer;
        try {
          answer = await ctx.engine.digRequest(request.body, { requester: who.id });
        } catch (error) {
          giveBack?.();
          ctx.metrics.digRequests.inc({ result: 'rejected' });
          throw error;
        }
        ctx.metrics.digRequests.inc({ result: 'ok' });
        // The package's JSON as stored, sent as it is.
        return sendPackage(reply, 201, answer);
      }
    );

    app.get<{ Params: { id: string }; Querystring: { revision?: string } }>(
      '/v1/dig-requests/:id',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The stored package: its newest revision, or an older one (?revision=N)',
          operationId: 'getDigRequest',
          security: BEARER,
          params: ID_PARAM,
          querystring: { type: 'object', additionalProperties: false, properties: { revision: { type: 'string', pattern: '^[1-9][0-9]{0,6}$', description: 'A revision (1: the registry\'s own answer); default the newest' } } },
          response: { 200: PACKAGE_SCHEMA, ...problems(400, 401, 403, 404, 429) }
        }
      },
      async (request) => stored(request.params.id, principal(request), request.query.revision === undefined ? undefined : Number(request.query.revision))
    );

    app.post<{ Params: { id: string; owner: string }; Querystring: { crs?: string }; Body: Record<string, unknown> | GmlBody }>(
      '/v1/dig-requests/:id/owners/:owner/answer',
      {
        config: OWNER_ACCESS,
        // Lines come with it: read on the request's thread, so bounded on their own.
        bodyLimit: ctx.config.limits.answerBytes,
        schema: {
          tags: ['dig requests', 'owners'],
          summary: 'An owner answers a dig request that names it: a new revision of the package',
          operationId: 'answerDigRequest',
          description: `A status of LER's six, with what it needs: a reason for "${STATUS.notDelivered}" and "${STATUS.markingNotDelivered}", expectedAt for "${STATUS.manual}". Lines (a GeoJSON FeatureCollection in the LER 2.0 model; ?crs= as for uploads) go with "${STATUS.delivered}" or "${STATUS.marking}": checked by the rules of uploads and cut to what the package may show. The requester hears of it (dig-request.answered). An owner the package does not name gets 404; a package past its validity, 409. The answer is the new revision: an owner's key gets its own entry only, an admin the whole package. At most ${ctx.config.limits.answerBytes} bytes (LER_ANSWER_LIMIT_BYTES).`,
          security: BEARER,
          params: { type: 'object', required: ['id', 'owner'], properties: { id: ID_PARAM.properties.id, owner: OWNER_PARAM.properties.owner } },
          querystring: { type: 'object', additionalProperties: false, properties: { crs: { type: 'string', maxLength: 100, description: 'CRS of the lines: EPSG:4326 (default), EPSG:25832 or EPSG:7416' } } },
          body: jsonOrGmlBody({
            type: 'object',
            required: ['status'],
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: Object.values(STATUS) },
              reason: { type: 'string', maxLength: 1000 },
              expectedAt: { type: 'string', maxLength: 40, description: 'When the owner expects to answer (ISO 8601 with zone)' },
              validUntil: { type: 'string', maxLength: 40, description: 'Until when the answer holds (a date or a time)' },
              contact: { type: 'string', maxLength: 500 },
              note: { type: 'string', maxLength: 1000 },
              lines: { type: 'object', description: 'A GeoJSON FeatureCollection of the owner\'s lines', required: ['type', 'features'], properties: { type: { const: 'FeatureCollection' }, features: { type: 'array' } } }
            }
          }, 'A LER 2.2 Graveforespoergselssvar, as owners\' LER robots write it: ler:type is the status, typeSupplerendeInfo the reason (or the note), forventetAfleveringstidspunkt expectedAt, gyldigTil validUntil, the Kontaktprofil the contact, its members the lines (checked against LER\'s schema and restrictions)'),
          response: { 200: PACKAGE_SCHEMA, ...problems(400, 401, 403, 404, 409, 413, 422, 429) }
        }
      },
      async (request, reply) => {
        const who = principal(request);
        const { id, owner } = request.params;
        const body = request.body instanceof GmlBody ? await answerFromGml(request.body) : request.body;
        const crs = request.body instanceof GmlBody ? gmlCrs(request.query.crs) : request.query.crs;
        const answer = await ctx.engine.answerDigRequest(id, owner, body, { actor: who.id, ...(crs !== undefined ? { crs } : {}), propertyLimits: propertyLimits(ctx) });
        return sendRevision(reply, who, owner, answer);
      }
    );

    app.post<{ Params: { id: string; owner: string }; Body: Record<string, unknown> }>(
      '/v1/dig-requests/:id/owners/:owner/marking',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['dig requests', 'owners'],
          summary: 'An owner records that its lines were shown on site (påvisning): a new revision of the package',
          operationId: 'markDigRequest',
          description: 'The answer is the new revision: an owner\'s key gets its own entry only, an admin the whole package.',
          security: BEARER,
          params: { type: 'object', required: ['id', 'owner'], properties: { id: ID_PARAM.properties.id, owner: OWNER_PARAM.properties.owner } },
          body: {
            type: 'object',
            required: ['by'],
            additionalProperties: false,
            properties: { at: { type: 'string', maxLength: 40, description: 'When the lines were shown (default now)' }, by: { type: 'string', maxLength: 200, description: 'Who showed them' }, note: { type: 'string', maxLength: 1000 } }
          },
          response: { 200: PACKAGE_SCHEMA, ...problems(400, 401, 403, 404, 409, 422, 429) }
        }
      },
      async (request, reply) => {
        const { id, owner } = request.params;
        const who = principal(request);
        return sendRevision(reply, who, owner, await ctx.engine.markDigRequest(id, owner, request.body, { actor: who.id }));
      }
    );

    app.post<{ Params: { id: string } }>(
      '/v1/dig-requests/:id/renew',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The same area asked again on today\'s networks, as a new request linked to this one (while its package is valid)',
          operationId: 'renewDigRequest',
          security: BEARER,
          params: ID_PARAM,
          response: { 201: PACKAGE_SCHEMA, ...problems(400, 401, 403, 404, 409, 422, 429) }
        }
      },
      async (request, reply) => {
        const who = principal(request);
        await stored(request.params.id, who);
        const giveBack = who.role === 'admin' ? null : await quota.take(who.id);
        try {
          const answer = await ctx.engine.renewDigRequest(request.params.id, { requester: who.id });
          ctx.metrics.digRequests.inc({ result: 'ok' });
          return sendPackage(reply, 201, answer);
        } catch (error) {
          giveBack?.();
          ctx.metrics.digRequests.inc({ result: 'rejected' });
          throw error;
        }
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/dig-requests/:id/package.geojson',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The package as one GeoJSON FeatureCollection (opens in a GIS)',
          operationId: 'getDigRequestGeoJson',
          security: BEARER,
          params: ID_PARAM,
          produces: ['application/geo+json'],
          response: { 200: { description: 'The dig area and every line, with its owner, status and precautions as properties', content: { 'application/geo+json': { schema: FEATURE_COLLECTION_SCHEMA } } }, ...problems(400, 401, 403, 404, 429) }
        }
      },
      async (request, reply) => {
        const pkg = await stored(request.params.id, principal(request));
        return reply.type('application/geo+json').header('content-disposition', `inline; filename="dig-request-${pkg.id}.geojson"`).send(JSON.stringify(packageGeoJson(pkg)));
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/dig-requests/:id/map.svg',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The package map: an A4 landscape sheet with the dig area, information zone, lines by fareklasse, scale, legend and owners (SVG)',
          operationId: 'getDigRequestMapSvg',
          security: BEARER,
          params: ID_PARAM,
          produces: ['image/svg+xml'],
          response: { 200: { description: 'The map sheet (drawn once, then served as kept: ETag, Cache-Control immutable)', content: { 'image/svg+xml': { schema: { type: 'string' } } } }, 304: NOT_MODIFIED, ...problems(400, 401, 403, 404, 429, 503) }
        }
      },
      async (request, reply) => picture(request, reply, 'svg')
    );

    app.get<{ Params: { id: string } }>(
      '/v1/dig-requests/:id/map.png',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The package map as a PNG, A4 landscape at 150 dpi',
          operationId: 'getDigRequestMapPng',
          security: BEARER,
          params: ID_PARAM,
          produces: ['image/png'],
          response: { 200: { description: 'The map sheet (drawn once, then served as kept: ETag, Cache-Control immutable)', content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } } }, 304: NOT_MODIFIED, ...problems(400, 401, 403, 404, 429, 503) }
        }
      },
      async (request, reply) => picture(request, reply, 'png')
    );
  };
}
