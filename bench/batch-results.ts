/**
 * Reads a planner's batch results (NDJSON over HTTP) to their end without keeping them: the
 * lines, the bytes, and whether each area's index came exactly once. Of each line only its start
 * is read (a summary's first member is its index), so hundreds of megabytes cost no memory here.
 */
export interface ResultsRead {
  lines: number;
  bytes: number;
  /** Every index from 0 to n - 1 exactly once, and nothing else. */
  once: boolean;
}

export async function readBatchResults(url: string, token: string, n: number): Promise<ResultsRead> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const seen = new Uint8Array(n);
  let lines = 0, bytes = 0, once = true, rest = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    bytes += buf.length;
    for (let at = 0; ; ) {
      const end = buf.indexOf(10, at);
      const stop = end < 0 ? buf.length : end;
      if (rest.length < 24) rest += buf.toString('latin1', at, Math.min(stop, at + 24 - rest.length));
      if (end < 0) break;
      const index = Number(/^\{"index":(\d+),/.exec(rest)?.[1] ?? -1);
      if (index < 0 || index >= n || seen[index] === 1) once = false;
      else seen[index] = 1;
      lines++;
      rest = '';
      at = end + 1;
    }
  }
  return { lines, bytes, once: once && rest === '' && lines === n };
}
