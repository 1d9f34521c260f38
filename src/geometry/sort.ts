/**
 * In-place sorts of scratch arrays without allocation (a typed array's `subarray().sort()` would
 * allocate a view). Insertion sort for the usual handful of values, heap sort beyond.
 */

const SMALL = 24;

/** Sorts a[0..n) ascending. */
export function sortValues(a: Float64Array, n: number): void {
  if (n <= SMALL) {
    for (let i = 1; i < n; i++) {
      const v = a[i];
      let j = i - 1;
      while (j >= 0 && a[j] > v) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftValues(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = a[0];
    a[0] = a[end];
    a[end] = t;
    siftValues(a, 0, end);
  }
}

function siftValues(a: Float64Array, root: number, n: number): void {
  const v = a[root];
  let i = root;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && a[c + 1] > a[c]) c++;
    if (a[c] <= v) break;
    a[i] = a[c];
    i = c;
  }
  a[i] = v;
}

/** Sorts n pairs (a[2i], a[2i+1]) by their first value, ascending. */
export function sortPairs(a: Float64Array, n: number): void {
  if (n <= SMALL) {
    for (let i = 1; i < n; i++) {
      const v0 = a[2 * i];
      const v1 = a[2 * i + 1];
      let j = i - 1;
      while (j >= 0 && a[2 * j] > v0) {
        a[2 * j + 2] = a[2 * j];
        a[2 * j + 3] = a[2 * j + 1];
        j--;
      }
      a[2 * j + 2] = v0;
      a[2 * j + 3] = v1;
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftPairs(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t0 = a[0];
    const t1 = a[1];
    a[0] = a[2 * end];
    a[1] = a[2 * end + 1];
    a[2 * end] = t0;
    a[2 * end + 1] = t1;
    siftPairs(a, 0, end);
  }
}

function siftPairs(a: Float64Array, root: number, n: number): void {
  const v0 = a[2 * root];
  const v1 = a[2 * root + 1];
  let i = root;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && a[2 * c + 2] > a[2 * c]) c++;
    if (a[2 * c] <= v0) break;
    a[2 * i] = a[2 * c];
    a[2 * i + 1] = a[2 * c + 1];
    i = c;
  }
  a[2 * i] = v0;
  a[2 * i + 1] = v1;
}
