/**
 * Services for the command-line tests: the real app (buildApp) over a store the CLI filled,
 * listening on 127.0.0.1 at a free port for `ler ... --url`; and a stand-in batch service whose
 * results stream stalls, for stopping a remote check half way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApp, type TestApp, type TestAppOptions } from './http-app.js';

export interface ListeningApp extends TestApp {
  url: string;
}

/** The service over the store in `dir`, listening; `close` stops it and closes the store. */
export async function listeningApp(dir: string, opts: TestAppOptions = {}): Promise<ListeningApp> {
  const t = await testApp(dir, opts);
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...t, url: address };
}

/** A port nothing listens on (taken, then given back). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StallingService {
  url: string;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Accepts any batch, reports it running, streams `lines` results and then sends nothing more
 * (the connection stays open), as a service with a long batch does; takes its cancellation.
 */
export async function stallingService(lines: string[]): Promise<StallingService> {
  const requests: string[] = [];
  const id = 'b-stalling';
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/batches') {
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id, status: 'queued', results: 0, progress: null, error: null }));
      } else if (req.method === 'GET' && req.url === `/v1/batches/${id}`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, status: 'running', results: lines.length, progress: { done: lines.length, failed: 0, total: 1000 }, error: null }));
      } else if (req.method === 'DELETE' && req.url === `/v1/batches/${id}`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, status: 'cancelled', results: lines.length, progress: null, error: { code: 'BATCH_CANCELLED', message: 'Cancelled.' } }));
      } else if (req.method === 'GET' && req.url === `/v1/batches/${id}/results`) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(lines.map((l) => `${l}\n`).join(''));
      } else {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code: 'ROUTE_UNKNOWN', title: 'No route', status: 404 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
