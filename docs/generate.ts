/**
 * Writes the generated parts of the docs from the code: `npm run docs:generate`.
 *
 * - docs/configuration.md, between `<!-- generated:config:start -->` and `<!-- generated:config:end -->`:
 *   every environment variable of the service (`environmentVariables()`, src/http/config.ts);
 * - README.md, `generated:limits`: those of them that are a limit, quota or retention period;
 * - docs/http.md, `generated:routes`: every route of the OpenAPI document (built live by `buildApp`
 *   over a throwaway store) with who may call it (the route's `config.access`, caught as fastify
 *   registers it) and its summary; `generated:errors`: the error catalogue (src/errors.ts);
 * - docs/cli.md, `generated:cli`: every `ler` command's help text (src/cli/commands/*.ts);
 * - docs/rules.md, whole: the upload rules (`rulesMarkdown()`, src/rules/catalogue.ts).
 *
 * Everything outside the markers is written by hand and left alone. `generateDocs()` returns the
 * new text of each file without writing it; test/docs.test.ts compares that with the files.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the test says when a file differs from what the generator writes. */
export const REGENERATE = 'run `npm run docs:generate` and commit the result';

/** The new text of every generated file, by path relative to the root. Writes nothing. */
export async function generateDocs(root: string = ROOT): Promise<Map<string, string>> {
  const [config, limits, http, errors, cli, rules] = await Promise.all([configTable(), limitTable(), routeTables(), errorTable(), cliReference(root), rulesDocument()]);
  const out = new Map<string, string>();
  const fill = (path: string, blocks: Record<string, string>): void => {
    let text = readFileSync(join(root, path), 'utf8');
    for (const [name, body] of Object.entries(blocks)) text = replaceBlock(text, name, body, path);
    out.set(path, text);
  };
  fill('docs/configuration.md', { config });
  fill('README.md', { limits });
  fill('docs/http.md', { routes: http, errors });
  fill('docs/cli.md', { cli });
  out.set('docs/rules.md', rules);
  return out;
}

/** Writes every generated file that changed; returns the paths written. */
export async function writeDocs(root: string = ROOT): Promise<string[]> {
  const written: string[] = [];
  for (const [path, text] of await generateDocs(root)) {
    const file = join(root, path);
    if (readFileSync(file, 'utf8') === text) continue;
    writeFileSync(file, text);
    written.push(path);
  }
  return written;
}

/** Replaces what lies between a block's two markers (the markers stay); throws when they are missing. */
export function replaceBlock(text: string, name: string, body: string, path = 'the file'): string {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i || text.indexOf(start, i + 1) >= 0) {
    throw new Error(`${path} needs exactly one pair of markers ${start} ... ${end} for the generated ${name} block.`);
  }
  return `${text.slice(0, i + start.length)}\n${body.trimEnd()}\n${text.slice(j)}`;
}

/** A table cell: one line, pipes escaped. */
function cell(value: unknown): string {
  return String(value ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function note(source: string): string {
  return `<!-- Generated from ${source} by \`npm run docs:generate\`: edit the code, not this block. -->`;
}

// --- configuration ---------------------------------------------------------------------------

async function configTable(): Promise<string> {
  const { environmentVariables } = await import('../src/http/config.js');
  const rows = environmentVariables().map((v) => [`\`${v.name}\``, cell(v.description), cell(v.default)]);
  return `${note('`environmentVariables()` in src/http/config.ts')}\n\n${table(['variable', 'what it sets', 'default'], rows)}`;
}

async function limitTable(): Promise<string> {
  const { environmentVariables } = await import('../src/http/config.js');
  const rows = environmentVariables().filter((v) => v.limit === true).map((v) => [`\`${v.name}\``, cell(v.default), cell(v.description)]);
  return `${note('`environmentVariables()` in src/http/config.ts')}\n\n${table(['variable', 'default', 'what it bounds'], rows)}`;
}

// --- HTTP routes -----------------------------------------------------------------------------

interface Access {
  roles: readonly string[];
  ownOwner?: boolean;
}

interface Operation {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, unknown>;
}

interface OpenApi {
  paths?: Record<string, Record<string, Operation>>;
  tags?: { name: string; description?: string }[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * Builds the app as the service does (over a store in a temporary directory, no workers, no demo)
 * and reads its OpenAPI document. Who may call a route is in the route's `config.access`, which the
 * document does not carry: an `onRoute` hook, added as fastify makes the instance (its
 * `fastify.initialization` diagnostics channel, before buildApp registers a route), records it.
 */
async function routeTables(): Promise<string> {
  const { buildApp } = await import('../src/http/app.js');
  const { SqliteStore } = await import('../src/store/sqlite.js');
  const { ROLES } = await import('../src/http/auth.js');

  const access = new Map<string, Access | null>();
  let instance: FastifyInstance | null = null;
  const onInit = (message: unknown): void => {
    if (instance !== null) return;
    instance = (message as { fastify: FastifyInstance }).fastify;
    instance.addHook('onRoute', (route: RouteOptions) => {
      const rule = (route.config as { access?: Access } | undefined)?.access ?? null;
      for (const method of [route.method].flat()) access.set(`${String(method).toUpperCase()} ${route.url}`, rule);
    });
  };

  const dir = mkdtempSync(join(tmpdir(), 'ler-docs-'));
  const store = new SqliteStore({ dataDir: dir });
  let doc: OpenApi;
  subscribe('fastify.initialization', onInit);
  try {
    const app = await buildApp({ store, engineOptions: { workers: 0 }, config: { demo: false }, defaultMetrics: false, healthCheckIntervalMs: 60_000 });
    try {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
      doc = res.json() as OpenApi;
    } finally {
      await app.close();
    }
  } finally {
    unsubscribe('fastify.initialization', onInit);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (access.size === 0) throw new Error('No route was seen as it was registered: did fastify stop publishing fastify.initialization?');

  const who = (rule: Access | null | undefined): string => {
    if (rule === undefined) throw new Error('A route of the OpenAPI document was not seen as it was registered.');
    if (rule === null) return 'anyone';
    if (ROLES.every((r) => rule.roles.includes(r))) return 'any key';
    return rule.roles.map((r) => (r === 'owner' && rule.ownOwner === true ? 'owner (its own)' : r)).join(', ');
  };

  const operations: { tag: string; method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (op !== undefined) operations.push({ tag: op.tags?.[0] ?? '', method: method.toUpperCase(), path, op });
    }
  }
  const withIds = operations.some((o) => o.op.operationId !== undefined);
  const tags: { name: string; description?: string }[] = [...(doc.tags ?? [])];
  for (const { tag } of operations) if (!tags.some((t) => t.name === tag)) tags.push({ name: tag });
  tags.sort((a, b) => Number(a.name === '') - Number(b.name === ''));
  const sections: string[] = [note('the route schemas (the OpenAPI document of `buildApp`, src/http/routes/*.ts) and each route\'s `config.access`')];
  for (const tag of tags) {
    const ops = operations.filter((o) => o.tag === tag.name);
    if (ops.length === 0) continue;
    const rows = ops.map(({ method, path, op }) => {
      const fastifyPath = path.replace(/\{([^}]+)\}/g, ':$1');
      const answers = Object.keys(op.responses ?? {}).join(', ');
      const row = [method, `\`${path}\``, who(access.get(`${method} ${fastifyPath}`)), cell(op.summary ?? op.description ?? ''), answers];
      if (withIds) row.push(op.operationId === undefined ? '' : `\`${op.operationId}\``);
      return row;
    });
    const header = ['method', 'path', 'who', 'what', 'answers'];
    if (withIds) header.push('operationId');
    const title = tag.name === '' ? 'Other routes' : `${tag.name[0].toUpperCase()}${tag.name.slice(1)}`;
    const about = tag.name !== '' && tag.description ? `${cell(tag.description).replace(/[.]?$/, '.')}\n\n` : '';
    sections.push(`### ${title}\n\n${about}${table(header, rows)}`);
  }
  return sections.join('\n\n');
}

// --- errors ----------------------------------------------------------------------------------

async function errorTable(): Promise<string> {
  const { ErrorCodes } = await import('../src/errors.js');
  const rows = Object.entries(ErrorCodes).map(([code, e]) => [`\`${code}\``, String(e.status), cell(e.message)]);
  return `${note('`ErrorCodes` in src/errors.ts')}\n\n${table(['code', 'status', 'title'], rows)}`;
}

// --- the command line ------------------------------------------------------------------------

interface CommandSpec {
  name: string;
  summary: string;
  help: string;
}

function isCommand(value: unknown): value is CommandSpec {
  const v = value as Partial<CommandSpec> & { run?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.summary === 'string' && typeof v.help === 'string' && typeof v.run === 'function';
}

/** Every command of src/cli/commands, in the order `ler --help` lists them (src/cli/main.ts's COMMANDS). */
async function cliReference(root: string): Promise<string> {
  const dir = join(root, 'src/cli/commands');
  const found: { variable: string; spec: CommandSpec }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const [variable, value] of Object.entries(module)) if (isCommand(value)) found.push({ variable, spec: value });
  }
  if (found.length === 0) throw new Error(`No command found in ${dir}.`);
  const listed = /const COMMANDS[^=]*=\s*\[([^\]]*)\]/.exec(readFileSync(join(root, 'src/cli/main.ts'), 'utf8'))?.[1].split(',').map((s) => s.trim()) ?? [];
  const rank = (variable: string): number => (listed.includes(variable) ? listed.indexOf(variable) : listed.length);
  found.sort((a, b) => rank(a.variable) - rank(b.variable) || a.spec.name.localeCompare(b.spec.name));

  const overview = table(['command', 'what'], found.map(({ spec }) => [`[\`ler ${spec.name}\`](#ler-${spec.name})`, cell(spec.summary)]));
  const sections = found.map(({ spec }) => `### ler ${spec.name}\n\n${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.\n\n\`\`\`text\n${spec.help.trimEnd()}\n\`\`\``);
  return [note('the commands\' `help` texts in src/cli/commands/*.ts'), overview, ...sections].join('\n\n');
}

// --- rules -----------------------------------------------------------------------------------

async function rulesDocument(): Promise<string> {
  const { rulesMarkdown } = await import('../src/rules/catalogue.js');
  return rulesMarkdown();
}

// --- run -------------------------------------------------------------------------------------

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await writeDocs();
  console.log(written.length === 0 ? 'docs: up to date' : `wrote ${written.join(', ')}`);
}
