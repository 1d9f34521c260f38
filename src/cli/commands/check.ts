/**
 * `ler check`: a planner's batch against the local store, or run by a service (--url): one
 * summary per dig area (or per stretch of a route), streamed out as NDJSON, CSV or GeoJSON, with
 * progress and a closing summary on stderr.
 */
import { BatchOutput, openOutput } from '../batch-output.js';
import { readBatchInput, type BatchInput, type CheckOptions } from '../batch-input.js';
import { CRS_OPTION, DATA_DIR_OPTION, EXIT, openLocalStore, num, oneOf, positionals, str, workers, type CommandSpec, type Io, type ParsedArgs } from '../common.js';
import { FORMATS } from '../formats.js';
import { Progress } from '../progress.js';
import { ServiceClient, serviceTarget } from '../service-client.js';

export const check: CommandSpec = {
  name: 'check',
  summary: "check a planner's batch of dig areas (or a route), locally or at a service",
  options: {
    ...DATA_DIR_OPTION,
    ...CRS_OPTION,
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'info-zone': { type: 'string' },
    'corridor-width': { type: 'string' },
    'stretch-length': { type: 'string' },
    conflicts: { type: 'boolean' },
    workers: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    url: { type: 'string' },
    token: { type: 'string' }
  },
  help: `Usage: ler check <areas.geojson | -> [options]

Checks every Polygon or MultiPolygon feature of a FeatureCollection against the
networks in the local store (or at a service, with --url) and writes one summary
per area, in input order: conflicts in the dig area and the information zone,
owners hit, counts by forsyningsart and fareklasse, the most dangerous line, the
length inside. With --corridor-width the input is a route (a LineString, or a
collection of one LineString feature) checked as a corridor, stretch by stretch.

Options:
  --data-dir <dir>          the store; default $LER_DATA_DIR or ./data
  --crs <name>              CRS of the areas and of GeoJSON output: EPSG:4326
                            (lon/lat, the default), EPSG:25832 or EPSG:7416;
                            default: the file's crs member
  --format ndjson|csv|geojson
                            ndjson (default): one summary per line; csv: one row
                            per area; geojson: the areas with their summaries
  -o, --out <file>          write there instead of stdout
  --info-zone <m>           width of the information zone, 0 to 100 m; default 0
  --corridor-width <m>      route mode: the corridor's full width, metres
  --stretch-length <m>      route mode: length of each reported stretch; default 100
  --conflicts               every conflict in each summary (ndjson, geojson)
  --workers <n>             threads; default $LER_WORKERS or the cores (0: inline)
  -q, --quiet               no progress and no closing summary on stderr
  --url <url>               run the batch at a service (ler serve) instead, e.g.
                            http://localhost:3000 (POST /v1/batches); the output
                            is the same as a local check's
  --token <token>           its API key (planner or admin); default $LER_TOKEN

Exit status: 0 every area checked; 1 some areas failed (their summaries say
why), the input is unusable or the service refused the batch; 2 wrong command
line; 130 interrupted (the output so far is whole lines; a batch at a service
is cancelled there).

Examples:
  ler check --info-zone 2 buildings.geojson > answers.ndjson
  ler check --format csv --out answers.csv --crs EPSG:25832 areas.geojson
  ler check --corridor-width 10 --stretch-length 50 --format geojson route.geojson
  ler check --url http://localhost:3000 --token "$PLANNER_TOKEN" --info-zone 2 areas.geojson`,
  async run(args, io) {
    const [file] = positionals(args, ['areas.geojson'], 'check');
    const format = oneOf(args, 'format', FORMATS, 'ndjson', 'check');
    const options: CheckOptions = {
      infoZone: num(args, 'info-zone', 'check'),
      corridorWidth: num(args, 'corridor-width', 'check'),
      stretchLength: num(args, 'stretch-length', 'check'),
      conflicts: args.values.conflicts === true
    };
    const target = serviceTarget(args, io, 'check', 'planner');
    const threads = target === null ? workers(args, io, 'check') : 0;
    const quiet = args.values.quiet === true;
    const batch = await readBatchInput(file, { crs: str(args, 'crs'), corridorWidth: options.corridorWidth, stretchLength: options.stretchLength ?? 100, keepGeometry: format === 'geojson' });

    const controller = new AbortController();
    const output = await openOutput(str(args, 'out'), io.stdout, () => controller.abort());
    let signals = 0;
    const onSignal = (): void => {
      // A second Ctrl-C does not wait for the batch to wind down; the local store is only read.
      if (++signals > 1) process.exit(EXIT.interrupted);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = quiet ? null : new Progress(io.stderr, { label: 'check', unit: 'areas' });
    const started = performance.now();
    const summaries = new BatchOutput(output.out, format, batch.crs, batch.geometryOf);
    let closed: Error | null = null;
    const outcome = { cancelledAtService: false };
    try {
      if (target !== null) {
        const { checkRemote } = await import('../check-remote.js');
        const client = new ServiceClient(target.url, target.token, 'planner', controller.signal);
        await checkRemote(client, batch, options, (s) => summaries.add(s), progress, controller.signal, outcome);
      } else {
        await checkLocal(args, io, threads, batch, options, summaries, progress, controller.signal);
      }
      await summaries.end();
    } catch (error) {
      if (output.error !== null) throw output.error;
      if (controller.signal.aborted) {
        progress?.finish();
        const remote = target === null ? '' : outcome.cancelledAtService ? ' The batch is cancelled at the service.' : ' The service could not be told to cancel the batch: it runs on there until it ends.';
        io.stderr.write(`ler check: interrupted after ${summaries.areas} areas; the output is incomplete.${remote}\n`);
        return EXIT.interrupted;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress?.finish();
      closed = await output.close();
    }
    if (closed !== null) throw closed;
    if (!quiet) io.stderr.write(summaries.summaryLines((performance.now() - started) / 1000));
    return summaries.failed > 0 ? EXIT.failed : EXIT.ok;
  }
};

/** The batch on the local store, through the engine's worker pool. */
async function checkLocal(args: ParsedArgs, io: Io, threads: number, batch: BatchInput, opts: CheckOptions, summaries: BatchOutput, progress: Progress | null, signal: AbortSignal): Promise<void> {
  const { Engine } = await import('../../engine.js');
  const store = await openLocalStore(args, io);
  const engine = await Engine.open({ store, workers: threads }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  try {
    const results = engine.checkBatch(batch.input, {
      crs: batch.crs,
      signal,
      conflicts: opts.conflicts,
      ...(opts.infoZone !== undefined ? { infoZone: opts.infoZone } : {}),
      ...(opts.corridorWidth !== undefined ? { corridorWidth: opts.corridorWidth, stretchLength: opts.stretchLength ?? 100 } : {}),
      onProgress: (p) => progress?.update(p.done, p.total ?? batch.estimateTotal(), `${p.failed} failed`)
    });
    for await (const s of results) await summaries.add(s);
  } finally {
    await engine.close();
    await store.close();
  }
}
