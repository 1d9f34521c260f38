/**
 * Server-side request forgery checks for webhook URLs. A webhook makes the service send requests
 * to addresses its users choose; without these checks a user could make it call the metadata
 * service of the cloud it runs in, the database next to it, or anything else on its own network.
 *
 * Two checks, because one is not enough: `checkWebhookUrl` refuses a URL when it is stored (https,
 * no credentials, no private IP literal, no local names), and `guardedLookup` refuses at connection
 * time every name that resolves to a private address, so a name that resolved to a public address
 * when stored and to 127.0.0.1 now (DNS rebinding) is refused too. Node connects to an IP literal
 * without calling `lookup`, so senders check literals with `isPrivateAddress` themselves.
 *
 * `allowPrivate` (LER_WEBHOOK_ALLOW_PRIVATE) lifts both, for tests and closed networks.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { LerError } from '../errors.js';

export interface UrlPolicy {
  /** Allow http and private addresses (tests, closed networks). */
  allowPrivate: boolean;
}

export const MAX_WEBHOOK_URL_CHARS = 2048;

/** Host names that never leave the machine or its network (RFC 6761, RFC 6762, common practice). */
const LOCAL_NAME = /(^|\.)(localhost|local|internal)$/;

function invalid(why: string): LerError {
  return new LerError('WEBHOOK_URL_INVALID', { pointer: '/url' }, why);
}

/** A URL's host without IPv6 brackets and without the trailing dot of a fully qualified name. */
export function bareHost(url: URL): string {
  const host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return host.replace(/\.+$/, '');
}

/**
 * Checks a webhook URL as given, before it is stored: absolute, https (http too when
 * allowPrivate), no user name or password, at most 2,048 characters, and (unless allowPrivate) a
 * host that is neither a private IP literal nor a local name. Throws WEBHOOK_URL_INVALID saying
 * why; returns the parsed URL (whose `href` is the normalised form to store).
 */
export function checkWebhookUrl(url: string, policy: UrlPolicy): URL {
  if (typeof url !== 'string' || url.length === 0) throw invalid('The URL is empty.');
  if (url.length > MAX_WEBHOOK_URL_CHARS) throw invalid(`The URL is longer than ${MAX_WEBHOOK_URL_CHARS} characters.`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('It is not an absolute URL.');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && policy.allowPrivate)) {
    throw invalid(`Its scheme is ${parsed.protocol.slice(0, 20)} where https: is required.`);
  }
  if (parsed.username !== '' || parsed.password !== '') throw invalid('It carries a user name or password: send credentials in the signature, not the URL.');
  if (parsed.href.length > MAX_WEBHOOK_URL_CHARS) throw invalid(`The URL is longer than ${MAX_WEBHOOK_URL_CHARS} characters.`);
  if (policy.allowPrivate) return parsed;

  const host = bareHost(parsed);
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host)) throw invalid(`Its host ${host} is not a public address.`);
  } else if (LOCAL_NAME.test(host.toLowerCase())) {
    throw invalid(`Its host ${host.slice(0, 100)} names the local machine or network.`);
  }
  return parsed;
}

/* ---------------------------------------------------------------------------------------------- */

function parseIPv4(text: string): number[] {
  return text.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address that `net.isIP` accepted (zone index already removed). */
function parseIPv6(text: string): number[] {
  const words = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a, b, c, d] = parseIPv4(group);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(group, 16));
      }
    }
    return out;
  };
  const gap = text.indexOf('::');
  let all: number[];
  if (gap < 0) {
    all = words(text);
  } else {
    const head = words(text.slice(0, gap));
    const tail = words(text.slice(gap + 2));
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const bytes: number[] = [];
  for (const w of all) bytes.push(w >> 8, w & 0xff);
  return bytes;
}

/** IPv4 ranges that are not public unicast (IANA special-purpose registry, multicast, reserved). */
function isPrivateIPv4([a, b, c]: number[]): boolean {
  return (
    a === 0 || // "this network", 0.0.0.0
    a === 10 || // private
    a === 127 || // loopback
    a >= 224 || // multicast 224/4, reserved 240/4, broadcast
    (a === 100 && (b & 0xc0) === 64) || // CGNAT 100.64/10
    (a === 169 && b === 254) || // link-local
    (a === 172 && (b & 0xf0) === 16) || // private 172.16/12
    (a === 192 && b === 168) || // private
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments
    (a === 192 && b === 0 && c === 2) || // documentation TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay anycast (deprecated)
    (a === 198 && (b & 0xfe) === 18) || // benchmarking 198.18/15
    (a === 198 && b === 51 && c === 100) || // documentation TEST-NET-2
    (a === 203 && b === 0 && c === 113) // documentation TEST-NET-3
  );
}

function isPrivateIPv6(b: number[]): boolean {
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  // IPv4-mapped ::ffff:a.b.c.d: the socket connects to the IPv4 address.
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return isPrivateIPv4(b.slice(12));
  // NAT64 64:ff9b::/96: a translator connects to the embedded IPv4 address.
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return isPrivateIPv4(b.slice(12));
  // Only 2000::/3 is allocated for global unicast: this covers ::, ::1, IPv4-compatible ::/96,
  // discard 100::/64, local NAT64 64:ff9b:1::/48, fc00::/7, fe80::/10, fec0::/10, ff00::/8.
  if ((b[0] & 0xe0) !== 0x20) return true;
  if (b[0] === 0x20 && b[1] === 0x01 && (b[2] & 0xfe) === 0) return true; // IETF protocol assignments 2001::/23 (Teredo, benchmarking...)
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return true; // documentation 2001:db8::/32
  if (b[0] === 0x3f && b[1] === 0xff && (b[2] & 0xf0) === 0) return true; // documentation 3fff::/20
  if (b[0] === 0x20 && b[1] === 0x02) return isPrivateIPv4(b.slice(2, 6)); // 6to4 2002::/16 embeds an IPv4 address
  return false;
}

/**
 * True when an IP address (v4 or v6, any notation `net.isIP` accepts, IPv4-mapped and NAT64
 * included) is not a public unicast address. Anything that is not an IP address, and any address
 * with a zone index (it only means something on a local link), counts as private.
 */
export function isPrivateAddress(address: string): boolean {
  if (typeof address !== 'string') return true;
  const family = isIP(address);
  if (family === 4) return isPrivateIPv4(parseIPv4(address));
  if (family === 6 && !address.includes('%')) return isPrivateIPv6(parseIPv6(address));
  return true;
}

/* ---------------------------------------------------------------------------------------------- */

/** The error a refused lookup fails with; `code` is what a delivery's error names. */
export function addressPrivateError(hostname: string, address: string): NodeJS.ErrnoException {
  const shown = hostname === address ? address : `${hostname.slice(0, 100)} (${address})`;
  const error: NodeJS.ErrnoException = new Error(`WEBHOOK_ADDRESS_PRIVATE: ${shown} is not a public address; webhooks are sent to public addresses only.`);
  error.code = 'WEBHOOK_ADDRESS_PRIVATE';
  return error;
}

/**
 * A `dns.lookup` for the `lookup` option of http(s).request and net.connect that fails with code
 * WEBHOOK_ADDRESS_PRIVATE when any address the name resolves to is private (unless
 * allowPrivate). It answers in both forms: one address, or all of them when `options.all` is set
 * (Node ≥ 20 asks for all when it tries IPv4 and IPv6 in turn, autoSelectFamily).
 */
export function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    // net passes (hostname, options, callback); accept the (hostname, callback) form dns.lookup has too.
    if (typeof options === 'function') {
      callback = options as typeof callback;
      options = {};
    }
    const wanted: LookupOptions = typeof options === 'number' ? { family: options } : { ...options };
    const all = wanted.all === true;
    dnsLookup(hostname, { ...wanted, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, all ? [] : '', undefined);
      if (addresses.length === 0) {
        const none: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        none.code = 'ENOTFOUND';
        return callback(none, all ? [] : '', undefined);
      }
      if (!policy.allowPrivate) {
        const refused = addresses.find((a) => isPrivateAddress(a.address));
        if (refused) return callback(addressPrivateError(hostname, refused.address), all ? [] : '', undefined);
      }
      if (all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
