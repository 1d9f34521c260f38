import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The JS heap in use after two full collections: what is retained, not what is waiting for the collector. */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
