/**
 * An open rectangle known to hold no boundary point of an area, so that the whole of it lies on
 * one side: the memory behind box classification over plain (ungridded) areas. A large answer,
 * such as the chunks deep inside a square dig, then falls into one rectangle, and each chunk is
 * settled by four comparisons instead of a loop over the edges and a point location.
 */
export class FreeBox {
  minX = 0;
  minY = 0;
  maxX = 0;
  maxY = 0;
  /** 1 inside, -1 outside; 0 while the rectangle is empty. */
  state = 0;

  /** Forgets the rectangle: nothing lies inside it. */
  clear(): void {
    this.minX = this.minY = this.maxX = this.maxY = 0;
    this.state = 0;
  }

  /** Whether the closed box lies strictly inside the rectangle. */
  holds(minX: number, minY: number, maxX: number, maxY: number): boolean {
    return minX > this.minX && maxX < this.maxX && minY > this.minY && maxY < this.maxY;
  }

  /**
   * Becomes an open rectangle around the closed box (which no edge's box may meet) that no
   * edge's box meets either: starting from the whole plane, each edge cuts it back on the side
   * where that edge lies farthest from the box. The state is the caller's to set.
   */
  fit(edges: Float64Array, count: number, minX: number, minY: number, maxX: number, maxY: number): void {
    let fMinX = -Infinity, fMinY = -Infinity, fMaxX = Infinity, fMaxY = Infinity;
    for (let k = 0, n = count * 4; k < n; k += 4) {
      const ax = edges[k], ay = edges[k + 1], bx = edges[k + 2], by = edges[k + 3];
      const eMinX = ax < bx ? ax : bx, eMaxX = ax < bx ? bx : ax;
      const eMinY = ay < by ? ay : by, eMaxY = ay < by ? by : ay;
      // The gaps on the four sides; at least one is positive.
      const right = eMinX - maxX, left = minX - eMaxX, above = eMinY - maxY, below = minY - eMaxY;
      if (right >= left && right >= above && right >= below) {
        if (eMinX < fMaxX) fMaxX = eMinX;
      } else if (left >= above && left >= below) {
        if (eMaxX > fMinX) fMinX = eMaxX;
      } else if (above >= below) {
        if (eMinY < fMaxY) fMaxY = eMinY;
      } else if (eMaxY > fMinY) {
        fMinY = eMaxY;
      }
    }
    this.minX = fMinX;
    this.minY = fMinY;
    this.maxX = fMaxX;
    this.maxY = fMaxY;
  }
}
