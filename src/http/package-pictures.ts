/**
 * The package map (map.svg, map.png) of a stored dig request, drawn once per package and format.
 * A package never changes, so its map is kept in the store beside it (and pruned with it) and
 * served from there, across restarts, with a strong ETag and `immutable` caching. Requests for a
 * map being drawn share that drawing. Drawing is limited per key and service-wide
 * (render-limiter.ts); a map served from the store never counts. Every drawing counts in
 * ler_package_renders_total.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { Package } from '../package/types.js';
import { packagePngAsync, packageSvg } from '../package/views.js';
import type { PictureKind, ServiceStore } from '../store/store.js';
import type { ServiceLimits } from './config.js';
import { RenderLimiter } from './render-limiter.js';

export interface Picture {
  body: Buffer;
  etag: string;
}

const TYPES: Record<PictureKind, string> = { svg: 'image/svg+xml; charset=utf-8', png: 'image/png' };

export class PackagePictures {
  private readonly drawing = new Map<string, Promise<Picture>>();
  private readonly limiter: RenderLimiter;
  private readonly renders: Counter<'kind'>;
  private readonly log: Pick<FastifyBaseLogger, 'warn'> | undefined;

  constructor(
    private readonly store: Pick<ServiceStore, 'packagePicture' | 'putPackagePicture'>,
    limits: Pick<ServiceLimits, 'rendersPerKey' | 'rendersRunning' | 'rendersQueued'>,
    opts: { registry: Registry; retryAfterSeconds: number; log?: Pick<FastifyBaseLogger, 'warn'> }
  ) {
    this.limiter = new RenderLimiter({
      perKey: limits.rendersPerKey,
      running: limits.rendersRunning > 0 ? limits.rendersRunning : Math.max(1, availableParallelism()),
      queued: limits.rendersQueued,
      retryAfterSeconds: opts.retryAfterSeconds
    });
    this.renders = new Counter({
      name: 'ler_package_renders_total',
      help: 'Package maps drawn, by format (a map is drawn once per package and format, then served from the store)',
      labelNames: ['kind'] as const,
      registers: [opts.registry]
    });
    this.log = opts.log;
  }

  /** The map as kept in the store, with its dig request's requester (for the access check); null: not drawn yet. */
  kept(id: string, kind: PictureKind): Promise<(Picture & { requester: string }) | null> {
    return this.store.packagePicture(id, kind);
  }

  /** Draws a package's map for a key (or waits for its drawing in progress) and keeps it; throws 429 or 503 past the render limits. */
  draw(pkg: Package, kind: PictureKind, key: string): Promise<Picture> {
    const name = `${pkg.id}\n${kind}`;
    const pending = this.drawing.get(name);
    if (pending !== undefined) return pending;
    const ticket = this.limiter.reserve(key);
    const drawn = (async (): Promise<Picture> => {
      let body: Buffer;
      try {
        await ticket.ready;
        body = kind === 'png' ? await packagePngAsync(pkg) : Buffer.from(packageSvg(pkg), 'utf8');
      } finally {
        ticket.release();
      }
      this.renders.inc({ kind });
      return { body, etag: `"${kind}-${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    })();
    this.drawing.set(name, drawn);
    // Later requests share this drawing until the store has it.
    drawn.then(
      (picture) =>
        this.store.putPackagePicture(pkg.id, kind, picture.body, picture.etag).then(
          () => this.drawing.delete(name),
          (error: unknown) => {
            this.drawing.delete(name);
            this.log?.warn({ err: error }, `The ${kind} map of dig request ${pkg.id} was drawn but not kept.`);
          }
        ),
      () => this.drawing.delete(name)
    );
    return drawn;
  }
}

/** Sends a map: strong ETag, cached for a year (a package's map never changes), 304 when the client has it. */
export function sendPicture(request: FastifyRequest, reply: FastifyReply, id: string, kind: PictureKind, picture: Picture): FastifyReply {
  void reply.header('etag', picture.etag).header('cache-control', 'private, max-age=31536000, immutable');
  const match = request.headers['if-none-match'];
  if (match !== undefined && (match.trim() === '*' || match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === picture.etag))) {
    return reply.code(304).send();
  }
  return reply.type(TYPES[kind]).header('content-disposition', `inline; filename="dig-request-${id}.${kind}"`).send(picture.body);
}
