/**
 * One webhook delivery attempt: POST the JSON body, wait for the status, keep the start of the
 * answer for the deliveries view, and say what happened. It never throws, so the dispatcher can
 * record every attempt the same way and decide alone whether to try again.
 *
 * What a receiver controls is bounded: one deadline covers connecting, sending, the first byte and
 * the body; only maxResponseBytes of the answer are read; redirects are not followed (a redirect
 * would be a way round the address checks, and a receiver that moved should be edited instead).
 * The URL is checked again at every attempt under the policy of the moment, IP literals against
 * `isPrivateAddress` (Node connects to them without a lookup) and names at connection time by
 * `guardedLookup`, so DNS rebinding is refused too.
 *
 * Each attempt opens its own connection (`agent: false`): webhooks go to many receivers, rarely
 * and at intervals longer than receivers keep idle connections open, so a keep-alive pool would
 * mostly hold sockets and fail on connections the receiver closed meanwhile (a reset counted
 * against a receiver that did nothing wrong); and every connection passes the address check.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { LerError } from '../errors.js';
import { addressPrivateError, bareHost, checkWebhookUrl, guardedLookup, isPrivateAddress, type UrlPolicy } from './url-guard.js';

export const WEBHOOK_USER_AGENT = 'ler-engine-webhooks';

export interface SendOptions {
  /** The whole attempt's deadline: connect, send, first byte and body. */
  timeoutMs: number;
  /** How much of the answer's body is read (and kept) at most. */
  maxResponseBytes: number;
  policy: UrlPolicy;
  userAgent?: string;
}

export interface SendResult {
  /** The receiver answered 2xx. */
  ok: boolean;
  /** The answer's status, when one came. */
  status: number | null;
  /** Why the attempt failed, when it did: a network error, the deadline, a redirect or a non-2xx status. */
  error: string | null;
  /** Milliseconds from the start of the attempt to its end. */
  ms: number;
  /** At most maxResponseBytes of the answer's body, as UTF-8 text (no character cut in two). */
  response: string;
}

/** Headers the sender sets itself; a caller's headers of these names are dropped. */
const OWN_HEADERS = new Set(['content-type', 'content-length', 'user-agent', 'host', 'connection', 'transfer-encoding']);

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof LerError || !code || error.message.includes(code)) return error.message;
  return `${code}: ${error.message}`;
}

/** Refuses, before any connection, a URL the policy of the moment does not allow. */
function refuse(url: string, policy: UrlPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return describe(new LerError('WEBHOOK_URL_INVALID', { pointer: '/url' }, 'It is not an absolute URL.'));
  }
  const host = bareHost(parsed);
  if (!policy.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) return addressPrivateError(host, host).message;
  try {
    checkWebhookUrl(url, policy);
  } catch (error) {
    return describe(error);
  }
  return null;
}

/**
 * POSTs `body` (JSON text) to `url` with Content-Type application/json, the given extra headers and
 * User-Agent ler-engine-webhooks; ok when the answer is 2xx. Never throws: failures (DNS, refused,
 * reset, deadline, private address, redirect, non-2xx) come back in `error`.
 */
export function sendWebhook(url: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);

  const refused = refuse(url, opts.policy);
  if (refused !== null) return Promise.resolve({ ok: false, status: null, error: refused, ms: elapsed(), response: '' });

  return new Promise<SendResult>((resolve) => {
    const target = new URL(url);
    const limit = Math.max(0, Math.floor(opts.maxResponseBytes));
    let status: number | null = null;
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let settled = false;

    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      res?.destroy();
      req?.destroy();
      const decoder = new StringDecoder('utf8');
      const all = Buffer.concat(chunks, kept);
      // A cut answer may end inside a character: write() keeps that partial character back.
      const response = truncated ? decoder.write(all) : decoder.end(all);
      let why = error;
      if (why === null && status !== null && (status < 200 || status > 299)) {
        why = status >= 300 && status < 400 ? `redirect ${status}` : `status ${status}`;
      }
      resolve({ ok: why === null && status !== null, status, error: why, ms: elapsed(), response });
    };

    const deadline = setTimeout(() => finish(`timeout after ${opts.timeoutMs} ms`), Math.max(1, opts.timeoutMs));

    const own: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body, 'utf8')),
      'user-agent': opts.userAgent ?? WEBHOOK_USER_AGENT
    };
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (!OWN_HEADERS.has(name.toLowerCase())) sent[name] = value;
    Object.assign(sent, own);

    const options: RequestOptions = {
      method: 'POST',
      protocol: target.protocol,
      hostname: bareHost(target),
      port: target.port === '' ? undefined : Number(target.port),
      path: `${target.pathname}${target.search}`,
      headers: sent,
      agent: false,
      lookup: guardedLookup(opts.policy)
    };

    try {
      req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(options, (answer) => {
        res = answer;
        status = answer.statusCode ?? null;
        if (kept >= limit) {
          truncated = true;
          finish(null);
          return;
        }
        answer.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = limit - kept;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            kept += room;
            truncated = true;
            finish(null);
            return;
          }
          chunks.push(chunk);
          kept += chunk.length;
        });
        answer.on('end', () => finish(null));
        answer.on('error', (error) => finish(describe(error)));
        answer.on('close', () => finish(answer.complete ? null : 'the answer was cut off before its end'));
      });
      req.on('error', (error) => finish(describe(error)));
      req.end(body, 'utf8');
    } catch (error) {
      // http.request throws synchronously on headers it refuses (e.g. a line break in a value).
      finish(describe(error));
    }
  });
}
