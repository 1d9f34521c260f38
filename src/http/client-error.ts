/**
 * Answers to requests that never become requests: HTTP/1.1 the server's parser refuses (a bad
 * request line, headers past the size limit, both Content-Length and Transfer-Encoding, a body
 * that does not arrive in time). Node would answer those with a bare status line, and fastify's
 * default with `{"error":"Bad Request"}`; here they are problem+json with a catalogue code, like
 * every other error, and the connection is closed (its framing can no longer be trusted).
 */
import type { Socket } from 'node:net';
import { ErrorCodes, type ErrorCode } from '../errors.js';
import { PROBLEM_TYPE, problemType, type Problem } from './problem.js';

/** Reason phrases of the statuses written here. */
const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** The code for a parser error (llhttp's `HPE_*`, Node's `ERR_HTTP_*`). */
export function clientErrorCode(error: { code?: unknown }): ErrorCode {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'PROTOCOL_ERROR';
  }
}

/** The whole HTTP/1.1 answer for a parser error: status line, headers, problem body. */
export function clientErrorResponse(error: { code?: unknown; message?: unknown }): string {
  const code = clientErrorCode(error);
  const status = ErrorCodes[code].status;
  const parser = typeof error.code === 'string' ? error.code : 'unknown';
  const problem: Problem = {
    type: problemType(code),
    title: ErrorCodes[code].message,
    status,
    detail: `The server's HTTP parser refused the request (${parser}).`,
    code
  };
  const body = JSON.stringify(problem);
  return [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}`,
    `Content-Type: ${PROBLEM_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body
  ].join('\r\n');
}

/** fastify's `clientErrorHandler`: answers with a problem when the socket can still take one, and closes it. */
export function handleClientError(error: Error & { code?: unknown }, socket: Socket): void {
  // A reset connection, or one that already has an answer on its way, gets nothing more.
  if (error.code === 'ECONNRESET' || !socket.writable || socket.writableLength > 0) {
    socket.destroy(error);
    return;
  }
  socket.end(clientErrorResponse(error));
}
