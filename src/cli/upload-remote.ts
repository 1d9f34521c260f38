/**
 * An upload to a running service instead of the local store: `PUT /v1/owners/{owner}/network`
 * with the body streamed as it is read, `Authorization: Bearer <token>`. The answer is the new
 * version and its report, or a problem (RFC 9457) with the code, and the report when the upload
 * was rejected.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ReportSummary } from '../rules/report.js';

export interface RemoteAnswer {
  status: number;
  /** The JSON body: `{owner, version, features, report}`, or a problem `{code, title, detail, report?}`. */
  body: { owner?: string; version?: number; features?: number; report?: ReportSummary; code?: string; title?: string; detail?: string; pointer?: string };
}

/** Streams `chunks` to the service; `signal` stops the upload (the service stores nothing of a cut-off body). */
export async function uploadRemote(opts: { url: string; token: string; owner: string; chunks: AsyncIterable<Uint8Array>; crs?: string; invalid: 'reject' | 'skip'; allowRemoval?: boolean; signal: AbortSignal }): Promise<RemoteAnswer> {
  const it = opts.chunks[Symbol.asyncIterator]();
  // The first bytes tell a text sequence (RS) from a FeatureCollection.
  const first = await it.next();
  const head = first.done === true ? new Uint8Array(0) : first.value;
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09 || head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf)) i++;
  const contentType = head[i] === 0x1e ? 'application/geo+json-seq' : 'application/geo+json';

  const target = new URL(`v1/owners/${encodeURIComponent(opts.owner)}/network`, opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  if (opts.crs !== undefined) target.searchParams.set('crs', opts.crs);
  if (opts.invalid === 'skip') target.searchParams.set('invalid', 'skip');
  if (opts.allowRemoval === true) target.searchParams.set('allowRemoval', 'true');
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(target, { method: 'PUT', signal: opts.signal, headers: { authorization: `Bearer ${opts.token}`, 'content-type': contentType, accept: 'application/json, application/problem+json' } });
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // The service may answer before the body is all sent (a bad token, a body too large): stop sending then.
  let answered = false;
  void answer.then(
    () => (answered = true),
    () => undefined
  );
  const writeChunk = (chunk: Uint8Array): Promise<void> | void => {
    if (req.write(chunk)) return;
    return new Promise((resolve) => {
      const done = (): void => {
        req.off('drain', done);
        req.off('close', done);
        resolve();
      };
      req.once('drain', done);
      req.once('close', done);
    });
  };
  try {
    if (head.length > 0) await writeChunk(head);
    for (;;) {
      if (answered || req.destroyed) break;
      const next = await it.next();
      if (next.done === true) break;
      await writeChunk(next.value);
    }
    req.end();
  } catch (error) {
    req.destroy(error as Error);
  }
  const res = await answer;
  const parts: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) parts.push(chunk);
  const text = Buffer.concat(parts).toString('utf8');
  let body: RemoteAnswer['body'];
  try {
    body = JSON.parse(text) as RemoteAnswer['body'];
  } catch {
    body = { detail: text.slice(0, 200) };
  }
  return { status: res.statusCode ?? 0, body };
}
