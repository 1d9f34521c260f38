/**
 * A stored package's files for a contractor's tools: the package as LER 2.2 GML (package.gml:
 * every owner's answer, a `ler:Graveforespoergselssvar` each, in one `gml:FeatureCollection`; or
 * one owner's answer alone with ?owner=) and the whole ledningspakke as a zip (package-zip.ts).
 * Access as for the package itself (dig-requests.ts): its requester and admins; anyone else gets
 * 404, as for an unknown id.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { LerError } from '../../errors.js';
import { ownerAnswerGml, packageGml } from '../../package/package-gml.js';
import { packageZip } from '../../package/package-zip.js';
import type { Package } from '../../package/types.js';
import type { PictureKind } from '../../store/store.js';
import { mayRead, type Principal } from '../auth.js';
import { BEARER, ID_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { PackagePictures, type Picture } from '../package-pictures.js';

const ACCESS = { access: { roles: ['contractor', 'admin'] } } as const;

/** LER GML's media type (GML 3.2, as OGC registers it). */
const GML_TYPE = 'application/gml+xml; version=3.2; charset=utf-8';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const c of chunks) parts.push(c);
  return parts.join('');
}

export function packageFileRoutes(ctx: ServiceContext) {
  const unknown = (id: string): LerError => new LerError('DIG_REQUEST_UNKNOWN', { pointer: '/id' }, `Got ${JSON.stringify(id)}.`);

  /** The stored package's newest revision, for its requester or an admin; 404 for anyone else. */
  async function stored(id: string, who: Principal): Promise<Package> {
    const newest = await ctx.engine.storedPackage(id).catch((error: unknown) => {
      throw error instanceof LerError && error.code === 'DIG_REQUEST_UNKNOWN' ? unknown(id) : error;
    });
    if (!mayRead(who, newest.requester)) throw unknown(id);
    return newest.pkg;
  }

  return async function packageFiles(app: FastifyInstance): Promise<void> {
    // The package map as the map routes keep it: from the store when drawn, else drawn (within the
    // render limits) and kept. Its drawings are counted with the map routes' own in the store only.
    const pictures = new PackagePictures(ctx.store, ctx.config.limits, { registry: new Registry(), retryAfterSeconds: ctx.config.pressure.retryAfterSeconds, log: app.log });
    async function picture(pkg: Package, kind: PictureKind, who: Principal): Promise<Picture> {
      return (await pictures.kept(pkg.id, kind)) ?? (await pictures.draw(pkg, kind, who.id));
    }

    app.get<{ Params: { id: string }; Querystring: { owner?: string } }>(
      '/v1/dig-requests/:id/package.gml',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The package as LER 2.2 GML: a Graveforespoergselssvar per owner (valid against LER\'s schema)',
          description:
            'Every owner the package names as a ler:Graveforespoergselssvar (its status as ler:type, its contact as a ler:Kontaktprofil, its delivered lines cut as in package.geojson, with their attributes and ids as ler:id, in EPSG:7416 with Z -99 where unknown), all in one gml:FeatureCollection; ?owner= gives that owner\'s answer alone, the document an owner\'s LER robot sends.',
          operationId: 'getDigRequestGml',
          security: BEARER,
          params: ID_PARAM,
          querystring: { type: 'object', additionalProperties: false, properties: { owner: { type: 'string', maxLength: 64, description: 'One owner\'s answer alone (an owner the package names)' } } },
          produces: ['application/gml+xml'],
          response: {
            200: { description: 'LER 2.2 GML: a gml:FeatureCollection of ler:Graveforespoergselssvar, or one ler:Graveforespoergselssvar with ?owner=', content: { 'application/gml+xml': { schema: { type: 'string' } } } },
            ...problems(400, 401, 403, 404, 429)
          }
        }
      },
      async (request, reply: FastifyReply) => {
        const pkg = await stored(request.params.id, principal(request));
        const name = request.query.owner;
        let body: string;
        if (name === undefined) {
          body = await text(packageGml(pkg));
        } else {
          const owner = pkg.owners.find((o) => o.owner === name);
          if (owner === undefined) throw new LerError('DIG_REQUEST_OWNER_UNKNOWN', { pointer: '/owner' }, `The package of ${pkg.id} does not name ${JSON.stringify(name)}.`);
          body = await text(ownerAnswerGml(pkg, owner));
        }
        const file = name === undefined ? `dig-request-${pkg.id}.gml` : `dig-request-${pkg.id}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.gml`;
        return reply.type(GML_TYPE).header('content-disposition', `inline; filename="${file}"`).send(body);
      }
    );

    app.get<{ Params: { id: string } }>(
      '/v1/dig-requests/:id/package.zip',
      {
        config: ACCESS,
        schema: {
          tags: ['dig requests'],
          summary: 'The ledningspakke as a zip: GML per owner, GeoJSON, JSON, the map as PNG and SVG, the status list',
          description:
            'package.gml (every owner\'s answer), gml/<owner>.gml (each owner\'s answer alone), package.geojson, package.json, map.svg, map.png, status.txt and status.html (each owner\'s status, contact, answer and deadline). The map is drawn once and kept, as for map.png; drawing it counts against the render limits (429/503 with Retry-After).',
          operationId: 'getDigRequestZip',
          security: BEARER,
          params: ID_PARAM,
          produces: ['application/zip'],
          response: { 200: { description: 'The zip', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } }, ...problems(400, 401, 403, 404, 429, 503) }
        }
      },
      async (request, reply: FastifyReply) => {
        const who = principal(request);
        const pkg = await stored(request.params.id, who);
        // One after the other: a key may be let draw one map at a time (LER_RENDERS_PER_KEY).
        const svg = await picture(pkg, 'svg', who);
        const png = await picture(pkg, 'png', who);
        const zip = await packageZip(pkg, { svg: svg.body, png: png.body });
        return reply.type('application/zip').header('content-disposition', `attachment; filename="ledningspakke-${pkg.id}.zip"`).send(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength));
      }
    );
  };
}
