import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite.js';
import { CRS, X0, Y0, networks, writeCollection } from './helpers/cli-data.js';
import { finished, runCli, startCli, tempDir } from './helpers/cli-run.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const sha256 = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

describe('ler keys', () => {
  const data = tmp.file('data');

  it('creates a key: the token printed once on stdout, only its SHA-256 in the store', async () => {
    const r = await runCli(['keys', 'create', '--role', 'owner', '--owner', 'dk-el', '--name', 'upload job', '--data-dir', data]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^ler_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toContain(`Created an owner key for dk-el (id ${sha256(token).slice(0, 16)})`);
    expect(r.stderr).not.toContain(token);
    const store = new SqliteStore({ dataDir: data });
    try {
      expect(await store.findApiKey(sha256(token))).toMatchObject({ role: 'owner', owner: 'dk-el', name: 'upload job' });
      expect(await store.listApiKeys()).toHaveLength(1);
    } finally {
      await store.close();
    }
    const list = await runCli(['keys', 'list', '--data-dir', data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${sha256(token).slice(0, 16)}\towner\tdk-el\tupload job\t`);
    expect(list.stdout).not.toContain(token);
  });

  it('refuses a key without a role, an unknown role, or an owner key without its owner (exit 2)', async () => {
    const results = await Promise.all([
      runCli(['keys', 'create', '--data-dir', data]),
      runCli(['keys', 'create', '--role', 'boss', '--data-dir', data]),
      runCli(['keys', 'create', '--role', 'owner', '--data-dir', data]),
      runCli(['keys', 'rotate', '--data-dir', data])
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[0].stderr).toContain('Missing --role');
    expect(results[1].stderr).toContain('--role is one of admin, owner, contractor, planner');
    expect(results[2].stderr).toContain('An owner key needs --owner <owner>.');
    expect(results[3].stderr).toContain('Unknown action "rotate"');
    for (const r of results) expect(r.stdout).toBe('');
  });
});

describe('ler serve', () => {
  it('serves the store: a contractor key made by ler keys gets a dig request answered; SIGINT closes it', async () => {
    const data = tmp.file('serve-data');
    const [el] = networks(41, 1, 40);
    writeCollection(tmp.file('el.geojson'), el.features);
    const imported = await runCli(['import', 'dk-el', tmp.file('el.geojson'), '--data-dir', data, '--workers', '0', '--quiet']);
    expect(imported.code).toBe(0);
    const key = await runCli(['keys', 'create', '--role', 'contractor', '--data-dir', data]);
    const token = key.stdout.trim();

    const child = startCli(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', data, '--workers', '0'], { LER_DEMO: '0', LER_LOG_LEVEL: 'warn' });
    const done = finished(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer | string) => {
        out += String(d);
        const m = /listening at (http:\/\/\S+?)[ \n]/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', () => reject(new Error(`ler serve ended: ${out}`)));
    });
    try {
      const geometry = { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + 120, Y0], [X0 + 120, Y0 + 120], [X0, Y0 + 120], [X0, Y0]]] };
      const res = await fetch(`${url}/v1/dig-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ geometry, crs: CRS, infoZone: 0 })
      });
      expect(res.status).toBe(201);
      const pkg = (await res.json()) as { owners: { owner: string; conflicts: unknown[] }[] };
      expect(pkg.owners.map((o) => o.owner)).toEqual(['dk-el']);
      expect(pkg.owners[0].conflicts.length).toBeGreaterThan(0);
      const anonymous = await fetch(`${url}/v1/dig-requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ geometry, crs: CRS }) });
      expect(anonymous.status).toBe(401);

      // ler import --url: the same upload, streamed to the service with an owner key.
      const ownerKey = (await runCli(['keys', 'create', '--role', 'owner', '--owner', 'dk-el', '--data-dir', data])).stdout.trim();
      const [el2] = networks(42, 1, 30);
      writeCollection(tmp.file('el2.geojson'), el2.features);
      const remote = await runCli(['import', 'dk-el', tmp.file('el2.geojson'), '--url', url, '--token', ownerKey]);
      expect(remote.stderr).not.toContain('ler import:');
      expect(remote.code).toBe(0);
      expect(remote.stdout).toBe(`dk-el: version 2, ${el2.features.length} features\n`);

      const bad = structuredClone(el2.features);
      bad[2].properties = { ...bad[2].properties, fareklasse: 'lidt farlig' };
      writeCollection(tmp.file('el2-bad.geojson'), bad);
      const [rejected, wrongOwner] = await Promise.all([
        runCli(['import', 'dk-el', tmp.file('el2-bad.geojson'), '--url', url, '--token', ownerKey]),
        runCli(['import', 'dk-gas', tmp.file('el2.geojson'), '--url', url, '--token', ownerKey])
      ]);
      expect(rejected.code).toBe(1);
      expect(rejected.stderr).toMatch(/^error {3}ATTRIBUTE_VALUE_INVALID \(1\)[^\n]*\n {2}#2 [^\n]*\/properties\/fareklasse/m);
      expect(rejected.stderr).toMatch(/^ler import: UPLOAD_REJECTED: /m);
      expect(wrongOwner.code).toBe(1);
      expect(wrongOwner.stderr).toMatch(/^ler import: FORBIDDEN: /m);

      const state = await fetch(`${url}/v1/owners/dk-el/network`, { headers: { authorization: `Bearer ${ownerKey}` } });
      expect(((await state.json()) as { version: number }).version).toBe(2);
    } finally {
      child.kill('SIGINT');
    }
    const r = await done;
    expect(r.code).toBe(0);
    const store = new SqliteStore({ dataDir: data });
    try {
      expect((await store.currentVersions()).map((v) => [v.owner, v.version])).toEqual([['dk-el', 2]]);
    } finally {
      await store.close();
    }
  });
});
