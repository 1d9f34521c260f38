/**
 * LER's geometry datatype restrictions (`geometriDatatyperestriktion`, `geometryDataTypeConstraint`)
 * over the GML element tree of a feature's geometry: a line is a gml:LineString or a gml:Curve of
 * LineStringSegments, a trace's curve members are such curves, and a component's geometry is one
 * of the simple types with linear (or planar) interpolation. Ported from LER's XPath: `gml:x`
 * tests the GML namespace, `local-name() = 'x'` does not.
 */
import type { GmlShape, RestrictionElement } from './ler-restrictions.js';

export interface ShapeProblem {
  part?: string;
  at: string;
  detail?: string;
}

/** The element `gml:name`. */
const isGml = (s: GmlShape, name: string): boolean => s.gml && s.name === name;
const gmlChildren = (s: GmlShape, name: string): readonly GmlShape[] => s.children.filter((c) => isGml(c, name));

/** Every descendant (not the shape itself) that is `gml:name`. */
function gmlDescendants(s: GmlShape, name: string, out: GmlShape[] = []): GmlShape[] {
  for (const c of s.children) {
    if (isGml(c, name)) out.push(c);
    gmlDescendants(c, name, out);
  }
  return out;
}

/** not(gml:segments/*[not(local-name() = 'LineStringSegment')]) */
function linearSegments(curve: GmlShape): boolean {
  return gmlChildren(curve, 'segments').every((seg) => seg.children.every((c) => c.name === 'LineStringSegment'));
}

/** self::gml:LineString or (self::gml:Curve and its segments linear) */
function linearCurve(s: GmlShape): boolean {
  return isGml(s, 'LineString') || (isGml(s, 'Curve') && linearSegments(s));
}

/** A ring of linear curves: self::gml:LinearRing, or a gml:Ring whose curve members are linear. */
function linearRing(s: GmlShape): boolean {
  return isGml(s, 'LinearRing') || (isGml(s, 'Ring') && gmlChildren(s, 'curveMember').every((m) => m.children.every(linearCurve)));
}

/** (gml:exterior | gml:interior)/* of a polygon or patch, all linear rings. */
function linearBoundary(polygon: GmlShape): boolean {
  return polygon.children.filter((c) => isGml(c, 'exterior') || isGml(c, 'interior')).every((b) => b.children.every(linearRing));
}

/** The shapes of every element of that name (`ler:geometri/gml:*`). */
function shapesOf(all: readonly RestrictionElement[]): GmlShape[] {
  return all.flatMap((e) => e.shapes ?? []);
}

/** A line's own geometry: not(geometri) or geometri/gml:LineString or (geometri/gml:Curve, all of them linear). */
function lineGeometry(elements: readonly RestrictionElement[]): boolean {
  if (elements.length === 0) return true;
  // The encoding of a geometry that came as GeoJSON is the writer's: nothing to check.
  if (elements.every((e) => e.shapes === null)) return true;
  const shapes = shapesOf(elements);
  const curves = shapes.filter((s) => isGml(s, 'Curve'));
  return shapes.some((s) => isGml(s, 'LineString')) || (curves.length > 0 && curves.every(linearSegments));
}

const SIMPLE_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'Curve', 'MultiCurve', 'Polygon', 'Surface', 'MultiSurface']);

/** The parts of a component's (or information resource's) `geometriDatatyperestriktion`: those that break. */
function componentGeometry(elements: readonly RestrictionElement[]): string[] {
  // $geom = ler:geometri/*: the first child of the first geometri.
  const first = elements[0];
  if (first === undefined || first.shapes === null) return [];
  const geom: GmlShape | undefined = first.shapes[0] ?? (first.children[0] !== undefined ? { name: first.children[0].name, gml: false, children: [] } : undefined);
  if (geom === undefined) return [];
  const broken: string[] = [];
  const kind = geom.name;
  if (!SIMPLE_TYPES.has(kind)) broken.push('geometriTypeTilladt');
  if (kind === 'Curve' && !linearSegments(geom)) broken.push('kurveLineærInterpolation');
  if (kind === 'MultiCurve' && !gmlDescendants(geom, 'curveMember').every((m) => m.children.every(linearCurve))) broken.push('kurveLineærInterpolation');
  if (kind === 'Surface' && !gmlChildren(geom, 'patches').every((p) => p.children.every((c) => isGml(c, 'PolygonPatch')))) broken.push('fladePlanInterpolation');
  if (kind === 'MultiSurface' && !gmlDescendants(geom, 'surfaceMember').every((m) => m.children.every((c) => isGml(c, 'Polygon') || isGml(c, 'Surface')))) broken.push('fladePlanInterpolation');
  if (kind === 'Polygon' && !linearBoundary(geom)) broken.push('polygonGrænseLineærInterpolation');
  const patchesOf = (s: GmlShape): GmlShape[] => gmlChildren(s, 'patches').flatMap((p) => gmlChildren(p, 'PolygonPatch'));
  if (kind === 'Surface' && !patchesOf(geom).every(linearBoundary)) broken.push('fladeGrænseLineærInterpolation');
  if (kind === 'MultiSurface') {
    const polygons = gmlDescendants(geom, 'surfaceMember').flatMap((m) => [...gmlChildren(m, 'Polygon'), ...gmlChildren(m, 'Surface').flatMap(patchesOf)]);
    if (!polygons.every(linearBoundary)) broken.push('multifladeGrænseLineærInterpolation');
  }
  return broken;
}

/** The geometry datatype restriction of a type: what breaks, by part where LER has parts. */
export function geometryViolations(kind: 'Ledning' | 'Ledningstrace' | 'Ledningskomponent' | 'Informationsressource' | 'LinearAnnotation' | 'LinearDimension', all: (name: string) => readonly RestrictionElement[]): ShapeProblem[] {
  switch (kind) {
    case 'Ledning':
      return lineGeometry(all('geometri')) ? [] : [{ at: '/geometry', detail: `geometri holds ${describe(shapesOf(all('geometri')))}.` }];
    case 'LinearAnnotation':
      return lineGeometry(all('geometry')) ? [] : [{ at: '/geometry', detail: `geometry holds ${describe(shapesOf(all('geometry')))}.` }];
    case 'LinearDimension':
      return lineGeometry(all('dimensionLine')) ? [] : [{ at: '/geometry', detail: `dimensionLine holds ${describe(shapesOf(all('dimensionLine')))}.` }];
    case 'Ledningstrace': {
      const members = shapesOf(all('geometri')).flatMap((s) => [...(isGml(s, 'curveMember') ? [s] : []), ...gmlDescendants(s, 'curveMember')]);
      return members.every((m) => m.children.every(linearCurve)) ? [] : [{ at: '/geometry', detail: 'A curve member is neither a gml:LineString nor a gml:Curve of LineStringSegments.' }];
    }
    default:
      return componentGeometry(all('geometri')).map((part) => ({ part, at: '/geometry' }));
  }
}

function describe(shapes: readonly GmlShape[]): string {
  if (shapes.length === 0) return 'no GML geometry';
  const first = shapes[0];
  const segments = gmlChildren(first, 'segments').flatMap((s) => s.children.map((c) => c.name));
  return `a ${first.gml ? 'gml:' : ''}${first.name}${segments.length > 0 ? ` of ${[...new Set(segments)].join(', ')}` : ''}`;
}
