/**
 * The planner's view: upload a FeatureCollection of areas or a route, watch the batch's progress,
 * then see every area coloured by its most dangerous line and download the results.
 */
import * as L from 'leaflet';
import type { Feature, Geometry, LineString } from 'geojson';
import type { Api, Body } from './api';
import { FAILED_COLOUR, NO_CONFLICT_COLOUR, colourOf } from './colours';
import { byId, count, el, plural, saveBlob, showMessage } from './dom';
import { cutLine, routeOf, toCsv, toGeoJson, toNdjson, worstOf } from './batch-formats';
import { geometryToLonLat, readGeoFile, type GeoFile } from './geo-file';
import type { AreaSummary, BatchView } from './types';

/** Rows of the counts table, from the worst down. */
const CLASSES = ['meget farlig', 'farlig', 'ikke farlig', 'ukendt', 'none', 'failed'] as const;
const CLASS_WORDS: Record<string, string> = { none: 'no lines', failed: 'not checked' };
const POLL_MS = 250;

export function colourOfWorst(worst: string): string {
  return worst === 'none' ? NO_CONFLICT_COLOUR : worst === 'failed' ? FAILED_COLOUR : colourOf(worst);
}

const slug = (s: string): string => s.replace(/[^a-z]+/gi, '-');

interface Input {
  kind: 'areas' | 'route';
  file: GeoFile;
  /** Areas (by batch index) or the route, lon/lat. */
  areas: (Geometry | null)[];
  route: LineString | null;
}

export class PlannerView {
  private readonly layer: L.LayerGroup;
  private readonly message = byId('planner-message');
  private input: Input | null = null;
  private summaries: AreaSummary[] = [];

  constructor(private readonly api: Api, private readonly map: L.Map) {
    this.layer = L.layerGroup().addTo(map);
    byId<HTMLInputElement>('batch-file').addEventListener('change', (e) => void this.choose(e.target as HTMLInputElement));
    byId('batch-submit').addEventListener('click', () => void this.run());
    byId('download-ndjson').addEventListener('click', () => this.save('ndjson'));
    byId('download-csv').addEventListener('click', () => this.save('csv'));
    byId('download-batch-geojson').addEventListener('click', () => this.save('geojson'));
  }

  private async choose(inputEl: HTMLInputElement): Promise<void> {
    const f = inputEl.files?.[0];
    const submit = byId<HTMLButtonElement>('batch-submit');
    submit.disabled = true;
    this.input = null;
    if (f === undefined) return;
    try {
      const file = await readGeoFile(f);
      const route = routeOf(file.features);
      const polygons = file.features.filter((x) => x?.geometry?.type === 'Polygon' || x?.geometry?.type === 'MultiPolygon').length;
      const info = byId('batch-file-info');
      if (polygons > 0) {
        this.input = { kind: 'areas', file, areas: file.features.map((x) => geometryToLonLat(x?.geometry, file.crs)), route: null };
        info.textContent = `${f.name}: ${plural(file.features.length, 'area')} (${file.crs}).`;
      } else if (route !== null) {
        this.input = { kind: 'route', file, areas: [], route: geometryToLonLat(route, file.crs) as LineString };
        info.textContent = `${f.name}: a route of ${plural(route.coordinates.length, 'point')} (${file.crs}), checked as a corridor stretch by stretch.`;
      } else throw new Error(`${f.name} holds neither polygons nor a LineString: give areas to check, or a route.`);
      byId('route-options').hidden = this.input.kind !== 'route';
      this.drawInput();
      submit.disabled = false;
      showMessage(this.message, '');
    } catch (error) {
      showMessage(this.message, (error as Error).message, 'error');
    }
  }

  private drawInput(): void {
    this.layer.clearLayers();
    const shapes = this.input?.kind === 'route' ? [this.input.route] : (this.input?.areas ?? []);
    const group = L.featureGroup();
    for (const g of shapes) if (g !== null) L.geoJSON(g, { pane: 'areas', style: { color: '#555', weight: 2, fillOpacity: 0.05, dashArray: '4 4' } }).addTo(group);
    group.addTo(this.layer);
    if (group.getLayers().length > 0) this.map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 19 });
  }

  private body(): Body<'/v1/batches', 'POST'> | null {
    const input = this.input;
    if (input === null) return null;
    const infoZone = Number(byId<HTMLInputElement>('batch-info-zone').value);
    const base = { infoZone, crs: input.file.crs };
    if (input.kind === 'areas') {
      const features = input.file.features.map((f) => ({ type: 'Feature', ...(f.id !== undefined ? { id: f.id } : {}), geometry: f.geometry, properties: f.properties ?? {} }));
      return { ...base, areas: { type: 'FeatureCollection', features } };
    }
    const route = routeOf(input.file.features);
    return { ...base, ...(route !== null ? { route: { ...route } } : {}), corridorWidth: Number(byId<HTMLInputElement>('corridor-width').value), stretchLength: Math.round(Number(byId<HTMLInputElement>('stretch-length').value)) };
  }

  private async run(): Promise<void> {
    const body = this.body();
    if (body === null) return;
    const submit = byId<HTMLButtonElement>('batch-submit');
    const bar = byId<HTMLProgressElement>('batch-progress');
    const text = byId('batch-progress-text');
    submit.disabled = true;
    byId('batch-result').hidden = true;
    showMessage(this.message, '');
    bar.hidden = false;
    bar.value = 0;
    text.textContent = 'Sending…';
    try {
      let view = await this.api.json('POST', '/v1/batches', { body });
      while (view.status === 'queued' || view.status === 'running') {
        this.progress(view);
        await new Promise((r) => setTimeout(r, POLL_MS));
        view = await this.api.json('GET', '/v1/batches/{id}', { path: { id: view.id } });
      }
      this.progress(view);
      if (view.status !== 'done' && view.results === 0) throw new Error(`The batch ${view.status}: ${view.error?.message ?? 'no reason given'}.`);
      this.summaries = await this.api.ndjson('/v1/batches/{id}/results', { path: { id: view.id } });
      this.show();
    } catch (error) {
      showMessage(this.message, (error as Error).message, 'error');
      text.textContent = '';
    } finally {
      submit.disabled = this.input === null;
    }
  }

  private progress(view: BatchView): void {
    const bar = byId<HTMLProgressElement>('batch-progress');
    const p = view.progress;
    const total = p?.total ?? null;
    const done = view.status === 'done' ? (total ?? view.results) : (p?.done ?? 0);
    bar.max = total ?? Math.max(1, done);
    bar.value = done;
    byId('batch-progress-text').textContent =
      view.status === 'queued' ? 'Waiting for a free worker…' : view.status === 'done' ? `Done: ${count(done)} of ${count(total ?? done)} checked.` : `${count(done)}${total !== null ? ` of ${count(total)}` : ''} checked…`;
  }

  private geometryOf = (s: AreaSummary): Geometry | null => {
    const input = this.input;
    if (input === null) return null;
    if (input.kind === 'route') return input.route !== null && s.stretch !== undefined ? cutLine(input.route, s.stretch.from, s.stretch.to) : null;
    return input.areas[s.index] ?? null;
  };

  private show(): void {
    this.layer.clearLayers();
    const byClass = new Map<string, number>();
    const group = L.featureGroup();
    const checked = L.latLngBounds([]);
    const corridor = Number(byId<HTMLInputElement>('corridor-width').value);
    for (const s of this.summaries) {
      const worst = worstOf(s);
      byClass.set(worst, (byClass.get(worst) ?? 0) + 1);
      const g = this.geometryOf(s);
      if (g === null) continue;
      const colour = colourOfWorst(worst);
      const isLine = g.type === 'LineString';
      const style = { color: colour, fillColor: colour, weight: isLine ? Math.max(6, Math.min(16, corridor)) : 2, opacity: isLine ? 0.8 : 1, fillOpacity: 0.45, className: `batch-area worst-${slug(worst)}` };
      const layer = L.geoJSON(g as Feature['geometry'], { pane: 'areas', style });
      layer.bindPopup(() => areaPopup(s));
      layer.addTo(group);
      // An area that was not checked may lie anywhere (outside Denmark, say): the view keeps to the checked ones.
      if (s.status === 'ok') checked.extend(layer.getBounds());
      if (!isLine) {
        // A marker at its middle keeps a small area in sight when the map shows the whole batch.
        L.circleMarker(layer.getBounds().getCenter(), { pane: 'areas', radius: 6, color: '#ffffff', weight: 1.5, fillColor: colour, fillOpacity: 1, className: 'batch-marker' }).bindPopup(() => areaPopup(s)).addTo(group);
      }
      if (isLine && g.coordinates.length > 0) {
        const [lon, lat] = g.coordinates[0];
        L.circleMarker([lat, lon], { pane: 'areas', radius: 3, color: '#ffffff', weight: 2, fillColor: '#333333', fillOpacity: 1, interactive: false, className: 'stretch-start' }).addTo(group);
      }
    }
    group.addTo(this.layer);
    if (checked.isValid()) this.map.fitBounds(checked, { padding: [30, 30], maxZoom: 19 });

    const n = this.summaries.length;
    const failed = byClass.get('failed') ?? 0;
    const none = byClass.get('none') ?? 0;
    const what = this.input?.kind === 'route' ? 'stretch' : 'area';
    byId('batch-summary').textContent = `${plural(n, `${what}`, `${what === 'stretch' ? 'stretches' : 'areas'}`)} checked: ${count(n - none - failed)} with lines in or near them, ${count(none)} without, ${count(failed)} not checked.`;
    const caption = byId('batch-counts').querySelector('caption');
    if (caption !== null) caption.textContent = `${what === 'stretch' ? 'Stretches' : 'Areas'} by their most dangerous line`;
    byId('batch-counts').querySelector('tbody')?.replaceChildren(
      ...CLASSES.filter((c) => (byClass.get(c) ?? 0) > 0).map((c) =>
        el('tr', { 'data-class': c }, el('td', {}, el('span', { class: 'swatch area', style: `background:${colourOfWorst(c)}` })), el('td', {}, CLASS_WORDS[c] ?? c), el('td', { class: 'num' }, count(byClass.get(c) ?? 0)))
      )
    );
    byId('batch-failed').replaceChildren(
      ...this.summaries.filter((s) => s.status === 'failed').map((s) => el('li', {}, `${what === 'stretch' ? 'Stretch' : 'Area'} ${s.index + 1}${s.id !== null ? ` (${String(s.id)})` : ''} was not checked: `, errorWords(s.error)))
    );
    byId('batch-result').hidden = false;
  }

  private save(format: 'ndjson' | 'csv' | 'geojson'): void {
    if (this.summaries.length === 0) return;
    const name = (this.input?.file.name ?? 'batch').replace(/\.[^.]*$/, '');
    if (format === 'ndjson') saveBlob(new Blob([toNdjson(this.summaries)], { type: 'application/x-ndjson' }), `${name}-results.ndjson`);
    else if (format === 'csv') saveBlob(new Blob([toCsv(this.summaries)], { type: 'text/csv' }), `${name}-results.csv`);
    else saveBlob(new Blob([toGeoJson(this.summaries, this.geometryOf)], { type: 'application/geo+json' }), `${name}-results.geojson`);
  }
}

/** A failed area's error without its code prefix ("CODE: message" reads "message"). */
function errorWords(error: AreaSummary['error']): string {
  if (error === undefined) return 'no reason given.';
  return error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
}

function areaPopup(s: AreaSummary): HTMLElement {
  const worst = s.mostDangerous;
  return el(
    'div',
    {},
    el('strong', {}, `${s.stretch ? `Stretch ${s.stretch.from}-${s.stretch.to} m` : `Area ${s.index + 1}`}${s.id !== null ? ` (${String(s.id)})` : ''}`),
    el('br'),
    s.status === 'failed' ? errorWords(s.error) : `${plural(s.conflictCount, 'line')} (${count(s.inDigArea)} in the area, ${count(s.inInfoZone)} in the zone); owners: ${s.owners.join(', ') || 'none'}`,
    worst !== null ? el('div', {}, `Most dangerous: ${worst.featureType} ${String(worst.featureId)} of ${worst.owner}, ${worst.fareklasse ?? 'ukendt'}`) : null
  );
}
