/**
 * Views of a stored package: a GeoJSON FeatureCollection that a GIS opens as it is (the dig area
 * and every conflicting feature with its owner, status and precautions), and the package map, an
 * A4 sheet as SVG or PNG (package-map.ts, package-png.ts).
 */
import type { Package } from './types.js';

export { FAREKLASSE_COLOURS } from './sheet-style.js';
export { packageSvg } from './sheet.js';
export { packagePng, packagePngAsync } from './sheet-png.js';

/** The package as one FeatureCollection, in the request's CRS (declared in a legacy `crs` member when not lon/lat). */
export function packageGeoJson(pkg: Package): Record<string, unknown> {
  const features: unknown[] = [
    {
      type: 'Feature',
      id: `digArea:${pkg.id}`,
      geometry: pkg.digArea,
      properties: { kind: 'digArea', digRequest: pkg.id, createdAt: pkg.createdAt, validUntil: pkg.validUntil, infoZone: pkg.infoZone, areaM2: pkg.areaM2, workType: pkg.workType }
    }
  ];
  for (const o of pkg.owners) {
    for (const c of o.conflicts) {
      features.push({
        type: 'Feature',
        id: `${o.owner}:${c.featureId}`,
        geometry: c.geometry,
        properties: {
          ...c.properties,
          kind: 'conflict',
          owner: o.owner,
          ownerName: o.name,
          status: o.status,
          contact: o.contact,
          featureId: c.featureId,
          featureType: c.featureType,
          forsyningsart: c.forsyningsart,
          fareklasse: c.fareklasse,
          driftsstatus: c.driftsstatus,
          zone: c.zone,
          distance: c.distance,
          lengthInside: c.lengthInside,
          precautions: c.precautions.map((p) => `${p.code}: ${p.text}`).join('\n')
        }
      });
    }
  }
  const out: Record<string, unknown> = { type: 'FeatureCollection', name: `dig-request-${pkg.id}` };
  if (pkg.crs !== 'EPSG:4326') out.crs = { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${pkg.crs.slice(5)}` } };
  out.features = features;
  return out;
}
