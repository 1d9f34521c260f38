/** Seeded randomness and small integer-coordinate shapes for the geometry kernel's tests. */

/** A small seeded PRNG: the same seed gives the same sequence in every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Pt = [number, number];
/** Closed rings, even-odd over all of them: the kernel's own definition of an area. */
export interface Shape { name: string; rings: Pt[][] }

export const box = (x0: number, y0: number, x1: number, y1: number): Pt[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

export function star(rand: () => number, n: number, cx: number, cy: number, r0: number, r1: number): Pt[] {
  const ring: Pt[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    const r = r0 + rand() * (r1 - r0);
    ring.push([Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a))]);
  }
  ring.push([ring[0][0], ring[0][1]]);
  return ring;
}

/** A thin winding corridor along a random walk: many short edges, two sides 4 units apart, as a road dig. */
export function corridor(rand: () => number, n: number, startY = 0, wobble = 6): Pt[] {
  const top: Pt[] = [];
  const bottom: Pt[] = [];
  let y = startY;
  for (let i = 0; i < n; i++) {
    y += Math.round((rand() - 0.5) * wobble);
    top.push([i * 3, y + 2]);
    bottom.push([i * 3, y - 2]);
  }
  const ring = [...top, ...bottom.reverse()];
  ring.push([ring[0][0], ring[0][1]]);
  return ring;
}

export function comb(teeth: number): Pt[] {
  const ring: Pt[] = [[0, 0], [teeth * 4, 0]];
  for (let i = teeth - 1; i >= 0; i--) ring.push([i * 4 + 4, 10], [i * 4 + 2, 10], [i * 4 + 2, 3], [i * 4, 3]);
  ring.push([0, 0]);
  return ring;
}

/** Rings as the flat arrays PreparedArea takes. */
export function flat(rings: Pt[][]): { xy: Float64Array; starts: Uint32Array } {
  const xy: number[] = [];
  const starts: number[] = [];
  for (const ring of rings) {
    starts.push(xy.length / 2);
    for (const p of ring) xy.push(p[0], p[1]);
  }
  starts.push(xy.length / 2);
  return { xy: Float64Array.from(xy), starts: Uint32Array.from(starts) };
}
