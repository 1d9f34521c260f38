/**
 * Whether a polygon's rings cross themselves or each other: a sweep over the edges sorted by
 * their left end, exact with orient2d. Two edges that cross in their interiors, or overlap along
 * a stretch, make the polygon invalid; touching at a point (a hole touching the shell) does not.
 */
import { orient2d } from 'robust-predicates';

/** The first crossing found, as the two edges' ring and position, or null when there is none. */
export function findSelfIntersection(rings: readonly (readonly number[][])[]): { ring: number; edge: number; otherRing: number; otherEdge: number } | null {
  const edges: { x0: number; y0: number; x1: number; y1: number; ring: number; edge: number }[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[i + 1];
      if (ax === bx && ay === by) continue;
      edges.push(ax <= bx ? { x0: ax, y0: ay, x1: bx, y1: by, ring: r, edge: i } : { x0: bx, y0: by, x1: ax, y1: ay, ring: r, edge: i });
    }
  });
  edges.sort((a, b) => a.x0 - b.x0);
  const active: typeof edges = [];
  for (const e of edges) {
    // Drop the edges that end left of this one.
    for (let k = active.length - 1; k >= 0; k--) if (active[k].x1 < e.x0) active.splice(k, 1);
    for (const f of active) {
      if (Math.min(e.y0, e.y1) > Math.max(f.y0, f.y1) || Math.max(e.y0, e.y1) < Math.min(f.y0, f.y1)) continue;
      if (crosses(e, f)) return { ring: f.ring, edge: f.edge, otherRing: e.ring, otherEdge: e.edge };
    }
    active.push(e);
  }
  return null;
}

interface Edge {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function crosses(e: Edge, f: Edge): boolean {
  const o1 = orient2d(e.x0, e.y0, e.x1, e.y1, f.x0, f.y0);
  const o2 = orient2d(e.x0, e.y0, e.x1, e.y1, f.x1, f.y1);
  if (o1 === 0 && o2 === 0) {
    // Collinear: invalid when they share more than a point.
    const vertical = e.x0 === e.x1 && f.x0 === f.x1;
    const a0 = vertical ? Math.min(e.y0, e.y1) : e.x0, a1 = vertical ? Math.max(e.y0, e.y1) : e.x1;
    const b0 = vertical ? Math.min(f.y0, f.y1) : f.x0, b1 = vertical ? Math.max(f.y0, f.y1) : f.x1;
    return Math.min(a1, b1) > Math.max(a0, b0);
  }
  const o3 = orient2d(f.x0, f.y0, f.x1, f.y1, e.x0, e.y0);
  const o4 = orient2d(f.x0, f.y0, f.x1, f.y1, e.x1, e.y1);
  // A proper crossing: each edge's ends strictly on both sides of the other.
  return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0));
}
