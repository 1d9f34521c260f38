/**
 * The owner's inbox: the dig requests that name the owner (its lines in the area, or its interest
 * area met), open ones first and newest first within each, with the answer deadline in Danish
 * time; every request's area on the map, the open ones stronger. For the request chosen, the
 * owner's answer (one of LER's six statuses, with what that status needs) and the record of its
 * lines shown on site (påvisning); each makes the package's next revision, and a refusal is shown
 * beside the form with its code, its words and where (pointer).
 */
import * as L from 'leaflet';
import type { MultiPolygon, Polygon } from 'geojson';
import { ApiError, type Answer, type Api, type Body } from './api';
import { byId, el, plural, showMessage } from './dom';
import { readGeoFile } from './geo-file';

type InboxEntry = Answer<'/v1/owners/{owner}/dig-requests', 'GET'>['entries'][number];
type AnswerBody = Body<'/v1/dig-requests/{id}/owners/{owner}/answer', 'POST'>;
type Status = AnswerBody['status'];

/** Entries a page of the inbox holds. */
const PAGE = 50;
/** Danish time: the zone LER's deadlines are reckoned in. */
const ZONE = 'Europe/Copenhagen';

/** What each of LER's six statuses needs besides itself (the service checks it again). */
const NEEDS: Record<Status, 'nothing' | 'reason' | 'expectedAt' | 'lines'> = {
  'ingen ledninger i graveområde': 'nothing',
  'ledningsoplysninger udleveret': 'lines',
  'ledningsoplysninger udleveres ikke': 'reason',
  'udtaget til manuel behandling': 'expectedAt',
  'udtaget til påvisning - ledningsoplysninger udleveret': 'lines',
  'udtaget til påvisning - ledningsoplysninger udleveres ikke': 'reason'
};

const TYPE_WORDS: Record<InboxEntry['type'], string> = { dig: 'Dig request', planning: 'Planning', emergency: 'Emergency' };

const OPEN_STYLE: L.PathOptions = { color: '#d95f02', weight: 3, opacity: 1, fillOpacity: 0.3 };
const ANSWERED_STYLE: L.PathOptions = { color: '#6b7480', weight: 1.5, opacity: 0.8, fillOpacity: 0.06, dashArray: '4 4' };

const SHOWN = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
const PARTS = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** A time as a `<time>` element, shown in Danish time. */
function danishTime(iso: string): HTMLElement {
  const t = new Date(iso);
  return el('time', { datetime: iso }, Number.isFinite(t.getTime()) ? SHOWN.format(t) : iso);
}

/** Minutes Danish time is ahead of UTC at an instant. */
function danishOffset(utcMs: number): number {
  const p = Object.fromEntries(PARTS.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  return Math.round((Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** A wall time in Danish time, as a datetime-local input gives it ("2026-03-10T14:00"), as ISO 8601 with its offset; null when it is not one. */
function danishWallTime(wall: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (m === null) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const offset = danishOffset(asUtc - danishOffset(asUtc) * 60_000);
  const abs = Math.abs(offset);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Shows a message made of elements (a plain one is showMessage's). */
function showParts(area: HTMLElement, kind: 'error' | 'ok', ...parts: (Node | string | null)[]): void {
  showMessage(area, '…', kind);
  area.replaceChildren(...parts.filter((p) => p !== null));
}

/** Shows a failure beside a form: a problem's code, its words and where; anything else as a sentence. */
function showProblem(area: HTMLElement, error: unknown): void {
  const body = error instanceof ApiError ? error.body : null;
  if (body === null || typeof body.code !== 'string') {
    showMessage(area, (error as Error).message, 'error');
    return;
  }
  const detail = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
  const pointer = typeof body.pointer === 'string' && body.pointer !== '' ? body.pointer : null;
  showParts(area, 'error', el('code', { class: 'problem-code' }, body.code), ': ', el('span', { class: 'problem-detail' }, detail), pointer !== null ? el('span', {}, ' (at ', el('code', { class: 'problem-pointer' }, pointer), ')') : null);
}

/** Open ones first, then answered; newest first within each. */
function inboxOrder(a: InboxEntry, b: InboxEntry): number {
  if (a.answered !== b.answered) return a.answered ? 1 : -1;
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}

export class InboxView {
  private readonly layer = L.featureGroup();
  private readonly areas = new Map<string, L.GeoJSON>();
  private readonly message = byId('inbox-message');
  private owner: string | null = null;
  private entries: InboxEntry[] = [];
  private next: string | null = null;
  private selected: string | null = null;
  private loaded = false;
  private shown = false;

  constructor(private readonly api: Api, private readonly map: L.Map) {
    const status = byId<HTMLSelectElement>('answer-status');
    status.replaceChildren(el('option', { value: '' }, 'Choose a status…'), ...Object.keys(NEEDS).map((s) => el('option', { value: s }, s)));
    status.addEventListener('change', () => this.statusChanged());
    byId('inbox-more').addEventListener('click', () => void this.load(false));
    byId('inbox-refresh').addEventListener('click', () => void this.load(true));
    byId('answer-send').addEventListener('click', () => void this.answer());
    byId('marking-send').addEventListener('click', () => void this.mark());
    this.statusChanged();
  }

  /** The owner whose inbox this is (an owner key's own); null: none. */
  setOwner(owner: string | null): void {
    this.owner = owner;
    this.loaded = false;
    this.entries = [];
    this.next = null;
    this.select(null);
    if (this.shown) void this.load(true);
  }

  /** Called as the view is shown or hidden: its areas are on the map only while it is shown. */
  setShown(shown: boolean): void {
    this.shown = shown;
    if (!shown) {
      this.layer.remove();
      return;
    }
    this.layer.addTo(this.map);
    this.markSelected();
    if (!this.loaded) void this.load(true);
  }

  /** The first page again (as many entries as are listed), or the next page. */
  private async load(fromStart: boolean): Promise<void> {
    const owner = this.owner;
    if (owner === null) {
      showMessage(this.message, 'This key is not bound to an owner: it has no inbox.', 'error');
      return;
    }
    if (!fromStart && this.next === null) return;
    const more = byId<HTMLButtonElement>('inbox-more');
    more.disabled = true;
    try {
      const limit = fromStart ? Math.min(500, Math.max(PAGE, this.entries.length)) : PAGE;
      const page = await this.api.json('GET', '/v1/owners/{owner}/dig-requests', { path: { owner }, query: { limit: String(limit), ...(!fromStart && this.next !== null ? { after: this.next } : {}) } });
      if (owner !== this.owner) return;
      const first = !this.loaded;
      this.entries = fromStart ? page.entries : [...this.entries, ...page.entries.filter((e) => !this.entries.some((x) => x.id === e.id))];
      this.next = page.next;
      this.loaded = true;
      showMessage(this.message, '');
      this.render();
      if (first && this.layer.getLayers().length > 0 && this.shown) this.map.fitBounds(this.layer.getBounds(), { padding: [40, 40], maxZoom: 18 });
    } catch (error) {
      showMessage(this.message, (error as Error).message, 'error');
    } finally {
      more.disabled = false;
    }
  }

  private render(): void {
    const sorted = [...this.entries].sort(inboxOrder);
    const open = sorted.filter((e) => !e.answered).length;
    const overdue = sorted.filter((e) => e.overdue).length;
    byId('inbox-summary').replaceChildren(
      el('strong', { id: 'inbox-open', 'data-count': open }, `${plural(open, 'open request')}`),
      `, ${plural(sorted.length - open, 'answered request')}${overdue > 0 ? `; ${plural(overdue, 'request')} overdue` : ''}${this.next !== null ? ', and more to load' : ''}.`
    );
    byId('inbox-list').replaceChildren(...sorted.map((e) => this.item(e)));
    byId('inbox-empty').hidden = sorted.length > 0;
    byId('inbox-more').hidden = this.next === null;
    this.draw(sorted);
    if (this.selected !== null) {
      const entry = this.entries.find((e) => e.id === this.selected);
      if (entry === undefined) this.select(null);
      else this.describeSelected(entry);
    }
  }

  private item(e: InboxEntry): HTMLElement {
    const classes = ['inbox-entry', e.answered ? 'answered' : 'open', e.type === 'emergency' ? 'emergency' : '', e.overdue ? 'overdue' : '', e.id === this.selected ? 'selected' : ''].filter((c) => c !== '');
    const button = el(
      'button',
      { type: 'button', class: 'inbox-pick', 'aria-pressed': String(e.id === this.selected) },
      el('span', { class: 'line' }, el('span', { class: `type ${e.type}` }, TYPE_WORDS[e.type]), ' ', el('code', { class: 'id' }, e.id), e.overdue ? el('strong', { class: 'overdue-mark' }, 'overdue') : null),
      el('span', { class: 'line when' }, 'Created ', danishTime(e.createdAt), ' · answer due ', el('span', { class: 'deadline' }, danishTime(e.deadline))),
      el('span', { class: 'line' }, el('span', { class: 'status' }, e.status), ' · ', el('span', { class: 'conflicts', 'data-count': e.conflicts }, plural(e.conflicts, 'line'))),
      el('span', { class: 'line state' }, e.answered ? el('span', { class: 'answered-mark' }, 'Answered', e.answeredAt !== null ? ' ' : '', e.answeredAt !== null ? danishTime(e.answeredAt) : null) : el('span', { class: 'open-mark' }, 'Open: waiting for your answer'), ` · revision ${e.revision}`)
    );
    button.addEventListener('click', () => this.select(e.id, true));
    return el('li', { class: classes.join(' '), 'data-id': e.id, 'data-type': e.type }, button);
  }

  /** Every entry's area; the open ones stronger, each selecting its entry when clicked. */
  private draw(entries: InboxEntry[]): void {
    this.layer.clearLayers();
    this.areas.clear();
    // Answered first, so the open ones lie on top.
    for (const e of [...entries].reverse()) {
      const style = { ...(e.answered ? ANSWERED_STYLE : OPEN_STYLE), className: `inbox-area ${e.answered ? 'answered' : 'open'}${e.type === 'emergency' ? ' emergency' : ''}` };
      const layer = L.geoJSON(e.area as unknown as Polygon | MultiPolygon, { pane: 'areas', style });
      layer.bindTooltip(el('span', {}, `${TYPE_WORDS[e.type]} ${e.id}: ${e.status}`));
      layer.on('click', () => this.select(e.id, true));
      layer.addTo(this.layer);
      this.areas.set(e.id, layer);
    }
    this.markSelected();
  }

  /** The selected entry's area and list item marked (the paths exist only on the map). */
  private markSelected(): void {
    for (const [id, layer] of this.areas) {
      layer.eachLayer((l) => (l as L.Path).getElement?.()?.classList.toggle('selected', id === this.selected));
      if (id === this.selected) layer.bringToFront();
    }
  }

  private select(id: string | null, zoom = false): void {
    this.selected = id;
    for (const li of byId('inbox-list').querySelectorAll<HTMLElement>('li.inbox-entry')) {
      const on = li.dataset.id === id;
      li.classList.toggle('selected', on);
      li.querySelector('button')?.setAttribute('aria-pressed', String(on));
    }
    this.markSelected();
    const entry = id !== null ? this.entries.find((e) => e.id === id) : undefined;
    byId('inbox-selected').hidden = entry === undefined;
    if (entry === undefined) return;
    showMessage(byId('answer-message'), '');
    showMessage(byId('marking-message'), '');
    this.describeSelected(entry);
    const layer = this.areas.get(entry.id);
    if (zoom && layer !== undefined) this.map.fitBounds(layer.getBounds(), { padding: [60, 60], maxZoom: 19 });
  }

  private describeSelected(e: InboxEntry): void {
    byId('inbox-selected-summary').replaceChildren(
      el('span', { class: `type ${e.type}` }, TYPE_WORDS[e.type]),
      ' ',
      el('code', { id: 'inbox-selected-id' }, e.id),
      `: ${e.answered ? 'answered' : 'open'}, status “${e.status}”, revision ${e.revision}; answer due `,
      danishTime(e.deadline),
      '.'
    );
  }

  /** Shows the field the chosen status needs, and only that. */
  private statusChanged(): void {
    const need = NEEDS[byId<HTMLSelectElement>('answer-status').value as Status] ?? 'nothing';
    byId('answer-reason-field').hidden = need !== 'reason';
    byId('answer-expected-field').hidden = need !== 'expectedAt';
    byId('answer-lines-field').hidden = need !== 'lines';
  }

  private async answer(): Promise<void> {
    const owner = this.owner;
    const id = this.selected;
    const area = byId('answer-message');
    if (owner === null || id === null) return;
    const status = byId<HTMLSelectElement>('answer-status').value as Status | '';
    if (status === '') {
      showMessage(area, 'Choose a status first.', 'error');
      return;
    }
    const need = NEEDS[status];
    const reason = byId<HTMLInputElement>('answer-reason').value.trim();
    const wall = byId<HTMLInputElement>('answer-expected').value;
    const note = byId<HTMLTextAreaElement>('answer-note').value.trim();
    const file = byId<HTMLInputElement>('answer-lines').files?.[0];
    // What the status needs but is missing is left out: the service says what is wrong, and where.
    const body: AnswerBody = { status, ...(note !== '' ? { note } : {}) };
    if (need === 'reason' && reason !== '') body.reason = reason;
    if (need === 'expectedAt' && wall !== '') {
      const at = danishWallTime(wall);
      if (at === null) {
        showMessage(area, 'The expected time is not a date and time.', 'error');
        return;
      }
      body.expectedAt = at;
    }
    let crs: string | undefined;
    const send = byId<HTMLButtonElement>('answer-send');
    send.disabled = true;
    try {
      if (need === 'lines' && file !== undefined) {
        const geo = await readGeoFile(file);
        body.lines = { type: 'FeatureCollection', features: geo.features };
        if (geo.crs !== 'EPSG:4326') crs = geo.crs;
      }
      const pkg = await this.api.json('POST', '/v1/dig-requests/{id}/owners/{owner}/answer', { path: { id, owner }, query: crs !== undefined ? { crs } : {}, body });
      const mine = pkg.owners.find((o) => o.owner === owner);
      showParts(area, 'ok', 'Answered “', mine?.status ?? status, '”: the package is now at revision ', el('strong', { class: 'revision', 'data-revision': pkg.revision }, String(pkg.revision)), '.');
      await this.load(true);
    } catch (error) {
      showProblem(area, error);
    } finally {
      send.disabled = false;
    }
  }

  private async mark(): Promise<void> {
    const owner = this.owner;
    const id = this.selected;
    const area = byId('marking-message');
    if (owner === null || id === null) return;
    const by = byId<HTMLInputElement>('marking-by').value.trim();
    const note = byId<HTMLTextAreaElement>('marking-note').value.trim();
    const send = byId<HTMLButtonElement>('marking-send');
    send.disabled = true;
    try {
      const pkg = await this.api.json('POST', '/v1/dig-requests/{id}/owners/{owner}/marking', { path: { id, owner }, body: { by, ...(note !== '' ? { note } : {}) } });
      showParts(area, 'ok', 'Recorded the lines shown on site: the package is now at revision ', el('strong', { class: 'revision', 'data-revision': pkg.revision }, String(pkg.revision)), '.');
      await this.load(true);
    } catch (error) {
      showProblem(area, error);
    } finally {
      send.disabled = false;
    }
  }
}
