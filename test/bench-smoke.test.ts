import { describe, expect, it } from 'vitest';
import { SHAPES } from '../bench/digs.js';
import { SMOKE_OPTIONS, runBench } from '../bench/harness.js';
import { loadRoads, OWNERS, ownerFeatures, planNetwork, SMOKE_ROADS_FILE } from '../bench/network.js';
import { renderMarkdown } from '../bench/report.js';
import { measureConversation, renderConversation } from '../bench/conversation.js';
import { measureGmlUpload, renderGmlUpload } from '../bench/upload-gml.js';

// The benchmark is code that runs: this small pass keeps the generator, the peers, the checks and
// the report from rotting. PostGIS joins in when LER_BENCH_POSTGIS=1.
const withPostgis = process.env.LER_BENCH_POSTGIS === '1';

describe('benchmark smoke pass', () => {
  it('generates the same network for the same seed, tile by tile', () => {
    const roads = loadRoads(SMOKE_ROADS_FILE);
    const one = planNetwork({ seed: 7, tiles: 1, roads: 30 }, roads);
    const two = planNetwork({ seed: 7, tiles: 2, roads: 30 }, roads);
    const a = [...ownerFeatures(one, OWNERS[3])];
    const b = [...ownerFeatures(two, OWNERS[3])].slice(0, a.length);
    expect(a.length).toBeGreaterThan(20);
    expect(b).toEqual(a);
    const ids = new Set(OWNERS.flatMap((o) => [...ownerFeatures(two, o)].map((f) => `${o.id}/${String(f.id)}`)));
    expect(ids.size).toBe(OWNERS.reduce((s, o) => s + [...ownerFeatures(two, o)].length, 0));
  });

  it('times every dig shape at b = 0 and b = 2 and agrees with the reference answers', async () => {
    const report = await runBench({ ...SMOKE_OPTIONS, postgis: withPostgis, reps: 1 });

    expect(report.network.owners).toEqual(OWNERS.map((o) => o.id));
    expect(report.network.segments).toBeGreaterThan(1000);
    expect(report.memory.perSegment).toBeGreaterThan(0);
    for (const shape of SHAPES) {
      for (const b of [0, 2]) {
        const row = report.rows.find((r) => r.shape === shape && r.b === b);
        expect(row, `${shape} b=${b}`).toBeDefined();
        if (!row) continue;
        expect(row.digs).toBe(SMOKE_OPTIONS.perShape);
        for (const s of [row.exact, row.geometry, row.floor]) {
          for (const v of [s.min, s.mean, s.p50, s.p99, s.passMean]) {
            expect(Number.isFinite(v) && v > 0, `${shape} b=${b}: latency ${v}`).toBe(true);
          }
        }
        // query() and queryPairs() give the same features, zones and distances.
        expect(row.inconsistent).toBe(0);
        // Every dig checked against the brute-force scan of every segment pair.
        expect(row.brute?.digs).toBe(SMOKE_OPTIONS.perShape);
        expect(row.brute?.diffs).toBe(0);
        // At b = 0 the naive peer's intersecting features are exactly the engine's at distance 0.
        if (b === 0) expect(row.naive?.diffs).toBe(0);
        if (withPostgis) expect(row.postgis && row.postgis.diffs + row.postgis.singleDiffs).toBe(0);
      }
    }
    expect(report.problems).toEqual([]);

    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Targets');
    for (const shape of SHAPES) expect(markdown).toMatch(new RegExp(`\\| ${shape} \\| 2 \\|`));
  });

  it('runs the conversation under load: every delivery to a receiver answering at once arrives, signed, once; a slow one gets some', async () => {
    const report = await measureConversation({ seed: 11, smoke: true, connections: 4, seconds: 1, warmUpSeconds: 1, runs: 3, log: () => {} });
    expect(report.problems).toEqual([]);
    expect(report.runs.map((r) => r.name)).toHaveLength(3);
    for (const r of report.runs) expect(r.requests).toBeGreaterThan(0);
    for (const r of report.runs.slice(1)) {
      expect(r.expected).toBeGreaterThan(0);
      expect(r.received).toBeGreaterThanOrEqual(r.expected as number);
      expect(r.duplicates).toBe(0);
      expect(r.badSignatures).toBe(0);
    }
    expect(report.runs[2].slowReceived).toBeGreaterThan(0);
    expect(renderConversation(report).join('\n')).toContain('## The conversation under load');
  }, 180_000);

  it('uploads the smoke network as LER GML beside GeoJSON: every feature stored by both, each run in its own process', async () => {
    const report = await measureGmlUpload({ seed: 11, smoke: true, tiles: 1 });
    expect(report.problems).toEqual([]);
    expect(report.runs.map((r) => r.format)).toEqual(['geojson', 'gml']);
    for (const run of report.runs) {
      expect(run.seconds).toBeGreaterThan(0);
      expect(run.rssPeak).toBeGreaterThanOrEqual(run.rssBefore);
      for (const o of run.owners) expect(o.features).toBe(report.files.find((f) => f.owner === o.owner)?.features);
    }
    for (const f of report.files) expect(f.gmlBytes).toBeGreaterThan(f.geojsonBytes);
    expect(renderGmlUpload(report).join('\n')).toContain('## Uploads in LER GML');
  }, 180_000);
});
