/**
 * `ler import`: an owner's whole network into the local store, streamed, with progress. The store
 * commits whole versions only (one transaction), so a rejected upload or Ctrl-C leaves the
 * previous version as it was.
 */
import type { Engine } from '../../engine.js';
import { LerError } from '../../errors.js';
import { CRS_OPTION, DATA_DIR_OPTION, EXIT, Failure, UsageError, openLocalStore, describeError, hintsFor, num, positionals, str, workers, type CommandSpec, type Io, type ParsedArgs } from '../common.js';
import { openSource, type CountedSource } from '../input.js';
import { uploadRemote, type RemoteAnswer } from '../upload-remote.js';
import { Progress } from '../progress.js';
import { codeCounts, countsLine, formatReport } from '../report.js';

/** Stops the read of an upload: the build fails with it and nothing is stored. */
class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

export const importCommand: CommandSpec = {
  name: 'import',
  summary: "replace an owner's network from a GeoJSON file, locally or at a service",
  options: {
    ...DATA_DIR_OPTION,
    ...CRS_OPTION,
    workers: { type: 'string' },
    history: { type: 'string' },
    'skip-invalid': { type: 'boolean' },
    all: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    url: { type: 'string' },
    token: { type: 'string' },
    'allow-removal': { type: 'boolean' }
  },
  help: `Usage: ler import <owner> <network.geojson | network.gml | -> [options]

Replaces the owner's whole network in the local store with the file's features (a
FeatureCollection, a GeoJSON text sequence or a LER 2.2 GML document), read as a
stream. The new version
is stored only when every feature has passed the rules (docs/rules.md); otherwise
the report is printed and the store is left as it was. Ctrl-C stops the import
and stores nothing.

Options:
  --data-dir <dir>     the store; default $LER_DATA_DIR or ./data
  --crs <name>         EPSG:4326 (lon/lat, the default), EPSG:25832 or EPSG:7416;
                       default: the file's crs member
  --skip-invalid       store the valid features, report the others
  --workers <n>        threads parsing the upload; default $LER_WORKERS or the cores
  --history <n>        versions kept per owner; default 5
  --all                list every problem of the report
  -q, --quiet          no progress on stderr
  --url <url>          upload to a running service (ler serve) instead, e.g.
                       http://localhost:3000; the body is streamed
  --token <token>      its API key (an owner key for this owner, or admin);
                       default $LER_TOKEN
  --allow-removal      with --url: the upload may empty the network, or remove
                       more of it than the service allows at once
                       (LER_MAX_REMOVAL_PERCENT); the local store takes any upload

Prints the new version and its feature count. Exit status: 0 stored; 1 rejected
or unreadable, nothing changed; 2 wrong command line; 130 interrupted.

Examples:
  ler import dk-el el.geojson
  ler import --data-dir /srv/ler --crs EPSG:25832 dk-gas gas.geojson
  ler import --url https://ler.example.dk --token "$TOKEN" dk-el el.geojson
  ogr2ogr -f GeoJSONSeq /vsistdout/ el.gpkg | ler import dk-el -`,
  async run(args, io) {
    const [owner, file] = positionals(args, ['owner', 'network.geojson'], 'import');
    if (owner.trim() === '') throw new UsageError('<owner> must not be empty.', 'import');
    const crs = str(args, 'crs');
    const history = num(args, 'history', 'import');
    const threads = workers(args, io, 'import');
    const source = openSource(file);
    const url = str(args, 'url');
    if (url !== undefined) return importRemote(args, io, owner, url, source, crs);
    const [{ Engine }, { RuleReport }] = await Promise.all([import('../../engine.js'), import('../../rules/report.js')]);

    const store = await openLocalStore(args, io, history);
    let engine: Engine | null = null;
    let interrupted: string | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted !== null) process.exit(EXIT.interrupted); // a second Ctrl-C: the store is whole at every moment anyway
      interrupted = signal;
      source.abort(new Interrupted(signal));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const report = new RuleReport();
    const progress = args.values.quiet === true ? null : new Progress(io.stderr, { label: `import ${owner}`, unit: 'bytes' });
    let timer: ReturnType<typeof setInterval> | null = null;
    try {
      engine = await Engine.open({ store, workers: threads });
      const before = engine.snapshot?.networks.get(owner)?.version ?? 0;
      timer = progress === null ? null : setInterval(() => progress.update(source.bytes, source.size, `${report.features} features`), 100);
      let version: number;
      let features: number;
      try {
        const snapshot = await engine.putNetworkStream(owner, source.chunks, {
          report,
          format: 'auto',
          invalid: args.values['skip-invalid'] === true ? 'skip' : 'reject',
          ...(crs !== undefined ? { crs } : {})
        });
        const stored = snapshot.networks.get(owner);
        version = stored?.version ?? 0;
        features = stored?.features ?? 0;
      } catch (error) {
        if (timer !== null) clearInterval(timer);
        progress?.finish();
        if (interrupted !== null) {
          io.stderr.write(`ler import: ${interrupted === 'SIGINT' ? 'interrupted' : `stopped by ${interrupted}`}; nothing was stored, ${owner} ${before > 0 ? `stays at version ${before}` : 'has no network'}.\n`);
          return EXIT.interrupted;
        }
        if (!(error instanceof LerError)) throw error;
        const summary = report.summary();
        const text = formatReport(summary, { all: args.values.all === true });
        if (text) io.stderr.write(`${text}\n`);
        const hints = hintsFor(Object.keys(summary.byCode)).filter((h) => !describeError(error).includes(h));
        io.stderr.write(`ler import: ${describeError(error)}${hints.length > 0 ? ` ${hints.join(' ')}` : ''}\nNothing was stored: ${owner} ${before > 0 ? `stays at version ${before}` : 'has no network'}.\n`);
        return EXIT.failed;
      }
      if (timer !== null) clearInterval(timer);
      progress?.finish({ done: source.bytes, total: source.size, extra: `${report.features} features` });
      const summary = report.summary();
      if (summary.errors + summary.warnings > 0) {
        // Stored: the codes and counts are enough here; --all (or ler validate) lists the features.
        const text = args.values.all === true ? formatReport(summary, { all: true }) : codeCounts(summary);
        io.stderr.write(`${text}\n${countsLine(summary)}\n`);
      }
      // A signal that came once every byte was read could not stop the upload: say it is stored.
      if (interrupted !== null) io.stderr.write(`ler import: ${interrupted} came after the upload was complete; it is stored.\n`);
      const skipped = summary.invalidFeatures > 0 ? ` (${summary.invalidFeatures} invalid features skipped)` : '';
      io.stdout.write(`${owner}: version ${version}, ${features} features${skipped}\n`);
      return EXIT.ok;
    } finally {
      if (timer !== null) clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await engine?.close();
      await store.close();
    }
  }
};

/** The same upload sent to a running service. */
async function importRemote(args: ParsedArgs, io: Io, owner: string, url: string, source: CountedSource, crs: string | undefined): Promise<number> {
  const token = str(args, 'token') ?? io.env.LER_TOKEN;
  if (token === undefined || token === '') throw new UsageError('--url needs --token <token> (or LER_TOKEN): an owner key for this owner, or admin.', 'import');
  if (args.values.workers !== undefined || args.values.history !== undefined || args.values['data-dir'] !== undefined) {
    throw new UsageError('--workers, --history and --data-dir are for the local store, not with --url.', 'import');
  }
  const controller = new AbortController();
  let interrupted: string | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted !== null) process.exit(EXIT.interrupted);
    interrupted = signal;
    controller.abort();
    source.abort(new Interrupted(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = args.values.quiet === true ? null : new Progress(io.stderr, { label: `upload ${owner}`, unit: 'bytes' });
  const timer = progress === null ? null : setInterval(() => progress.update(source.bytes, source.size), 100);
  let answer: RemoteAnswer;
  try {
    answer = await uploadRemote({ url, token, owner, chunks: source.chunks, invalid: args.values['skip-invalid'] === true ? 'skip' : 'reject', allowRemoval: args.values['allow-removal'] === true, signal: controller.signal, ...(crs !== undefined ? { crs } : {}) });
  } catch (error) {
    if (interrupted !== null) {
      io.stderr.write(`ler import: interrupted; the upload was cut off, and the service stores nothing of it.\n`);
      return EXIT.interrupted;
    }
    const e = error as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.syscall !== 'read' && e.syscall !== 'open') throw new Failure(`${e.code}: cannot reach ${url}: is the service running? (ler serve starts one)`);
    throw error;
  } finally {
    if (timer !== null) clearInterval(timer);
    progress?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { status, body } = answer;
  const report = body.report;
  if (status >= 200 && status < 300) {
    if (report && report.errors + report.warnings > 0) io.stderr.write(`${args.values.all === true ? formatReport(report, { all: true }) : codeCounts(report)}\n${countsLine(report)}\n`);
    const skipped = report && report.invalidFeatures > 0 ? ` (${report.invalidFeatures} invalid features skipped)` : '';
    io.stdout.write(`${owner}: version ${body.version ?? '?'}, ${body.features ?? '?'} features${skipped}\n`);
    return EXIT.ok;
  }
  if (report) {
    const text = formatReport(report, { all: args.values.all === true });
    if (text) io.stderr.write(`${text}\n`);
  }
  const place = body.pointer ? ` (at ${body.pointer})` : '';
  const hints = [...hintsFor([...(body.code !== undefined ? [body.code] : []), ...Object.keys(report?.byCode ?? {})]), ...remoteAdvice(status)];
  io.stderr.write(`ler import: ${body.code ?? `HTTP ${status}`}: ${body.title ?? ''}${body.detail ? ` ${body.detail}` : ''}${place}${hints.length > 0 ? ` ${hints.join(' ')}` : ''}\n`);
  return EXIT.failed;
}

/** What to do about an answer of the service, by its status. */
function remoteAdvice(status: number): string[] {
  if (status === 401) return ['Give a valid key with --token (or LER_TOKEN): an owner key for this owner, or admin.'];
  if (status === 403) return ["Give this owner's own key (ler keys create --role owner --owner <owner> on the service's store), or an admin key."];
  if (status === 413) return ['The file is larger than the service takes (LER_UPLOAD_LIMIT_BYTES): raise the limit there.'];
  if (status === 429 || status === 503) return ['Try again later.'];
  return [];
}
