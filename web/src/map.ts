/**
 * The map: the configured tiles or a plain background, the reference lines in grey under
 * everything, a legend of the danger classes, and the view kept in the address (#map=z/lat/lon)
 * so a view can be shared or reopened.
 */
import * as L from 'leaflet';
import { DANGER_ORDER, DIG_AREA_COLOUR, FAILED_COLOUR, NO_CONFLICT_COLOUR, OFFENDING_COLOUR, colourOf } from './colours';
import { el } from './dom';
import type { Answer } from './api';
import type { MapConfig } from './types';

/** Denmark, when no network tells where to start. */
const DENMARK: L.LatLngBoundsExpression = [[54.55, 8.0], [57.75, 12.7]];

export function parseHashView(hash: string): { zoom: number; center: L.LatLng } | null {
  const m = /[#&]map=(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)/.exec(hash);
  if (!m) return null;
  return { zoom: Number(m[1]), center: L.latLng(Number(m[2]), Number(m[3])) };
}

export function createMap(container: HTMLElement, config: MapConfig): L.Map {
  const map = L.map(container, { zoomControl: true, maxZoom: 22, minZoom: 5, zoomSnap: 1, preferCanvas: false, attributionControl: true });
  map.attributionControl.setPrefix(false);
  if (config.tiles !== null) {
    L.tileLayer(config.tiles, { maxZoom: 22, maxNativeZoom: 19, attribution: config.attribution ?? '' }).addTo(map);
  } else {
    container.classList.add('plain');
    if (config.attribution !== null) map.attributionControl.addAttribution(config.attribution);
  }
  // Panes from the bottom up: reference lines, the network, areas, lines of a result, drawing.
  for (const [name, z] of [['reference', 350], ['network', 380], ['areas', 400], ['result', 420], ['drawing', 640]] as const) map.createPane(name).style.zIndex = String(z);

  const fromHash = parseHashView(location.hash);
  if (fromHash !== null) map.setView(fromHash.center, fromHash.zoom);
  else if (config.view !== null) map.fitBounds([[config.view[1], config.view[0]], [config.view[3], config.view[2]]]);
  else map.fitBounds(DENMARK);
  map.on('moveend', () => {
    const c = map.getCenter();
    history.replaceState(null, '', `#map=${map.getZoom()}/${c.lat.toFixed(6)}/${c.lng.toFixed(6)}`);
  });
  L.control.scale({ imperial: false }).addTo(map);
  legend().addTo(map);
  return map;
}

/** Draws the reference lines (grey, thin, under everything). */
export async function addReference(map: L.Map): Promise<number> {
  const res = await fetch('/v1/map/reference.geojson');
  if (!res.ok) return 0;
  const fc = (await res.json()) as Answer<'/v1/map/reference.geojson', 'GET'>;
  L.geoJSON(fc, { pane: 'reference', interactive: false, style: { color: '#b9b4aa', weight: 2, opacity: 1, className: 'reference-line' } }).addTo(map);
  return fc.features.length;
}

function legend(): L.Control {
  const control = new L.Control({ position: 'bottomright' });
  control.onAdd = () => {
    const rows = DANGER_ORDER.map((name) => el('li', {}, el('span', { class: 'swatch line', style: `background:${colourOf(name)}` }), name));
    const extra: [string, string, string][] = [
      ['area', DIG_AREA_COLOUR, 'dig area'],
      ['area', NO_CONFLICT_COLOUR, 'area without lines'],
      ['area', FAILED_COLOUR, 'area not checked'],
      ['line', OFFENDING_COLOUR, 'feature with a problem']
    ];
    const more = extra.map(([kind, colour, text]) => el('li', {}, el('span', { class: `swatch ${kind}`, style: `background:${colour}` }), text));
    const box = el('div', { class: 'legend', id: 'legend' }, el('strong', {}, 'fareklasse'), el('ul', {}, ...rows), el('ul', { class: 'legend-more' }, ...more));
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  return control;
}
