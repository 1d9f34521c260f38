/**
 * What reaches the service below its routes: HTTP the parser refuses, bodies that are not UTF-8 or
 * not gzip, and who may read /metrics. Each answer is a problem with a catalogue code.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorResponse } from '../src/http/client-error.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const UTM = 'EPSG:25832';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const dir = dataDir('protocol');
let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await testApp(dir.sub('app'), { config: { metricsToken: METRICS_TOKEN }, prepare: (engine) => engine.putNetwork('el', { type: 'FeatureCollection', features: [cable('a', [585000, 6139000], [585100, 6139000])] }, { crs: UTM }) });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await t.close();
  dir.remove();
});

/** Sends raw bytes on a fresh connection; resolves with everything the server wrote before it closed. */
function raw(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.end(bytes);
  });
}

/** Status line, headers and problem body of a raw answer. */
function parse(answer: string): { status: number; headers: string; problem: { code: string; status: number; type: string; title: string } } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), problem: JSON.parse(body) as { code: string; status: number; type: string; title: string } };
}

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['a bad request line', 'GARBAGE\r\n\r\n', 400, 'PROTOCOL_ERROR'],
    ['a request line with spaces in its target', 'GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'PROTOCOL_ERROR'],
    ['both Content-Length and Transfer-Encoding', 'POST /v1/dig-requests HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'PROTOCOL_ERROR'],
    ['headers past the size limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE']
  ])('answers %s with a problem and closes the connection', async (_name, request, status, code) => {
    const answer = parse(await raw(request));
    expect(answer.status).toBe(status);
    expect(answer.headers).toContain('content-type: application/problem+json');
    expect(answer.headers).toContain('connection: close');
    expect(answer.problem).toMatchObject({ code, status, type: `/v1/errors/${code}` });
  });

  it('writes a Content-Length that fits its body', () => {
    const answer = clientErrorResponse({ code: 'HPE_INVALID_METHOD' });
    const [head, body] = answer.split('\r\n\r\n');
    expect(Number(/content-length: (\d+)/i.exec(head)?.[1])).toBe(Buffer.byteLength(body));
  });

  it('still answers the next connection', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('bodies', () => {
  it('refuses a JSON body that is not UTF-8', async () => {
    const contractor = await t.key('contractor');
    const text = JSON.stringify({ geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM, purpose: 'XX' });
    const bytes = Buffer.from(text, 'utf8');
    // Lone continuation bytes where the purpose's letters were.
    const at = bytes.indexOf('XX');
    bytes[at] = 0xc3;
    bytes[at + 1] = 0x28;
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', headers: { 'content-type': 'application/json' }, payload: bytes });
    expect(res.statusCode, res.body).toBe(400);
    expect(problemOf(res).code).toBe('INPUT_NOT_UTF8');
    // The same text, well encoded, is taken.
    const ok = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', headers: { 'content-type': 'application/json' }, payload: Buffer.from(text.replace('XX', 'æø'), 'utf8') });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((ok.json() as { purpose: string }).purpose).toBe('æø');
  });

  it('names a body that says gzip and is not, over a real connection as through inject', async () => {
    const owner = await t.key('owner', 'gz');
    const headers = { authorization: `Bearer ${owner}`, 'content-type': 'application/geo+json', 'content-encoding': 'gzip' };
    const whole = gzipSync(JSON.stringify({ type: 'FeatureCollection', features: [cable('a', [585000, 6139000], [585100, 6139000])] }));
    for (const body of [Buffer.from('not gzip at all'), whole.subarray(0, whole.length - 12)]) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/owners/gz/network?crs=${UTM}`, { method: 'PUT', headers, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('INPUT_NOT_GZIP');
      const injected = await t.as(owner, { method: 'PUT', url: `/v1/owners/gz/network?crs=${UTM}`, headers, payload: body });
      expect(problemOf(injected).code).toBe('INPUT_NOT_GZIP');
    }
    expect(t.engine.snapshot?.networks.has('gz')).toBe(false);
  });
});

describe('/metrics', () => {
  it('is for admin keys and the metrics token only: it names every owner', async () => {
    expect(problemOf(await t.as(null, { method: 'GET', url: '/metrics' })).code).toBe('UNAUTHORIZED');
    expect(problemOf(await t.as('not-a-key-0123456789', { method: 'GET', url: '/metrics' })).code).toBe('UNAUTHORIZED');
    const contractor = await t.key('contractor');
    expect(problemOf(await t.as(contractor, { method: 'GET', url: '/metrics' })).code).toBe('FORBIDDEN');
    const admin = await t.as(ADMIN_TOKEN, { method: 'GET', url: '/metrics' });
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toContain('ler_network_version{owner="el"}');
    const scraper = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `bearer   ${METRICS_TOKEN}` } });
    expect(scraper.statusCode).toBe(200);
    expect(scraper.body).toContain('ler_network_version{owner="el"}');
  });

  it('gives the metrics token nothing else', async () => {
    expect(problemOf(await t.as(METRICS_TOKEN, { method: 'GET', url: '/v1/owners' })).code).toBe('UNAUTHORIZED');
    expect(problemOf(await t.as(METRICS_TOKEN, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } })).code).toBe('UNAUTHORIZED');
  });
});
