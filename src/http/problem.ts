/**
 * Every error answer is `application/problem+json` (RFC 9457) with a stable `code` from the one
 * catalogue, `src/errors.ts`. Engine errors (LerError) keep their code, status and location;
 * fastify's own errors (validation, content type, body size) are mapped onto catalogue codes;
 * anything else is an INTERNAL_ERROR whose detail says nothing of the cause (it is logged).
 */
import { ErrorCodes, LerError, type ErrorCode, type ErrorLocation } from '../errors.js';

export const PROBLEM_TYPE = 'application/problem+json';

/** A LerError with members for the problem body (e.g. a rule report) and headers for the answer. */
export class ProblemError extends LerError {
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, opts: { where?: ErrorLocation; detail?: string; extra?: Record<string, unknown>; headers?: Record<string, string> } = {}) {
    super(code, opts.where ?? {}, opts.detail);
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }

  /** The same error with members added to its body. */
  static from(error: LerError, extra: Record<string, unknown>, headers: Record<string, string> = {}): ProblemError {
    const where: ErrorLocation = {};
    if (error.featureIndex !== undefined) where.featureIndex = error.featureIndex;
    if (error.featureId !== undefined) where.featureId = error.featureId;
    if (error.pointer !== undefined) where.pointer = error.pointer;
    const p = new ProblemError(error.code, { where, extra, headers });
    p.message = error.message;
    return p;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  featureIndex?: number;
  featureId?: string | number;
  pointer?: string;
  [member: string]: unknown;
}

/** Where a code is explained: the catalogue's own route. */
export function problemType(code: ErrorCode): string {
  return `/v1/errors/${code}`;
}

/** What an unexpected error's status may be: a 4xx from a library is kept, the rest is a 500. */
interface HttpishError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/** Fastify's error codes, and the catalogue code each becomes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CONTENT_TYPE_UNSUPPORTED',
  FST_ERR_CTP_INVALID_TYPE: 'CONTENT_TYPE_UNSUPPORTED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INPUT_EMPTY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'INPUT_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REQUEST_INVALID',
  FST_ERR_CTP_EMPTY_TYPE: 'CONTENT_TYPE_UNSUPPORTED',
  FST_ERR_BAD_URL: 'REQUEST_INVALID',
  FST_ERR_MAX_PARAM_LENGTH: 'REQUEST_INVALID',
  FST_ERR_VALIDATION: 'REQUEST_INVALID',
  FST_UNDER_PRESSURE: 'OVERLOADED',
  FST_ERR_NOT_FOUND: 'ROUTE_UNKNOWN'
};

/** The problem body and status for any error thrown while answering a request. */
/** Retry-After of a STORE_UNAVAILABLE answer, seconds. */
const STORE_RETRY_AFTER_S = 5;

export function toProblem(error: unknown, instance: string): { problem: Problem; headers: Record<string, string>; internal: boolean } {
  if (error instanceof LerError) {
    const status = ErrorCodes[error.code].status;
    const problem: Problem = {
      ...(error instanceof ProblemError ? error.extra : {}),
      type: problemType(error.code),
      title: ErrorCodes[error.code].message,
      status,
      detail: detailOf(error),
      code: error.code,
      instance
    };
    if (error.featureIndex !== undefined) problem.featureIndex = error.featureIndex;
    if (error.featureId !== undefined) problem.featureId = error.featureId;
    if (error.pointer !== undefined) problem.pointer = error.pointer;
    const headers = error instanceof ProblemError ? error.headers : {};
    // The database is away: a client may try again shortly (the service reconnects by itself).
    if (error.code === 'STORE_UNAVAILABLE' && headers['retry-after'] === undefined) return { problem, headers: { ...headers, 'retry-after': String(STORE_RETRY_AFTER_S) }, internal: false };
    return { problem, headers, internal: status >= 500 && status !== 503 };
  }
  const e = (error ?? {}) as HttpishError;
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const fastifyCode = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  let code: ErrorCode | undefined = fastifyCode;
  // The JSON body parser's SyntaxError, and any other 4xx a library raises.
  if (code === undefined && statusCode >= 400 && statusCode < 500) code = statusCode === 413 ? 'INPUT_TOO_LARGE' : statusCode === 415 ? 'CONTENT_TYPE_UNSUPPORTED' : statusCode === 404 ? 'ROUTE_UNKNOWN' : 'REQUEST_INVALID';
  if (code === undefined) {
    const problem: Problem = { type: problemType('INTERNAL_ERROR'), title: ErrorCodes.INTERNAL_ERROR.message, status: 500, detail: 'The error has been logged with this request.', code: 'INTERNAL_ERROR', instance };
    return { problem, headers: {}, internal: true };
  }
  const status = ErrorCodes[code].status;
  const problem: Problem = { type: problemType(code), title: ErrorCodes[code].message, status, detail: typeof e.message === 'string' ? e.message : ErrorCodes[code].message, code, instance };
  const first = Array.isArray(e.validation) ? e.validation[0] : undefined;
  if (first) {
    const place = e.validationContext ?? 'body';
    // The member that is missing or not taken, rather than the object that lacks or has it.
    const member = first.keyword === 'required' ? first.params?.missingProperty : first.keyword === 'additionalProperties' ? first.params?.additionalProperty : undefined;
    problem.pointer = `${first.instancePath ?? ''}${typeof member === 'string' ? `/${member.replace(/~/g, '~0').replace(/\//g, '~1')}` : ''}`;
    problem.detail = first.keyword === 'additionalProperties' ? `${place}${problem.pointer} is not a member this route takes.` : `${place}${problem.pointer} ${first.message ?? 'is invalid'}.`;
    problem.in = place;
  }
  return { problem, headers: {}, internal: false };
}

/** What is particular to this error: LerError messages read `CODE: catalogue message detail (place)`; the title has the rest. */
function detailOf(error: LerError): string {
  const prefix = `${error.code}: ${ErrorCodes[error.code].message}`;
  const rest = error.message.startsWith(prefix) ? error.message.slice(prefix.length).trim() : error.message;
  return rest === '' ? ErrorCodes[error.code].message : rest;
}
