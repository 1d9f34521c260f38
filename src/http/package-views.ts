/**
 * Two views of a stored package: a GeoJSON FeatureCollection that a GIS opens as it is (the dig
 * area and every conflicting feature with its owner, status and precautions), and a plain SVG map
 * (dig area, information zone, conflicting lines coloured by danger class).
 */
import { isInternal, normaliseCrs, projectLonLat } from '../crs/index.js';
import type { ServicePackage } from './dig-package.js';

/** The package as one FeatureCollection, in the request's CRS (declared in a legacy `crs` member when not lon/lat). */
export function packageGeoJson(pkg: ServicePackage): Record<string, unknown> {
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

export const FAREKLASSE_COLOURS: Record<string, string> = {
  'meget farlig': '#d7191c',
  farlig: '#f28e2b',
  'ikke farlig': '#2c7bb6',
  ukendt: '#7f7f7f'
};

const WIDTH = 800;

/** A plain map of the package: coordinates in metres (lon/lat is projected), north up. */
export function packageSvg(pkg: ServicePackage): string {
  const internal = isInternal(normaliseCrs(pkg.crs));
  const project = (p: number[]): [number, number] => {
    if (internal) return [p[0], p[1]];
    const out = [0, 0];
    projectLonLat(p[0], p[1], out, 0);
    return [out[0], out[1]];
  };
  const digRings = ringsOf(pkg.digArea).map((ring) => ring.map(project));
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const ring of digRings) {
    for (const [x, y] of ring) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  const pad = pkg.infoZone + Math.max(5, 0.1 * Math.max(maxX - minX, maxY - minY));
  minX -= pad;
  minY -= pad;
  maxX += pad;
  maxY += pad;
  const w = maxX - minX;
  const h = maxY - minY;
  const height = Math.max(200, Math.round((WIDTH * h) / w));
  const sx = WIDTH / w;
  const sy = height / h;
  const px = ([x, y]: [number, number]): string => `${round((x - minX) * sx)},${round((maxY - y) * sy)}`;
  const ringPath = (rings: [number, number][][]): string => rings.map((r) => `M${r.map(px).join('L')}Z`).join('');

  const digPath = ringPath(digRings);
  const parts: string[] = [];
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  if (pkg.infoZone > 0) {
    // The zone is every point within b of the area: the area's outline stroked 2b wide, with round joins.
    parts.push(`<g id="info-zone"><path d="${digPath}" fill="#fff3c4" fill-rule="evenodd" stroke="#fff3c4" stroke-width="${round(2 * pkg.infoZone * sx)}" stroke-linejoin="round"/></g>`);
  }
  parts.push(`<g id="dig-area"><path d="${digPath}" fill="#e6e6e6" fill-rule="evenodd" stroke="#000000" stroke-width="2"/></g>`);
  const lines: string[] = [];
  for (const o of pkg.owners) {
    for (const c of o.conflicts) {
      if (c.geometry === null) continue;
      const colour = FAREKLASSE_COLOURS[c.fareklasse ?? 'ukendt'] ?? FAREKLASSE_COLOURS.ukendt;
      const title = `<title>${escape(`${o.name}: ${c.featureType} ${String(c.featureId)} (${c.fareklasse ?? 'ukendt'}, ${c.zone})`)}</title>`;
      const g = c.geometry;
      const dash = c.zone === 'infoZone' ? ' stroke-dasharray="8 4"' : '';
      if (g.type === 'LineString' || g.type === 'MultiLineString') {
        const paths = (g.type === 'LineString' ? [g.coordinates] : g.coordinates).map((l) => `M${l.map((p) => px(project(p))).join('L')}`).join('');
        lines.push(`<path d="${paths}" fill="none" stroke="${colour}" stroke-width="3" stroke-linecap="round"${dash}>${title}</path>`);
      } else if (g.type === 'Point' || g.type === 'MultiPoint') {
        for (const p of g.type === 'Point' ? [g.coordinates] : g.coordinates) {
          const [x, y] = px(project(p)).split(',');
          lines.push(`<circle cx="${x}" cy="${y}" r="4" fill="${colour}">${title}</circle>`);
        }
      } else {
        const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
        const d = polys.map((rings) => ringPath(rings.map((r) => r.map(project)))).join('');
        lines.push(`<path d="${d}" fill="${colour}" fill-opacity="0.5" fill-rule="evenodd" stroke="${colour}" stroke-width="1.5">${title}</path>`);
      }
    }
  }
  parts.push(`<g id="conflicts">${lines.join('')}</g>`);
  parts.push(legend(height, sx));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escape(`Dig request ${pkg.id}`)}</title>`,
    ...parts,
    '</svg>',
    ''
  ].join('\n');
}

function legend(height: number, sx: number): string {
  const items = Object.entries(FAREKLASSE_COLOURS).map(
    ([name, colour], i) => `<line x1="10" x2="34" y1="${16 + i * 16}" y2="${16 + i * 16}" stroke="${colour}" stroke-width="3"/><text x="40" y="${20 + i * 16}">${escape(name)}</text>`
  );
  // A scale bar of a round number of metres, about a fifth of the map wide.
  const target = WIDTH / 5 / sx;
  const step = [1, 2, 5].flatMap((m) => [1, 10, 100, 1000, 10000].map((e) => m * e)).filter((v) => v <= target).pop() ?? 1;
  const bar = round(step * sx);
  return `<g id="legend"><rect x="4" y="4" width="130" height="72" fill="#ffffff" fill-opacity="0.85"/>${items.join('')}<g id="scale"><line x1="10" x2="${10 + bar}" y1="${height - 14}" y2="${height - 14}" stroke="#000000" stroke-width="2"/><text x="10" y="${height - 20}">${step} m</text></g></g>`;
}

function ringsOf(geometry: unknown): number[][][] {
  const g = geometry as { type: string; coordinates: number[][][] | number[][][][] };
  return g.type === 'Polygon' ? (g.coordinates as number[][][]) : (g.coordinates as number[][][][]).flat();
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
