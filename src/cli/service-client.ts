/**
 * Talking to a running service (`--url`, `--token`): JSON requests and answers, NDJSON streams and
 * files, with `Authorization: Bearer <token>`. A problem answer (RFC 9457) becomes a Failure whose
 * one line says the code, the service's words and what to do; a service that cannot be reached
 * says so. An aborted request rejects with the signal's reason, for the caller to tell from a
 * failure.
 */
import { Failure, UsageError, hintsFor, str, type Io, type ParsedArgs } from './common.js';

/** A problem answer as the service sends it. */
export interface ProblemBody {
  code?: string;
  title?: string;
  detail?: string;
  pointer?: string;
  featureIndex?: number;
}

/** A problem from the service, put into words (the command exits 1, as on a local failure). */
export class ServiceProblem extends Failure {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null
  ) {
    super(message);
    this.name = 'ServiceProblem';
  }
}

/** `--url` and `--token` (or LER_TOKEN), or null without `--url`; `role` names the key the command needs. */
export function serviceTarget(args: ParsedArgs, io: Io, command: string, role: string): { url: string; token: string } | null {
  const url = str(args, 'url');
  if (url === undefined) {
    if (str(args, 'token') !== undefined) throw new UsageError('--token goes with --url <service address>; the local store needs no key.', command);
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is the service's address, e.g. http://localhost:3000; got ${JSON.stringify(url)}.`, command);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url takes an http:// or https:// address; got ${JSON.stringify(url)}.`, command);
  const token = str(args, 'token') ?? io.env.LER_TOKEN;
  if (token === undefined || token === '') throw new UsageError(`--url needs --token <token> (or LER_TOKEN): a ${role} key (or admin) of that service.`, command);
  for (const local of ['data-dir', 'workers']) {
    if (args.values[local] !== undefined) throw new UsageError(`--${local} is for the local store, not with --url.`, command);
  }
  return { url, token };
}

/** What to do about a problem, by its code or status, beyond the service's own words. */
function advice(status: number, code: string | undefined, role: string, retryAfter: string | null): string {
  if (status === 401) return `Give a valid ${role} key with --token (or LER_TOKEN); an admin makes one with POST /v1/keys, or ler keys create --role ${role} on the service's store.`;
  if (status === 403) return `Give a ${role} key (or an admin key) with --token.`;
  if (code === 'ROUTE_UNKNOWN') return 'Check --url: it is the service\'s base address, e.g. http://localhost:3000.';
  if (code === 'NETWORK_EMPTY') return 'No owner has uploaded a network to that service yet: ler import --url ... first.';
  if (status === 413) return 'Split the input into smaller files, or raise the service\'s limit (LER_BATCH_LIMIT_BYTES, LER_MAX_BATCH_AREAS).';
  if (status === 429 || status === 503) return `Try again${retryAfter !== null ? ` in ${retryAfter} s` : ' later'}.`;
  if (status >= 500) return 'The service failed; its log says why. Try again, or tell its operator.';
  return '';
}

export class ServiceClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly token: string,
    /** The key the command needs, for advice on 401 and 403. */
    private readonly role: string,
    private readonly signal: AbortSignal
  ) {
    this.base = url.endsWith('/') ? url : `${url}/`;
  }

  /** The address of a path of the service (`v1/...`). */
  address(path: string): string {
    return new URL(path, this.base).toString();
  }

  /** Sends a request; answers whatever the service said (problems included). */
  async send(method: string, path: string, body?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json, application/problem+json, */*' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(this.address(path), { method, headers, signal: this.signal, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      if (this.signal.aborted) throw this.signal.reason;
      throw this.unreachable(error);
    }
  }

  /**
   * A request that goes out even after the command was stopped (to clean up at the service, e.g.
   * cancel a batch), given `ms` milliseconds; true when the service answered 2xx.
   */
  async sendAfterStop(method: string, path: string, ms = 3000): Promise<boolean> {
    try {
      const res = await fetch(this.address(path), { method, headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(ms) });
      await res.body?.cancel().catch(() => undefined);
      return res.ok;
    } catch {
      return false;
    }
  }

  /** A JSON answer of a 2xx status; a problem otherwise. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body));
    if (!res.ok) throw await this.problem(res);
    return (await this.read(res, () => res.json())) as T;
  }

  /** A file's bytes when the service answers 200; null for any other status (a view it does not offer). */
  async optionalBytes(path: string): Promise<Buffer | null> {
    const res = await this.send('GET', path);
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    return Buffer.from(await this.read(res, () => res.arrayBuffer()));
  }

  /** A file's bytes; a problem unless 200. */
  async bytes(path: string): Promise<Buffer> {
    const res = await this.send('GET', path);
    if (res.status !== 200) throw await this.problem(res);
    return Buffer.from(await this.read(res, () => res.arrayBuffer()));
  }

  /** The lines of an NDJSON answer, as they arrive (empty lines skipped). */
  async *lines(path: string): AsyncGenerator<string> {
    const res = await this.send('GET', path);
    if (!res.ok) throw await this.problem(res);
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let rest = '';
    const reader = res.body.getReader();
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (this.signal.aborted) throw this.signal.reason;
          throw new Failure(`The service cut off its answer to GET ${this.address(path)} (${(error as Error).message}).`);
        }
        if (chunk.done) break;
        rest += decoder.decode(chunk.value, { stream: true });
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (line.trim() !== '') yield line;
        }
      }
      rest += decoder.decode();
      if (rest.trim() !== '') yield rest;
    } finally {
      reader.releaseLock();
      await res.body.cancel().catch(() => undefined);
    }
  }

  /** A non-2xx answer as a Failure: code, the service's words, where, and what to do. */
  async problem(res: Response): Promise<ServiceProblem> {
    const text = await this.read(res, () => res.text()).catch(() => '');
    let body: ProblemBody = {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed !== null && typeof parsed === 'object') body = parsed as ProblemBody;
    } catch {
      // Not JSON (a proxy's page): its first words are shown below.
    }
    const words = [body.title, body.detail].filter((w) => typeof w === 'string' && w !== '').join(' ') || text.replace(/\s+/g, ' ').trim().slice(0, 200) || res.statusText;
    // The service's detail often names the place already (a LerError's message does).
    const place = body.pointer && !words.includes(`at ${body.pointer}`) ? ` (at ${body.pointer})` : '';
    // Advice for talking to a service first; else what the command says of the same code locally.
    const todo = advice(res.status, body.code, this.role, res.headers.get('retry-after')) || hintsFor(typeof body.code === 'string' ? [body.code] : []).join(' ');
    const code = typeof body.code === 'string' ? body.code : null;
    return new ServiceProblem(`${code ?? `HTTP ${res.status}`}: ${words}${place}${todo ? ` ${todo}` : ''}`, res.status, code);
  }

  private async read<T>(res: Response, how: () => Promise<T>): Promise<T> {
    try {
      return await how();
    } catch (error) {
      if (this.signal.aborted) throw this.signal.reason;
      throw new Failure(`The service's answer (HTTP ${res.status}) could not be read: ${(error as Error).message}.`);
    }
  }

  private unreachable(error: unknown): Failure {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    return new Failure(`${why}: cannot reach ${this.base}: is the service running and is --url right? (ler serve starts one)`);
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
