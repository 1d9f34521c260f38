import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import { NetworkIndex } from '../src/index/network-index.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { COLLECTION_HEAD, CRS, X0, Y0, bigFeature, networks, writeBigNetwork, writeCollection } from './helpers/cli-data.js';
import { finished, hasTerminalCodes, runCli, startCli, tempDir } from './helpers/cli-run.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const [el] = networks(21, 1, 70);

/** The store as the CLI left it: each owner's current version and feature count, and the snapshot read back. */
async function storeState(dir: string, owner: string): Promise<{ version: number; features: number; indexed: number } | null> {
  const store = new SqliteStore({ dataDir: dir });
  try {
    const v = (await store.currentVersions()).find((r) => r.owner === owner);
    if (v === undefined) return null;
    const index = NetworkIndex.from(await store.loadSnapshot(owner, v.version));
    return { version: v.version, features: v.features, indexed: index.featureCount };
  } finally {
    await store.close();
  }
}

/** Starts `ler import` and sends it SIGINT once it has printed its first progress line. */
async function interruptImport(args: string[], feed?: (stdin: NodeJS.WritableStream) => void): Promise<Awaited<ReturnType<typeof finished>> & { sawProgress: boolean }> {
  const child = startCli(args);
  const done = finished(child);
  let sawProgress = false;
  child.stderr.on('data', (d: Buffer | string) => {
    if (!sawProgress && /^import dk-el .*MB/m.test(String(d))) {
      sawProgress = true;
      child.kill('SIGINT');
    }
  });
  child.stdin.on('error', () => undefined);
  if (feed) feed(child.stdin);
  else child.stdin.end();
  return { ...(await done), sawProgress };
}

describe('ler import', () => {
  const data = tmp.file('data');

  it('stores a new version, prints it with the feature count, and shows plain progress when piped', async () => {
    const path = tmp.file('el.geojson');
    writeCollection(path, el.features);
    const r = await runCli(['import', 'dk-el', path, '--data-dir', data, '--workers', '0']);
    expect(r.stderr).not.toContain('ler import:');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`dk-el: version 1, ${el.features.length} features\n`);
    expect(r.stderr).toMatch(/^import dk-el \d+% [\d.]+ MB of [\d.]+ MB, \d+ features, [\d.]+ MB\/s/m);
    expect(hasTerminalCodes(r.stderr)).toBe(false);
    expect(await storeState(data, 'dk-el')).toEqual({ version: 1, features: el.features.length, indexed: el.features.length });
  });

  it('rejects an upload with an invalid feature: report and code on stderr, exit 1, store unchanged', async () => {
    const features = structuredClone(el.features).slice(0, 40);
    features[5].properties = { ...features[5].properties, driftsstatus: 'kaput' };
    const path = tmp.file('el-bad.geojson');
    writeCollection(path, features);
    const r = await runCli(['import', 'dk-el', path, '--data-dir', data, '--workers', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error {3}ATTRIBUTE_VALUE_INVALID \(1\)[^\n]*\n {2}#5 [^\n]*\/properties\/driftsstatus/);
    expect(r.stderr).toMatch(/^ler import: UPLOAD_REJECTED: .*feature #5.*\/properties\/driftsstatus/m);
    expect(r.stderr).toContain('Nothing was stored: dk-el stays at version 1.');
    expect(await storeState(data, 'dk-el')).toEqual({ version: 1, features: el.features.length, indexed: el.features.length });
  });

  it('rejects a truncated file with its code, store unchanged', async () => {
    const path = tmp.file('el-cut.geojson');
    writeCollection(path, el.features);
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(path, readFileSync(path).subarray(0, 3000));
    const r = await runCli(['import', 'dk-el', path, '--data-dir', data, '--workers', '0', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ler import: INPUT_TRUNCATED: /m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect((await storeState(data, 'dk-el'))?.version).toBe(1);
  });

  it('rejects UTM coordinates read as lon/lat (no crs member, no --crs) and says to give --crs', async () => {
    const path = tmp.file('el-bare.geojson');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: el.features }));
    const dir = tmp.file('data-bare');
    const [bare, declared] = await Promise.all([
      runCli(['import', 'dk-el', path, '--data-dir', dir, '--workers', '0', '--quiet']),
      runCli(['import', 'dk-el', path, '--data-dir', tmp.file('data-bare-crs'), '--workers', '0', '--quiet', '--crs', CRS])
    ]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^ler import: UPLOAD_REJECTED: .*COORDINATE_OUT_OF_EXTENT.* Check the CRS: give --crs EPSG:25832 for UTM metres; lon\/lat \(EPSG:4326\) is the default\.$/m);
    expect(await storeState(dir, 'dk-el')).toBeNull();
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).toBe(`dk-el: version 1, ${el.features.length} features\n`);
  });

  it('keeps the valid features with --skip-invalid and says how many it skipped', async () => {
    const features = structuredClone(el.features);
    features[4].properties = { ...features[4].properties, fareklasse: 'lidt farlig' };
    const path = tmp.file('el-skip.geojson');
    writeCollection(path, features);
    const r = await runCli(['import', 'dk-el', path, '--data-dir', data, '--workers', '0', '--skip-invalid', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`dk-el: version 2, ${features.length - 1} features (1 invalid features skipped)\n`);
    expect(r.stderr).toMatch(/^error {3}ATTRIBUTE_VALUE_INVALID \(1\)/m);
    expect(await storeState(data, 'dk-el')).toEqual({ version: 2, features: features.length - 1, indexed: features.length - 1 });
  });

  it('stops on Ctrl-C during a large import: exit 130, the previous version intact and usable', async () => {
    const dir = tmp.file('data-interrupt');
    const small = tmp.file('el-v1.geojson');
    writeCollection(small, el.features);
    expect((await runCli(['import', 'dk-el', small, '--data-dir', dir, '--workers', '0', '--quiet'])).code).toBe(0);
    const path = tmp.file('el-big.geojson');
    writeBigNetwork(path, 60_000);
    const r = await interruptImport(['import', 'dk-el', path, '--data-dir', dir, '--workers', '0']);
    expect(r.sawProgress).toBe(true);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ler import: interrupted; nothing was stored, dk-el stays at version 1.');
    expect(r.code).toBe(130);
    expect(await storeState(dir, 'dk-el')).toEqual({ version: 1, features: el.features.length, indexed: el.features.length });
    // The store opens in an engine, which answers from version 1.
    const store = new SqliteStore({ dataDir: dir });
    const engine = await Engine.open({ store, workers: 0 });
    try {
      expect(engine.snapshot?.networks.get('dk-el')?.version).toBe(1);
      const all = engine.query({ type: 'Polygon', coordinates: [[[X0 - 10, Y0 - 10], [X0 + 200, Y0 - 10], [X0 + 200, Y0 + 200], [X0 - 10, Y0 + 200], [X0 - 10, Y0 - 10]]] }, { crs: CRS, geometry: false });
      expect(new Set(all.map((c) => c.featureId)).size).toBe(el.features.length);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('stops on Ctrl-C while reading standard input, storing nothing', async () => {
    const dir = tmp.file('data-stdin');
    const r = await interruptImport(['import', 'dk-el', '-', '--data-dir', dir, '--workers', '0'], (stdin) => {
      // Half an upload, then the writer stalls: only Ctrl-C ends the import.
      const features: string[] = [];
      for (let i = 0; i < 3000; i++) features.push(bigFeature(i));
      stdin.write(`${COLLECTION_HEAD}${features.join(',\n')}`);
    });
    expect(r.sawProgress).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('ler import: interrupted; nothing was stored, dk-el has no network.');
    expect(await storeState(dir, 'dk-el')).toBeNull();
  });
});
