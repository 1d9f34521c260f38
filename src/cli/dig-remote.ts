/**
 * A dig request answered by a service: POST /v1/dig-requests, then the ledningspakke's files as
 * the service makes them: its package.zip, unpacked (package.json, package.geojson, the GML per
 * owner, the map, the status list). A service without package.zip gives its views one by one:
 * package.geojson, map.svg, and map.png when it draws one.
 */
import { unzipSync } from 'fflate';
import type { DigRequestInput, Package } from '../package/types.js';
import type { ServiceClient } from './service-client.js';

export interface RemoteDig {
  pkg: Package;
  /** The package's files by name (the zip's, in its order). */
  files: Map<string, Uint8Array>;
  /** The service's zip as it sent it; null when it has none. */
  zip: Uint8Array | null;
}

export async function digRemote(client: ServiceClient, body: DigRequestInput, withFiles: boolean): Promise<RemoteDig> {
  const pkg = await client.json<Package>('POST', 'v1/dig-requests', body);
  const files = new Map<string, Uint8Array>();
  if (!withFiles) return { pkg, files, zip: null };
  const base = `v1/dig-requests/${encodeURIComponent(pkg.id)}`;
  const zip = await client.optionalBytes(`${base}/package.zip`);
  if (zip !== null) {
    for (const [name, bytes] of Object.entries(unzipSync(zip))) files.set(name, bytes);
    return { pkg, files, zip };
  }
  files.set('package.json', Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`));
  files.set('package.geojson', await client.bytes(`${base}/package.geojson`));
  files.set('map.svg', await client.bytes(`${base}/map.svg`));
  // A raster map only where the service draws one; without it the SVG is the map.
  const png = await client.optionalBytes(`${base}/map.png`);
  if (png !== null) files.set('map.png', png);
  return { pkg, files, zip: null };
}
