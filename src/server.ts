/**
 * The service's process: configuration from the environment, the SQLite store in LER_DATA_DIR,
 * the engine, the demo network when the store holds none, then listen. SIGINT or SIGTERM closes
 * it gracefully: no new connections, requests in flight answered, batches stopped, the worker pool
 * and the store closed; a second signal, or LER_SHUTDOWN_TIMEOUT_MS, stops it at once.
 *
 *   npm start                      # builds, then node dist/src/server.js
 */
import { buildApp } from './http/app.js';
import { newToken, hashToken } from './http/auth.js';
import { deadlineRules, loadConfig, type ServiceConfig } from './http/config.js';
import { DEMO_DIG_AREA, loadDemo } from './http/demo.js';
import { loadPrecautions } from './package/precautions.js';
import { Engine } from './engine.js';
import { openStore } from './store/open.js';

const DEMO_CONTRACTOR = 'demo contractor';

async function main(): Promise<void> {
  // A promise a library leaves unwatched (the job queue completing a task while the database is
  // away) must not end the service: it is logged, and what it was doing is done again (the task
  // expires and runs again).
  process.on('unhandledRejection', (reason) => console.error(`ler-engine: unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`));
  let config: ServiceConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(`ler-engine: ${(error as Error).message}`);
    process.exit(2);
  }
  const precautions = config.precautionsFile === null ? undefined : loadPrecautions(config.precautionsFile);
  const { store, where } = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, history: config.history, onError: (error) => console.error(`ler-engine: store: ${error.message}`) });
  const sync = { onError: (error: unknown, change: { kind: string }) => console.error(`ler-engine: following a ${change.kind} change of another replica failed: ${(error as Error).message}`) };
  const engine = await Engine.open({ store, sync, digLimits: config.limits, deadlines: deadlineRules(config), ...(precautions !== undefined ? { precautions } : {}), ...(config.workers !== undefined ? { workers: config.workers } : {}) });

  const notes: string[] = [];
  let demo = false;
  if (config.demo && engine.snapshot === null) {
    const owners = await loadDemo(engine, store);
    demo = true;
    notes.push(`Loaded the demo network (${owners.length} owners beside the roads of Odense; LER_DEMO=0 turns this off).`);
  } else if (config.demo) {
    demo = (await store.listApiKeys()).some((k) => k.name === DEMO_CONTRACTOR);
  }
  let adminToken = config.adminToken;
  if (adminToken === null) {
    adminToken = newToken();
    notes.push(`Admin token for this run (set LER_ADMIN_TOKEN to keep one):\n  ${adminToken}`);
  }
  let contractorToken: string | null = null;
  if (demo) {
    // One demo contractor key at a time: a new one each start, the old one revoked.
    for (const k of await store.listApiKeys()) if (k.name === DEMO_CONTRACTOR) await store.deleteApiKey(k.hash);
    contractorToken = newToken();
    await store.putApiKey({ hash: hashToken(contractorToken), role: 'contractor', owner: null, name: DEMO_CONTRACTOR });
  }

  const app = await buildApp({ store, engine, config: { ...config, adminToken }, logger: { level: config.logLevel } });
  let closing: Promise<void> | null = null;
  const shutdown = (signal: string): void => {
    if (closing !== null) {
      app.log.warn(`${signal} again: stopping now.`);
      process.exit(1);
    }
    app.log.info(`${signal}: closing (requests in flight are answered first).`);
    const timer = setTimeout(() => {
      app.log.error(`Requests still open after ${config.shutdownTimeoutMs} ms: stopping now.`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    closing = (async () => {
      await app.close();
      await engine.close();
      await store.close();
      app.log.info('closed');
    })();
    closing.then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'closing failed');
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace(/\/\/(0\.0\.0\.0|127\.0\.0\.1|\[::\]|\[::1\])(?=:)/, '//localhost');
  const lines = [`ler-engine listening at ${url} (map page: ${url}/, API docs: ${url}/docs, data: ${where})`, ...notes];
  if (contractorToken !== null) {
    lines.push(`Demo contractor token:\n  ${contractorToken}`);
    lines.push(
      `Try a dig request:\n  curl -s -X POST ${url}/v1/dig-requests -H 'Authorization: Bearer ${contractorToken}' -H 'Content-Type: application/json' -d '${JSON.stringify({ geometry: DEMO_DIG_AREA, infoZone: 2 })}'`
    );
  }
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
