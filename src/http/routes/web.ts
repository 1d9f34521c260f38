/**
 * The map page: `GET /` and its built assets under `/web/` (from `npm run build`, in dist/web or
 * LER_WEB_DIR). Nothing is fetched from elsewhere at run time; the page's policy says so too.
 * When the page was not built, both answer a problem that says how to build it.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../paths.js';
import { ProblemError } from '../problem.js';
import type { ServiceContext } from '../context.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
};

/** An asset's name: one path segment of plain characters, never a dot file (no way out of the directory). */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The directory the page is served from. */
export function webDirOf(config: { webDir: string | null }): string {
  return config.webDir ?? join(packageRoot(), 'dist', 'web');
}

/**
 * The page's Content-Security-Policy: its own scripts and styles only; images also from the tile
 * server when one is configured (its host, `{s}` as any subdomain).
 */
export function contentSecurityPolicy(tiles: string | null): string {
  let tileSource = '';
  if (tiles !== null) {
    const m = /^(https?:\/\/[^/]+)/.exec(tiles);
    if (m) tileSource = ` ${m[1].replace(/\{s\}/g, '*')}`;
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Leaflet positions its panes with inline styles.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${tileSource}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'"
  ].join('; ');
}

export function webRoutes(ctx: ServiceContext) {
  const dir = webDirOf(ctx.config);
  const csp = contentSecurityPolicy(ctx.config.mapTiles);

  async function send(reply: FastifyReply, name: string): Promise<FastifyReply> {
    const file = join(dir, name);
    if (!existsSync(join(dir, 'index.html'))) {
      throw new ProblemError('WEB_NOT_BUILT', { detail: `${join(dir, 'index.html')} does not exist.` });
    }
    if (!existsSync(file)) throw new ProblemError('ROUTE_UNKNOWN', { detail: `The map page has no file ${JSON.stringify(name)}.` });
    const body = await readFile(file);
    return reply
      .type(TYPES[extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', csp)
      .send(body);
  }

  return async function web(app: FastifyInstance): Promise<void> {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => send(reply, 'index.html'));
    app.get<{ Params: { file: string } }>('/web/:file', { schema: { hide: true } }, async (request, reply) => {
      const name = request.params.file;
      if (!ASSET_NAME.test(name)) throw new ProblemError('ROUTE_UNKNOWN', { detail: `The map page has no file ${JSON.stringify(name)}.` });
      return send(reply, name);
    });
  };
}
