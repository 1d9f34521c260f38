/**
 * One run of the GML-or-GeoJSON upload comparison (bench/upload-gml.ts), in a process of its own so
 * that its peak RSS is its own: an engine with 2 worker threads and no store, each owner's file
 * streamed in with `putNetworkStream` from `fs.createReadStream`. Prints one JSON line.
 *   node --import tsx bench/upload-gml-child.ts '{"format":"gml","files":[{"owner":"dk-el","path":"..."}]}'
 */
import { createReadStream } from 'node:fs';
import { Engine } from '../src/engine.js';
import { RuleReport } from '../src/rules/report.js';

interface ChildInput {
  format: 'geojson' | 'gml';
  files: { owner: string; path: string }[];
  workers: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const engine = await Engine.open({ workers: input.workers });
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const owners: { owner: string; seconds: number; features: number; errors: number; firstProblems: unknown[] }[] = [];
const started = performance.now();
for (const { owner, path } of input.files) {
  const t0 = performance.now();
  const report = new RuleReport(20, 3);
  let features = 0;
  try {
    const snapshot = await engine.putNetworkStream(owner, createReadStream(path, { highWaterMark: 1 << 20 }), { report, invalid: 'reject', crs: 'EPSG:25832', format: input.format });
    features = snapshot.networks.get(owner)?.features ?? 0;
  } catch (error) {
    owners.push({ owner, seconds: (performance.now() - t0) / 1000, features: 0, errors: Math.max(1, report.errors), firstProblems: [String(error).slice(0, 300), ...report.summary().problems.slice(0, 5)] });
    continue;
  }
  owners.push({ owner, seconds: (performance.now() - t0) / 1000, features, errors: report.errors, firstProblems: [] });
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await engine.close();
process.stdout.write(`${JSON.stringify({ format: input.format, seconds, rssBefore, rssPeak: peak, maxRss: process.resourceUsage().maxRSS * 1024, owners })}\n`);
