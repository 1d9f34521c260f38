/**
 * The service on a real socket: a streamed upload, the byte limit counted on a body without a
 * length, a batch whose reader goes away, a graceful close with a request in flight; and the
 * server process itself, started and stopped with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, cable, dataDir, rect, testApp, type TestApp } from './helpers/http-app.js';
import { readAll, send } from './helpers/http-client.js';

const dir = dataDir('server');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

async function listening(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

/** A FeatureCollection of n cables, as chunks of about `size` bytes. */
function* upload(n: number, size = 64 * 1024): Generator<Buffer> {
  let buffer = '{"type":"FeatureCollection","features":[';
  for (let i = 0; i < n; i++) {
    buffer += `${i === 0 ? '' : ','}${JSON.stringify(cable(`c${i}`, [585000 + (i % 1000) * 2, 6139000 + Math.floor(i / 1000) * 3], [585001 + (i % 1000) * 2, 6139001 + Math.floor(i / 1000) * 3]))}`;
    if (buffer.length >= size) {
      yield Buffer.from(buffer);
      buffer = '';
    }
  }
  yield Buffer.from(`${buffer}]}`);
}

describe('on a socket', () => {
  it('streams an upload in, counts the bytes of an unbounded body, and refuses a lying Content-Length at once', async () => {
    const t = await testApp(dir.sub('stream'), { config: { limits: { uploadBytes: 8 * 1024 * 1024 } } });
    try {
      const base = await listening(t);
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/geo+json' };
      // About 5 MB in 64 KiB chunks, chunked (no Content-Length): parsed as it arrives.
      const ok = await send(`${base}/v1/owners/dk-el/network?crs=${UTM}`, { method: 'PUT', headers, chunks: upload(25_000) });
      expect(ok.status, ok.body).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ version: 1, features: 25_000, bytes: ok.written });
      expect(ok.written).toBeGreaterThan(4 * 1024 * 1024);

      // Over the limit, with no length to refuse it by: cut off at the limit, 413, connection closed.
      const tooBig = await send(`${base}/v1/owners/dk-el/network?crs=${UTM}`, { method: 'PUT', headers, chunks: upload(400_000) });
      expect(tooBig.status).toBe(413);
      expect(tooBig.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(tooBig.body)).toMatchObject({ code: 'INPUT_TOO_LARGE', status: 413, limit: 8 * 1024 * 1024 });
      expect(tooBig.headers.connection).toBe('close');
      // The client stopped writing when the answer came, long before its 80 MB were through.
      expect(tooBig.written).toBeLessThan(40 * 1024 * 1024);

      // A Content-Length of 1 GB is refused before a byte of the body is read.
      const started = performance.now();
      const liar = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${base}/v1/owners/dk-el/network`, { method: 'PUT', headers: { ...headers, 'content-length': 1024 ** 3 } }, (res) => {
          readAll(res).then((a) => {
            req.destroy();
            resolve(a);
          }, reject);
        });
        req.on('error', () => {});
        req.write('{"type":"FeatureCollection","features":[');
      });
      expect(liar.status).toBe(413);
      expect(JSON.parse(liar.body)).toMatchObject({ code: 'INPUT_TOO_LARGE' });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(t.engine.snapshot?.networks.get('dk-el')).toMatchObject({ version: 1, features: 25_000 });
    } finally {
      await t.close();
    }
  });

  it('lingers on a refused body: the client reads its answer and may go on sending until it closes, within a bound', async () => {
    const t = await testApp(dir.sub('linger'), { config: { limits: { uploadBytes: 1024 * 1024 } } });
    try {
      await listening(t);
      const port = (t.app.server.address() as AddressInfo).port;
      const open = async (): Promise<{ socket: Socket; answer: Promise<string>; closed: Promise<number> }> => {
        const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        await once(socket, 'connect');
        const opened = performance.now();
        const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
        socket.on('error', () => {});
        let text = '';
        const answer = new Promise<string>((resolve) => {
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            const head = text.indexOf('\r\n\r\n');
            const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? NaN);
            if (head >= 0 && text.length >= head + 4 + length) resolve(text);
          });
        });
        socket.write(`PUT /v1/owners/dk-el/network HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/geo+json\r\nContent-Length: ${1024 ** 3}\r\n\r\n{"type":`);
        return { socket, answer, closed };
      };
      const write = (socket: Socket, bytes: number): Promise<void> => new Promise((resolve, reject) => socket.write(Buffer.alloc(bytes, 32), (error) => (error ? reject(error) : resolve())));

      // After the answer the client still sends (it has not read it yet): the server reads and
      // drops those bytes rather than resetting the connection under them, and closes when the client does.
      const a = await open();
      expect(await a.answer).toMatch(/^HTTP\/1\.1 413 [^]*connection: close[^]*"INPUT_TOO_LARGE"/i);
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 8; i++) await write(a.socket, 256 * 1024);
      await new Promise((r) => setTimeout(r, 100));
      await write(a.socket, 1024);
      expect(a.socket.destroyed).toBe(false);
      a.socket.end();
      expect(await a.closed).toBeLessThan(1500);

      // A client that never closes its side is cut off after the bound (2 s): its writes then fail.
      const b = await open();
      await b.answer;
      const started = performance.now();
      const cutAfter = await new Promise<number>((resolve) => {
        const tick = (): void => {
          b.socket.write(Buffer.alloc(1024, 32), (error) => (error ? resolve(performance.now() - started) : setTimeout(tick, 100)));
        };
        tick();
      });
      b.socket.destroy();
      expect(cutAfter).toBeGreaterThan(1500);
      expect(cutAfter).toBeLessThan(5000);

      // So is one that goes on sending past 16 MiB.
      const c = await open();
      await c.answer;
      let sent = 0;
      await expect((async () => {
        for (; sent < 64 * 1024 * 1024; sent += 1024 * 1024) await write(c.socket, 1024 * 1024);
      })()).rejects.toThrow();
      c.socket.destroy();
      expect(sent).toBeGreaterThanOrEqual(16 * 1024 * 1024);
      expect(sent).toBeLessThan(40 * 1024 * 1024);
    } finally {
      await t.close();
    }
  });

  it('keeps a batch running when its reader goes away', async () => {
    const t = await testApp(dir.sub('batch'), { workers: 1, prepare: (engine) => engine.putNetwork('el', Array.from({ length: 50 }, (_, i) => cable(`e${i}`, [585000, 6139000 + 20 * i], [587000, 6139000 + 20 * i])), { crs: UTM }) });
    try {
      const base = await listening(t);
      const features = Array.from({ length: 20_000 }, (_, i) => ({ type: 'Feature', id: i, geometry: rect(585000 + (i % 200) * 10, 6139000 + Math.floor(i / 200) * 10, 585008 + (i % 200) * 10, 6139008 + Math.floor(i / 200) * 10), properties: {} }));
      const post = await send(`${base}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, chunks: [Buffer.from(JSON.stringify({ areas: { type: 'FeatureCollection', features }, crs: UTM }))] });
      expect(post.status, post.body).toBe(202);
      const id = (JSON.parse(post.body) as { id: string }).id;
      // Read the first bytes of the results, then hang up.
      const firstBytes = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${base}/v1/batches/${id}/results`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
          res.once('data', (chunk: Buffer) => {
            resolve(chunk.length);
            req.destroy();
          });
        });
        req.on('error', (error) => (error.message.includes('aborted') || error.message.includes('socket hang up') ? undefined : reject(error)));
        req.end();
      });
      expect(firstBytes).toBeGreaterThan(0);
      // The batch goes on to its end; a new reader gets every result.
      const all = await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/batches/${id}/results` });
      expect(all.body.split('\n').filter(Boolean)).toHaveLength(20_000);
      expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/batches/${id}` })).json()).toMatchObject({ status: 'done', results: 20_000 });
    } finally {
      await t.close();
    }
  });

  it('closes gracefully: the request in flight is answered, new ones are not taken', async () => {
    const t = await testApp(dir.sub('close'));
    const base = await listening(t);
    const arrived = new Promise<void>((resolve) => t.app.server.once('request', () => resolve()));
    let closed: Promise<void> | null = null;
    const answer = await send(`${base}/v1/owners/dk-el/network?crs=${UTM}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/geo+json' },
      chunks: upload(2000, 16 * 1024),
      // The request has arrived, its body is not yet whole: the app is told to close, then the body ends.
      beforeEnd: async () => {
        await arrived;
        closed = t.app.close();
        await new Promise((r) => setImmediate(r));
        const refused = await send(`${base}/healthz`, { method: 'GET' }).catch((error: Error) => ({ status: 0, headers: {}, body: error.message }));
        // While closing: a new request is refused (as a problem), or its connection is.
        if (refused.status !== 0) expect(JSON.parse(refused.body)).toMatchObject({ code: 'OVERLOADED', status: 503 });
      }
    });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ features: 2000 });
    // The answer ends its keep-alive connection, so closing need not wait for it to time out.
    expect(answer.headers.connection).toBe('close');
    const started = performance.now();
    await closed;
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(send(`${base}/healthz`, { method: 'GET' })).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    await t.engine.close();
    await t.store.close();
  });
});

describe('the server process', () => {
  const serverFile = fileURLToPath(new URL('../src/server.ts', import.meta.url));

  function start(dataDirectory: string): Promise<{ child: ChildProcess; output: () => string; url: string; token: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', serverFile], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LER_DATA_DIR: dataDirectory, LER_WORKERS: '0', LER_LOG_LEVEL: 'info', LER_ADMIN_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const url = /listening at (http:\/\/localhost:\d+)/.exec(out)?.[1];
        const token = /Demo contractor token:\n\s+(\S+)/.exec(out)?.[1];
        if (url && token) resolve({ child, output: () => out, url, token });
      };
      child.stdout?.on('data', check);
      child.on('exit', (code) => reject(new Error(`The server exited with ${String(code)}: ${out}`)));
    });
  }

  function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  }

  it('starts on a fresh data directory with the demo, answers the printed dig request, and stops on SIGTERM', async () => {
    const data = dir.sub('process');
    const first = await start(data);
    const out = first.output();
    expect(out).toMatch(/Loaded the demo network \(7 owners/);
    expect(out).toMatch(/Admin token for this run/);
    const curl = /curl -s -X POST (\S+) -H 'Authorization: Bearer (\S+)' -H 'Content-Type: application\/json' -d '(.+)'/.exec(out);
    expect(curl).not.toBeNull();
    const [, url, token, body] = curl as RegExpExecArray;
    const res = await send(url.replace('localhost', '127.0.0.1'), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, chunks: [Buffer.from(body)] });
    expect(res.status, res.body).toBe(201);
    const pkg = JSON.parse(res.body) as { owners: { owner: string; status: string }[] };
    expect(pkg.owners).toHaveLength(7);
    expect(pkg.owners.find((o) => o.owner === 'demo-el')?.status).toBe('udtaget til påvisning - ledningsoplysninger udleveret');
    expect(await stop(first.child, 'SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/SIGTERM: closing/);
    expect(first.output()).toMatch(/"msg":"closed"/);

    // Started again on the same data: the networks come from the store, a new demo token replaces the old.
    const second = await start(data);
    expect(second.output()).not.toMatch(/Loaded the demo network/);
    expect(second.token).not.toBe(first.token);
    const old = await send(url.replace('localhost', '127.0.0.1').replace(/:\d+/, `:${new URL(second.url).port}`), { method: 'POST', headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' }, chunks: [Buffer.from(body)] });
    expect(old.status).toBe(401);
    const health = await send(`${second.url.replace('localhost', '127.0.0.1')}/healthz`, { method: 'GET' });
    expect(JSON.parse(health.body)).toMatchObject({ owners: 6, snapshotVersion: 1 });
    expect(await stop(second.child, 'SIGINT')).toBe(0);
  });
});
