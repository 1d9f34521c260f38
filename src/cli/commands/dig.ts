/**
 * `ler dig`: one contractor's dig request against the local store: the package's summary as a
 * table, and its files (package.json, package.geojson) when asked for.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DigPackage } from '../../engine.js';
import { LerError } from '../../errors.js';
import { FAREKLASSE } from '../../model/ler.js';
import { CRS_OPTION, DATA_DIR_OPTION, EXIT, dataDir, num, oneOf, positionals, str, write, type CommandSpec } from '../common.js';
import { readJson } from '../input.js';

export const dig: CommandSpec = {
  name: 'dig',
  summary: 'one dig request against the local store: who has what in or near the area',
  options: { ...DATA_DIR_OPTION, ...CRS_OPTION, 'info-zone': { type: 'string' }, 'out-dir': { type: 'string' }, requester: { type: 'string' }, format: { type: 'string' } },
  help: `Usage: ler dig <area.geojson | -> [options]

Answers one dig request: every cable and pipe in the dig area (a Polygon or
MultiPolygon: a geometry, a Feature, or a collection of one Feature) or in its
information zone, by owner. Prints a table (owner, network version, features in
the dig area and in the information zone, worst fareklasse); the request and its
package are kept in the store.

Options:
  --data-dir <dir>     the store; default $LER_DATA_DIR or ./data
  --crs <name>         CRS of the area and of the package's geometry: EPSG:4326
                       (lon/lat, the default), EPSG:25832 or EPSG:7416;
                       default: the file's crs member
  --info-zone <m>      width of the information zone, 0 to 100 m; default 0
  --out-dir <dir>      write package.json (the whole package) and package.geojson
                       (the conflicts' geometry, clipped, with their attributes)
  --requester <name>   who asks, as stored with the request; default "cli"
  --format text|json   text (default) or the package as JSON on stdout

Exit status: 0 answered (with or without conflicts); 1 the area or the store
cannot be used; 2 wrong command line.

Examples:
  ler dig --info-zone 2 trench.geojson
  ler dig --crs EPSG:25832 --out-dir pkg/ trench.geojson`,
  async run(args, io) {
    const [file] = positionals(args, ['area.geojson'], 'dig');
    const infoZone = num(args, 'info-zone', 'dig');
    const format = oneOf(args, 'format', ['text', 'json'] as const, 'text', 'dig');
    const [{ declaredCrs, normaliseCrs }, { Engine }, { SqliteStore }] = await Promise.all([import('../../crs/index.js'), import('../../engine.js'), import('../../store/sqlite.js')]);
    const doc = await readJson(file);
    const crs = normaliseCrs(str(args, 'crs') ?? declaredCrs(doc));
    const area = areaOf(doc);
    const store = new SqliteStore({ dataDir: dataDir(args, io) });
    const engine = new Engine({ store, workers: 0 });
    let pkg: DigPackage;
    try {
      pkg = engine.digRequest(area, { crs, requester: str(args, 'requester') ?? 'cli', ...(infoZone !== undefined ? { infoZone } : {}) });
    } finally {
      await engine.close();
      store.close();
    }
    const outDir = str(args, 'out-dir');
    if (outDir !== undefined) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
      writeFileSync(join(outDir, 'package.geojson'), `${JSON.stringify(packageGeoJson(pkg))}\n`);
    }
    if (format === 'json') await write(io.stdout, `${JSON.stringify(pkg, null, 2)}\n`);
    else await write(io.stdout, `${packageTable(pkg)}\n`);
    if (outDir !== undefined) io.stderr.write(`wrote ${join(outDir, 'package.json')} and ${join(outDir, 'package.geojson')}\n`);
    return EXIT.ok;
  }
};

/** The dig area of a file: a geometry, a Feature, or a FeatureCollection of exactly one Feature. */
function areaOf(doc: unknown): unknown {
  const d = doc as { type?: unknown; features?: unknown[]; geometry?: unknown } | null;
  if (d === null || typeof d !== 'object') throw new LerError('DIG_AREA_TYPE', {}, 'Give a Polygon or MultiPolygon (a geometry, a Feature or a collection of one Feature).');
  if (d.type === 'FeatureCollection') {
    if (!Array.isArray(d.features) || d.features.length !== 1) {
      throw new LerError('DIG_AREA_TYPE', { pointer: '/features' }, `One dig area per request: the collection holds ${Array.isArray(d.features) ? d.features.length : 'no'} features (ler check takes many).`);
    }
    return (d.features[0] as { geometry?: unknown } | null)?.geometry;
  }
  if (d.type === 'Feature') return d.geometry;
  return doc;
}

function worstOf(classes: (string | null)[]): string {
  let worst = -1;
  for (const c of classes) worst = Math.max(worst, c === null ? -1 : FAREKLASSE.indexOf(c as (typeof FAREKLASSE)[number]));
  return worst >= 0 ? FAREKLASSE[worst] : classes.length > 0 ? 'ukendt' : '-';
}

/** The package as a table: one row per owner hit, and a total. */
export function packageTable(pkg: DigPackage): string {
  const rows: string[][] = [['owner', 'version', 'dig area', 'info zone', 'worst fareklasse']];
  let inDig = 0, inZone = 0;
  const all: (string | null)[] = [];
  for (const o of pkg.owners) {
    const d = o.conflicts.filter((c) => c.zone === 'digArea').length;
    const z = o.conflicts.length - d;
    inDig += d;
    inZone += z;
    all.push(...o.conflicts.map((c) => c.fareklasse));
    rows.push([o.owner, String(o.networkVersion), String(d), String(z), worstOf(o.conflicts.map((c) => c.fareklasse))]);
  }
  rows.push(['total', '', String(inDig), String(inZone), worstOf(all)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((cell, i) => (i >= 1 && i <= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const checked = Object.keys(pkg.networkVersions).length;
  const head = `dig request ${pkg.id}: info zone ${pkg.infoZone} m, ${pkg.crs}; ${pkg.owners.length} of ${checked} owners hit`;
  return [head, '', ...rows.map(line)].join('\n');
}

/** The package's conflicts as GeoJSON: clipped geometry, attributes, owner, zone and distance. */
export function packageGeoJson(pkg: DigPackage): unknown {
  const features = pkg.owners.flatMap((o) =>
    o.conflicts.map((c) => {
      const { geometry, properties, ...rest } = c;
      return { type: 'Feature', id: `${c.owner}/${String(c.featureId)}`, geometry: geometry ?? null, properties: { ...properties, ...rest, networkVersion: o.networkVersion } };
    })
  );
  return {
    type: 'FeatureCollection',
    ...(pkg.crs !== 'EPSG:4326' ? { crs: { type: 'name', properties: { name: pkg.crs } } } : {}),
    digRequest: pkg.id,
    features
  };
}
