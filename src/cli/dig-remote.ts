/**
 * A dig request answered by a service: POST /v1/dig-requests, then the package's views, fetched
 * as the service renders them: package.geojson, map.svg, and map.png when the service offers it.
 */
import type { PackageSummary } from './package-table.js';
import type { ServiceClient } from './service.js';

/** The package as the service answers it (the members read here; the whole is written to package.json). */
export interface ServicePackage extends PackageSummary {
  id: string;
}

export interface RemoteDig {
  pkg: ServicePackage;
  /** The package's files by name: package.geojson, map.svg, map.png (when the service has it). */
  files: Map<string, Buffer>;
}

export async function digRemote(client: ServiceClient, body: { geometry: unknown; crs: string; infoZone?: number }, withFiles: boolean): Promise<RemoteDig> {
  const pkg = await client.json<ServicePackage>('POST', 'v1/dig-requests', body);
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
