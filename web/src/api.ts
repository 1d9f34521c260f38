/**
 * The service's API as the page uses it: JSON in and out with the signed-in token, blobs for
 * downloads, NDJSON lines, and uploads with progress. Every failure is an ApiError whose message
 * is a sentence for the person (see problem.ts).
 *
 * Every call names a route as the OpenAPI document does (`'/v1/batches/{id}'`, `'GET'`), and its
 * parameters, body and answer take their types from the document (openapi.d.ts, generated from
 * GET /openapi.json by `npm run openapi:types`): a call to a route the document lacks, a body it
 * does not take or a member of an answer it does not declare fails `npm run typecheck`.
 */
import type { paths } from './openapi';
import { problemSentence, unreachableSentence, type ProblemBody } from './problem';

/** A route's path template in the document. */
export type Path = keyof paths;
type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
/** The methods the document has for a path. */
export type MethodOf<P extends Path> = { [M in Method]: paths[P][Lowercase<M>] extends undefined ? never : M }[Method];
/** The operation at a path and method. */
type Op<P extends Path, M extends MethodOf<P>> = NonNullable<paths[P][Lowercase<M>]>;

/** The 2xx answers of an operation. */
type Success<O> = O extends { responses: infer R } ? R[Extract<keyof R, 200 | 201 | 202 | 204>] : never;
/** The body of an answer of this media type. */
type ContentOf<R, Type extends string> = R extends { content: infer C } ? (Type extends keyof C ? C[Type] : never) : never;

/** The JSON (or GeoJSON) answer of a route. */
export type Answer<P extends Path, M extends MethodOf<P>> = ContentOf<Success<Op<P, M>>, 'application/json' | 'application/geo+json'>;
/** One line of a route's NDJSON answer. */
export type Line<P extends Path> = ContentOf<Success<Op<P, 'GET' & MethodOf<P>>>, 'application/x-ndjson'>;
/** The JSON body a route takes. */
export type Body<P extends Path, M extends MethodOf<P>> = Op<P, M> extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

type PathPart<O> = O extends { parameters: { path: infer X } } ? { path: X } : unknown;
type QueryPart<O> = O extends { parameters: { query: infer Q } } ? { query: Q } : O extends { parameters: { query?: infer Q } } ? ([Q] extends [undefined] ? unknown : { query?: Q }) : unknown;
type BodyPart<O> = O extends { requestBody?: never } ? unknown : O extends { requestBody: { content: { 'application/json': infer B } } } ? { body: B } : unknown;
/** What a call to a route gives: its path parameters, query and JSON body, as the document has them. */
export type Request<P extends Path, M extends MethodOf<P>> = PathPart<Op<P, M>> & QueryPart<Op<P, M>> & BodyPart<Op<P, M>>;
/** The request argument: optional when the route needs nothing. */
type RequestArgs<P extends Path, M extends MethodOf<P>> = object extends Request<P, M> ? [request?: Request<P, M>] : [request: Request<P, M>];

interface AnyRequest {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/** The URL of a route: its path template filled in (each parameter encoded), then its query. */
export function urlOf(template: string, request: AnyRequest = {}): string {
  const path = template.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = request.path?.[name];
    if (value === undefined) throw new Error(`${template} needs the path parameter ${name}.`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) query.set(name, String(value));
  const q = query.toString();
  return q === '' ? path : `${path}?${q}`;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly body: ProblemBody | null;
  constructor(status: number, body: ProblemBody | null, retryAfter: string | null = null) {
    super(status === 0 ? unreachableSentence() : problemSentence(status, body, retryAfter));
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.code = typeof body?.code === 'string' ? body.code : null;
  }
}

function parseProblem(text: string): ProblemBody | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' ? (v as ProblemBody) : null;
  } catch {
    return null;
  }
}

export class Api {
  token: string | null = null;

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token !== null ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: this.headers(body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' }),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {})
      });
    } catch {
      throw new ApiError(0, null);
    }
    if (!res.ok) throw new ApiError(res.status, parseProblem(await res.text()), res.headers.get('retry-after'));
    return res;
  }

  /** A route's JSON answer, e.g. `json('GET', '/v1/batches/{id}', { path: { id } })`. */
  async json<P extends Path, M extends MethodOf<P>>(method: M, path: P, ...[request]: RequestArgs<P, M>): Promise<Answer<P, M>> {
    const r = (request ?? {}) as AnyRequest;
    return (await (await this.send(method, urlOf(path, r), r.body)).json()) as Answer<P, M>;
  }

  /** A route's answer as a file (a download). */
  async blob<P extends Path>(path: P, ...[request]: RequestArgs<P, 'GET' & MethodOf<P>>): Promise<Blob> {
    return (await this.send('GET', urlOf(path, (request ?? {}) as AnyRequest))).blob();
  }

  /** Every line of a route's NDJSON answer, parsed. */
  async ndjson<P extends Path>(path: P, ...[request]: RequestArgs<P, 'GET' & MethodOf<P>>): Promise<Line<P>[]> {
    const text = await (await this.send('GET', urlOf(path, (request ?? {}) as AnyRequest))).text();
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line<P>);
  }

  /**
   * Sends a file with PUT, reporting the bytes sent as they go (XMLHttpRequest: fetch cannot tell
   * upload progress). Resolves with the answer's JSON; a problem answer rejects with an ApiError.
   */
  upload<P extends Path>(path: P, request: PathPart<Op<P, 'PUT' & MethodOf<P>>> & QueryPart<Op<P, 'PUT' & MethodOf<P>>>, file: Blob, contentType: string, onProgress: (sent: number, total: number) => void): Promise<Answer<P, 'PUT' & MethodOf<P>>> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', urlOf(path, request as AnyRequest));
      for (const [name, value] of Object.entries(this.headers({ 'content-type': contentType, accept: 'application/json' }))) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(file.size, file.size);
          try {
            resolve(JSON.parse(xhr.responseText) as Answer<P, 'PUT' & MethodOf<P>>);
          } catch {
            reject(new ApiError(502, null));
          }
        } else reject(new ApiError(xhr.status, parseProblem(xhr.responseText), xhr.getResponseHeader('retry-after')));
      };
      xhr.onerror = () => reject(new ApiError(0, null));
      xhr.send(file);
    });
  }
}
