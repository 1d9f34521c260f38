/**
 * `ler dig`: one contractor's dig request against the local store, or at a service (--url): the
 * package's summary as a table, and its files when asked for: the ledningspakke's files
 * (package-zip.ts: the package as JSON, GeoJSON and LER GML, the map, the status list) in a folder
 * (--out-dir) or as one zip (--zip), the same as the service's package.zip. Locally the engine
 * makes the package by the same road as the service does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DigRequestInput, Package } from '../../package/types.js';
import { LerError } from '../../errors.js';
import { CRS_OPTION, DATA_DIR_OPTION, EXIT, UsageError, dataDir, num, oneOf, positionals, str, write, type CommandSpec } from '../common.js';
import { readJson } from '../input.js';
import { packageTable } from '../package-table.js';
import { ServiceClient, serviceTarget } from '../service-client.js';

export const dig: CommandSpec = {
  name: 'dig',
  summary: 'one dig request, locally or at a service: who has what in or near the area',
  options: {
    ...DATA_DIR_OPTION,
    ...CRS_OPTION,
    'info-zone': { type: 'string' },
    'work-type': { type: 'string' },
    'out-dir': { type: 'string' },
    zip: { type: 'string' },
    requester: { type: 'string' },
    format: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' }
  },
  help: `Usage: ler dig <area.geojson | -> [options]

Answers one dig request: every cable and pipe in the dig area (a Polygon or
MultiPolygon: a geometry, a Feature, or a collection of one Feature) or in its
information zone, by owner. Prints a table (owner, network version, features in
the dig area and in the information zone, worst fareklasse); the request and its
package are kept in the store (or at the service). The package is the one the
service gives for the same store: owners' statuses, contacts and precautions
(LER_PRECAUTIONS_FILE applies), validity and work type; an area the service
refuses (rings that cross, say) is refused here with the same code.

Options:
  --data-dir <dir>     the store; default $LER_DATA_DIR or ./data
  --crs <name>         CRS of the area and of the package's geometry: EPSG:4326
                       (lon/lat, the default), EPSG:25832 or EPSG:7416;
                       default: the file's crs member
  --info-zone <m>      width of the information zone, 0 to 100 m; default 0
  --work-type <kind>   the kind of work, for the precautions: excavation (the
                       default), handDigging, drilling or piling
  --out-dir <dir>      write the ledningspakke's files: package.json (the whole
                       package), package.geojson (the dig area and the
                       conflicts' geometry, clipped, with their attributes),
                       package.gml (every owner's answer as LER 2.2 GML) and
                       gml/<owner>.gml (each owner's alone), map.svg and map.png
                       (the package map, an A4 sheet), status.txt and
                       status.html (each owner's status, contact and deadline)
  --zip <file>         write the same files as one zip (the service's
                       package.zip)
  --requester <name>   who asks, as stored with the request; default "cli"
  --format text|json   text (default) or the package as JSON on stdout
  --url <url>          ask a service (ler serve) instead, e.g.
                       http://localhost:3000 (POST /v1/dig-requests); the same
                       package and files, as the service makes them
  --token <token>      its API key (contractor or admin); default $LER_TOKEN

Exit status: 0 answered (with or without conflicts); 1 the area or the store
cannot be used, or the service refused the request; 2 wrong command line.

Examples:
  ler dig --info-zone 2 trench.geojson
  ler dig --crs EPSG:25832 --out-dir pkg/ trench.geojson
  ler dig --zip ledningspakke.zip trench.geojson
  ler dig --url http://localhost:3000 --token "$CONTRACTOR_TOKEN" --out-dir pkg/ trench.geojson`,
  async run(args, io) {
    const [file] = positionals(args, ['area.geojson'], 'dig');
    const infoZone = num(args, 'info-zone', 'dig');
    const workType = str(args, 'work-type');
    const format = oneOf(args, 'format', ['text', 'json'] as const, 'text', 'dig');
    const target = serviceTarget(args, io, 'dig', 'contractor');
    if (target !== null && args.values.requester !== undefined) throw new UsageError('--requester is for the local store; a service records the key that asks.', 'dig');
    const { declaredCrs, normaliseCrs } = await import('../../crs/index.js');
    const doc = await readJson(file);
    const crs = normaliseCrs(str(args, 'crs') ?? declaredCrs(doc));
    const area = areaOf(doc);
    const outDir = str(args, 'out-dir');
    const zipFile = str(args, 'zip');
    const wanted = outDir !== undefined || zipFile !== undefined;
    let pkg: Package;
    let files: Map<string, Uint8Array>;
    let zip: Uint8Array | null = null;
    if (target !== null) {
      const { digRemote } = await import('../dig-remote.js');
      const client = new ServiceClient(target.url, target.token, 'contractor', new AbortController().signal);
      const answer = await digRemote(client, { geometry: area, crs, ...(infoZone !== undefined ? { infoZone } : {}), ...(workType !== undefined ? { workType } : {}) }, wanted);
      pkg = answer.pkg;
      files = answer.files;
      zip = answer.zip;
    } else {
      pkg = await digLocal(dataDir(args, io), { geometry: area, crs, ...(infoZone !== undefined ? { infoZone } : {}), ...(workType !== undefined ? { workType } : {}) }, str(args, 'requester') ?? 'cli');
      files = wanted ? await packageFiles(pkg) : new Map();
    }
    const wrote: string[] = [];
    if (outDir !== undefined) {
      for (const [name, content] of files) {
        const path = join(outDir, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
        wrote.push(path);
      }
    }
    if (zipFile !== undefined) {
      const { zipPackageFiles } = await import('../../package/package-zip.js');
      mkdirSync(dirname(zipFile), { recursive: true });
      writeFileSync(zipFile, zip ?? (await zipPackageFiles(files, pkg.revisedAt)));
      wrote.push(zipFile);
    }
    if (format === 'json') await write(io.stdout, `${JSON.stringify(pkg, null, 2)}\n`);
    else await write(io.stdout, `${packageTable(pkg)}\n`);
    if (wrote.length > 0) io.stderr.write(`wrote ${wrote.join(', ')}\n`);
    return EXIT.ok;
  }
};

/** The dig request on the local store, kept there with its package (as the service keeps it). */
async function digLocal(dir: string, request: DigRequestInput, requester: string): Promise<Package> {
  const [{ Engine }, { openStore }, { loadPrecautions }] = await Promise.all([import('../../engine.js'), import('../../store/open.js'), import('../../package/precautions.js')]);
  // The service's precaution matrix, when one is configured, so that both give the same package.
  const file = process.env.LER_PRECAUTIONS_FILE?.trim();
  const precautions = file ? loadPrecautions(file) : undefined;
  const { store } = await openStore({ databaseUrl: null, dataDir: dir, history: 5 });
  try {
    const engine = await Engine.open({ store, workers: 0, ...(precautions !== undefined ? { precautions } : {}) });
    try {
      return (await engine.digRequest(request, { requester })).pkg;
    } finally {
      await engine.close();
    }
  } finally {
    await store.close();
  }
}

/** The ledningspakke's files, as the service's package.zip holds them, with the map drawn here. */
async function packageFiles(pkg: Package): Promise<Map<string, Uint8Array>> {
  const [{ packagePngAsync, packageSvg }, zip] = await Promise.all([import('../../package/views.js'), import('../../package/package-zip.js')]);
  return zip.packageFiles(pkg, { svg: packageSvg(pkg), png: await packagePngAsync(pkg) });
}

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
