/**
 * The whole-network upload, streamed: the body goes as it arrives to the engine's splitter and
 * builder, never buffered. Fastify enforces no body limit on a stream parser, so the bytes are
 * counted here: a Content-Length over the limit is refused before a byte is read, and a body that
 * grows past it is cut off there with 413. A gzip body (Content-Encoding: gzip) is unpacked as it
 * streams, and its unpacked bytes count.
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { LerError } from '../../errors.js';
import { GML_TYPES } from '../gml-body.js';
import { RuleReport } from '../../rules/report.js';
import { BEARER, OWNER_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';
import { OWNER_ACCESS, REPORT_KEEP, UPLOAD_ANSWER, UPLOAD_PROBLEMS, UPLOAD_QUERY, checkOwnerSpelling, propertyLimits, removalGuard, runUpload, uploadAnswer, type UploadQuery } from './owners.js';

export const UPLOAD_TYPES = ['application/geo+json', 'application/json', 'application/geo+json-seq', 'application/gml+xml', 'application/xml', 'text/xml'];

/** LER 2.2 GML's media types (the XML ones are taken as GML too). */
export function isGml(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/gml+xml' || type === 'application/xml' || type === 'text/xml';
}

/** The chunks of `source`, throwing INPUT_TOO_LARGE (413) as soon as more than `limit` bytes have come. */
export async function* limitBytes(source: AsyncIterable<Uint8Array>, limit: number, counted: { bytes: number }): AsyncGenerator<Uint8Array> {
  // Stopping early leaves the request as it is (not destroyed): the answer is still to be sent, and
  // the connection closes after it (app.ts).
  const chunks = source instanceof Readable ? (source.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) : source;
  for await (const chunk of chunks) {
    counted.bytes += chunk.length;
    if (counted.bytes > limit) throw tooLarge(limit, `More than ${limit} bytes arrived.`);
    yield chunk;
  }
}

function tooLarge(limit: number, detail: string): ProblemError {
  return new ProblemError('INPUT_TOO_LARGE', { detail: `${detail} This service takes uploads of at most ${limit} bytes (LER_UPLOAD_LIMIT_BYTES): split the network and send the rest as change sets (PATCH).`, extra: { limit } });
}

export function uploadRoutes(ctx: ServiceContext) {
  return async function upload(app: FastifyInstance): Promise<void> {
    // In this route's scope only: bodies stay streams.
    app.removeContentTypeParser(['application/json', 'application/geo+json', ...GML_TYPES]);
    app.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));

    app.put<{ Params: { owner: string }; Querystring: UploadQuery; Body: Readable | undefined }>(
      '/v1/owners/:owner/network',
      {
        config: { ...OWNER_ACCESS, gzip: true },
        schema: {
          tags: ['owners'],
          summary: 'Replace the whole network (streamed upload)',
          operationId: 'putNetwork',
          description: `A FeatureCollection (${UPLOAD_TYPES.slice(0, 2).join(', ')}) or a GeoJSON text sequence (application/geo+json-seq) of LER 2.0 features, or a LER 2.2 GML document (application/gml+xml): a ler:Graveforespoergselssvar whose trace, line and component members are the network, or a FeatureCollection of ler:* features, checked against LER's schema and its restrictions (by their names) before the rules; hostile XML (a DOCTYPE, deep nesting, huge texts) is refused. Checked against the published rules (GET /v1/rules); the answer carries the report. At most ${ctx.config.limits.uploadBytes} bytes. An upload with no features, or one that removes more than ${ctx.config.limits.maxRemovalPercent} % of the features (LER_MAX_REMOVAL_PERCENT), is refused with 409 unless allowRemoval=true.`,
          security: BEARER,
          params: OWNER_PARAM,
          querystring: UPLOAD_QUERY,
          response: {
            200: {
              description: UPLOAD_ANSWER.description,
              content: { 'application/json': { schema: { ...UPLOAD_ANSWER, required: [...UPLOAD_ANSWER.required, 'bytes'], properties: { ...UPLOAD_ANSWER.properties, bytes: { type: 'integer', description: 'Bytes of the body read (unpacked, when gzip)' } } } } }
            },
            ...problems(400, 401, 403, 409, 413, 415, 429),
            422: UPLOAD_PROBLEMS[422]
          }
        }
      },
      async (request) => {
        const owner = request.params.owner;
        await checkOwnerSpelling(ctx, owner);
        const limit = ctx.config.limits.uploadBytes;
        const declared = Number(request.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, `Content-Length says ${declared} bytes.`);
        const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
        if (encoding !== 'identity' && encoding !== 'gzip') throw new ProblemError('CONTENT_TYPE_UNSUPPORTED', { detail: `Content-Encoding ${JSON.stringify(encoding)}: send identity or gzip.` });
        const body = request.body;
        if (body === undefined || body === null) throw new LerError('INPUT_EMPTY', {}, 'Send the network as the body, with Content-Type application/geo+json or application/gml+xml.');
        const gml = isGml(request.headers['content-type']);
        // An unpacking error is the body's fault, whatever the reader sees of it (an early end, a cut connection).
        let gzipError: Error | null = null;
        const source: AsyncIterable<Uint8Array> = encoding === 'gzip' ? body.pipe(createGunzip().once('error', (error) => (gzipError = error))) : body;
        const counted = { bytes: 0 };
        const report = new RuleReport(REPORT_KEEP, 5);
        const { crs, invalid } = request.query;
        // Read when the entry is written: by then the bytes are all counted.
        const detail = (): Record<string, unknown> => ({ crs: crs ?? null, invalid: invalid ?? 'reject', contentType: request.headers['content-type'] ?? null, encoding, bytes: counted.bytes });
        const snapshot = await runUpload(ctx, principal(request).id, owner, 'replace', report, detail, async (audit) => {
          try {
            return await ctx.engine.putNetworkStream(owner, limitBytes(source, limit, counted), { ...(crs !== undefined ? { crs } : {}), ...(gml ? { format: 'gml' as const } : {}), report, invalid: invalid ?? 'reject', audit, propertyLimits: propertyLimits(ctx), ...removalGuard(ctx, request.query) });
          } catch (error) {
            if (gzipError !== null) throw new LerError('INPUT_NOT_GZIP', {}, `It could not be unpacked: ${(gzipError as Error).message}.`);
            if (error instanceof LerError) throw error;
            if (request.raw.readableAborted || request.raw.destroyed) throw new LerError('INPUT_TRUNCATED', {}, 'The client stopped sending before the body ended.');
            throw error;
          }
        });
        return { ...uploadAnswer(owner, snapshot, report), bytes: counted.bytes };
      }
    );
  };
}
