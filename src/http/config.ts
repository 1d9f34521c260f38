/**
 * The service's configuration: defaults, and how the environment overrides them. Every limit a
 * request can run into is here, with the name of the variable that sets it; a value that is not
 * what its variable needs stops the service at start with a message naming the variable.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isDatabaseUrl } from '../store/open.js';
import { DEFAULT_DEADLINE_RULES, parseHolidays, type DeadlineRules } from '../package/deadline.js';

export interface ServiceLimits {
  /** Largest network upload (PUT), bytes of body as sent. */
  uploadBytes: number;
  /** Largest small JSON body (dig requests, keys, profiles). */
  jsonBytes: number;
  /** Largest change set (PATCH). */
  changeSetBytes: number;
  /** Largest answer of an owner to a dig request (with its lines). */
  answerBytes: number;
  /** Largest interest-area upload. */
  interestAreaBytes: number;
  /** Bytes of one feature's `properties` as JSON (network features and interest areas). */
  maxPropertiesBytes: number;
  /** Bytes of one property value (a string's UTF-8, another value's JSON). */
  maxPropertyValueBytes: number;
  /** Share of an owner's features, percent, one upload or change set may remove without `allowRemoval=true`. */
  maxRemovalPercent: number;
  /** Largest batch body. */
  batchBytes: number;
  /** Largest dig area, square metres (planar, EPSG:25832). */
  maxDigAreaM2: number;
  /** Largest area of a planning request (orientation), square metres. */
  maxPlanningAreaM2: number;
  /** Largest area of an emergency request, square metres. */
  maxEmergencyAreaM2: number;
  /** Most vertices of a dig area, over all its rings. */
  maxDigVertices: number;
  /** Widest information zone, metres (at most 100). */
  maxInfoZone: number;
  /** Longest dig period, days. */
  maxPeriodDays: number;
  /** How far ahead a dig period may begin, days. */
  maxPeriodLeadDays: number;
  /** How long a package is valid when the request gives no period, days. */
  packageValidDays: number;
  /** Dig requests one contractor key may make per calendar day (UTC); admin keys are exempt. */
  digRequestsPerDay: number;
  /** Package maps (map.svg, map.png) one key may have being drawn at once. */
  rendersPerKey: number;
  /** Package maps drawn at once by the whole service; 0: the machine's cores. More wait, up to `rendersQueued`. */
  rendersRunning: number;
  rendersQueued: number;
  /** Most areas (or route stretches) of one batch. */
  maxBatchAreas: number;
  /** Batches run at once; more wait in a queue of `maxBatchesQueued`. */
  maxBatchesRunning: number;
  maxBatchesQueued: number;
  /** Per planner (key): batches run at once (more wait their turn), and batches waiting. */
  maxBatchesRunningPerPlanner: number;
  maxBatchesQueuedPerPlanner: number;
  /** Per planner: batches kept (ended ones, and those waiting or running), and bytes of stored results. */
  batchesKeptPerPlanner: number;
  batchResultBytesPerPlanner: number;
  /** How long an ended batch is kept on disk with its results, seconds. */
  batchTtlSeconds: number;
  /** Webhooks one key may have. */
  webhooksPerKey: number;
}

/** How webhooks are delivered. */
export interface WebhookSettings {
  /** Allow http and private, loopback and link-local addresses (tests, closed networks). */
  allowPrivate: boolean;
  /** One attempt's whole time (connect, send, answer), ms. */
  timeoutMs: number;
  /** Attempts in flight at once, all endpoints together. */
  concurrency: number;
  /** The first retry's delay, ms; each next one doubles it (with jitter), up to an hour. */
  retryBaseMs: number;
  /** How long a delivery is retried, and an endpoint that fails every attempt is kept enabled, seconds. */
  giveUpSeconds: number;
  /** How often the outbox is polled for due deliveries, ms. */
  pollMs: number;
  /** How often missed answer deadlines are looked for, ms. */
  overdueSweepMs: number;
}

export interface ServiceConfig {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…`: the store is PostgreSQL, shared by every replica with the same URL; null: SQLite in dataDir. */
  databaseUrl: string | null;
  /** The admin token; null: none configured (the server makes one for its run and prints it). */
  adminToken: string | null;
  /** A token that may read /metrics only (for Prometheus); null: only admin keys may. */
  metricsToken: string | null;
  /** Worker threads for batches; undefined: the machine's parallelism. */
  workers: number | undefined;
  /** Network versions kept per owner. */
  history: number;
  logLevel: string;
  /** Load the demo network when the store holds none. */
  demo: boolean;
  /** A JSON file with the precaution matrix (see precautions.ts); null: the defaults. */
  precautionsFile: string | null;
  limits: ServiceLimits;
  rateLimit: { max: number; windowMs: number };
  pressure: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; maxRssBytes: number; retryAfterSeconds: number };
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (rate limits count
   * unauthenticated requests on it): false, none; a number, that many hops; else the proxies'
   * addresses or CIDR ranges, comma-separated.
   */
  trustProxy: boolean | number | string;
  /** How long a shutdown waits for requests in flight before it stops anyway. */
  shutdownTimeoutMs: number;
  /** With PostgreSQL: areas per task of a batch (tasks are shared by the replicas). */
  batchTaskAreas: number;
  /** With PostgreSQL: seconds a batch task may run before another replica runs it again. */
  batchTaskExpireSeconds: number;
  /** How long dig requests, their packages and their maps are kept, days; older ones are pruned daily. */
  retentionDays: number;
  /** The map page's base map: an XYZ tile URL template ({z}, {x}, {y}, optionally {s}); null: a plain background. */
  mapTiles: string | null;
  /** Attribution shown on the map for the tiles. */
  mapAttribution: string | null;
  /** A GeoJSON file of reference lines (roads) drawn grey under everything; null: none (the demo's roads when the demo is loaded). */
  mapReference: string | null;
  /** Directory of the built map page; null: dist/web in the package. */
  webDir: string | null;
  webhooks: WebhookSettings;
  /** Extra days off (YYYY-MM-DD) on which answers are not due, besides the Danish public holidays. */
  holidays: string[];
}

export const DEFAULT_LIMITS: ServiceLimits = {
  uploadBytes: 512 * 1024 * 1024,
  jsonBytes: 1024 * 1024,
  changeSetBytes: 64 * 1024 * 1024,
  // The lines of one dig area, read on the request's thread: tens of thousands of features at most.
  answerBytes: 8 * 1024 * 1024,
  interestAreaBytes: 16 * 1024 * 1024,
  maxPropertiesBytes: 16 * 1024,
  maxPropertyValueBytes: 4 * 1024,
  maxRemovalPercent: 50,
  batchBytes: 64 * 1024 * 1024,
  // KLIC's dig request: at most 500 x 500 m.
  maxDigAreaM2: 250_000,
  // KLIC's orientation request: at most 2,500 x 2,500 m.
  maxPlanningAreaM2: 6_250_000,
  maxEmergencyAreaM2: 250_000,
  maxDigVertices: 1000,
  maxInfoZone: 100,
  maxPeriodDays: 183,
  maxPeriodLeadDays: 365,
  packageValidDays: 30,
  digRequestsPerDay: 2000,
  rendersPerKey: 2,
  rendersRunning: 0,
  rendersQueued: 32,
  maxBatchAreas: 100_000,
  maxBatchesRunning: 2,
  // A waiting batch costs disk only (its input, at most batchBytes), no memory.
  maxBatchesQueued: 32,
  // One planner takes one of the two running slots at a time, and a few of the queue's places.
  maxBatchesRunningPerPlanner: 1,
  maxBatchesQueuedPerPlanner: 4,
  // Two a day for the week they are kept; 2 GiB holds nine 100,000-area batches with every conflict.
  batchesKeptPerPlanner: 100,
  batchResultBytesPerPlanner: 2 * 1024 * 1024 * 1024,
  batchTtlSeconds: 7 * 24 * 3600,
  webhooksPerKey: 10
};

export const DEFAULT_CONFIG: ServiceConfig = {
  port: 3000,
  host: '0.0.0.0',
  dataDir: './data',
  databaseUrl: null,
  adminToken: null,
  metricsToken: null,
  workers: undefined,
  history: 5,
  logLevel: 'info',
  demo: true,
  precautionsFile: null,
  limits: DEFAULT_LIMITS,
  rateLimit: { max: 600, windowMs: 60_000 },
  pressure: { maxEventLoopDelayMs: 1000, maxHeapUsedBytes: 0, maxRssBytes: 0, retryAfterSeconds: 10 },
  shutdownTimeoutMs: 10_000,
  batchTaskAreas: 2048,
  batchTaskExpireSeconds: 30,
  // Five years: LER keeps dig requests and their packages for years.
  retentionDays: 1826,
  mapTiles: null,
  trustProxy: false,
  mapAttribution: null,
  mapReference: null,
  webDir: null,
  webhooks: { allowPrivate: false, timeoutMs: 10_000, concurrency: 8, retryBaseMs: 10_000, giveUpSeconds: 86_400, pollMs: 500, overdueSweepMs: 30_000 },
  holidays: []
};

type Env = Record<string, string | undefined>;

/** One environment variable: its name, what it sets, and its default (for the docs and for loadConfig). */
export interface EnvVariable {
  name: string;
  description: string;
  default: string;
  /** A limit, quota or retention period (the README lists these). */
  limit?: true;
}

const LIMIT_VARIABLES: [keyof ServiceLimits, string, string][] = [
  ['uploadBytes', 'LER_UPLOAD_LIMIT_BYTES', 'largest network upload (PUT), bytes as sent; beyond: 413'],
  ['jsonBytes', 'LER_JSON_LIMIT_BYTES', 'largest JSON body of a dig request, key or profile'],
  ['changeSetBytes', 'LER_CHANGESET_LIMIT_BYTES', 'largest change set (PATCH)'],
  ['answerBytes', 'LER_ANSWER_LIMIT_BYTES', 'largest answer of an owner to a dig request, with its lines; beyond: 413'],
  ['interestAreaBytes', 'LER_INTEREST_LIMIT_BYTES', 'largest interest-area upload'],
  ['maxPropertiesBytes', 'LER_MAX_FEATURE_PROPERTIES_BYTES', 'largest `properties` of one feature or interest area, bytes of JSON; beyond: 422 PROPERTIES_TOO_LARGE'],
  ['maxPropertyValueBytes', 'LER_MAX_PROPERTY_VALUE_BYTES', 'largest property value, bytes (a string\'s UTF-8, another value\'s JSON); beyond: 422 PROPERTY_VALUE_TOO_LARGE'],
  ['maxRemovalPercent', 'LER_MAX_REMOVAL_PERCENT', 'share of an owner\'s features, percent (0 to 100), one upload or change set may remove; beyond, or an upload with no features: 409, unless the request sends allowRemoval=true'],
  ['batchBytes', 'LER_BATCH_LIMIT_BYTES', 'largest batch body'],
  ['maxDigAreaM2', 'LER_MAX_DIG_AREA_M2', 'largest dig area of a dig request (type dig), m² (planar); beyond: 422 DIG_AREA_TOO_LARGE'],
  ['maxPlanningAreaM2', 'LER_MAX_PLANNING_AREA_M2', 'largest area of a planning request (type planning, orientation only), m²'],
  ['maxEmergencyAreaM2', 'LER_MAX_EMERGENCY_AREA_M2', 'largest area of an emergency request (type emergency), m²'],
  ['maxDigVertices', 'LER_MAX_DIG_VERTICES', 'most vertices of a dig area'],
  ['maxInfoZone', 'LER_MAX_INFO_ZONE_M', 'widest information zone, m (at most 100)'],
  ['maxPeriodDays', 'LER_MAX_PERIOD_DAYS', 'longest dig period, days'],
  ['maxPeriodLeadDays', 'LER_MAX_PERIOD_LEAD_DAYS', 'how far ahead a dig period may begin, days'],
  ['packageValidDays', 'LER_PACKAGE_VALID_DAYS', 'validity of a package without a period, days'],
  ['digRequestsPerDay', 'LER_DIG_REQUESTS_PER_DAY', 'dig requests per contractor key per calendar day (UTC); beyond: 429 QUOTA_DIG_REQUESTS (admin keys are exempt)'],
  ['rendersPerKey', 'LER_RENDERS_PER_KEY', 'package maps (map.svg, map.png) one key may have being drawn at once; beyond: 429 RENDER_LIMITED (a map drawn once is served from the store)'],
  ['rendersRunning', 'LER_RENDERS_RUNNING', 'package maps drawn at once by the whole service (0: the machine\'s cores); more wait'],
  ['rendersQueued', 'LER_RENDERS_QUEUED', 'package maps waiting to be drawn; beyond: 503 OVERLOADED'],
  ['maxBatchAreas', 'LER_MAX_BATCH_AREAS', 'most areas or route stretches in one batch'],
  ['maxBatchesRunning', 'LER_MAX_BATCHES_RUNNING', 'batches run at once'],
  ['maxBatchesQueued', 'LER_MAX_BATCHES_QUEUED', 'batches waiting, all planners together; beyond: 503 BATCH_QUEUE_FULL'],
  ['maxBatchesRunningPerPlanner', 'LER_MAX_BATCHES_RUNNING_PER_PLANNER', 'batches of one planner (key) run at once; its others wait, and the next to run is picked planner by planner in turn'],
  ['maxBatchesQueuedPerPlanner', 'LER_MAX_BATCHES_QUEUED_PER_PLANNER', 'batches of one planner waiting; beyond: 429 QUOTA_BATCHES_QUEUED'],
  ['batchesKeptPerPlanner', 'LER_BATCHES_KEPT_PER_PLANNER', 'batches one planner keeps (ended, waiting or running); beyond: 429 QUOTA_BATCHES_KEPT (DELETE an ended batch to free its place)'],
  ['batchResultBytesPerPlanner', 'LER_BATCH_RESULT_BYTES_PER_PLANNER', 'bytes of stored batch results per planner; beyond: 429 QUOTA_BATCH_RESULT_BYTES, and a running batch that crosses it fails with that code'],
  ['batchTtlSeconds', 'LER_BATCH_TTL_S', 'how long an ended batch and its results are kept on disk, seconds'],
  ['webhooksPerKey', 'LER_WEBHOOKS_PER_KEY', 'webhooks one key may have; beyond: 429 QUOTA_WEBHOOKS']
];

/** Every variable the service reads, with its default. */
export function environmentVariables(): EnvVariable[] {
  const d = DEFAULT_CONFIG;
  return [
    { name: 'PORT', description: 'port to listen on', default: String(d.port) },
    { name: 'HOST', description: 'address to listen on', default: d.host },
    { name: 'LER_DATA_DIR', description: 'directory of the SQLite store', default: d.dataDir },
    { name: 'LER_DATABASE_URL', description: 'a PostgreSQL connection URL (postgres://user@host:port/db): the store is that database, shared by every service process given the same URL (replicas); unset: SQLite in LER_DATA_DIR', default: '(unset)' },
    { name: 'LER_ADMIN_TOKEN', description: 'the admin token; unset: one is made for the run and printed', default: '(unset)' },
    { name: 'LER_METRICS_TOKEN', description: 'a bearer token that may read /metrics and nothing else (for Prometheus); unset: only admin keys may', default: '(unset)' },
    { name: 'LER_WORKERS', description: 'worker threads for batches (0: inline)', default: 'the machine\'s cores' },
    { name: 'LER_HISTORY', description: 'network versions kept per owner (a rollback can go back to any of them)', default: String(d.history), limit: true },
    { name: 'LER_LOG_LEVEL', description: 'pino log level', default: d.logLevel },
    { name: 'LER_DEMO', description: 'load the demo network when the store holds none (0 to turn off)', default: '1' },
    { name: 'LER_PRECAUTIONS_FILE', description: 'JSON file with the precaution matrix', default: '(built in)' },
    ...LIMIT_VARIABLES.map(([key, name, description]) => ({ name, description, default: String(d.limits[key]), limit: true as const })),
    { name: 'LER_RATE_LIMIT_MAX', description: 'requests per key (or address, without a key) per window; beyond: 429', default: String(d.rateLimit.max), limit: true },
    { name: 'LER_RATE_LIMIT_WINDOW_MS', description: 'rate-limit window, ms', default: String(d.rateLimit.windowMs), limit: true },
    { name: 'LER_MAX_EVENT_LOOP_DELAY_MS', description: 'event-loop delay beyond which requests get 503 (0: off)', default: String(d.pressure.maxEventLoopDelayMs) },
    { name: 'LER_MAX_HEAP_BYTES', description: 'heap use beyond which requests get 503 (0: off)', default: String(d.pressure.maxHeapUsedBytes) },
    { name: 'LER_MAX_RSS_BYTES', description: 'resident memory beyond which requests get 503 (0: off)', default: String(d.pressure.maxRssBytes) },
    { name: 'LER_RETRY_AFTER_S', description: 'Retry-After of a 503 under pressure, seconds', default: String(d.pressure.retryAfterSeconds) },
    { name: 'LER_TRUST_PROXY', description: 'the reverse proxies whose X-Forwarded-For gives the client\'s address (for the rate limits of requests without a key): a number of hops, or their addresses and CIDR ranges, comma-separated; unset: the connection\'s address', default: '(unset)' },
    { name: 'LER_SHUTDOWN_TIMEOUT_MS', description: 'how long a shutdown waits for requests in flight', default: String(d.shutdownTimeoutMs) },
    { name: 'LER_BATCH_TASK_AREAS', description: 'with PostgreSQL: areas per task of a batch; the replicas share a batch task by task', default: String(d.batchTaskAreas) },
    { name: 'LER_BATCH_TASK_EXPIRE_S', description: 'with PostgreSQL: seconds a batch task may run before another replica runs it again (a task of a replica that died is taken over within this + 13 s)', default: String(d.batchTaskExpireSeconds) },
    { name: 'LER_RETENTION_DAYS', description: 'days dig requests, their packages and their maps are kept; older ones are pruned at start and daily (and by `ler prune`)', default: String(d.retentionDays), limit: true },
    { name: 'LER_MAP_TILES', description: 'base map of the map page: an XYZ tile URL template with {z}, {x}, {y} (e.g. a national orthophoto service); unset: a plain background', default: '(unset)' },
    { name: 'LER_MAP_ATTRIBUTION', description: 'attribution shown on the map for the tiles', default: '(unset)' },
    { name: 'LER_MAP_REFERENCE', description: 'GeoJSON file of reference lines (e.g. roads; lon/lat or a crs member) drawn grey under everything', default: 'the demo\'s roads when the demo is loaded' },
    { name: 'LER_WEB_DIR', description: 'directory of the built map page', default: 'dist/web' },
    { name: 'LER_WEBHOOK_ALLOW_PRIVATE', description: 'allow webhook URLs over http and to private, loopback and link-local addresses (tests, closed networks); unset: https to public addresses only', default: '0' },
    { name: 'LER_WEBHOOK_TIMEOUT_MS', description: 'one delivery attempt\'s whole time (connect, send, answer), ms', default: String(d.webhooks.timeoutMs) },
    { name: 'LER_WEBHOOK_CONCURRENCY', description: 'delivery attempts in flight at once, all endpoints together (one at a time per endpoint)', default: String(d.webhooks.concurrency) },
    { name: 'LER_WEBHOOK_RETRY_BASE_MS', description: 'the first retry\'s delay, ms; each next one doubles (with jitter), up to an hour', default: String(d.webhooks.retryBaseMs) },
    { name: 'LER_WEBHOOK_GIVE_UP_S', description: 'how long a delivery is retried, seconds; an endpoint whose every attempt failed this long is disabled', default: String(d.webhooks.giveUpSeconds) },
    { name: 'LER_WEBHOOK_POLL_MS', description: 'how often the outbox is polled for due deliveries, ms', default: String(d.webhooks.pollMs) },
    { name: 'LER_OVERDUE_SWEEP_MS', description: 'how often missed answer deadlines are looked for (dig-request.overdue), ms', default: String(d.webhooks.overdueSweepMs) },
    { name: 'LER_HOLIDAYS', description: 'days off besides the Danish public holidays on which answers are not due (e.g. 2026-06-05,2026-12-24), comma- or space-separated', default: '(none)' }
  ];
}

/** LER_DATABASE_URL: a postgres:// or postgresql:// URL, or unset. */
function databaseUrl(env: Env): string | null {
  const url = str(env, 'LER_DATABASE_URL');
  if (url === undefined) return null;
  if (!isDatabaseUrl(url)) throw new Error('LER_DATABASE_URL must be a postgres:// URL.');
  return url;
}

/** Reads the configuration from the environment; throws an Error naming the variable at a bad value. */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const d = DEFAULT_CONFIG;
  const limits = { ...d.limits };
  for (const [key, name] of LIMIT_VARIABLES) limits[key] = int(env, name, d.limits[key], key === 'maxInfoZone' || key === 'rendersRunning' || key === 'maxRemovalPercent' ? 0 : 1, key === 'maxInfoZone' || key === 'maxRemovalPercent' ? 100 : Number.MAX_SAFE_INTEGER);
  const workers = env.LER_WORKERS === undefined || env.LER_WORKERS === '' ? undefined : int(env, 'LER_WORKERS', 0, 0, Math.max(256, availableParallelism()));
  return {
    port: int(env, 'PORT', d.port, 0, 65_535),
    host: str(env, 'HOST') ?? d.host,
    dataDir: str(env, 'LER_DATA_DIR') ?? d.dataDir,
    databaseUrl: databaseUrl(env),
    adminToken: bearerToken(env, 'LER_ADMIN_TOKEN', 'it guards every owner\'s network'),
    metricsToken: bearerToken(env, 'LER_METRICS_TOKEN', 'it guards the service\'s metrics'),
    workers,
    history: int(env, 'LER_HISTORY', d.history, 1, 1000),
    logLevel: str(env, 'LER_LOG_LEVEL') ?? d.logLevel,
    demo: bool(env, 'LER_DEMO', d.demo),
    precautionsFile: str(env, 'LER_PRECAUTIONS_FILE') ?? null,
    limits,
    rateLimit: { max: int(env, 'LER_RATE_LIMIT_MAX', d.rateLimit.max, 1, Number.MAX_SAFE_INTEGER), windowMs: int(env, 'LER_RATE_LIMIT_WINDOW_MS', d.rateLimit.windowMs, 1, Number.MAX_SAFE_INTEGER) },
    pressure: {
      maxEventLoopDelayMs: int(env, 'LER_MAX_EVENT_LOOP_DELAY_MS', d.pressure.maxEventLoopDelayMs, 0, Number.MAX_SAFE_INTEGER),
      maxHeapUsedBytes: int(env, 'LER_MAX_HEAP_BYTES', d.pressure.maxHeapUsedBytes, 0, Number.MAX_SAFE_INTEGER),
      maxRssBytes: int(env, 'LER_MAX_RSS_BYTES', d.pressure.maxRssBytes, 0, Number.MAX_SAFE_INTEGER),
      retryAfterSeconds: int(env, 'LER_RETRY_AFTER_S', d.pressure.retryAfterSeconds, 1, 86_400)
    },
    shutdownTimeoutMs: int(env, 'LER_SHUTDOWN_TIMEOUT_MS', d.shutdownTimeoutMs, 0, 3_600_000),
    batchTaskAreas: int(env, 'LER_BATCH_TASK_AREAS', d.batchTaskAreas, 1, 1_000_000),
    batchTaskExpireSeconds: int(env, 'LER_BATCH_TASK_EXPIRE_S', d.batchTaskExpireSeconds, 2, 86_400),
    retentionDays: int(env, 'LER_RETENTION_DAYS', d.retentionDays, 1, 36_525),
    mapTiles: tileTemplate(env, 'LER_MAP_TILES'),
    trustProxy: trustProxy(env, 'LER_TRUST_PROXY'),
    mapAttribution: str(env, 'LER_MAP_ATTRIBUTION') ?? null,
    mapReference: file(env, 'LER_MAP_REFERENCE'),
    webDir: str(env, 'LER_WEB_DIR') ?? null,
    webhooks: {
      allowPrivate: bool(env, 'LER_WEBHOOK_ALLOW_PRIVATE', d.webhooks.allowPrivate),
      timeoutMs: int(env, 'LER_WEBHOOK_TIMEOUT_MS', d.webhooks.timeoutMs, 100, 600_000),
      concurrency: int(env, 'LER_WEBHOOK_CONCURRENCY', d.webhooks.concurrency, 1, 1000),
      retryBaseMs: int(env, 'LER_WEBHOOK_RETRY_BASE_MS', d.webhooks.retryBaseMs, 10, 3_600_000),
      giveUpSeconds: int(env, 'LER_WEBHOOK_GIVE_UP_S', d.webhooks.giveUpSeconds, 1, 30 * 86_400),
      pollMs: int(env, 'LER_WEBHOOK_POLL_MS', d.webhooks.pollMs, 10, 60_000),
      overdueSweepMs: int(env, 'LER_OVERDUE_SWEEP_MS', d.webhooks.overdueSweepMs, 10, 3_600_000)
    },
    holidays: holidays(env, 'LER_HOLIDAYS')
  };
}

/** The answer deadlines' rules: LER's, with the configured days off added to the Danish holidays. */
export function deadlineRules(config: Pick<ServiceConfig, 'holidays'>): DeadlineRules {
  return { ...DEFAULT_DEADLINE_RULES, holidays: new Set([...DEFAULT_DEADLINE_RULES.holidays, ...config.holidays]) };
}

function holidays(env: Env, name: string): string[] {
  const v = str(env, name);
  if (v === undefined) return [];
  try {
    return parseHolidays(v);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

/** A configuration from defaults and the given overrides (limits merged field by field). */
export function resolveConfig(overrides: Partial<Omit<ServiceConfig, 'limits' | 'rateLimit' | 'pressure' | 'webhooks'>> & { limits?: Partial<ServiceLimits>; rateLimit?: Partial<ServiceConfig['rateLimit']>; pressure?: Partial<ServiceConfig['pressure']>; webhooks?: Partial<WebhookSettings> } = {}): ServiceConfig {
  const d = DEFAULT_CONFIG;
  return {
    ...d,
    ...overrides,
    limits: { ...d.limits, ...overrides.limits },
    rateLimit: { ...d.rateLimit, ...overrides.rateLimit },
    pressure: { ...d.pressure, ...overrides.pressure },
    webhooks: { ...d.webhooks, ...overrides.webhooks }
  };
}

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min || Number(v) > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}.`);
  }
  return Number(v);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new Error(`${name} must be 1 or 0 (true or false), got ${JSON.stringify(v)}.`);
}

function tileTemplate(env: Env, name: string): string | null {
  const v = str(env, name);
  if (v === undefined) return null;
  if (!/^https?:\/\/[^\s"'<>]+$/.test(v) || !['{z}', '{x}', '{y}'].every((p) => v.includes(p))) {
    throw new Error(`${name} must be an http(s) tile URL template with {z}, {x} and {y} (e.g. https://tiles.example/{z}/{x}/{y}.png), got ${JSON.stringify(v)}.`);
  }
  return v;
}

function trustProxy(env: Env, name: string): number | string | false {
  const v = str(env, name);
  if (v === undefined) return false;
  if (/^\d+$/.test(v)) return int(env, name, 0, 1, 16);
  const parts = v.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(p))) {
    throw new Error(`${name} must be a number of proxy hops (1 to 16), or the proxies' addresses or CIDR ranges, comma-separated; got ${JSON.stringify(v)}.`);
  }
  return parts.join(',');
}

function file(env: Env, name: string): string | null {
  const v = str(env, name);
  if (v === undefined) return null;
  if (!existsSync(v) || !statSync(v).isFile()) throw new Error(`${name} must name a GeoJSON file, got ${JSON.stringify(v)}: there is no such file.`);
  return v;
}

function bearerToken(env: Env, name: string, why: string): string | null {
  const v = str(env, name);
  if (v === undefined) return null;
  if (v.length < 16 || v.length > 512 || !/^[A-Za-z0-9._~+/-]+=*$/.test(v)) {
    throw new Error(`${name} must be 16 to 512 characters of A-Z, a-z, 0-9 and -._~+/ (a bearer token): ${why}.`);
  }
  return v;
}
