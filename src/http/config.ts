/**
 * The service's configuration: defaults, and how the environment overrides them. Every limit a
 * request can run into is here, with the name of the variable that sets it; a value that is not
 * what its variable needs stops the service at start with a message naming the variable.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface ServiceLimits {
  /** Largest network upload (PUT), bytes of body as sent. */
  uploadBytes: number;
  /** Largest small JSON body (dig requests, keys, profiles). */
  jsonBytes: number;
  /** Largest change set (PATCH). */
  changeSetBytes: number;
  /** Largest interest-area upload. */
  interestAreaBytes: number;
  /** Largest batch body. */
  batchBytes: number;
  /** Largest dig area, square metres (planar, EPSG:25832). */
  maxDigAreaM2: number;
  /** Most vertices of a dig area, over all its rings. */
  maxDigVertices: number;
  /** Widest information zone, metres (at most 100). */
  maxInfoZone: number;
  /** Longest dig period, days. */
  maxPeriodDays: number;
  /** How long a package is valid when the request gives no period, days. */
  packageValidDays: number;
  /** Most areas (or route stretches) of one batch. */
  maxBatchAreas: number;
  /** Batches run at once; more wait in a queue of `maxBatchesQueued`. */
  maxBatchesRunning: number;
  maxBatchesQueued: number;
  /** Finished batches kept for their results, the newest first, for `batchTtlSeconds`. */
  batchesKept: number;
  batchTtlSeconds: number;
}

export interface ServiceConfig {
  port: number;
  host: string;
  dataDir: string;
  /** The admin token; null: none configured (the server makes one for its run and prints it). */
  adminToken: string | null;
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
  /** How long a shutdown waits for requests in flight before it stops anyway. */
  shutdownTimeoutMs: number;
  /** The map page's base map: an XYZ tile URL template ({z}, {x}, {y}, optionally {s}); null: a plain background. */
  mapTiles: string | null;
  /** Attribution shown on the map for the tiles. */
  mapAttribution: string | null;
  /** A GeoJSON file of reference lines (roads) drawn grey under everything; null: none (the demo's roads when the demo is loaded). */
  mapReference: string | null;
  /** Directory of the built map page; null: dist/web in the package. */
  webDir: string | null;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  uploadBytes: 512 * 1024 * 1024,
  jsonBytes: 1024 * 1024,
  changeSetBytes: 64 * 1024 * 1024,
  interestAreaBytes: 16 * 1024 * 1024,
  batchBytes: 64 * 1024 * 1024,
  // KLIC's dig request: at most 500 x 500 m.
  maxDigAreaM2: 250_000,
  maxDigVertices: 1000,
  maxInfoZone: 100,
  maxPeriodDays: 183,
  packageValidDays: 30,
  maxBatchAreas: 100_000,
  maxBatchesRunning: 2,
  maxBatchesQueued: 8,
  batchesKept: 50,
  batchTtlSeconds: 3600
};

export const DEFAULT_CONFIG: ServiceConfig = {
  port: 3000,
  host: '0.0.0.0',
  dataDir: './data',
  adminToken: null,
  workers: undefined,
  history: 5,
  logLevel: 'info',
  demo: true,
  precautionsFile: null,
  limits: DEFAULT_LIMITS,
  rateLimit: { max: 600, windowMs: 60_000 },
  pressure: { maxEventLoopDelayMs: 1000, maxHeapUsedBytes: 0, maxRssBytes: 0, retryAfterSeconds: 10 },
  shutdownTimeoutMs: 10_000,
  mapTiles: null,
  mapAttribution: null,
  mapReference: null,
  webDir: null
};

type Env = Record<string, string | undefined>;

/** One environment variable: its name, what it sets, and its default (for the docs and for loadConfig). */
export interface EnvVariable {
  name: string;
  description: string;
  default: string;
}

const LIMIT_VARIABLES: [keyof ServiceLimits, string, string][] = [
  ['uploadBytes', 'LER_UPLOAD_LIMIT_BYTES', 'largest network upload (PUT), bytes as sent; beyond: 413'],
  ['jsonBytes', 'LER_JSON_LIMIT_BYTES', 'largest JSON body of a dig request, key or profile'],
  ['changeSetBytes', 'LER_CHANGESET_LIMIT_BYTES', 'largest change set (PATCH)'],
  ['interestAreaBytes', 'LER_INTEREST_LIMIT_BYTES', 'largest interest-area upload'],
  ['batchBytes', 'LER_BATCH_LIMIT_BYTES', 'largest batch body'],
  ['maxDigAreaM2', 'LER_MAX_DIG_AREA_M2', 'largest dig area, m² (planar)'],
  ['maxDigVertices', 'LER_MAX_DIG_VERTICES', 'most vertices of a dig area'],
  ['maxInfoZone', 'LER_MAX_INFO_ZONE_M', 'widest information zone, m (at most 100)'],
  ['maxPeriodDays', 'LER_MAX_PERIOD_DAYS', 'longest dig period, days'],
  ['packageValidDays', 'LER_PACKAGE_VALID_DAYS', 'validity of a package without a period, days'],
  ['maxBatchAreas', 'LER_MAX_BATCH_AREAS', 'most areas or route stretches in one batch'],
  ['maxBatchesRunning', 'LER_MAX_BATCHES_RUNNING', 'batches run at once'],
  ['maxBatchesQueued', 'LER_MAX_BATCHES_QUEUED', 'batches waiting; beyond: 503'],
  ['batchesKept', 'LER_BATCHES_KEPT', 'finished batches kept in memory for their results'],
  ['batchTtlSeconds', 'LER_BATCH_TTL_S', 'how long a finished batch is kept, seconds']
];

/** Every variable the service reads, with its default. */
export function environmentVariables(): EnvVariable[] {
  const d = DEFAULT_CONFIG;
  return [
    { name: 'PORT', description: 'port to listen on', default: String(d.port) },
    { name: 'HOST', description: 'address to listen on', default: d.host },
    { name: 'LER_DATA_DIR', description: 'directory of the SQLite store', default: d.dataDir },
    { name: 'LER_ADMIN_TOKEN', description: 'the admin token; unset: one is made for the run and printed', default: '(unset)' },
    { name: 'LER_WORKERS', description: 'worker threads for batches (0: inline)', default: 'the machine\'s cores' },
    { name: 'LER_HISTORY', description: 'network versions kept per owner', default: String(d.history) },
    { name: 'LER_LOG_LEVEL', description: 'pino log level', default: d.logLevel },
    { name: 'LER_DEMO', description: 'load the demo network when the store holds none (0 to turn off)', default: '1' },
    { name: 'LER_PRECAUTIONS_FILE', description: 'JSON file with the precaution matrix', default: '(built in)' },
    ...LIMIT_VARIABLES.map(([key, name, description]) => ({ name, description, default: String(d.limits[key]) })),
    { name: 'LER_RATE_LIMIT_MAX', description: 'requests per key (or address, without a key) per window; beyond: 429', default: String(d.rateLimit.max) },
    { name: 'LER_RATE_LIMIT_WINDOW_MS', description: 'rate-limit window, ms', default: String(d.rateLimit.windowMs) },
    { name: 'LER_MAX_EVENT_LOOP_DELAY_MS', description: 'event-loop delay beyond which requests get 503 (0: off)', default: String(d.pressure.maxEventLoopDelayMs) },
    { name: 'LER_MAX_HEAP_BYTES', description: 'heap use beyond which requests get 503 (0: off)', default: String(d.pressure.maxHeapUsedBytes) },
    { name: 'LER_MAX_RSS_BYTES', description: 'resident memory beyond which requests get 503 (0: off)', default: String(d.pressure.maxRssBytes) },
    { name: 'LER_RETRY_AFTER_S', description: 'Retry-After of a 503 under pressure, seconds', default: String(d.pressure.retryAfterSeconds) },
    { name: 'LER_SHUTDOWN_TIMEOUT_MS', description: 'how long a shutdown waits for requests in flight', default: String(d.shutdownTimeoutMs) },
    { name: 'LER_MAP_TILES', description: 'base map of the map page: an XYZ tile URL template with {z}, {x}, {y} (e.g. a national orthophoto service); unset: a plain background', default: '(unset)' },
    { name: 'LER_MAP_ATTRIBUTION', description: 'attribution shown on the map for the tiles', default: '(unset)' },
    { name: 'LER_MAP_REFERENCE', description: 'GeoJSON file of reference lines (e.g. roads; lon/lat or a crs member) drawn grey under everything', default: 'the demo\'s roads when the demo is loaded' },
    { name: 'LER_WEB_DIR', description: 'directory of the built map page', default: 'dist/web' }
  ];
}

/** Reads the configuration from the environment; throws an Error naming the variable at a bad value. */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const d = DEFAULT_CONFIG;
  const limits = { ...d.limits };
  for (const [key, name] of LIMIT_VARIABLES) limits[key] = int(env, name, d.limits[key], key === 'maxInfoZone' ? 0 : 1, key === 'maxInfoZone' ? 100 : Number.MAX_SAFE_INTEGER);
  const workers = env.LER_WORKERS === undefined || env.LER_WORKERS === '' ? undefined : int(env, 'LER_WORKERS', 0, 0, Math.max(256, availableParallelism()));
  return {
    port: int(env, 'PORT', d.port, 0, 65_535),
    host: str(env, 'HOST') ?? d.host,
    dataDir: str(env, 'LER_DATA_DIR') ?? d.dataDir,
    adminToken: adminToken(env),
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
    mapTiles: tileTemplate(env, 'LER_MAP_TILES'),
    mapAttribution: str(env, 'LER_MAP_ATTRIBUTION') ?? null,
    mapReference: file(env, 'LER_MAP_REFERENCE'),
    webDir: str(env, 'LER_WEB_DIR') ?? null
  };
}

/** A configuration from defaults and the given overrides (limits merged field by field). */
export function resolveConfig(overrides: Partial<Omit<ServiceConfig, 'limits' | 'rateLimit' | 'pressure'>> & { limits?: Partial<ServiceLimits>; rateLimit?: Partial<ServiceConfig['rateLimit']>; pressure?: Partial<ServiceConfig['pressure']> } = {}): ServiceConfig {
  const d = DEFAULT_CONFIG;
  return {
    ...d,
    ...overrides,
    limits: { ...d.limits, ...overrides.limits },
    rateLimit: { ...d.rateLimit, ...overrides.rateLimit },
    pressure: { ...d.pressure, ...overrides.pressure }
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

function file(env: Env, name: string): string | null {
  const v = str(env, name);
  if (v === undefined) return null;
  if (!existsSync(v) || !statSync(v).isFile()) throw new Error(`${name} must name a GeoJSON file, got ${JSON.stringify(v)}: there is no such file.`);
  return v;
}

function adminToken(env: Env): string | null {
  const v = str(env, 'LER_ADMIN_TOKEN');
  if (v === undefined) return null;
  if (v.length < 16 || v.length > 512 || !/^[A-Za-z0-9._~+/-]+=*$/.test(v)) {
    throw new Error('LER_ADMIN_TOKEN must be 16 to 512 characters of A-Z, a-z, 0-9 and -._~+/ (a bearer token): it guards every owner\'s network.');
  }
  return v;
}
