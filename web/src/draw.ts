/**
 * Drawing a dig area on the map: each click adds a vertex; "Finish" (or a double-click) closes the
 * polygon, "Undo" drops the last vertex, "Clear" starts again. Double-click zoom is off while
 * drawing so the double-click that ends an area does not also zoom.
 */
import * as L from 'leaflet';
import type { Polygon } from 'geojson';
import { DIG_AREA_COLOUR } from './colours';

export class PolygonDrawer {
  private vertices: L.LatLng[] = [];
  private readonly layer: L.LayerGroup;
  private active = false;
  /** Called whenever the drawing changes: the vertices so far and whether the area is finished. */
  onChange: (vertices: number, finished: Polygon | null) => void = () => {};
  private finished: Polygon | null = null;

  constructor(private readonly map: L.Map) {
    this.layer = L.layerGroup([], { pane: 'drawing' }).addTo(map);
    map.on('click', (e: L.LeafletMouseEvent) => {
      if (!this.active) return;
      this.vertices.push(e.latlng);
      this.redraw();
    });
    map.on('dblclick', (e: L.LeafletMouseEvent) => {
      if (!this.active) return;
      L.DomEvent.stop(e);
      // The double-click's two clicks each added the same point: one is enough.
      const n = this.vertices.length;
      if (n >= 2 && this.vertices[n - 1].equals(this.vertices[n - 2])) this.vertices.pop();
      this.finish();
    });
  }

  get drawing(): boolean {
    return this.active;
  }

  get area(): Polygon | null {
    return this.finished;
  }

  start(): void {
    this.clear();
    this.active = true;
    this.map.doubleClickZoom.disable();
    this.map.getContainer().classList.add('drawing');
    this.redraw();
  }

  undo(): void {
    if (!this.active) return;
    this.vertices.pop();
    this.redraw();
  }

  /** Closes the polygon; false when it has fewer than 3 vertices. */
  finish(): boolean {
    if (this.vertices.length < 3) return false;
    const ring = this.vertices.map((v) => [round(v.lng), round(v.lat)]);
    ring.push([...ring[0]]);
    this.finished = { type: 'Polygon', coordinates: [ring] };
    this.stop();
    return true;
  }

  /** Shows a polygon from elsewhere (a file) as the area. */
  setArea(area: Polygon): void {
    this.clear();
    this.finished = area;
    this.redraw();
  }

  clear(): void {
    this.vertices = [];
    this.finished = null;
    this.stop();
  }

  private stop(): void {
    this.active = false;
    this.map.doubleClickZoom.enable();
    this.map.getContainer().classList.remove('drawing');
    this.redraw();
  }

  private redraw(): void {
    this.layer.clearLayers();
    const style = { color: DIG_AREA_COLOUR, weight: 2, pane: 'drawing' };
    if (this.finished !== null) {
      L.geoJSON(this.finished, { pane: 'drawing', style: { ...style, fillOpacity: 0.08, dashArray: '6 4', className: 'drawn-area' } }).addTo(this.layer);
    } else if (this.vertices.length > 0) {
      L.polyline(this.vertices, { ...style, dashArray: '4 4', interactive: false }).addTo(this.layer);
      for (const v of this.vertices) L.circleMarker(v, { ...style, radius: 4, fillOpacity: 1, fillColor: '#ffffff', interactive: false, className: 'drawn-vertex' }).addTo(this.layer);
    }
    this.onChange(this.vertices.length, this.finished);
  }
}

/** Degrees to 7 decimals (about a centimetre). */
function round(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}
