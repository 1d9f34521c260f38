/**
 * The transport half of signed webhooks: signatures, the address checks that keep webhooks off the
 * service's own network, and one delivery attempt against local servers.
 */
import { createHmac } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LerError } from '../src/errors.js';
import { newWebhookSecret, SIGNATURE_HEADER, signatureHeader, verifySignature } from '../src/notify/signature.js';
import { checkWebhookUrl, guardedLookup, isPrivateAddress } from '../src/notify/url-guard.js';
import { sendWebhook, type SendOptions } from '../src/notify/send.js';

const SECRET = 'whsec_test-secret';
const BODY = '{"event":"dig_request.answered","id":"dr_1","note":"blå streg"}';
const T = 1_760_000_000;

describe('signature', () => {
  it('signs t.body with HMAC-SHA256 in the Stripe form (known answer)', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`, 'utf8').digest('hex');
    expect(SIGNATURE_HEADER).toBe('LER-Signature');
    expect(signatureHeader(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
    expect(signatureHeader(SECRET, BODY, T + 0.9)).toBe(`t=${T},v1=${expected}`);
  });

  it('verifies its own signature within the tolerance', () => {
    const header = signatureHeader(SECRET, BODY, T);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T })).toBe(true);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T + 300 })).toBe(true);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T - 300 })).toBe(true);
    expect(verifySignature(signatureHeader(SECRET, BODY, Date.now() / 1000), BODY, SECRET)).toBe(true);
  });

  it('refuses a wrong secret, an altered body and a stale time (replay)', () => {
    const header = signatureHeader(SECRET, BODY, T);
    expect(verifySignature(header, BODY, 'whsec_other', { nowSeconds: T })).toBe(false);
    expect(verifySignature(header, BODY.replace('dr_1', 'dr_2'), SECRET, { nowSeconds: T })).toBe(false);
    expect(verifySignature(header, `${BODY} `, SECRET, { nowSeconds: T })).toBe(false);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T + 301 })).toBe(false);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T + 3600, toleranceSeconds: 60 })).toBe(false);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T + 3600, toleranceSeconds: 7200 })).toBe(true);
    // The time is signed: moving t forward to pass the tolerance breaks the signature.
    const v1 = header.split('v1=')[1];
    expect(verifySignature(`t=${T + 3600},v1=${v1}`, BODY, SECRET, { nowSeconds: T + 3600 })).toBe(false);
  });

  it('accepts any matching v1 (secret rotation) and skips keys it does not know', () => {
    const good = signatureHeader(SECRET, BODY, T).split('v1=')[1];
    const other = signatureHeader('whsec_old', BODY, T).split('v1=')[1];
    expect(verifySignature(`t=${T},v1=${other},v1=${good}`, BODY, SECRET, { nowSeconds: T })).toBe(true);
    expect(verifySignature(`t=${T}, v1=${good.toUpperCase()}, v2=abc`, BODY, SECRET, { nowSeconds: T })).toBe(true);
    expect(verifySignature(`t=${T},v1=${other}`, BODY, SECRET, { nowSeconds: T })).toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['no v1', `t=${T}`],
    ['no t', 'v1=' + 'a'.repeat(64)],
    ['t twice', `t=${T},t=${T},v1=${'a'.repeat(64)}`],
    ['t not a number', `t=soon,v1=${'a'.repeat(64)}`],
    ['negative t', `t=-1,v1=${'a'.repeat(64)}`],
    ['v1 too short', `t=${T},v1=abc`],
    ['v1 not hex', `t=${T},v1=${'z'.repeat(64)}`],
    ['part without =', `t=${T},v1`],
    ['garbage', '\u0000,,=,==,'],
    ['huge', `t=${T},` + 'v1=x,'.repeat(10_000)]
  ])('refuses a malformed header without throwing: %s', (_name, header) => {
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T })).toBe(false);
  });

  it('refuses malformed arguments without throwing', () => {
    const header = signatureHeader(SECRET, BODY, T);
    expect(verifySignature(header, BODY, '', { nowSeconds: T })).toBe(false);
    expect(verifySignature(header, undefined as unknown as string, SECRET, { nowSeconds: T })).toBe(false);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: Number.NaN })).toBe(false);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T, toleranceSeconds: -1 })).toBe(false);
  });

  it('makes new secrets of 32 random bytes', () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.254', true],
    ['172.15.255.255', false],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['100.128.0.1', false],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['192.0.0.8', true],
    ['192.0.2.10', true],
    ['198.51.100.7', true],
    ['203.0.113.5', true],
    ['198.18.0.1', true],
    ['198.19.255.255', true],
    ['198.20.0.1', false],
    ['::1', true],
    ['::', true],
    ['0:0:0:0:0:0:0:1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['fc00::1', true],
    ['fd12:3456:789a::1', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.0.0.1', true],
    ['0:0:0:0:0:ffff:192.168.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['::127.0.0.1', true],
    ['64:ff9b::a00:1', true],
    ['64:ff9b::10.0.0.1', true],
    ['64:ff9b::8.8.8.8', false],
    ['64:ff9b:1::1', true],
    ['100::1', true],
    ['2001:db8::', true],
    ['2001:db8:1234::5', true],
    ['2001::1', true],
    ['3fff::1', true],
    ['2002:0a00:0001::1', true],
    ['2002:0808:0808::1', false],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['93.184.216.34', false],
    ['2a00:1450:4001::1', false],
    ['2606:4700:4700::1111', false],
    ['not an address', true],
    ['', true],
    ['010.0.0.1', true]
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('checkWebhookUrl', () => {
  const strict = { allowPrivate: false };

  it('accepts a public https URL and returns it parsed', () => {
    const url = checkWebhookUrl('https://example.org/hook', strict);
    expect(url.href).toBe('https://example.org/hook');
    expect(checkWebhookUrl('https://hooks.example.org:8443/a?b=c', strict).port).toBe('8443');
    expect(checkWebhookUrl('https://[2a00:1450:4001::1]/x', strict).hostname).toBe('[2a00:1450:4001::1]');
  });

  it.each([
    ['http without allowPrivate', 'http://example.org/hook'],
    ['IPv4 loopback', 'https://127.0.0.1/'],
    ['IPv4 loopback, hex notation', 'https://0x7f.1/'],
    ['IPv4 loopback, one number', 'https://2130706433/'],
    ['IPv6 loopback', 'https://[::1]/'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/'],
    ['private IPv4', 'https://10.1.2.3/'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['localhost', 'https://localhost/'],
    ['localhost with a trailing dot', 'https://LOCALHOST./'],
    ['*.localhost', 'https://app.localhost/'],
    ['*.local', 'https://printer.local/'],
    ['*.internal', 'https://metadata.google.internal/'],
    ['userinfo', 'https://user:pw@example.org/'],
    ['user only', 'https://user@example.org/'],
    ['ftp', 'ftp://example.org/hook'],
    ['javascript', 'javascript:alert(1)'],
    ['relative', '/hook'],
    ['empty', ''],
    ['too long', `https://example.org/${'a'.repeat(2048)}`]
  ])('refuses %s', (_name, url) => {
    let thrown: unknown;
    try {
      checkWebhookUrl(url, strict);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LerError);
    expect((thrown as LerError).code).toBe('WEBHOOK_URL_INVALID');
    expect((thrown as LerError).status).toBe(422);
    expect((thrown as LerError).pointer).toBe('/url');
  });

  it('with allowPrivate takes http and private addresses, still not userinfo or other schemes', () => {
    const open = { allowPrivate: true };
    expect(checkWebhookUrl('http://127.0.0.1:1234/x', open).href).toBe('http://127.0.0.1:1234/x');
    expect(checkWebhookUrl('https://localhost/x', open).hostname).toBe('localhost');
    expect(() => checkWebhookUrl('http://u:p@127.0.0.1/', open)).toThrow(/WEBHOOK_URL_INVALID/);
    expect(() => checkWebhookUrl('ftp://127.0.0.1/', open)).toThrow(/WEBHOOK_URL_INVALID/);
  });
});

/* ---------------------------------------------------------------------------------------------- */

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  url: string;
  hits: number;
  received: Received[];
  stop(): Promise<void>;
}

const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A server on 127.0.0.1 that records each request whole, then lets `answer` respond. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<TestServer> {
  const state: TestServer = { url: '', hits: 0, received: [], stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    state.hits++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.received.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(state);
  return state;
}

const local: SendOptions = { timeoutMs: 5000, maxResponseBytes: 64, policy: { allowPrivate: true } };

describe('sendWebhook', () => {
  it('POSTs the body and headers exactly and answers ok on 2xx', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'));
    const header = signatureHeader(SECRET, BODY, T);
    const result = await sendWebhook(`${server.url}/hooks/ler?x=1`, BODY, { [SIGNATURE_HEADER]: header, 'LER-Event': 'dig_request.answered', 'Content-Type': 'text/evil' }, local);
    expect(result).toMatchObject({ ok: true, status: 200, error: null, response: 'thanks' });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(server.hits).toBe(1);
    const got = server.received[0];
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hooks/ler?x=1');
    expect(got.body).toBe(BODY);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(BODY)));
    expect(got.headers['user-agent']).toBe('ler-engine-webhooks');
    expect(got.headers['ler-event']).toBe('dig_request.answered');
    expect(got.headers['ler-signature']).toBe(header);
    expect(verifySignature(got.headers['ler-signature'] as string, got.body, SECRET, { nowSeconds: T })).toBe(true);
  });

  it('answers ok false on 500 and keeps only maxResponseBytes of the answer', async () => {
    const server = await serve((_req, res) => res.writeHead(500).end('x'.repeat(1000)));
    const result = await sendWebhook(server.url, BODY, {}, { ...local, maxResponseBytes: 10 });
    expect(result).toMatchObject({ ok: false, status: 500, error: 'status 500', response: 'x'.repeat(10) });
  });

  it('does not cut a character in two when it cuts the answer', async () => {
    const server = await serve((_req, res) => res.writeHead(400).end('ææææ'));
    const result = await sendWebhook(server.url, BODY, {}, { ...local, maxResponseBytes: 5 });
    expect(result.response).toBe('ææ');
  });

  it('gives up at the deadline when the receiver never answers', async () => {
    const server = await serve(() => undefined);
    const result = await sendWebhook(server.url, BODY, {}, { ...local, timeoutMs: 300 });
    expect(result.ok).toBe(false);
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/timeout/);
    expect(result.ms).toBeLessThan(5000);
    expect(server.hits).toBe(1);
  });

  it('does not follow a redirect', async () => {
    const target = await serve((_req, res) => res.writeHead(200).end('moved here'));
    const mover = await serve((_req, res) => res.writeHead(302, { location: `${target.url}/new` }).end());
    const result = await sendWebhook(mover.url, BODY, {}, local);
    expect(result).toMatchObject({ ok: false, status: 302, error: 'redirect 302' });
    expect(mover.hits).toBe(1);
    expect(target.hits).toBe(0);
  });

  it('reports a refused connection', async () => {
    const gone = await serve(() => undefined);
    const url = gone.url;
    await gone.stop();
    servers.splice(servers.indexOf(gone), 1);
    const result = await sendWebhook(url, BODY, {}, local);
    expect(result.ok).toBe(false);
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a private address before connecting unless allowPrivate', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook(server.url, BODY, {}, { ...local, policy: { allowPrivate: false } });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^WEBHOOK_ADDRESS_PRIVATE/);
    expect(server.hits).toBe(0);
  });

  it('checks the URL again at send time (scheme, userinfo, local names)', async () => {
    const strict = { ...local, policy: { allowPrivate: false } };
    expect((await sendWebhook('http://example.org/hook', BODY, {}, strict)).error).toMatch(/^WEBHOOK_URL_INVALID/);
    expect((await sendWebhook('https://localhost/hook', BODY, {}, strict)).error).toMatch(/^WEBHOOK_URL_INVALID/);
    expect((await sendWebhook('not a url', BODY, {}, strict)).error).toMatch(/^WEBHOOK_URL_INVALID/);
  });

  it('keeps at most maxResponseBytes of an endless answer', async () => {
    let stopped = false;
    const server = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'y');
      const pump = (): void => {
        while (!stopped && !res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', () => {
        stopped = true;
      });
      pump();
    });
    const result = await sendWebhook(server.url, BODY, {}, { ...local, maxResponseBytes: 100 });
    expect(result).toMatchObject({ ok: true, status: 200, error: null });
    expect(result.response).toBe('y'.repeat(100));
  });

  it('returns a header the client refuses as an error instead of throwing', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook(server.url, BODY, { 'X-Bad': 'a\r\nInjected: 1' }, local);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/ERR_INVALID_CHAR|Invalid character/);
    expect(server.hits).toBe(0);
  });
});

describe('guardedLookup', () => {
  const lookupAll = (policy: { allowPrivate: boolean }, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family: unknown }>((resolve) => {
      guardedLookup(policy)('localhost', { all }, (err, address, family) => resolve({ err, address, family }));
    });

  it('refuses a name that resolves to a private address, in both answer forms', async () => {
    for (const all of [false, true]) {
      const { err } = await lookupAll({ allowPrivate: false }, all);
      expect(err?.code).toBe('WEBHOOK_ADDRESS_PRIVATE');
    }
  });

  it('answers like dns.lookup when allowPrivate', async () => {
    const one = await lookupAll({ allowPrivate: true }, false);
    expect(one.err).toBeNull();
    expect(isPrivateAddress(one.address as string)).toBe(true);
    expect([4, 6]).toContain(one.family);
    const all = await lookupAll({ allowPrivate: true }, true);
    expect(all.err).toBeNull();
    expect(Array.isArray(all.address)).toBe(true);
    expect((all.address as { address: string }[]).length).toBeGreaterThan(0);
  });

  it('holds at connection time: a request to a name resolving to loopback never connects', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end());
    const port = new URL(server.url).port;
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      // Node ≥ 20 asks the lookup for all addresses here (autoSelectFamily).
      const req = request({ host: 'localhost', port, method: 'POST', agent: false, lookup: guardedLookup({ allowPrivate: false }) });
      req.on('error', resolve);
      req.end('{}');
    });
    expect(err.code).toBe('WEBHOOK_ADDRESS_PRIVATE');
    expect(server.hits).toBe(0);
  });
});
