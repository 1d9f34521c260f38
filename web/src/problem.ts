/**
 * Errors in words. The service answers problems (RFC 9457: title, detail, code, status); a
 * person reads a sentence with what went wrong and what to do, never the JSON itself.
 */

export interface ProblemBody {
  title?: unknown;
  detail?: unknown;
  code?: unknown;
  status?: unknown;
  pointer?: unknown;
  report?: unknown;
}

/** What to do, by status, when the problem itself does not say enough. */
const ADVICE: Record<number, string> = {
  400: 'Check what you entered and try again.',
  401: 'Sign in again with a valid token.',
  403: 'Sign in with a token that may do this.',
  404: 'It may have expired or belong to another key.',
  413: 'Send a smaller file, or split it.',
  415: 'Send GeoJSON (a FeatureCollection).',
  422: 'Correct the input and try again.',
  429: 'Wait a little and try again.',
  500: 'Try again later; if it persists, tell the service\'s operator.',
  503: 'Try again in a moment.'
};

/** How a status reads when no problem body came with it. */
const STATUS_WORDS: Record<number, string> = {
  400: 'The request was not understood.',
  401: 'The token was not accepted.',
  403: 'This token may not do this.',
  404: 'It was not found.',
  413: 'The upload is too large.',
  415: 'The file type is not accepted.',
  422: 'The input was refused.',
  429: 'Too many requests.',
  500: 'The service failed to answer.',
  502: 'The service could not be reached.',
  503: 'The service is busy or not ready.'
};

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return '';
  return /[.!?:]$/.test(t) ? t : `${t}.`;
}

/** Where in the input a problem lies, in words ("/geometry/coordinates/0" -> "at geometry › coordinates › 0"). */
export function placeInWords(pointer: unknown): string {
  if (typeof pointer !== 'string' || pointer === '' || pointer === '/') return '';
  return `(at ${pointer.split('/').filter((s) => s !== '').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join(' › ')})`;
}

/**
 * The sentence to show for an answer with this status and body (parsed JSON, or null when the
 * body was not a problem). Title and detail from the service, then what to do.
 */
export function problemSentence(status: number, body: ProblemBody | null, retryAfter: string | null = null): string {
  const parts: string[] = [];
  const title = typeof body?.title === 'string' ? body.title : '';
  const detail = typeof body?.detail === 'string' && body.detail !== body.title ? body.detail : '';
  parts.push(sentence(title) || STATUS_WORDS[status] || `The service answered ${status}.`);
  if (detail !== '') parts.push(sentence(detail));
  const place = placeInWords(body?.pointer);
  if (place !== '' && !detail.includes('(at ')) parts.push(place);
  const wait = retryAfter !== null && /^\d+$/.test(retryAfter) ? `Wait ${retryAfter} s and try again.` : '';
  const advice = wait || ADVICE[status] || (status >= 500 ? ADVICE[500] : '');
  // The service's own words often already say what to do (e.g. "run npm run build"): advice only when they do not.
  if (advice !== '' && !/\b(run|send|split|zoom|wait|retry|sign in|check|give|use|correct|contact)\b/i.test(`${title} ${detail}`)) parts.push(advice);
  return parts.join(' ');
}

/** The sentence for a request that got no answer at all. */
export function unreachableSentence(): string {
  return 'The service could not be reached. Check that it is running and that this page was opened from it, then try again.';
}
