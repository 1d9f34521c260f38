/**
 * Owners' data: the network's state and change sets (the whole-network upload streams, in
 * upload.ts), interest areas and the owner's profile. An owner key touches only its own owner;
 * only admins list owners.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { unprojectToLonLat } from '../../crs/index.js';
import { LerError } from '../../errors.js';
import type { ChangeAudit, Snapshot } from '../../engine.js';
import { readGmlDocument } from '../../ingest/gml-document.js';
import type { RemovalGuard } from '../../ingest/removal.js';
import { gmlCrs } from '../../ingest/upload.js';
import type { PropertyLimits } from '../../input/property-limits.js';
import { featuresOf } from '../../index/features-of.js';
import { COMPONENT_TYPES, LINE_TYPES, TRACE_TYPES } from '../../model/ler.js';
import { CONTACT_MAX_LENGTH } from '../../model/owner.js';
import { networkGml } from '../../package/package-gml.js';
import { RuleReport } from '../../rules/report.js';
import { BEARER, OWNER_PARAM, PROBLEM_REF, principal, problems, type ServiceContext } from '../context.js';
import { GmlBody, jsonOrGmlBody } from '../gml-body.js';
import { ProblemError } from '../problem.js';
import { FEATURE_COLLECTION_SCHEMA, RULE_REPORT_SCHEMA } from '../schemas.js';

export const OWNER_ACCESS = { access: { roles: ['owner', 'admin'], ownOwner: true } } as const;

export const UPLOAD_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    crs: { type: 'string', maxLength: 100, description: 'CRS of the features: EPSG:4326 (default), EPSG:25832 or EPSG:7416' },
    invalid: { type: 'string', enum: ['reject', 'skip'], description: 'reject (default): any invalid feature rejects the upload; skip: the valid ones are kept' },
    allowRemoval: {
      type: 'string',
      enum: ['true', 'false'],
      description: 'true: the upload may empty the network, or remove more than LER_MAX_REMOVAL_PERCENT of its features at once (else refused with 409 UPLOAD_EMPTY_NETWORK or REMOVAL_TOO_LARGE)'
    }
  }
} as const;

export const UPLOAD_ANSWER = {
  type: 'object',
  description: 'The new version is live: its number, its features and the rule report',
  required: ['owner', 'version', 'features', 'snapshotVersion', 'report'],
  properties: {
    owner: { type: 'string' },
    version: { type: 'integer', description: 'The owner\'s new network version' },
    features: { type: 'integer' },
    snapshotVersion: { type: 'integer' },
    report: RULE_REPORT_SCHEMA
  }
} as const;

/** The problems an upload or change set answers; a 422 from the rules (UPLOAD_REJECTED) carries the report. */
export const UPLOAD_PROBLEMS = {
  ...problems(400, 401, 403, 409, 413, 415, 422, 429),
  422: {
    description: 'The upload is invalid; when the rules rejected it (UPLOAD_REJECTED) the problem carries the rule report',
    content: { 'application/problem+json': { schema: { allOf: [PROBLEM_REF, { type: 'object', properties: { report: RULE_REPORT_SCHEMA } }] } } }
  }
} as const;

export interface UploadQuery {
  crs?: string;
  invalid?: 'reject' | 'skip';
  allowRemoval?: 'true' | 'false';
}

/** The engine's guard against emptying a network by mistake, unless the request says it means it. */
export function removalGuard(ctx: ServiceContext, query: UploadQuery): { guard?: RemovalGuard } {
  return query.allowRemoval === 'true' ? {} : { guard: { maxRemovalPercent: ctx.config.limits.maxRemovalPercent } };
}

/** How large what an owner stores with a feature may be, as the service is configured. */
export function propertyLimits(ctx: ServiceContext): PropertyLimits {
  return { maxPropertiesBytes: ctx.config.limits.maxPropertiesBytes, maxPropertyValueBytes: ctx.config.limits.maxPropertyValueBytes };
}

/**
 * Refuses (409 OWNER_ID_CASE_CONFLICT) an owner id known by another spelling, before any work:
 * the store refuses it again in the write that would make the owner known.
 */
export async function checkOwnerSpelling(ctx: ServiceContext, owner: string): Promise<void> {
  const known = await ctx.store.ownerSpelling(owner);
  if (known !== null && known !== owner) throw new LerError('OWNER_ID_CASE_CONFLICT', { pointer: '/owner' }, `Got ${JSON.stringify(owner)}; the owner is known as ${JSON.stringify(known)}.`);
}

/** Problems listed in full in an answer; past them the report counts by code. */
export const REPORT_KEEP = 1000;

/** What an upload or change set answers, once the new version is live. */
export function uploadAnswer(owner: string, snapshot: Snapshot, report: RuleReport): Record<string, unknown> {
  const n = snapshot.networks.get(owner);
  return { owner, version: n?.version ?? 0, features: n?.features ?? 0, snapshotVersion: snapshot.version, report: report.summary() };
}

/**
 * Runs an upload, turning a rejection into a problem that carries the report. The engine writes
 * the new version's audit entry with the version itself (`audit`, given to the work); a rejection
 * is audited here.
 */
export async function runUpload(ctx: ServiceContext, actor: string, owner: string, kind: 'replace' | 'patch', report: RuleReport, detail: () => Record<string, unknown>, work: (audit: ChangeAudit) => Promise<Snapshot> | Snapshot): Promise<Snapshot> {
  try {
    const snapshot = await work({ actor, detail: () => ({ ...detail(), errors: report.errors, warnings: report.warnings, skipped: report.invalidFeatures }) });
    ctx.metrics.uploads.inc({ kind, result: 'ok' });
    return snapshot;
  } catch (error) {
    ctx.metrics.uploads.inc({ kind, result: 'rejected' });
    const code = error instanceof LerError ? error.code : 'INTERNAL_ERROR';
    // The rejection's entry is written, but an outage writing it does not hide why the upload failed.
    await ctx.store.audit({ actor, action: `network.${kind}.rejected`, owner, detail: { ...detail(), code, errors: report.errors, warnings: report.warnings } }).catch(() => undefined);
    if (error instanceof LerError && error.code === 'UPLOAD_REJECTED') throw ProblemError.from(error, { report: report.summary() });
    throw error;
  }
}

interface BboxCache {
  version: number;
  boxes: Map<string, [number, number, number, number]>;
}

/** The feature types each member kind of a Graveforespoergselssvar holds. */
const MEMBER_TYPES = {
  ledningstraceMember: new Set(Object.keys(TRACE_TYPES)),
  ledningMember: new Set(Object.keys(LINE_TYPES)),
  ledningskomponentMember: new Set(Object.keys(COMPONENT_TYPES))
} as const;

export function ownerRoutes(ctx: ServiceContext) {
  let cache: BboxCache = { version: -1, boxes: new Map() };

  /**
   * An owner's box in EPSG:25832, from the columns of the owner's own index (once per snapshot
   * version): never the merged index, which right after a change would be merged here and now,
   * holding the event loop for seconds on a big registry.
   */
  function bboxOf(snapshot: Snapshot, owner: string): [number, number, number, number] | null {
    if (cache.version !== snapshot.version) cache = { version: snapshot.version, boxes: new Map() };
    const known = cache.boxes.get(owner);
    if (known) return known;
    const part = snapshot.parts.find((p) => p.owner === owner);
    if (part === undefined) return null;
    const c = part.index.columns;
    const o = c.owners.indexOf(owner);
    if (o < 0) return null;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let f = 0; f < c.featureCount; f++) {
      if (c.featureOwner[f] !== o) continue;
      const v0 = c.partVertices[c.featureParts[f]], v1 = c.partVertices[c.featureParts[f + 1]];
      for (let v = v0; v < v1; v++) {
        const x = c.xy[2 * v], y = c.xy[2 * v + 1];
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    const box: [number, number, number, number] = [minX, minY, maxX, maxY];
    cache.boxes.set(owner, box);
    return box;
  }

  return async function owners(app: FastifyInstance): Promise<void> {
    app.get(
      '/v1/owners',
      {
        config: { access: { roles: ['admin'] } },
        schema: {
          tags: ['owners'],
          summary: 'Every owner: profile, live network version, interest areas (admin)',
          operationId: 'listOwners',
          security: BEARER,
          response: {
            200: {
              type: 'array',
              description: 'Every owner with a profile, a network or interest areas, by id',
              items: {
                type: 'object',
                required: ['owner', 'name', 'contact', 'requiresMarking', 'version', 'features', 'interestAreas'],
                properties: {
                  owner: { type: 'string' },
                  name: { type: ['string', 'null'] },
                  contact: { type: ['string', 'null'] },
                  requiresMarking: { type: 'boolean' },
                  version: { type: ['integer', 'null'], description: 'The live network\'s version; null: none uploaded' },
                  features: { type: 'integer' },
                  interestAreas: { type: 'boolean', description: 'Whether the owner has registered interest areas' }
                }
              }
            },
            ...problems(401, 403, 429)
          }
        }
      },
      async () => {
        const snapshot = ctx.engine.snapshot;
        const profiles = new Map((await ctx.store.ownerProfiles()).map((p) => [p.owner, p]));
        const interest = new Set(ctx.engine.interestAreaOwners);
        const ids = new Set([...profiles.keys(), ...interest, ...(snapshot?.networks.keys() ?? [])]);
        return [...ids].sort().map((owner) => {
          const n = snapshot?.networks.get(owner);
          const p = profiles.get(owner);
          return { owner, name: p?.name ?? null, contact: p?.contact ?? null, requiresMarking: p?.requiresMarking ?? false, version: n?.version ?? null, features: n?.features ?? 0, interestAreas: interest.has(owner) };
        });
      }
    );

    app.get<{ Params: { owner: string } }>(
      '/v1/owners/:owner/network.gml',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'The live network as LER 2.2 GML',
          operationId: 'getNetworkGml',
          description: 'The owner\'s current version as one ler:Graveforespoergselssvar (EPSG:7416, heights -99 where unknown, the owner\'s ids as ler:id), valid against the official schema: what an upload in LER GML takes back. Streamed; one version, whatever is uploaded meanwhile.',
          security: BEARER,
          params: OWNER_PARAM,
          response: {
            200: { description: 'LER 2.2 GML', content: { 'application/gml+xml': { schema: { type: 'string' } } } },
            ...problems(400, 401, 403, 404, 429)
          }
        }
      },
      async (request, reply) => {
        const owner = request.params.owner;
        const snapshot = ctx.engine.snapshot;
        const n = snapshot?.networks.get(owner);
        const part = snapshot?.parts.find((p) => p.owner === owner);
        if (snapshot === null || n === undefined || part === undefined) throw new ProblemError('OWNER_UNKNOWN', { where: { pointer: '/owner' }, detail: `No network of ${JSON.stringify(owner)} is loaded.` });
        const profile = await ctx.store.ownerProfile(owner);
        const index = part.index;
        // Traces, lines, components: one pass over the owner's index per member kind.
        const gml = networkGml({ owner, name: profile?.name ?? null, contact: profile?.contact ?? null }, n.version, (kind) => featuresOf(index, owner, MEMBER_TYPES[kind]));
        void reply
          .type('application/gml+xml; charset=utf-8')
          .header('content-disposition', `attachment; filename="${owner.replace(/[^A-Za-z0-9._-]/g, '_')}-v${n.version}.gml"`)
          .header('x-network-version', String(n.version));
        return reply.send(Readable.from(gml));
      }
    );

    app.get<{ Params: { owner: string } }>(
      '/v1/owners/:owner/network',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'The live network: version, feature count, bbox, stored history',
          operationId: 'getNetwork',
          security: BEARER,
          params: OWNER_PARAM,
          response: {
            200: {
              type: 'object',
              description: 'The live network',
              required: ['owner', 'version', 'features', 'snapshotVersion', 'bbox', 'bboxLonLat', 'history'],
              properties: {
                owner: { type: 'string' },
                version: { type: 'integer' },
                features: { type: 'integer' },
                snapshotVersion: { type: 'integer' },
                bbox: { type: ['array', 'null'], items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[minX, minY, maxX, maxY], EPSG:25832; null: no features' },
                bboxLonLat: { type: ['array', 'null'], items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[west, south, east, north], approximately (the corners unprojected); null: no features' },
                history: {
                  type: 'array',
                  description: 'The stored versions, newest first',
                  items: { type: 'object', required: ['version', 'features', 'bytes', 'createdAt'], properties: { version: { type: 'integer' }, features: { type: 'integer' }, bytes: { type: 'integer' }, createdAt: { type: 'string' } } }
                }
              }
            },
            ...problems(400, 401, 403, 404, 429)
          }
        }
      },
      async (request) => {
        const owner = request.params.owner;
        const snapshot = ctx.engine.snapshot;
        const n = snapshot?.networks.get(owner);
        if (snapshot === null || n === undefined) throw new ProblemError('OWNER_UNKNOWN', { where: { pointer: '/owner' }, detail: `No network of ${JSON.stringify(owner)} is loaded.` });
        const bbox = bboxOf(snapshot, owner);
        const sw = bbox && Number.isFinite(bbox[0]) ? unprojectToLonLat(bbox[0], bbox[1]) : null;
        const ne = bbox && Number.isFinite(bbox[0]) ? unprojectToLonLat(bbox[2], bbox[3]) : null;
        return {
          owner,
          version: n.version,
          features: n.features,
          snapshotVersion: snapshot.version,
          bbox: bbox && Number.isFinite(bbox[0]) ? bbox : null,
          bboxLonLat: sw && ne ? [sw[0], sw[1], ne[0], ne[1]] : null,
          history: (await ctx.store.history(owner)).map(({ version, features, bytes, createdAt }) => ({ version, features, bytes, createdAt }))
        };
      }
    );

    app.patch<{ Params: { owner: string }; Querystring: UploadQuery & { delete?: string | string[] }; Body: { upsert?: unknown; delete?: unknown } | GmlBody }>(
      '/v1/owners/:owner/network',
      {
        config: OWNER_ACCESS,
        bodyLimit: ctx.config.limits.changeSetBytes,
        schema: {
          tags: ['owners'],
          summary: 'Apply a change set: upsert features by id, delete ids',
          description: 'A change set that changes nothing is refused (400 CHANGESET_EMPTY); one that deletes more than LER_MAX_REMOVAL_PERCENT of the features is refused (409 REMOVAL_TOO_LARGE) unless allowRemoval=true.',
          operationId: 'patchNetwork',
          security: BEARER,
          params: OWNER_PARAM,
          querystring: { ...UPLOAD_QUERY, properties: { ...UPLOAD_QUERY.properties, delete: { anyOf: [{ type: 'string', maxLength: 1000 }, { type: 'array', maxItems: 10_000, items: { type: 'string', maxLength: 1000 } }], description: 'With a GML body: the ids to delete (the parameter repeated, one id each)' } } },
          body: jsonOrGmlBody(
            {
              type: 'object',
              additionalProperties: false,
              properties: {
                upsert: { type: 'object', description: 'A FeatureCollection of new and changed features' },
                delete: { type: 'array', items: { type: ['string', 'number'] }, description: 'Ids to delete' }
              }
            },
            'LER 2.2 GML (a Graveforespoergselssvar or a FeatureCollection of ler:* features): its features are upserted by id, checked against LER\'s schema and restrictions; ?delete= names ids to delete'
          ),
          response: { 200: { description: UPLOAD_ANSWER.description, content: { 'application/json': { schema: UPLOAD_ANSWER } } }, ...UPLOAD_PROBLEMS }
        }
      },
      async (request) => {
        const owner = request.params.owner;
        await checkOwnerSpelling(ctx, owner);
        const report = new RuleReport(REPORT_KEEP, 5);
        const { crs, invalid } = request.query;
        const body = request.body;
        const gml = body instanceof GmlBody;
        const deleted = request.query.delete === undefined ? [] : [request.query.delete].flat();
        if (!gml && deleted.length > 0) throw new LerError('CHANGESET_INVALID', { pointer: '/delete' }, 'With a JSON body, the ids to delete go in its "delete" member.');
        const deletes = gml ? deleted.length : Array.isArray(body.delete) ? body.delete.length : 0;
        const snapshot = await runUpload(ctx, principal(request).id, owner, 'patch', report, () => ({ crs: gml ? 'EPSG:7416' : (crs ?? null), invalid: invalid ?? 'reject', deletes, ...(gml ? { format: 'gml' } : {}) }), async (audit) => {
          // A GML change set: its features, after LER's schema and restrictions, upserted; ?delete= ids deleted.
          const changes = gml ? { upsert: { type: 'FeatureCollection', features: (await readGmlDocument(body.bytes, { report, invalid: invalid ?? 'reject' })).features }, delete: deleted } : body;
          const read = gml ? gmlCrs(crs) : crs;
          return ctx.engine.applyChangeSet(owner, changes, { ...(read !== undefined ? { crs: read } : {}), report, invalid: invalid ?? 'reject', audit, propertyLimits: propertyLimits(ctx), ...removalGuard(ctx, request.query) });
        });
        return uploadAnswer(owner, snapshot, report);
      }
    );

    app.put<{ Params: { owner: string }; Querystring: { crs?: string }; Body: unknown }>(
      '/v1/owners/:owner/interest-areas',
      {
        config: OWNER_ACCESS,
        bodyLimit: ctx.config.limits.interestAreaBytes,
        schema: {
          tags: ['owners'],
          summary: 'Replace the interest areas: polygons with forsyningsart and contact',
          description: `Contractors whose dig area (with its information zone) meets an interest area are told to contact the owner, when none of its lines is in the package. Each area's properties: contact, a string of at most ${CONTACT_MAX_LENGTH} characters; forsyningsart, a kind of supply (a LER 2.0 one, or one of the owner's own) or an array of them; the rest within the property limits (LER_MAX_FEATURE_PROPERTIES_BYTES, LER_MAX_PROPERTY_VALUE_BYTES). A polygon that crosses itself is refused.`,
          operationId: 'putInterestAreas',
          security: BEARER,
          params: OWNER_PARAM,
          querystring: { type: 'object', additionalProperties: false, properties: { crs: UPLOAD_QUERY.properties.crs } },
          body: { type: 'object', required: ['type', 'features'], properties: { type: { type: 'string', enum: ['FeatureCollection'] }, features: { type: 'array', items: { type: 'object' } } } },
          response: {
            200: { type: 'object', description: 'The areas are registered', required: ['owner', 'areas', 'crs'], properties: { owner: { type: 'string' }, areas: { type: 'integer', description: 'Interest areas registered' }, crs: { type: 'string', description: 'The CRS they were read in' } } },
            ...problems(400, 401, 403, 409, 413, 415, 422, 429)
          }
        }
      },
      async (request) => {
        const owner = request.params.owner;
        await checkOwnerSpelling(ctx, owner);
        const crs = request.query.crs;
        let stored: { areas: number; crs: string };
        try {
          stored = await ctx.engine.putInterestAreas(owner, request.body, { ...(crs !== undefined ? { crs } : {}), audit: { actor: principal(request).id }, propertyLimits: propertyLimits(ctx) });
        } catch (error) {
          ctx.metrics.uploads.inc({ kind: 'interest', result: 'rejected' });
          throw error;
        }
        ctx.metrics.uploads.inc({ kind: 'interest', result: 'ok' });
        return { owner, ...stored };
      }
    );

    app.get<{ Params: { owner: string } }>(
      '/v1/owners/:owner/interest-areas',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'The registered interest areas',
          operationId: 'getInterestAreas',
          security: BEARER,
          params: OWNER_PARAM,
          response: { 200: { ...FEATURE_COLLECTION_SCHEMA, description: 'The interest areas as uploaded' }, ...problems(400, 401, 403, 404, 429) }
        }
      },
      async (request) => {
        const areas = ctx.engine.interestAreas(request.params.owner);
        if (areas === null) throw new ProblemError('OWNER_UNKNOWN', { where: { pointer: '/owner' }, detail: 'This owner has registered no interest areas.' });
        return areas;
      }
    );

    const profileSchema = {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'contact'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 },
        contact: { type: 'string', minLength: 1, maxLength: CONTACT_MAX_LENGTH, description: 'How a contractor reaches the owner about a dig' },
        requiresMarking: { type: 'boolean', description: 'The owner shows its meget farlig lines on site (påvisning) before anyone digs' }
      }
    } as const;

    app.put<{ Params: { owner: string }; Body: { name: string; contact: string; requiresMarking?: boolean } }>(
      '/v1/owners/:owner/profile',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'Set the owner\'s name, contact and marking rule',
          operationId: 'putProfile',
          security: BEARER,
          params: OWNER_PARAM,
          body: profileSchema,
          response: {
            200: { ...profileSchema, description: 'The profile as set', required: ['owner', 'name', 'contact', 'requiresMarking'], properties: { ...profileSchema.properties, owner: { type: 'string' } } },
            ...problems(400, 401, 403, 409, 413, 415, 429)
          }
        }
      },
      async (request) => {
        await checkOwnerSpelling(ctx, request.params.owner);
        const profile = { owner: request.params.owner, name: request.body.name, contact: request.body.contact, requiresMarking: request.body.requiresMarking === true };
        await ctx.store.putOwnerProfile(profile, { actor: principal(request).id, action: 'profile.put', owner: profile.owner, detail: { name: profile.name, requiresMarking: profile.requiresMarking } });
        // Packages made here from now on carry it; other replicas hear of it from the store.
        await ctx.engine.reloadOwnerProfile(profile.owner);
        return profile;
      }
    );

    app.get<{ Params: { owner: string } }>(
      '/v1/owners/:owner/profile',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'The owner\'s profile',
          operationId: 'getProfile',
          security: BEARER,
          params: OWNER_PARAM,
          response: {
            200: {
              type: 'object',
              description: 'The profile',
              required: ['owner', 'name', 'contact', 'requiresMarking'],
              properties: { owner: { type: 'string' }, name: { type: ['string', 'null'] }, contact: { type: ['string', 'null'] }, requiresMarking: { type: 'boolean' } }
            },
            ...problems(400, 401, 403, 404, 429)
          }
        }
      },
      async (request) => {
        const profile = await ctx.store.ownerProfile(request.params.owner);
        if (profile === null) throw new ProblemError('OWNER_UNKNOWN', { where: { pointer: '/owner' }, detail: 'No profile is set.' });
        return profile;
      }
    );
  };
}
