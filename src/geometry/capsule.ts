/**
 * The capsule (stadium) of an edge: every point within r of the closed segment cd. Its
 * intersection with a line is an interval (the capsule is convex), used to find where a
 * segment runs within r of an area; and an inscribed polygon of it, used to clip polygons.
 */

/**
 * The t-interval of the segment P(t) = a + t u, t in [0, 1], that lies within r of the closed
 * segment cd. Writes it to out[at], out[at + 1] and returns true, or returns false when empty.
 * uu = u.u must be > 0. The capsule is the union of the two end discs and the rectangle
 * between them; the union of their three intervals is convex, so its hull is the answer.
 */
export function capsuleInterval(
  ax: number, ay: number, ux: number, uy: number, uu: number,
  cx: number, cy: number, dx: number, dy: number,
  r: number, out: Float64Array, at: number
): boolean {
  const r2 = r * r;
  let lo = Infinity;
  let hi = -Infinity;

  // Disc at c: |w + t u|^2 <= r^2 with w = a - c. Discriminant by Lagrange's identity,
  // uu r^2 - (u x w)^2, which keeps its precision when the line passes far from the centre.
  let wx = ax - cx;
  let wy = ay - cy;
  let cr = ux * wy - uy * wx;
  let disc = uu * r2 - cr * cr;
  if (disc >= 0) {
    const b = ux * wx + uy * wy;
    const s = Math.sqrt(disc);
    lo = (-b - s) / uu;
    hi = (-b + s) / uu;
  }
  // Disc at d.
  const ex = ax - dx;
  const ey = ay - dy;
  cr = ux * ey - uy * ex;
  disc = uu * r2 - cr * cr;
  if (disc >= 0) {
    const b = ux * ex + uy * ey;
    const s = Math.sqrt(disc);
    const t0 = (-b - s) / uu;
    const t1 = (-b + s) / uu;
    if (t0 < lo) lo = t0;
    if (t1 > hi) hi = t1;
  }
  // Rectangle: projection onto cd within [0, |v|^2] and perpendicular offset within r |v|.
  const vx = dx - cx;
  const vy = dy - cy;
  const vv = vx * vx + vy * vy;
  if (vv > 0) {
    wx = ax - cx;
    wy = ay - cy;
    let s0 = -Infinity;
    let s1 = Infinity;
    let empty = false;
    const p0 = vx * wx + vy * wy;
    const p1 = vx * ux + vy * uy;
    if (p1 !== 0) {
      let t0 = -p0 / p1;
      let t1 = (vv - p0) / p1;
      if (t0 > t1) {
        const t = t0;
        t0 = t1;
        t1 = t;
      }
      s0 = t0;
      s1 = t1;
    } else if (p0 < 0 || p0 > vv) {
      empty = true;
    }
    if (!empty) {
      const q0 = vx * wy - vy * wx;
      const q1 = vx * uy - vy * ux;
      const rv = r * Math.sqrt(vv);
      if (q1 !== 0) {
        let t0 = (-rv - q0) / q1;
        let t1 = (rv - q0) / q1;
        if (t0 > t1) {
          const t = t0;
          t0 = t1;
          t1 = t;
        }
        if (t0 > s0) s0 = t0;
        if (t1 < s1) s1 = t1;
      } else if (q0 < -rv || q0 > rv) {
        empty = true;
      }
      if (!empty && s0 <= s1) {
        if (s0 < lo) lo = s0;
        if (s1 > hi) hi = s1;
      }
    }
  }
  if (lo < 0) lo = 0;
  if (hi > 1) hi = 1;
  if (!(lo <= hi)) return false;
  // + 0 turns -0 into 0: intervals must not depend on the order edges are visited in.
  out[at] = lo + 0;
  out[at + 1] = hi + 0;
  return true;
}

/**
 * A closed ring inscribed in the capsule of radius R around cd (counter-clockwise): a half
 * polygon of `steps` sides around each end. Every vertex lies at distance R from c or d; the
 * ring contains every point within R cos(pi / (2 steps)) of cd. With `grid` > 0 every coordinate
 * is rounded to a multiple of it (moving vertices by up to grid / sqrt(2)), which spares the
 * polygon clipper the near-coincident vertices that trip its sweep line.
 */
export function inscribedCapsule(
  cx: number, cy: number, dx: number, dy: number, R: number, steps: number, grid = 0
): [number, number][] {
  const vx = dx - cx;
  const vy = dy - cy;
  // Direction of the edge; a zero-length edge gets a full polygon around its point.
  const theta = vx !== 0 || vy !== 0 ? Math.atan2(vy, vx) : 0;
  const snap = grid > 0 ? (v: number): number => Math.round(v / grid) * grid : (v: number): number => v;
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const a = theta - Math.PI / 2 + (Math.PI * i) / steps;
    ring.push([snap(dx + R * Math.cos(a)), snap(dy + R * Math.sin(a))]);
  }
  for (let i = 0; i <= steps; i++) {
    const a = theta + Math.PI / 2 + (Math.PI * i) / steps;
    ring.push([snap(cx + R * Math.cos(a)), snap(cy + R * Math.sin(a))]);
  }
  ring.push([ring[0][0], ring[0][1]]);
  return ring;
}
