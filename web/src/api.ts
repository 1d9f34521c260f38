/**
 * The service's API as the page uses it: JSON in and out with the signed-in token, blobs for
 * downloads, NDJSON lines, and uploads with progress. Every failure is an ApiError whose message
 * is a sentence for the person (see problem.ts).
 */
import { problemSentence, unreachableSentence, type ProblemBody } from './problem';

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

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.send(method, path, body)).json()) as T;
  }

  async blob(path: string): Promise<Blob> {
    return (await this.send('GET', path)).blob();
  }

  /** Every line of an NDJSON answer, parsed. */
  async ndjson<T>(path: string): Promise<T[]> {
    const text = await (await this.send('GET', path)).text();
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
  }

  /**
   * Sends a file with PUT, reporting the bytes sent as they go (XMLHttpRequest: fetch cannot tell
   * upload progress). Resolves with the answer's JSON; a problem answer rejects with an ApiError.
   */
  upload<T>(path: string, file: Blob, contentType: string, onProgress: (sent: number, total: number) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', path);
      for (const [name, value] of Object.entries(this.headers({ 'content-type': contentType, accept: 'application/json' }))) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(file.size, file.size);
          try {
            resolve(JSON.parse(xhr.responseText) as T);
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
