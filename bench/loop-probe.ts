/**
 * Loaded into the service's process by the stall benchmark (`node --import tsx --import
 * ./bench/loop-probe.ts src/server.ts`): it watches the event loop with `monitorEventLoopDelay`
 * and answers the benchmark over the IPC channel. `reset` starts a window; `read` answers the
 * window's delays in milliseconds (max, p99, mean) and its bounds on the clock of a CPU profile. Nothing else in the service changes.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopReading {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  /** When the window started and ended, µs of the monotonic clock a CPU profile's timestamps use. */
  fromUs: number;
  toUs: number;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
let fromUs = nowUs();

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();

if (process.send !== undefined) {
  process.on('message', (message: unknown) => {
    if (message === 'reset') {
      histogram.reset();
      fromUs = nowUs();
      process.send?.({ reset: true });
    } else if (message === 'read') {
      const reading: LoopReading = { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, meanMs: histogram.mean / 1e6, fromUs, toUs: nowUs() };
      process.send?.({ reading });
    }
  });
  // The channel does not keep the service running: its own signals end it.
  process.channel?.unref();
}
