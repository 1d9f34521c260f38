/**
 * The owner's view: choose a network file, upload it with a progress bar, and read the validation
 * report grouped by rule, with the features it points at drawn on the map (from the file itself,
 * by feature index) and listed.
 */
import * as L from 'leaflet';
import type { Geometry } from 'geojson';
import { ApiError, type Api } from './api';
import { OFFENDING_COLOUR } from './colours';
import { byId, count, el, plural, showMessage } from './dom';
import { firstPosition, geometryToLonLat, parseGeoText, type FileCrs, type GeoFile } from './geo-file';
import type { Me, ReportProblem, Rule, RuleReport } from './types';

/** Files up to this size are also read in the page, to draw the features the report points at. */
const READ_LIMIT = 64 * 1024 * 1024;
const WARNING_COLOUR = '#b8860b';

export class OwnerView {
  private readonly layer: L.LayerGroup;
  private readonly message = byId('owner-message');
  private rules: Map<string, Rule> | null = null;
  /** Called with the owner whose network the map should show. */
  onOwner: (owner: string | null) => void = () => {};

  constructor(private readonly api: Api, private readonly map: L.Map) {
    this.layer = L.layerGroup().addTo(map);
    byId<HTMLInputElement>('network-file').addEventListener('change', () => {
      byId<HTMLButtonElement>('network-upload').disabled = this.owner === null || byId<HTMLInputElement>('network-file').files?.length !== 1;
    });
    byId('network-upload').addEventListener('click', () => void this.upload());
    byId<HTMLSelectElement>('owner-select').addEventListener('change', () => void this.ownerChanged());
  }

  get owner(): string | null {
    const v = byId<HTMLSelectElement>('owner-select').value;
    return v === '' ? null : v;
  }

  /** Fills the owner list: an owner key's own owner, or every owner for an admin. */
  async setPrincipal(me: Me): Promise<void> {
    const select = byId<HTMLSelectElement>('owner-select');
    let owners: { owner: string; label: string }[] = [];
    if (me.role === 'owner' && me.owner !== null) owners = [{ owner: me.owner, label: me.owner }];
    else if (me.role === 'admin') {
      try {
        const list = await this.api.json('GET', '/v1/owners');
        owners = list.map((o) => ({ owner: o.owner, label: `${o.name ?? o.owner} (${o.owner})` }));
      } catch (error) {
        showMessage(this.message, (error as Error).message, 'error');
      }
    }
    select.replaceChildren(...owners.map((o) => el('option', { value: o.owner }, o.label)));
    select.disabled = owners.length <= 1;
    await this.ownerChanged();
  }

  private async ownerChanged(): Promise<void> {
    const owner = this.owner;
    this.onOwner(owner);
    const info = byId('owner-network-info');
    if (owner === null) {
      info.textContent = 'This key is not bound to an owner.';
      return;
    }
    try {
      const n = await this.api.json('GET', '/v1/owners/{owner}/network', { path: { owner } });
      info.textContent = `Live network: version ${n.version}, ${plural(n.features, 'feature')}.`;
    } catch (error) {
      info.textContent = error instanceof ApiError && error.status === 404 ? 'No network uploaded yet.' : (error as Error).message;
    }
  }

  private async upload(): Promise<void> {
    const owner = this.owner;
    const file = byId<HTMLInputElement>('network-file').files?.[0];
    if (owner === null || file === undefined) return;
    const crsChoice = byId<HTMLSelectElement>('network-crs').value;
    const skip = byId<HTMLInputElement>('network-skip').checked;
    // Without it, the service refuses an upload that would remove most of the live network (409).
    const allowRemoval = byId<HTMLInputElement>('network-allow-removal').checked;
    const query = { ...(crsChoice !== '' ? { crs: crsChoice } : {}), ...(skip ? { invalid: 'skip' as const } : {}), ...(allowRemoval ? { allowRemoval: 'true' as const } : {}) };
    const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
    const sequence = head[0] === 0x1e || /\.(geojsons|geojsonl|geojsonseq)$/i.test(file.name);
    const bar = byId<HTMLProgressElement>('upload-progress');
    const text = byId('upload-progress-text');
    const button = byId<HTMLButtonElement>('network-upload');
    button.disabled = true;
    bar.hidden = false;
    bar.max = Math.max(1, file.size);
    bar.value = 0;
    showMessage(this.message, '');
    byId('report').hidden = true;
    this.layer.clearLayers();
    const parsed = this.readLocally(file);
    try {
      const answer = await this.api.upload('/v1/owners/{owner}/network', { path: { owner }, query }, file, sequence ? 'application/geo+json-seq' : 'application/geo+json', (sent, total) => {
        bar.max = Math.max(1, total);
        bar.value = sent;
        text.textContent = sent >= total ? `${count(Math.round(total / 1024))} KiB sent: checking…` : `${Math.round((100 * sent) / Math.max(1, total))} % sent`;
      });
      text.textContent = `Uploaded ${count(Math.round(file.size / 1024))} KiB.`;
      const skipped = answer.report.invalidFeatures;
      showMessage(this.message, `The network is live as version ${answer.version} with ${plural(answer.features, 'feature')}${skipped > 0 ? `; ${plural(skipped, 'invalid feature')} skipped` : ''}.`, 'ok');
      await this.showReport(answer.report, await parsed, crsChoice);
      await this.ownerChanged();
    } catch (error) {
      text.textContent = bar.value >= bar.max ? 'Sent, and checked.' : 'Not sent in full.';
      showMessage(this.message, (error as Error).message, 'error');
      const report = error instanceof ApiError ? (error.body?.report as RuleReport | undefined) : undefined;
      if (report !== undefined) await this.showReport(report, await parsed, crsChoice);
    } finally {
      button.disabled = false;
    }
  }

  /** The file as the page reads it, to find the features by index; null when too large or not readable. */
  private async readLocally(file: File): Promise<GeoFile | null> {
    if (file.size > READ_LIMIT) return null;
    try {
      return parseGeoText(file.name, await file.text());
    } catch {
      return null;
    }
  }

  private async ruleCatalogue(): Promise<Map<string, Rule>> {
    if (this.rules === null) {
      try {
        this.rules = new Map((await this.api.json('GET', '/v1/rules')).map((r) => [r.code, r]));
      } catch {
        this.rules = new Map();
      }
    }
    return this.rules;
  }

  private async showReport(report: RuleReport, file: GeoFile | null, crsChoice: string): Promise<void> {
    const rules = await this.ruleCatalogue();
    const crs = (crsChoice !== '' ? crsChoice : (file?.crs ?? 'EPSG:4326')) as FileCrs;
    const located = new Map<number, { geometry: Geometry | null; severity: string; problems: ReportProblem[] }>();
    const listed = report.problems.length > 0 ? report.problems : Object.values(report.byCode).flatMap((g) => g.examples);
    for (const p of listed) {
      if (p.featureIndex === null) continue;
      let entry = located.get(p.featureIndex);
      if (entry === undefined) {
        const feature = file?.features[p.featureIndex];
        entry = { geometry: geometryToLonLat(feature?.geometry, crs), severity: p.severity, problems: [] };
        located.set(p.featureIndex, entry);
      }
      if (p.severity === 'error') entry.severity = 'error';
      entry.problems.push(p);
    }
    const drawn = this.drawFeatures(located);

    const invalid = report.invalidFeatures;
    byId('report-summary').replaceChildren(
      el('span', {}, `${plural(report.features, 'feature')} read: `),
      el('strong', { id: 'report-invalid', 'data-count': invalid }, `${plural(invalid, 'feature')} with errors`),
      el('span', {}, ` (${plural(report.errors, 'error')}), ${plural(report.warnings, 'warning')}. `),
      el('span', { id: 'report-drawn', 'data-count': drawn }, drawn > 0 ? `${plural(drawn, 'feature')} with problems drawn on the map.` : file === null ? 'The file was too large to draw here.' : ''),
      el('span', {}, report.unlisted > 0 ? ` ${count(report.unlisted)} more problems are counted but not listed.` : '')
    );
    const groups = Object.entries(report.byCode).sort(([, a], [, b]) => (a.severity === b.severity ? b.count - a.count : a.severity === 'error' ? -1 : 1));
    byId('report-groups').replaceChildren(
      ...groups.map(([code, g]) => {
        const rule = rules.get(code);
        const problems = report.problems.length > 0 ? report.problems.filter((p) => p.code === code) : g.examples;
        return el(
          'details',
          { class: `rule ${g.severity}`, 'data-code': code, open: true },
          el('summary', {}, el('code', {}, code), ' ', el('span', { class: 'count' }, `${g.severity}, ${plural(g.count, 'time')}`)),
          rule !== undefined ? el('p', {}, rule.message) : null,
          rule !== undefined && rule.explanation.replace(/`/g, '') !== rule.message ? el('p', { class: 'hint' }, rule.explanation.replace(/`/g, '')) : null,
          el('ul', { class: 'problems' }, ...problems.map((p) => this.problemItem(p, located.get(p.featureIndex ?? -1)?.geometry ?? null))),
          problems.length < g.count ? el('p', { class: 'hint' }, `and ${count(g.count - problems.length)} more.`) : null
        );
      })
    );
    byId('report').hidden = false;
  }

  private problemItem(p: ReportProblem, geometry: Geometry | null): HTMLElement {
    const where = [p.featureIndex !== null ? `feature #${p.featureIndex}` : 'the file', p.featureId !== null ? `id ${String(p.featureId)}` : null, p.pointer !== null && p.pointer !== '' ? `at ${p.pointer}` : null].filter((x) => x !== null).join(', ');
    // The message without its code and without the place, which the item already names.
    const words = (p.message.startsWith(`${p.code}: `) ? p.message.slice(p.code.length + 2) : p.message).replace(/\s*\((?:feature #\d+|id |at \/)[^()]*\)$/, '');
    const item = el('li', { 'data-feature-index': p.featureIndex ?? '' }, el('strong', {}, where), ': ', words);
    if (geometry !== null) {
      item.classList.add('locatable');
      item.title = 'Show on the map';
      item.addEventListener('click', () => {
        const at = firstPosition(geometry);
        if (at !== null) this.map.setView([at[1], at[0]], Math.max(this.map.getZoom(), 17));
      });
    }
    return item;
  }

  /** Draws each feature a problem points at; returns how many. */
  private drawFeatures(located: Map<number, { geometry: Geometry | null; severity: string; problems: ReportProblem[] }>): number {
    this.layer.clearLayers();
    const group = L.featureGroup();
    let drawn = 0;
    for (const [index, f] of located) {
      const at = firstPosition(f.geometry);
      if (f.geometry === null || at === null) continue;
      const colour = f.severity === 'error' ? OFFENDING_COLOUR : WARNING_COLOUR;
      const label = `Feature #${index}: ${f.problems.map((p) => p.code).join(', ')}`;
      L.geoJSON(f.geometry, { pane: 'result', style: { color: colour, weight: 4, fillOpacity: 0.3, className: `offending-feature severity-${f.severity}` }, pointToLayer: (_x, ll) => L.circleMarker(ll, { radius: 5, pane: 'result' }) })
        .bindTooltip(el('span', {}, label))
        .addTo(group);
      // A marker too: a feature too short to see (or a point) is still found.
      L.circleMarker([at[1], at[0]], { pane: 'result', radius: 7, color: colour, weight: 2, fillColor: '#fff', fillOpacity: 0.9, className: `offending-marker severity-${f.severity}` })
        .bindTooltip(el('span', {}, label))
        .addTo(group);
      drawn++;
    }
    group.addTo(this.layer);
    if (drawn > 0) this.map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 18 });
    return drawn;
  }
}
