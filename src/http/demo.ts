/**
 * The demo network: six utilities' lines laid a few metres beside the real roads of a piece of
 * Odense (fixtures/demo), each owner with a profile and an interest area derived from its network,
 * and a seventh owner with an interest area but no network. Deterministic: the same roads give
 * the same network. For trying the service, never for answering a real dig.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { OwnerProfile, ServiceStore } from '../store/store.js';
import type { Feature, LineString, Point, Polygon } from '../types.js';
import { packageRoot } from './paths.js';

export interface Road {
  id: string | number;
  coordinates: number[][];
  vejklasse: string;
}

export interface DemoOwner extends OwnerProfile {
  forsyningsart: string;
  features: Feature<LineString | Point>[];
}

/** A dig area of 20 x 16 m across Trafikvej 5363 in Odense, meeting lines of every demo utility (lon/lat). */
export const DEMO_DIG_AREA: Polygon = {
  type: 'Polygon',
  coordinates: [[[10.344893, 55.393706], [10.344578, 55.393696], [10.344592, 55.393552], [10.344907, 55.393562], [10.344893, 55.393706]]]
};

/** The owner with an interest area and no network, and its area (EPSG:25832). */
export const DEMO_INTEREST_ONLY = { owner: 'demo-fiber', name: 'Demo Fiber Net ApS', contact: 'graving@fiber.demo.invalid, +45 70 00 00 07', area: [[584900, 6139200], [585500, 6139200], [585500, 6139650], [584900, 6139650], [584900, 6139200]] };

export function demoRoadsFile(): string {
  return join(packageRoot(), 'fixtures', 'demo', 'odense-roads.25832.geojson');
}

export function readDemoRoads(file = demoRoadsFile()): Road[] {
  const fc = JSON.parse(readFileSync(file, 'utf8')) as { features: { id: string | number; geometry: { coordinates: number[][] }; properties: { vejklasse: string } }[] };
  return fc.features.map((f) => ({ id: f.id, coordinates: f.geometry.coordinates, vejklasse: f.properties.vejklasse }));
}

const isArterial = (r: Road): boolean => r.vejklasse.startsWith('Trafikvej');
const isDriveway = (r: Road): boolean => r.vejklasse === 'Indkørselsvej';
const isMain = (r: Road): boolean => isArterial(r) || r.vejklasse === 'Lokalvej-Primær';

/** The line `d` metres to the left of a polyline (right when negative), mitred at bends, to the centimetre. */
export function offsetLine(coordinates: readonly number[][], d: number): number[][] {
  const n = coordinates.length;
  const normal = (i: number): [number, number] => {
    const dx = coordinates[i + 1][0] - coordinates[i][0];
    const dy = coordinates[i + 1][1] - coordinates[i][1];
    const len = Math.hypot(dx, dy) || 1;
    return [-dy / len, dx / len];
  };
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = normal(Math.max(0, i - 1));
    const b = normal(Math.min(n - 2, i));
    let nx = a[0] + b[0];
    let ny = a[1] + b[1];
    const len = Math.hypot(nx, ny);
    if (len < 1e-9) [nx, ny] = b;
    else [nx, ny] = [nx / len, ny / len];
    // A mitre, limited so a hairpin does not throw the line far away.
    const scale = d / Math.max(0.5, nx * b[0] + ny * b[1]);
    out.push([Math.round((coordinates[i][0] + nx * scale) * 100) / 100, Math.round((coordinates[i][1] + ny * scale) * 100) / 100]);
  }
  return out;
}

function line(id: string, coordinates: number[][], properties: Record<string, unknown>): Feature<LineString> {
  return { type: 'Feature', id, geometry: { type: 'LineString', coordinates }, properties };
}

const COMMON = { driftsstatus: 'i drift', niveau: 'under terræn', ejerskabsforhold: 'ejet af udleverende ledningsejer' };

/** The six utilities' networks along the roads (EPSG:25832). */
export function demoOwners(roads: readonly Road[]): DemoOwner[] {
  const el: DemoOwner = { owner: 'demo-el', name: 'Demo El A/S', contact: 'vagt@el.demo.invalid, +45 70 00 00 01', requiresMarking: true, forsyningsart: 'el', features: [] };
  const gas: DemoOwner = { owner: 'demo-gas', name: 'Demo Gas A/S', contact: 'ledningsoplysning@gas.demo.invalid, +45 70 00 00 02', requiresMarking: false, forsyningsart: 'gas', features: [] };
  const vand: DemoOwner = { owner: 'demo-vand', name: 'Demo Vand A/S', contact: 'drift@vand.demo.invalid, +45 70 00 00 03', requiresMarking: false, forsyningsart: 'vand', features: [] };
  const afloeb: DemoOwner = { owner: 'demo-afloeb', name: 'Demo Spildevand A/S', contact: 'drift@spildevand.demo.invalid, +45 70 00 00 04', requiresMarking: false, forsyningsart: 'afløb', features: [] };
  const tele: DemoOwner = { owner: 'demo-tele', name: 'Demo Tele A/S', contact: 'kabelvisning@tele.demo.invalid, +45 70 00 00 05', requiresMarking: false, forsyningsart: 'telekommunikation', features: [] };
  const varme: DemoOwner = { owner: 'demo-fjernvarme', name: 'Demo Fjernvarme A.m.b.a.', contact: 'vagt@fjernvarme.demo.invalid, +45 70 00 00 06', requiresMarking: false, forsyningsart: 'fjernvarme/fjernkøling', features: [] };
  roads.forEach((road, k) => {
    const r = road.coordinates;
    const arterial = isArterial(road);
    el.features.push(
      line(`el-${road.id}`, offsetLine(r, 2.5), {
        featureType: 'Elledning', forsyningsart: 'el', ...COMMON, type: 'forsyningskabel',
        fareklasse: arterial ? 'meget farlig' : 'farlig', spaendingsniveau: arterial ? 10 : 0.4, antalKabler: arterial ? 3 : 1,
        noejagtighedsklasse: '<= 0.50 m', indtegningsmetode: 'nøjagtigt', vejledendeDybde: arterial ? 900 : 700, etableringstidspunkt: '1998-05-01',
        sikkerhedshensyn: arterial ? '10 kV: grav kun med ejerens tilsyn.' : undefined
      })
    );
    if (k % 5 === 0) {
      const p = offsetLine(r, 3.5)[0];
      el.features.push({ type: 'Feature', id: `kabelskab-${road.id}`, geometry: { type: 'Point', coordinates: p }, properties: { featureType: 'Elkomponent', forsyningsart: 'el', driftsstatus: 'i drift', fareklasse: 'farlig', noejagtighedsklasse: '<= 0.50 m', niveau: 'over terræn' } });
    }
    if (!isDriveway(road) && road.vejklasse !== 'Lokalvej-Tertiær') {
      gas.features.push(
        line(`gas-${road.id}`, offsetLine(r, -2.5), {
          featureType: 'Gasledning', forsyningsart: 'gas', ...COMMON, type: arterial ? 'fordelingsledning' : 'distributionsledning',
          fareklasse: arterial ? 'meget farlig' : 'farlig', tryk: arterial ? 19 : 4, udvendigDiameter: arterial ? 160 : 63,
          noejagtighedsklasse: '<= 0.50 m', indtegningsmetode: 'nøjagtigt', vejledendeDybde: 1000, etableringstidspunkt: '2004-09-15'
        })
      );
    }
    if (!isDriveway(road)) {
      vand.features.push(
        line(`vand-${road.id}`, offsetLine(r, -4), {
          featureType: 'Vandledning', forsyningsart: 'vand', ...COMMON, fareklasse: 'ikke farlig', udvendigDiameter: isMain(road) ? 160 : 110,
          udvendigMateriale: 'PE', noejagtighedsklasse: '<= 1.00 m', indtegningsmetode: 'nøjagtigt', vejledendeDybde: 1300, etableringstidspunkt: '1987-03-01'
        })
      );
    }
    afloeb.features.push(
      line(`afloeb-${road.id}`, r.map((c) => [c[0], c[1]]), {
        featureType: 'Afloebsledning', forsyningsart: 'afløb', ...COMMON, fareklasse: 'ikke farlig', udvendigDiameter: isMain(road) ? 500 : 250,
        udvendigMateriale: 'beton', noejagtighedsklasse: '<= 1.00 m', indtegningsmetode: 'nøjagtigt', vejledendeDybde: 2200, etableringstidspunkt: '1972-06-01'
      })
    );
    tele.features.push(
      line(`fiber-${road.id}`, offsetLine(r, 4), {
        featureType: 'Telekommunikationsledning', forsyningsart: 'telekommunikation', ...COMMON, type: 'fiberkabel', fareklasse: 'ikke farlig',
        noejagtighedsklasse: k % 3 === 0 ? '> 2.00 m' : '<= 1.00 m', indtegningsmetode: k % 3 === 0 ? 'skematisk' : 'nøjagtigt', vejledendeDybde: 500, etableringstidspunkt: '2015-04-20'
      })
    );
    if (isMain(road)) {
      varme.features.push(
        line(`varme-${road.id}`, offsetLine(r, 5.5), {
          featureType: 'TermiskLedning', forsyningsart: 'fjernvarme/fjernkøling', ...COMMON, fareklasse: 'farlig', temperatur: 80, tryk: 10,
          udvendigDiameter: arterial ? 315 : 200, noejagtighedsklasse: '<= 0.50 m', indtegningsmetode: 'nøjagtigt', vejledendeDybde: 900, etableringstidspunkt: '1995-08-01'
        })
      );
    }
  });
  // Drop attributes a line does not have (undefined is not JSON).
  for (const o of [el, gas, vand, afloeb, tele, varme]) for (const f of o.features) f.properties = JSON.parse(JSON.stringify(f.properties)) as Record<string, unknown>;
  return [el, gas, vand, afloeb, tele, varme];
}

/**
 * Loads the demo into an engine whose store holds no network: the six networks (one swap), their
 * profiles and derived interest areas, and the interest-only owner. Returns the owners loaded.
 */
export async function loadDemo(engine: Engine, store: ServiceStore, roads: readonly Road[] = readDemoRoads()): Promise<string[]> {
  const owners = demoOwners(roads);
  await engine.putNetworks(owners.map((o) => ({ owner: o.owner, input: { type: 'FeatureCollection', features: o.features }, opts: { crs: 'EPSG:25832' } })));
  for (const o of owners) {
    await store.putOwnerProfile({ owner: o.owner, name: o.name, contact: o.contact, requiresMarking: o.requiresMarking });
    await engine.reloadOwnerProfile(o.owner);
    const area = engine.deriveInterestArea(o.owner, { cellSize: 100, crs: 'EPSG:25832' });
    await engine.putInterestAreas(o.owner, { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: area, properties: { forsyningsart: o.forsyningsart, contact: o.contact } }] }, { crs: 'EPSG:25832' });
  }
  const only = DEMO_INTEREST_ONLY;
  await store.putOwnerProfile({ owner: only.owner, name: only.name, contact: only.contact, requiresMarking: false });
  await engine.reloadOwnerProfile(only.owner);
  await engine.putInterestAreas(only.owner, { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [only.area] }, properties: { forsyningsart: 'telekommunikation', contact: only.contact } }] }, { crs: 'EPSG:25832' });
  return [...owners.map((o) => o.owner), only.owner];
}
