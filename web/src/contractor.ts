/**
 * The contractor's view: draw or load a dig area, set the information zone and the kind of work,
 * submit; then the package on the map (the dig area, each line cut to what the package holds,
 * coloured by fareklasse) and beside it (owners, status, contact, precautions, downloads).
 */
import * as L from 'leaflet';
import type { Polygon, MultiPolygon } from 'geojson';
import type { Api } from './api';
import { DIG_AREA_COLOUR, colourOf } from './colours';
import { byId, count, el, plural, saveBlob, showMessage } from './dom';
import { PolygonDrawer } from './draw';
import { digAreaOf, geometryToLonLat, readGeoFile } from './geo-file';
import type { DigPackage, PackageConflict, PackageOwner } from './types';

const WORK_LABELS: Record<string, string> = {
  excavation: 'Excavation with machines',
  handDigging: 'Hand digging',
  drilling: 'Drilling (horizontal boring)',
  piling: 'Piling'
};

const ZONE_WORDS = { digArea: 'in the dig area', infoZone: 'in the information zone' } as const;

export class ContractorView {
  private readonly drawer: PolygonDrawer;
  private readonly result: L.LayerGroup;
  private readonly message = byId('contractor-message');
  private area: Polygon | MultiPolygon | null = null;
  private pkg: DigPackage | null = null;

  constructor(private readonly api: Api, private readonly map: L.Map, workTypes: string[]) {
    this.drawer = new PolygonDrawer(map);
    this.result = L.layerGroup().addTo(map);
    const select = byId<HTMLSelectElement>('work-type');
    select.replaceChildren(...workTypes.map((w) => el('option', { value: w }, WORK_LABELS[w] ?? w)));

    const start = byId<HTMLButtonElement>('draw-start');
    const finish = byId<HTMLButtonElement>('draw-finish');
    const undo = byId<HTMLButtonElement>('draw-undo');
    const clear = byId<HTMLButtonElement>('draw-clear');
    const status = byId('draw-status');
    const submit = byId<HTMLButtonElement>('dig-submit');
    this.drawer.onChange = (vertices, finished) => {
      const drawing = this.drawer.drawing;
      finish.disabled = !drawing || vertices < 3;
      undo.disabled = !drawing || vertices === 0;
      clear.disabled = !drawing && finished === null;
      if (finished !== null) this.area = finished;
      else if (drawing) this.area = null;
      submit.disabled = this.area === null;
      if (drawing) status.textContent = vertices === 0 ? 'Click the first corner of the dig area on the map.' : `${plural(vertices, 'corner')} so far: click the next one, or finish the area.`;
      else if (this.area !== null) status.textContent = 'The dig area is ready: set the work below and submit.';
    };
    start.addEventListener('click', () => {
      this.clearResult();
      this.drawer.start();
    });
    finish.addEventListener('click', () => {
      if (!this.drawer.finish()) showMessage(this.message, 'A dig area needs at least three corners.', 'error');
    });
    undo.addEventListener('click', () => this.drawer.undo());
    clear.addEventListener('click', () => {
      this.area = null;
      this.drawer.clear();
      this.clearResult();
      status.textContent = 'Click “Draw on the map”, then click each corner of the area.';
    });
    byId<HTMLInputElement>('dig-file').addEventListener('change', (e) => void this.loadFile(e.target as HTMLInputElement));
    submit.addEventListener('click', () => void this.submit());
    byId('download-geojson').addEventListener('click', () => void this.download('package.geojson', 'geojson'));
    byId('download-svg').addEventListener('click', () => void this.download('map.svg', 'svg'));
    byId('download-png').addEventListener('click', () => void this.download('map.png', 'png'));
  }

  private async loadFile(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (file === undefined) return;
    try {
      const geo = await readGeoFile(file);
      const area = digAreaOf(geo);
      if (area === null) throw new Error(`${file.name} holds no Polygon or MultiPolygon: a dig area is one.`);
      const lonLat = geometryToLonLat(area, geo.crs) as Polygon | MultiPolygon | null;
      if (lonLat === null) throw new Error(`The polygon in ${file.name} has coordinates that cannot be read.`);
      this.clearResult();
      this.area = lonLat;
      this.drawer.setArea(lonLat as Polygon);
      this.map.fitBounds(L.geoJSON(lonLat).getBounds(), { maxZoom: 19, padding: [40, 40] });
      showMessage(this.message, `Loaded the dig area from ${file.name}.`, 'ok');
    } catch (error) {
      showMessage(this.message, (error as Error).message, 'error');
    } finally {
      input.value = '';
    }
  }

  private async submit(): Promise<void> {
    if (this.area === null) return;
    const infoZone = Number(byId<HTMLInputElement>('info-zone').value);
    if (!Number.isFinite(infoZone) || infoZone < 0 || infoZone > 100) {
      showMessage(this.message, 'The information zone is a number of metres from 0 to 100.', 'error');
      return;
    }
    const purpose = byId<HTMLInputElement>('purpose').value.trim();
    const body = { geometry: this.area, crs: 'EPSG:4326', infoZone, workType: byId<HTMLSelectElement>('work-type').value, ...(purpose !== '' ? { purpose } : {}) };
    const submit = byId<HTMLButtonElement>('dig-submit');
    submit.disabled = true;
    showMessage(this.message, 'Asking every owner…', 'info');
    try {
      const pkg = await this.api.json('POST', '/v1/dig-requests', { body });
      showMessage(this.message, '');
      this.show(pkg);
    } catch (error) {
      showMessage(this.message, (error as Error).message, 'error');
    } finally {
      submit.disabled = this.area === null;
    }
  }

  private clearResult(): void {
    this.result.clearLayers();
    this.pkg = null;
    byId('package').hidden = true;
  }

  /** Draws the package and lists its owners. */
  show(pkg: DigPackage): void {
    this.clearResult();
    this.pkg = pkg;
    this.drawer.clear();
    // The dig area as it was sent: a Polygon or MultiPolygon, lon/lat (the page asks in EPSG:4326).
    const area = L.geoJSON(pkg.digArea as Polygon | MultiPolygon, { pane: 'areas', style: { color: DIG_AREA_COLOUR, weight: 3, fillOpacity: 0.1, className: 'dig-area' } }).addTo(this.result);
    let drawn = 0;
    for (const o of pkg.owners) for (const c of o.conflicts) if (this.drawConflict(o, c)) drawn++;
    const lines = pkg.owners.reduce((n, o) => n + o.conflicts.length, 0);
    this.map.fitBounds(area.getBounds(), { maxZoom: 20, padding: [60, 60] });

    const summary = byId('package-summary');
    summary.replaceChildren(
      el('span', {}, `Package `, el('code', {}, pkg.id), `, valid until ${new Date(pkg.validUntil).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })}. `),
      el('span', {}, `Dig area ${count(Math.round(pkg.areaM2))} m², information zone ${pkg.infoZone} m, ${WORK_LABELS[pkg.workType]?.toLowerCase() ?? pkg.workType}. `),
      el('strong', { id: 'conflict-count', 'data-count': lines }, `${plural(lines, 'line')} from ${plural(pkg.owners.filter((o) => o.conflicts.length > 0).length, 'owner')}`),
      el('span', {}, `; `),
      el('span', { id: 'conflicts-drawn', 'data-count': drawn }, `${count(drawn)} drawn on the map.`)
    );
    const rows = pkg.owners.map((o) =>
      el(
        'tr',
        { 'data-owner': o.owner },
        el('td', {}, el('strong', {}, o.name), ' ', el('code', {}, o.owner), el('div', { class: 'contact hint' }, o.contact ?? 'no contact given')),
        el('td', { class: 'status' }, o.status),
        el('td', { class: 'num' }, String(o.conflicts.length))
      )
    );
    byId('owners-table').querySelector('tbody')?.replaceChildren(...rows);
    byId('conflict-list').replaceChildren(...pkg.owners.map((o) => ownerBlock(o)));
    byId('package').hidden = false;
  }

  private drawConflict(o: PackageOwner, c: PackageConflict): boolean {
    if (c.geometry === null) return false;
    const colour = colourOf(c.fareklasse);
    const style = { color: colour, fillColor: colour, weight: 5, opacity: 0.95, fillOpacity: 0.9, dashArray: c.zone === 'infoZone' ? '10 6' : undefined, className: 'conflict-line' };
    const layer = L.geoJSON(c.geometry, { pane: 'result', style, pointToLayer: (_f, at) => L.circleMarker(at, { ...style, radius: 6, pane: 'result' }) });
    layer.bindPopup(() => popup(o, c));
    layer.addTo(this.result);
    return true;
  }

  private async download(what: 'package.geojson' | 'map.svg' | 'map.png', ext: string): Promise<void> {
    if (this.pkg === null) return;
    try {
      const blob = await this.api.blob(`/v1/dig-requests/{id}/${what}`, { path: { id: this.pkg.id } });
      saveBlob(blob, `dig-request-${this.pkg.id}.${ext}`);
    } catch (error) {
      showMessage(this.message, (error as Error).message, 'error');
    }
  }
}

function describe(c: PackageConflict): string {
  return `${c.featureType} ${String(c.featureId)}`;
}

function popup(o: PackageOwner, c: PackageConflict): HTMLElement {
  return el(
    'div',
    {},
    el('strong', {}, describe(c)),
    el('br'),
    `${o.name} · ${c.forsyningsart ?? 'ukendt forsyningsart'} · ${c.fareklasse ?? 'ukendt fareklasse'}`,
    el('br'),
    `${ZONE_WORDS[c.zone]}, ${c.distance === 0 ? 'touching it' : `${c.distance.toFixed(2)} m away`}`
  );
}

function ownerBlock(o: PackageOwner): HTMLElement {
  const conflicts = o.conflicts.map((c) =>
    el(
      'div',
      { class: 'conflict' },
      el('div', { class: 'what' }, el('span', { class: 'swatch line', style: `background:${colourOf(c.fareklasse)}` }), describe(c)),
      el('div', { class: 'hint' }, `${c.forsyningsart ?? 'ukendt'} · ${c.fareklasse ?? 'ukendt fareklasse'} · ${ZONE_WORDS[c.zone]}${c.distance > 0 ? `, ${c.distance.toFixed(2)} m away` : ''}${c.lengthInside > 0 ? ` · ${c.lengthInside.toFixed(1)} m inside` : ''}`),
      c.precautions.length > 0 ? el('ul', {}, ...c.precautions.map((p) => el('li', {}, el('code', {}, p.code), ' ', p.text))) : null
    )
  );
  return el(
    'div',
    { class: 'owner-block', 'data-owner': o.owner },
    el('h4', {}, o.name),
    el('p', { class: 'status' }, o.status),
    o.contact !== null ? el('p', {}, 'Contact: ', o.contact) : null,
    o.message !== undefined ? el('p', { class: 'hint' }, o.message) : null,
    ...conflicts
  );
}
