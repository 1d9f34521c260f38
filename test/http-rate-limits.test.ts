/**
 * The rate limit counts on who a request comes from: a key's id once it is authenticated, however
 * its Authorization header is written; the client's address without a key, on public routes, and
 * when the key is refused, so that random tokens share their sender's bucket.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/http/config.js';
import { dataDir, problemOf, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('rate');
afterAll(() => dir.remove());

const MAX = 3;

describe('rate limits on identity', () => {
  let t: TestApp;
  let contractor: string;
  let other: string;

  beforeEach(async () => {
    t = await testApp(dir.sub('app'), { config: { rateLimit: { max: MAX, windowMs: 60_000 } } });
    contractor = await t.key('contractor');
    other = await t.key('contractor');
  });
  afterEach(async () => t.close());

  const me = (authorization: string | null, remoteAddress = '127.0.0.1'): Promise<LightMyRequestResponse> =>
    t.app.inject({ method: 'GET', url: '/v1/me', remoteAddress, headers: authorization === null ? {} : { authorization } });

  it('gives one key one bucket however its header is spelled', async () => {
    const spellings = [`Bearer ${contractor}`, `bearer ${contractor}`, `Bearer  ${contractor}`, `BEARER ${contractor}  `];
    const statuses: number[] = [];
    for (const spelling of spellings) statuses.push((await me(spelling)).statusCode);
    // The fourth request is the key's (max+1)th, whatever its spelling: on the raw header, each spelling had its own bucket.
    expect(statuses).toEqual([200, 200, 200, 429]);
    for (const spelling of spellings) {
      const res = await me(spelling);
      expect(res.statusCode).toBe(429);
      expect(problemOf(res).code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Another key is not touched; nor is the address the key was sent from.
    expect((await me(`Bearer ${other}`)).statusCode).toBe(200);
    expect(problemOf(await me('Bearer not-a-key-of-this-service')).code).toBe('UNAUTHORIZED');
  });

  it('counts random invalid tokens on their address: 429 after the limit, other addresses and keys untouched', async () => {
    const random = (): string => `Bearer ${randomBytes(24).toString('base64url')}`;
    for (let i = 0; i < MAX; i++) {
      const res = await me(random());
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
    // A fresh token each time passes no more: past the address's limit it is told 429, not 401.
    const past = await me(random());
    expect(past.statusCode).toBe(429);
    expect(problemOf(past).code).toBe('RATE_LIMITED');
    expect(Number(past.headers['retry-after'])).toBeGreaterThan(0);
    // No header, or a malformed one, from that address: the same bucket.
    expect((await me(null)).statusCode).toBe(429);
    expect((await me('Basic dXNlcjpwYXNz')).statusCode).toBe(429);
    // A valid key from the same address has its own bucket; another address has its own too.
    expect((await me(`Bearer ${contractor}`)).statusCode).toBe(200);
    expect((await me(random(), '10.0.0.2')).statusCode).toBe(401);
  });

  it('counts public routes on the address, whatever key is sent', async () => {
    for (let i = 0; i < MAX; i++) expect((await t.app.inject({ method: 'GET', url: '/v1/map/config', headers: { authorization: `Bearer ${randomBytes(8).toString('hex')}` } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/map/config', headers: { authorization: `Bearer ${contractor}` } })).statusCode).toBe(429);
    // The key's own bucket is untouched by that.
    expect((await me(`Bearer ${contractor}`)).statusCode).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  it('counts clients by X-Forwarded-For only from the proxies it is told to trust', async () => {
    const config = (trustProxy: string | false) => ({ rateLimit: { max: 1, windowMs: 60_000 }, trustProxy });
    const anonymous = (t: TestApp, client: string, via = '10.0.0.1'): Promise<LightMyRequestResponse> =>
      t.app.inject({ method: 'GET', url: '/v1/map/config', remoteAddress: via, headers: { 'x-forwarded-for': client } });
    // Trusted: two clients behind the one proxy are two buckets.
    const behind = await testApp(dir.sub('proxy'), { config: config('10.0.0.0/8') });
    try {
      expect((await anonymous(behind, '198.51.100.1')).statusCode).toBe(200);
      expect((await anonymous(behind, '198.51.100.2')).statusCode).toBe(200);
      expect((await anonymous(behind, '198.51.100.1')).statusCode).toBe(429);
      // The header from an address that is not a trusted proxy is not believed.
      expect((await anonymous(behind, '198.51.100.3', '203.0.113.9')).statusCode).toBe(200);
      expect((await anonymous(behind, '198.51.100.4', '203.0.113.9')).statusCode).toBe(429);
    } finally {
      await behind.close();
    }
    // Not trusted (the default): whatever the header says, it is the connection's address.
    const direct = await testApp(dir.sub('direct'), { config: config(false) });
    try {
      expect((await anonymous(direct, '198.51.100.1')).statusCode).toBe(200);
      expect((await anonymous(direct, '198.51.100.2')).statusCode).toBe(429);
    } finally {
      await direct.close();
    }
  });

  it('reads LER_TRUST_PROXY: hops or addresses, and stops at anything else', () => {
    expect(loadConfig({ LER_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ LER_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16' }).trustProxy).toBe('10.0.0.1,192.168.0.0/16');
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ LER_TRUST_PROXY: 'everyone' })).toThrow(/LER_TRUST_PROXY/);
  });
});
