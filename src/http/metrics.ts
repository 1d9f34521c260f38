/**
 * Prometheus metrics, in a registry of the app's own (several apps in one process keep theirs
 * apart): requests and their latencies by route, dig requests and uploads, batches running and
 * waiting, and the live network: snapshot version, each owner's version and feature count.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine.js';
import type { BatchService } from './batch-service.js';

export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  digRequests: Counter<'result'>;
  uploads: Counter<'kind' | 'result'>;
  batches: Counter<'status'>;
  /** Webhook delivery attempts, by event type and result (delivered, refused: an answer other than 2xx, failed: none came). */
  webhookAttempts: Counter<'type' | 'result'>;
}

export function createMetrics(engine: Engine, batches: () => BatchService | null, opts: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'ler_' });
  const requests = new Counter({ name: 'ler_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'ler_http_request_duration_seconds',
    help: 'Time to answer a request, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry]
  });
  const digRequests = new Counter({ name: 'ler_dig_requests_total', help: 'Dig requests answered (ok) or refused (rejected)', labelNames: ['result'] as const, registers: [registry] });
  const uploads = new Counter({ name: 'ler_uploads_total', help: 'Network uploads (replace, patch, interest areas) by result', labelNames: ['kind', 'result'] as const, registers: [registry] });
  const finished = new Counter({ name: 'ler_batches_total', help: 'Batches ended, by status', labelNames: ['status'] as const, registers: [registry] });
  const webhookAttempts = new Counter({ name: 'ler_webhook_attempts_total', help: 'Webhook delivery attempts by event type and result (delivered; refused: the receiver answered other than 2xx; failed: no answer)', labelNames: ['type', 'result'] as const, registers: [registry] });
  new Gauge({
    name: 'ler_batch_queue_depth',
    help: 'Batches running and waiting',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const depth = batches()?.depth ?? { running: 0, queued: 0 };
      this.set({ state: 'running' }, depth.running);
      this.set({ state: 'queued' }, depth.queued);
    }
  });
  new Gauge({
    name: 'ler_snapshot_version',
    help: 'Version of the live snapshot of the whole network (0: none loaded)',
    registers: [registry],
    collect() {
      this.set(engine.snapshot?.version ?? 0);
    }
  });
  new Gauge({
    name: 'ler_snapshot_merged',
    help: '1 once one merged index answers for every owner of the live snapshot (uploads and start-up are merged in the background), else 0',
    registers: [registry],
    collect() {
      this.set(engine.snapshot?.compacted === true ? 1 : 0);
    }
  });
  new Gauge({
    name: 'ler_network_version',
    help: 'Live network version of each owner',
    labelNames: ['owner'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const n of engine.snapshot?.networks.values() ?? []) this.set({ owner: n.owner }, n.version);
    }
  });
  new Gauge({
    name: 'ler_network_features',
    help: 'Features in each owner\'s live network',
    labelNames: ['owner'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const n of engine.snapshot?.networks.values() ?? []) this.set({ owner: n.owner }, n.features);
    }
  });
  return { registry, requests, latency, digRequests, uploads, batches: finished, webhookAttempts };
}
