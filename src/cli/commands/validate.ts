/** `ler validate`: the published rules over a file, without uploading it. */
import { LerError } from '../../errors.js';
import { CRS_OPTION, EXIT, describeError, hintsFor, oneOf, positionals, str, write, type CommandSpec } from '../common.js';
import { openSource } from '../input.js';
import { Progress } from '../progress.js';
import { LISTED_PER_CODE, countsLine, formatReport } from '../report.js';

export const validate: CommandSpec = {
  name: 'validate',
  summary: 'check a network file against the published rules, without uploading it',
  options: { ...CRS_OPTION, format: { type: 'string' }, all: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  help: `Usage: ler validate <network.geojson | network.gml | -> [options]

Runs every upload rule (docs/rules.md) over a FeatureCollection, a GeoJSON text
sequence (RFC 8142) or a LER 2.2 GML document (told by its first character, <;
checked against LER's schema and restrictions too) and prints the problems grouped by rule code, with each
feature's index, id and the JSON pointer of the attribute or position at fault.
Nothing is stored.

Options:
  --crs <name>         CRS of the coordinates: EPSG:4326 (lon/lat, the default),
                       EPSG:25832 or EPSG:7416; default: the file's crs member
  --format text|json   text (default) or the whole report as JSON on stdout
  --all                list every problem, not the first ${LISTED_PER_CODE} of each code
  -q, --quiet          no progress on stderr

Exit status: 0 when no feature has an error (warnings allowed), 1 when some
have, or the file cannot be read as GeoJSON; 2 on a wrong command line.

Examples:
  ler validate el.geojson
  ler validate svar.gml
  ler validate --crs EPSG:25832 --format json el.geojson > report.json
  gunzip -c el.geojson.gz | ler validate -`,
  async run(args, io) {
    const [file] = positionals(args, ['network.geojson'], 'validate');
    const format = oneOf(args, 'format', ['text', 'json'] as const, 'text', 'validate');
    const crs = str(args, 'crs');
    // The engine's modules load only when a command runs: ler --help answers at once.
    const [{ buildFromStream }, { RuleReport }] = await Promise.all([import('../../ingest/upload.js'), import('../../rules/report.js')]);
    const source = openSource(file);
    const report = new RuleReport();
    const progress = args.values.quiet === true ? null : new Progress(io.stderr, { label: `validate ${file}`, unit: 'bytes' });
    const timer = progress === null ? null : setInterval(() => progress.update(source.bytes, source.size, `${report.features} features`), 100);
    let fatal: unknown = null;
    try {
      await buildFromStream(source.chunks, { owner: 'validate', report, invalid: 'skip', format: 'auto', ...(crs !== undefined ? { crs } : {}) });
    } catch (error) {
      // The file cannot be read on (framing, CRS, I/O): what was found before still counts. A file
      // read to its end whose every feature is invalid is no such failure: the report says it all.
      if (!(error instanceof LerError && error.code === 'UPLOAD_REJECTED')) fatal = error;
    } finally {
      if (timer !== null) clearInterval(timer);
      progress?.finish(fatal === null ? { done: source.bytes, total: source.size, extra: `${report.features} features` } : undefined);
    }
    if (fatal !== null && !(fatal instanceof LerError)) throw fatal;
    const summary = report.summary();
    if (format === 'json') {
      const body = { file, ok: fatal === null && summary.errors === 0, ...(fatal !== null ? { fatal: (fatal as LerError).toJSON() } : {}), ...summary };
      await write(io.stdout, `${JSON.stringify(body, null, 2)}\n`);
    } else {
      const text = formatReport(summary, { all: args.values.all === true });
      await write(io.stdout, `${text}${text ? '\n' : ''}${file}: ${countsLine(summary)}${fatal !== null ? ', then the file could not be read on' : ''}.\n`);
    }
    if (fatal !== null) {
      io.stderr.write(`ler validate: ${describeError(fatal)}\n`);
      return EXIT.failed;
    }
    const hints = hintsFor(Object.keys(summary.byCode));
    if (summary.errors > 0 && hints.length > 0) io.stderr.write(`ler validate: ${hints.join(' ')}\n`);
    return summary.errors > 0 ? EXIT.failed : EXIT.ok;
  }
};
