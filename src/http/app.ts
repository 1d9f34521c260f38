/**
 * The HTTP service: `buildApp` makes the fastify app over an engine and a store and never listens
 * (src/server.ts does). Tests call `app.inject()`.
 *
 * ```ts
 * const store = new SqliteStore({ dataDir });
 * const app = await buildApp({ store, engineOptions: { workers: 0 }, config: { adminToken } });
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 * await app.close();   // closes the engine it made; the store is the caller's
 * ```
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { Engine, type EngineOptions } from '../engine.js';
import type { ServiceStore } from '../store/store.js';
import { KeyRing, authorise } from './auth.js';
import { BatchManager, type BatchManagerOptions, type BatchStatus } from './batches.js';
import type { JobBatches } from './batch-jobs.js';
import type { PostgresStore } from '../store/postgres.js';
import type { BatchService } from './batch-service.js';
import { deadlineRules, resolveConfig, type ServiceConfig, type ServiceLimits } from './config.js';
import { PROBLEM_SCHEMA, type ServiceContext } from './context.js';
import { handleClientError } from './client-error.js';
import { identifyFirst, rateLimitKey } from './identity.js';
import { parseJsonBody } from './json-body.js';
import { createMetrics } from './metrics.js';
import { packageVersion } from './paths.js';
import { PROBLEM_TYPE, ProblemError, toProblem } from './problem.js';
import { RetentionRunner } from './retention.js';
import { batchRoutes } from './routes/batches.js';
import { digRequestRoutes } from './routes/dig-requests.js';
import { packageFileRoutes } from './routes/package-files.js';
import { keyRoutes } from './routes/keys.js';
import { mapRoutes } from './routes/map.js';
import { metaRoutes } from './routes/meta.js';
import { ownerRoutes } from './routes/owners.js';
import { uploadRoutes } from './routes/upload.js';
import { rollbackRoutes } from './routes/rollback.js';
import { webRoutes } from './routes/web.js';
import { inboxRoutes } from './routes/inbox.js';
import { webhookRoutes } from './routes/webhooks.js';
import { WebhookDispatcher } from '../notify/dispatcher.js';
import { OverdueSweeper } from '../notify/overdue.js';
import { GML_TYPES, GmlBody } from './gml-body.js';
import { lingerOnClose } from './lingering-close.js';

export type ConfigOverrides = Partial<Omit<ServiceConfig, 'limits' | 'rateLimit' | 'pressure'>> & {
  limits?: Partial<ServiceLimits>;
  rateLimit?: Partial<ServiceConfig['rateLimit']>;
  pressure?: Partial<ServiceConfig['pressure']>;
};

export interface AppOptions {
  /** The durable store (owners, keys, dig requests, audit log). The caller closes it. */
  store: ServiceStore;
  /**
   * An engine over the same store, with its own dig limits and precaution matrix; without one the app
   * makes one (with `engineOptions`, and the configuration's dig limits) and closes it with itself.
   */
  engine?: Engine;
  engineOptions?: Omit<EngineOptions, 'store'>;
  /** Configuration; what is not given takes its default (not the environment: see loadConfig). */
  config?: ConfigOverrides;
  logger?: FastifyServerOptions['logger'];
  /** Process metrics (heap, event loop, GC) in /metrics; default true. */
  defaultMetrics?: boolean;
  /** How often the store's health is checked (the service answers 503 while it fails); default 5 s. */
  healthCheckIntervalMs?: number;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const config = resolveConfig(opts.config);
  const { store } = opts;
  const ownsEngine = opts.engine === undefined;
  const engine = opts.engine ?? (await Engine.open({ digLimits: config.limits, deadlines: deadlineRules(config), ...opts.engineOptions, store }));

  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: config.limits.jsonBytes,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, allowUnionTypes: true } },
    // While closing, new requests get a problem answer (below) instead of fastify's own.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Behind a reverse proxy, the client's address (which counts requests without a key) is in X-Forwarded-For.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Requests the HTTP parser refuses (bad request line, header overflow, CL with TE): problems too.
    clientErrorHandler: handleClientError,
    // Errors of the router itself (a bad percent-encoding, a parameter too long): problems too.
    frameworkErrors: (error, request, reply) => {
      const { problem } = toProblem(error, request.url);
      void (reply as unknown as FastifyReply).code(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(problem));
    }
  });
  // Route schemas document and validate; answers are plain JSON.stringify, never reshaped by a schema.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('principal', null);

  let batches: BatchService | null = null;
  const metrics = createMetrics(engine, () => batches, { defaultMetrics: opts.defaultMetrics });
  const batchEvents = {
    onFinish: (status: BatchStatus) => metrics.batches.inc({ status }),
    onError: (err: unknown, id: string) => app.log.error({ err, batch: id }, 'batch failed')
  };
  batches = store.kind === 'postgres' ? await jobBatches(engine, store as unknown as PostgresStore, config, batchEvents) : await BatchManager.open(engine, store, config.limits, batchEvents);
  const keys = new KeyRing(store, config.adminToken);
  const ctx: ServiceContext = {
    engine,
    store,
    keys,
    config,
    metrics,
    batches
  };

  // Bodies: JSON only (and GeoJSON, which is JSON), depth-checked; the upload route streams its own.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/geo+json'], { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // LER GML bodies (a change set, an answer) stay bytes: their routes read them with the GML reader.
  app.addContentTypeParser(GML_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, new GmlBody(body as Buffer)));

  app.setErrorHandler((error, request, reply) => {
    const { problem, headers, internal } = toProblem(error, request.url);
    if (internal) request.log.error({ err: error }, 'request failed');
    // A body not read to its end is not read further: the connection closes after the answer.
    if (!request.raw.complete) {
      reply.header('connection', 'close');
      lingerOnClose(request.raw.socket);
    }
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    void reply.code(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(problem));
  });
  app.setNotFoundHandler(async (request) => {
    throw new ProblemError('ROUTE_UNKNOWN', { detail: `${request.method} ${request.url.split('?')[0]}` });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ler-engine',
        version: packageVersion(),
        description: 'Dig requests answered at once and exactly over LER 2.0 utility networks; uploads, interest areas, planners\' batches. Errors are application/problem+json with a stable code (GET /v1/errors).',
        license: { name: 'MIT', identifier: 'MIT' }
      },
      servers: [{ url: '/', description: 'The service that serves this document (paths are relative to it)' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Problem: PROBLEM_SCHEMA as Record<string, unknown> } },
      tags: [
        { name: 'dig requests', description: 'Contractors: submit a dig area, get the package' },
        { name: 'owners', description: 'Utilities: networks, interest areas, profiles' },
        { name: 'batches', description: 'Planners: many areas or a route at once' },
        { name: 'keys', description: 'Admin: API keys' },
        { name: 'map', description: 'The map page: its configuration and reference layer' },
        { name: 'service', description: 'Health, metrics, rules, errors' }
      ]
    },
    transformObject: (documentObject) => {
      const doc = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      describeUploadBody(doc as OpenApiDoc);
      return doc;
    }
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(underPressure, {
    maxEventLoopDelay: config.pressure.maxEventLoopDelayMs,
    maxHeapUsedBytes: config.pressure.maxHeapUsedBytes,
    maxRssBytes: config.pressure.maxRssBytes,
    retryAfter: config.pressure.retryAfterSeconds,
    healthCheck: async () => storeHealthy(store),
    healthCheckInterval: opts.healthCheckIntervalMs ?? 5000
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // Per key id once authenticated (identity.ts), else per client address.
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) => new ProblemError('RATE_LIMITED', { detail: `At most ${context.max} requests per ${context.after} for one key (or one address without a valid key).` })
  });
  // Before the rate limit's own hook, which fastify runs after the app's.
  identifyFirst(app, ctx.keys);

  let closing = false;
  app.addHook('onRequest', async () => {
    if (closing) throw new ProblemError('OVERLOADED', { detail: 'The service is shutting down.', headers: { 'retry-after': String(config.pressure.retryAfterSeconds), connection: 'close' } });
  });
  // Answers given while closing end their connection: a keep-alive socket would hold the close up.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== 'identity' && !(encoding === 'gzip' && request.routeOptions.config.gzip === true)) {
      throw new ProblemError('CONTENT_TYPE_UNSUPPORTED', { detail: `Content-Encoding ${JSON.stringify(encoding)} is not taken here.` });
    }
    const access = request.routeOptions.config.access;
    if (access !== undefined) {
      // Authenticated at onRequest (identity.ts); a refusal is told only now, after the rate limit.
      const who = request.principal;
      if (who === null) throw request.authFailure ?? new ProblemError('UNAUTHORIZED');
      authorise(who, access, (request.params as { owner?: string } | undefined)?.owner);
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(metaRoutes(ctx));
  await app.register(keyRoutes(ctx));
  await app.register(ownerRoutes(ctx));
  await app.register(uploadRoutes(ctx));
  await app.register(rollbackRoutes(ctx));
  await app.register(digRequestRoutes(ctx));
  await app.register(packageFileRoutes(ctx));
  await app.register(inboxRoutes(ctx));
  await app.register(webhookRoutes(ctx));
  await app.register(batchRoutes(ctx));
  await app.register(mapRoutes(ctx));
  await app.register(webRoutes(ctx));

  // Webhook deliveries from the outbox, and the missed deadlines that add to it.
  const dispatcher = new WebhookDispatcher(store, {
    settings: config.webhooks,
    onError: (error) => app.log.warn({ err: error }, 'webhook dispatch failed'),
    onAttempt: (delivery, result) => metrics.webhookAttempts.inc({ type: delivery.type, result: result.ok ? 'delivered' : result.status !== null ? 'refused' : 'failed' })
  });
  const sweeper = new OverdueSweeper(store, { everyMs: config.webhooks.overdueSweepMs, onError: (error) => app.log.warn({ err: error }, 'overdue sweep failed'), onNoticed: () => dispatcher.nudge() });
  ctx.notify = dispatcher;
  app.addHook('onReady', async () => {
    dispatcher.start();
    sweeper.start();
  });
  app.addHook('preClose', async () => {
    await sweeper.stop();
    await dispatcher.stop();
  });

  // Dig requests past their retention: pruned once the app is ready, then daily.
  const retention = new RetentionRunner(store, { days: config.retentionDays, log: app.log });
  app.decorate('retention', retention);
  app.addHook('onReady', async () => retention.start());
  app.addHook('onClose', async () => retention.stop());

  // Batches stop before the server waits for its last requests (a results stream would hold it
  // open), and before the store closes: a running one is left to run again at the next start.
  app.addHook('preClose', async () => {
    closing = true;
    await batches.close();
  });
  app.addHook('onClose', async () => {
    if (ownsEngine) await engine.close();
  });
  return app;
}

/** Batches as tasks on the database's job queue, shared by every replica (loaded only then: the embedded store needs none of it). */
async function jobBatches(engine: Engine, store: PostgresStore, config: ServiceConfig, events: BatchManagerOptions): Promise<JobBatches> {
  const { JobBatches } = await import('./batch-jobs.js');
  const jobs = new JobBatches(engine, store.jobs, config.limits, store.url, { ...events, taskAreas: config.batchTaskAreas, expireInSeconds: config.batchTaskExpireSeconds });
  try {
    await jobs.ready;
  } catch (error) {
    await jobs.close().catch(() => undefined);
    throw error;
  }
  return jobs;
}

/** Trusts the nearest `hops` proxies in front of the service, whatever their addresses. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/**
 * Whether the service can answer at all. The embedded store is part of the process: when it fails,
 * nothing can be answered. A shared database that is unreachable is not: answers from memory go
 * on, and what needs the database answers STORE_UNAVAILABLE (503) until it is back.
 */
async function storeHealthy(store: ServiceStore): Promise<boolean> {
  if (store.kind === 'postgres') return true;
  try {
    await store.currentVersions();
    return true;
  } catch {
    return false;
  }
}

interface OpenApiDoc {
  paths?: Record<string, Record<string, { requestBody?: unknown }>>;
}

/** The upload route reads its body as a stream (no schema to validate it with): its body is described here. */
function describeUploadBody(doc: OpenApiDoc): void {
  const put = doc.paths?.['/v1/owners/{owner}/network']?.put;
  if (put === undefined) return;
  const collection = { type: 'object', description: 'A GeoJSON FeatureCollection of LER 2.0 features', required: ['type', 'features'], properties: { type: { type: 'string', enum: ['FeatureCollection'] }, features: { type: 'array', items: { type: 'object' } } } };
  put.requestBody = {
    required: true,
    description: 'The whole network, streamed: a FeatureCollection, or a GeoJSON text sequence (RFC 8142). May be gzip-compressed (Content-Encoding: gzip).',
    content: {
      'application/geo+json': { schema: collection },
      'application/json': { schema: collection },
      'application/geo+json-seq': { schema: { type: 'string', description: 'RFC 8142: records RS <Feature> LF' } }
    }
  };
}
