/** A small HTTP client over node:http for the tests that need a real socket (streamed bodies, closing). */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export function readAll(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
}

/**
 * Sends a request whose body comes from `chunks` (written one after another as the socket takes
 * them, stopping early when the answer arrives); resolves with the answer and the bytes written.
 */
export function send(url: string, opts: { method: string; headers?: Record<string, string | number>; chunks?: Iterable<Buffer>; beforeEnd?: () => Promise<void> }): Promise<Answer & { written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(url, { method: opts.method, headers: opts.headers }, (res) => {
      answered = true;
      readAll(res).then((a) => resolve({ ...a, written }), reject);
    });
    // A server that stops reading may reset the socket under a writer: the answer, if any, counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const it = (opts.chunks ?? [])[Symbol.iterator]();
    const pump = async (): Promise<void> => {
      for (;;) {
        if (answered || req.destroyed) return;
        const next = it.next();
        if (next.done === true) break;
        written += next.value.length;
        if (!req.write(next.value)) await new Promise<void>((r) => req.once('drain', () => r()));
      }
      if (opts.beforeEnd) await opts.beforeEnd();
      req.end();
    };
    pump().catch(reject);
  });
}
