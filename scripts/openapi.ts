/**
 * The service's OpenAPI document, as the app itself answers GET /openapi.json (over a throwaway
 * store in a temporary directory, with the default configuration: never the environment's), and
 * what is made from it:
 *
 *   node --import tsx scripts/openapi.ts json [FILE]   the document (to stdout without FILE)
 *   node --import tsx scripts/openapi.ts types         writes web/src/openapi.d.ts (openapi-typescript)
 *   node --import tsx scripts/openapi.ts lint          Redocly's recommended rules (redocly.yaml) on the
 *                                                      document, and web/src/openapi.d.ts up to date
 *
 * `npm run openapi:types` and `npm run openapi:lint` run the last two; `npm test` runs the lint.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { COMMENT_HEADER, astToString, type OpenAPI3 } from 'openapi-typescript';
import { buildApp } from '../src/http/app.js';
import { SqliteStore } from '../src/store/sqlite.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The page's client types, generated and committed. */
export const TYPES_FILE = join(ROOT, 'web', 'src', 'openapi.d.ts');

/** GET /openapi.json from an app over an empty store that lives only for this call. */
export async function openapiDocument(): Promise<OpenAPI3> {
  const dir = mkdtempSync(join(tmpdir(), 'ler-openapi-'));
  const store = new SqliteStore({ dataDir: dir });
  try {
    const app = await buildApp({ store, engineOptions: { workers: 0 }, defaultMetrics: false, healthCheckIntervalMs: 60_000 });
    try {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
      return res.json() as OpenAPI3;
    } finally {
      await app.close();
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The TypeScript types of the document, as web/src/openapi.d.ts holds them. */
export async function openapiTypes(doc: OpenAPI3): Promise<string> {
  // arrayLength: [west, south, east, north] is a tuple; emptyObjectsUnknown: a schema of `type: object`
  // alone (a GeoJSON object in a body, LER attributes) takes any members, as it does on the wire.
  const ast = await openapiTS(doc, { silent: true, arrayLength: true, emptyObjectsUnknown: true });
  const note = '// Generated from GET /openapi.json by `npm run openapi:types` (scripts/openapi.ts): do not edit.\n';
  return `${COMMENT_HEADER}${note}\n${astToString(ast)}`;
}

/** Redocly's lint over the document; true when it found no error and no warning. */
function redoclyLint(doc: OpenAPI3): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'ler-openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    // No telemetry, no update check: the lint is offline.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };
    const run = spawnSync(process.execPath, [cli, 'lint', '--config', join(ROOT, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000', file], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    if (run.error !== undefined) throw run.error;
    let report: { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[] };
    try {
      report = JSON.parse(run.stdout) as typeof report;
    } catch {
      // Not a report: Redocly itself failed (its stderr says why; on Node 20 it also holds a box about Node 20's end of life).
      console.error(`redocly lint exited with ${run.status}:\n${run.stdout}${run.stderr}`);
      return false;
    }
    for (const p of report.problems) console.error(`${p.severity} ${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`);
    const { errors, warnings } = report.totals;
    console.log(`Redocly (recommended rules): ${errors} errors, ${warnings} warnings in GET /openapi.json.`);
    return run.status === 0 && errors === 0 && warnings === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const [command, file] = process.argv.slice(2);
  if (command === 'json') {
    const text = `${JSON.stringify(await openapiDocument(), null, 2)}\n`;
    if (file !== undefined) writeFileSync(file, text);
    else process.stdout.write(text);
    return 0;
  }
  if (command === 'types') {
    writeFileSync(TYPES_FILE, await openapiTypes(await openapiDocument()));
    console.log(`Wrote ${relative(ROOT, TYPES_FILE)}.`);
    return 0;
  }
  if (command === 'lint') {
    const doc = await openapiDocument();
    let ok = redoclyLint(doc);
    let committed = '';
    try {
      committed = readFileSync(TYPES_FILE, 'utf8');
    } catch {
      // Missing: differs.
    }
    if (committed !== (await openapiTypes(doc))) {
      console.error(`${relative(ROOT, TYPES_FILE)} is not what the document gives: run npm run openapi:types and commit it.`);
      ok = false;
    } else console.log(`${relative(ROOT, TYPES_FILE)} is up to date.`);
    return ok ? 0 : 1;
  }
  console.error('Usage: node --import tsx scripts/openapi.ts json [FILE] | types | lint');
  return 2;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    }
  );
}
