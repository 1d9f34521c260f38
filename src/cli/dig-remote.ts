/**
 * A dig request answered by a service: POST /v1/dig-requests, then the package's views, fetched
 * as the service renders them: package.geojson, map.svg, and map.png when the service offers it.
 */
import type { DigRequestInput, Package } from '../package/types.js';
import type { ServiceClient } from './service-client.js';

export interface RemoteDig {
  pkg: Package;
  /** The package's files by name: package.geojson, map.svg, map.png (when the service has it). */
  files: Map<string, Buffer>;
}

export async function digRemote(client: ServiceClient, body: DigRequestInput, withFiles: boolean): Promise<RemoteDig> {
  const pkg = await client.json<Package>('POST', 'v1/dig-requests', body);
  const files = new Map<string, Buffer>();
  if (withFiles) {
    const base = `v1/dig-requests/${encodeURIComponent(pkg.id)}`;
    files.set('package.geojson', await client.bytes(`${base}/package.geojson`));
    files.set('map.svg', await client.bytes(`${base}/map.svg`));
    // A raster map only where the service draws one; without it the SVG is the map.
    const png = await client.optionalBytes(`${base}/map.png`);
    if (png !== null) files.set('map.png', png);
  }
  return { pkg, files };
}
