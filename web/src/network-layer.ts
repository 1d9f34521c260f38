/**
 * The network on the map for those who may see it whole (an owner its own, an admin every
 * owner's): fetched for the view after each move, cut to the view, coloured by fareklasse.
 * Contractors and planners never get it: they see lines only through their packages.
 */
import * as L from 'leaflet';
import { ApiError, type Api } from './api';
import { colourOf } from './colours';
import { count, el, showMessage } from './dom';

export class NetworkLayer {
  private readonly layer: L.LayerGroup;
  private owners: string[] = [];
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly api: Api, private readonly map: L.Map, private readonly status: HTMLElement) {
    this.layer = L.layerGroup().addTo(map);
    map.on('moveend', () => this.schedule());
  }

  /** Shows these owners' networks (none: the layer is empty). */
  show(owners: string[]): void {
    this.owners = owners;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 150);
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    if (this.owners.length === 0) {
      this.layer.clearLayers();
      showMessage(this.status, '');
      return;
    }
    const b = this.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(',');
    let shown = 0;
    let total = 0;
    let truncated = false;
    const layers: L.Layer[] = [];
    try {
      for (const owner of this.owners) {
        const view = await this.api.json('GET', '/v1/owners/{owner}/network/features', { path: { owner }, query: { bbox } });
        if (generation !== this.generation) return;
        shown += view.features.length;
        total += view.total;
        truncated ||= view.truncated;
        layers.push(
          L.geoJSON(view, {
            pane: 'network',
            style: (f) => ({ color: colourOf(f?.properties?.fareklasse as string | null), weight: 2, opacity: 0.7, className: 'network-line' }),
            pointToLayer: (f, at) => L.circleMarker(at, { radius: 3, pane: 'network', color: colourOf(f?.properties?.fareklasse as string | null), weight: 1, className: 'network-line' }),
            // An element, not a string: Leaflet reads a string as HTML, and ids and attributes are the owner's text.
            onEachFeature: (f, layer) => layer.bindTooltip(el('span', {}, `${owner}: ${String(f.properties?.featureType ?? '')} ${String(f.id ?? '')} (${String(f.properties?.fareklasse ?? 'ukendt')})`))
          })
        );
      }
      this.layer.clearLayers();
      for (const l of layers) l.addTo(this.layer);
      const whose = this.owners.length === 1 ? this.owners[0] : `${this.owners.length} owners`;
      showMessage(this.status, truncated ? `Network of ${whose}: ${count(shown)} of ${count(total)} features in view drawn; zoom in to see all.` : `Network of ${whose}: ${count(shown)} features in view.`, 'info');
    } catch (error) {
      if (generation !== this.generation) return;
      this.layer.clearLayers();
      const zoomIn = error instanceof ApiError && error.code === 'MAP_VIEW_TOO_LARGE';
      const missing = error instanceof ApiError && error.code === 'OWNER_UNKNOWN';
      showMessage(this.status, zoomIn ? 'Zoom in to see the network.' : missing ? 'No network uploaded yet.' : (error as Error).message, zoomIn || missing ? 'info' : 'error');
    }
  }
}
