/**
 * A process that changes a store as the service does, for the audit crash test: one owner's network
 * uploaded again and again (streamed, so its snapshot is written in steps by the store's writer
 * thread; every third time a change set), and meanwhile API keys made and revoked and the owner's
 * profile renamed, each change with its audit entry. It prints "ready" once it has started; the
 * test kills it with SIGKILL at some moment and then checks the store.
 */
import { Engine } from '../../src/engine.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { hashToken, keyId, newToken } from '../../src/store/tokens.js';
import { CHILD_OWNER, networkOf, PLANAR } from './upload-child.js';

const encoder = new TextEncoder();

// Not "run": upload-child.ts, imported here, starts its own loop on that.
if (process.argv[2] === 'changes') {
  const dir = process.argv[3];
  // Small pieces: a kill is likely to land while a snapshot is being staged.
  const store = new SqliteStore({ dataDir: dir, history: 1000, pieceBytes: 32 * 1024 });
  const engine = await Engine.open({ workers: 0, store });
  const audit = { actor: 'owner-key' };
  let k = (engine.snapshot?.networks.get(CHILD_OWNER)?.version ?? 0) + 1;
  let profiles = (await store.auditLog(100_000)).filter((e) => e.action === 'profile.put').length;
  let running = true;
  process.stdout.write('ready\n');

  const uploads = (async () => {
    for (let i = 0; running; i++, k++) {
      if (i % 3 === 2) {
        await engine.applyChangeSet(CHILD_OWNER, { upsert: { type: 'FeatureCollection', features: networkOf(k).slice(-1) } }, { ...PLANAR, audit });
      } else {
        await engine.putNetworkStream(CHILD_OWNER, encoder.encode(JSON.stringify({ type: 'FeatureCollection', features: networkOf(k) })), { ...PLANAR, audit });
      }
    }
  })();
  const keys = (async () => {
    const made: string[] = [];
    for (let i = 0; running; i++) {
      const hash = hashToken(newToken());
      await store.putApiKey({ hash, role: 'contractor', owner: null, name: `key ${i}` }, { actor: 'admin', action: 'key.create', owner: null, detail: { id: keyId(hash) } });
      made.push(hash);
      if (i % 2 === 1) {
        const gone = made.shift() as string;
        await store.deleteApiKey(gone, { actor: 'admin', action: 'key.revoke', owner: null, detail: { id: keyId(gone) } });
      }
      const name = `profile ${++profiles}`;
      await store.putOwnerProfile({ owner: CHILD_OWNER, name, contact: 'vagt@example.dk', requiresMarking: false }, { actor: 'owner-key', action: 'profile.put', owner: CHILD_OWNER, detail: { name } });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  await Promise.all([uploads, keys]).catch((error: unknown) => {
    running = false;
    console.error(error);
    process.exit(1);
  });
}
