/**
 * The ledningspakke as a contractor's tools expect it: one zip holding the package as LER 2.2 GML
 * (package.gml, every owner's answer in one collection, and gml/<owner>.gml, each owner's answer as
 * a document of its own), as GeoJSON and JSON, the map as PNG and SVG, and the status list per
 * owner (status.txt, status.html). The service's package.zip and `ler dig --out-dir/--zip` make
 * their files here, so both give the same. A package's size is bounded by the service (its
 * conflicts and their geometry), so the files are made in memory; the GML is written in chunks
 * that give the event loop its turn, and the files are deflated on libuv's thread pool (node:zlib),
 * so a big package does not hold a service's other requests.
 */
import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';
import { strToU8, Zip, type ZipInputFile } from 'fflate';
import { ownerAnswerGml, packageGml } from './package-gml.js';
import { statusHtml, statusText } from './status-list.js';
import type { Package } from './types.js';
import { packageGeoJson } from './views.js';

/** The package map, drawn by the caller (the service keeps it; the command line draws it). */
export interface PackageMaps {
  svg: string | Uint8Array;
  /** null: no raster map (the SVG is the map). */
  png: Uint8Array | null;
}

const deflate = promisify(deflateRaw);

/** A streamed document as bytes, letting other work run between its chunks. */
async function collect(chunks: AsyncIterable<string>): Promise<Uint8Array> {
  const parts: string[] = [];
  for await (const c of chunks) {
    parts.push(c);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return strToU8(parts.join(''));
}

/** An owner id as a file name: its letters, digits, dots, dashes and underscores. */
export function ownerFileName(owner: string): string {
  const safe = owner.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return `gml/${safe === '' ? '_' : safe}.gml`;
}

/** The package's files by name, in the zip's order. */
export async function packageFiles(pkg: Package, maps: PackageMaps): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  files.set('package.json', strToU8(JSON.stringify(pkg)));
  // As GET package.geojson sends it.
  files.set('package.geojson', strToU8(JSON.stringify(packageGeoJson(pkg))));
  files.set('package.gml', await collect(packageGml(pkg)));
  for (const o of pkg.owners) files.set(ownerFileName(o.owner), await collect(ownerAnswerGml(pkg, o)));
  files.set('map.svg', typeof maps.svg === 'string' ? strToU8(maps.svg) : maps.svg);
  if (maps.png !== null) files.set('map.png', maps.png);
  files.set('status.txt', strToU8(statusText(pkg)));
  files.set('status.html', strToU8(statusHtml(pkg)));
  return files;
}

/**
 * The files as one zip. Entries carry the package revision's time, so the same package gives the
 * same bytes; the PNG is stored as it is (it is compressed already), the rest deflated.
 */
export async function zipPackageFiles(files: ReadonlyMap<string, Uint8Array>, at: string): Promise<Uint8Array> {
  const time = Date.parse(at);
  // Zip times start in 1980.
  const mtime = new Date(Number.isFinite(time) && time > Date.UTC(1980, 1, 1) ? time : Date.UTC(1980, 1, 1));
  const entries = await Promise.all(
    [...files].map(async ([name, bytes]) => {
      const stored = name.endsWith('.png');
      const data: Uint8Array<ArrayBuffer> = stored ? new Uint8Array(bytes) : new Uint8Array(await deflate(bytes, { level: 6 }));
      return { name, bytes, data, compression: stored ? 0 : 8 };
    })
  );
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error !== null) failure ??= error;
    else chunks.push(chunk);
  });
  for (const e of entries) {
    const file: ZipInputFile = { filename: e.name, size: e.bytes.length, crc: crc32(e.bytes), compression: e.compression, mtime };
    zip.add(file);
    file.ondata?.(null, e.data, true);
  }
  zip.end();
  if (failure !== null) throw failure;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at0 = 0;
  for (const c of chunks) {
    out.set(c, at0);
    at0 += c.length;
  }
  return out;
}

/** The ledningspakke as a zip. */
export async function packageZip(pkg: Package, maps: PackageMaps): Promise<Uint8Array> {
  return zipPackageFiles(await packageFiles(pkg, maps), pkg.revisedAt);
}
