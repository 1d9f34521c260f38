/**
 * Ctrl-C during a long local `ler check` (100,000 areas, seconds of work): the command stops at
 * once with exit 130 and one clear line on stderr, and what it wrote is whole summaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaSummary } from '../src/batch/summary.js';
import { areaFeatures, digAreas, networks, writeCollection } from './helpers/cli-data.js';
import { finished, runCli, startCli, tempDir } from './helpers/cli-run.js';

const tmp = tempDir();
const data = tmp.file('data');
const AREAS = 100_000;

beforeAll(async () => {
  for (const o of networks(61, 2, 60)) {
    writeCollection(tmp.file(`${o.owner}.geojson`), o.features);
    const r = await runCli(['import', o.owner, tmp.file(`${o.owner}.geojson`), '--data-dir', data, '--workers', '0', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
  writeCollection(tmp.file('areas.geojson'), areaFeatures(digAreas(62, AREAS)));
});
afterAll(() => tmp.remove());

/** Starts the check and sends SIGINT once it has written its first summaries. */
async function interrupted(args: string[]): Promise<Awaited<ReturnType<typeof finished>> & { afterSignalMs: number }> {
  const child = startCli(args);
  const done = finished(child);
  let signalled = 0;
  child.stdout.on('data', () => {
    if (signalled === 0) {
      signalled = performance.now();
      child.kill('SIGINT');
    }
  });
  const r = await done;
  return { ...r, afterSignalMs: signalled === 0 ? Infinity : performance.now() - signalled };
}

describe('ler check, interrupted', () => {
  it.each([
    ['inline', '0'],
    ['on worker threads', '2']
  ])('stops on Ctrl-C (%s): exit 130 within a second, one line on stderr, every line written a whole summary in input order', async (_how, threads) => {
    const r = await interrupted(['check', tmp.file('areas.geojson'), '--data-dir', data, '--workers', threads, '--info-zone', '2']);
    expect(r.code).toBe(130);
    expect(r.afterSignalMs).toBeLessThan(1000);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const summaries = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as AreaSummary);
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.length).toBeLessThan(AREAS);
    expect(summaries.map((s) => s.index)).toEqual(summaries.map((_, i) => i));
    const last = r.stderr.trimEnd().split('\n').at(-1);
    expect(last).toBe(`ler check: interrupted after ${summaries.length} areas; the output is incomplete.`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/^checked /m);
  });
});
