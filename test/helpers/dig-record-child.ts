/**
 * A process that records dig requests into a store as fast as it can, many at once, and prints
 * "recorded <id>" as each is acknowledged; the crash test kills it with SIGKILL at some moment and
 * then reopens the store.
 */
import { SqliteStore } from '../../src/store/sqlite.js';

if (process.argv[2] === 'run') {
  const store = new SqliteStore({ dataDir: process.argv[3] });
  let n = 0;
  const one = async (): Promise<void> => {
    for (;;) {
      const id = `dig-${process.pid}-${n++}`;
      await store.recordDigRequest(id, 'contractor-1', JSON.stringify({ id, owners: [], filler: 'x'.repeat(2000) }), { actor: 'contractor-1', action: 'dig-request.create', owner: null, detail: { id } });
      process.stdout.write(`recorded ${id}\n`);
    }
  };
  // Sixteen requests in flight at every moment, as sixteen clients would keep.
  await Promise.all(Array.from({ length: 16 }, one));
}
