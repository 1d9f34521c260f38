import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli-run.js';
import { answer, elledning, trace } from './helpers/ler-gml.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const good = answer([trace('t1', [[585000, 6139000], [585050, 6139000]], ['held']), elledning('a', [[585000, 6139100], [585040, 6139100]]), elledning('held', null)]);
// The second line's type comes before its driftsstatus: out of the schema's order.
const bad = answer([elledning('a', [[585000, 6139100], [585040, 6139100]]), elledning('b', [[585000, 6139200], [585040, 6139200]]).replace('<ler:type>forsyningskabel</ler:type>', '').replace('<ler:driftsstatus>', '<ler:type>forsyningskabel</ler:type><ler:driftsstatus>')]);

describe('ler validate and ler import with LER GML', () => {
  it('validates a .gml file: 0 on a good one, the schema error with its feature on a bad one', async () => {
    const ok = tmp.file('svar.gml');
    writeFileSync(ok, good);
    const r = await runCli(['validate', ok]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${ok}: 3 features: 0 errors in 0 features`);
    const wrong = tmp.file('wrong.gml');
    writeFileSync(wrong, bad);
    const w = await runCli(['validate', wrong]);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/GML_SCHEMA_INVALID \(1\)[^\n]*\n {2}#1 {2}id "b"/);
  });

  it('imports a .gml file into the store, and refuses a bad one leaving the store as it was', async () => {
    const data = tmp.file('data');
    const ok = tmp.file('import.gml');
    writeFileSync(ok, good);
    const r = await runCli(['import', 'dk-el', ok, '--data-dir', data, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/version 1\b.*3 features|3 features.*version 1\b/);
    const wrong = tmp.file('import-wrong.gml');
    writeFileSync(wrong, bad);
    const w = await runCli(['import', 'dk-el', wrong, '--data-dir', data, '-q']);
    expect(w.code).toBe(1);
    expect(`${w.stdout}${w.stderr}`).toContain('GML_SCHEMA_INVALID');
  });
});
