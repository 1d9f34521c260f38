/**
 * What the GML writer writes, checked by LER's own restriction checker (`restrictions` in the
 * ler-gml folder beside the project, or the folder LER_GML_DIR names) besides the schema: the
 * examples read and written again, a network of every feature type laid after LER's cut-off with
 * what LER then wants, and the demo network's package. Each keeps every restriction, validates
 * against the vendored schema, and the examples read back as they were.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { DEMO_DIG_AREA, loadDemo } from '../../src/http/demo.js';
import { readLerGml } from '../../src/ingest/gml-reader.js';
import { gmlText, nameUuid, writeGraveforespoergselssvar, type WritableFeature } from '../../src/package/gml-writer.js';
import { ownerAnswerGml, packageGml } from '../../src/package/package-gml.js';
import { STATUS } from '../../src/package/types.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { schemaErrors } from '../helpers/xmllint.js';

const DIR = process.env.LER_GML_DIR ?? '../shared/ler-gml';
const EXAMPLES = join(DIR, 'examples');
const work = mkdtempSync(join(tmpdir(), 'ler-gml-writer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** LER's restriction checker on a document: the failing restrictions by name (none: []). */
function restrictions(name: string, text: string): string[] {
  const checker = join(DIR, 'restrictions');
  expect(existsSync(checker), `${checker}: set LER_GML_DIR to the ler-gml folder`).toBe(true);
  const file = join(work, name);
  writeFileSync(file, text);
  const run = spawnSync(checker, [file], { encoding: 'utf8' });
  if (run.status === 2 || run.error !== undefined) throw new Error(`restrictions could not run: ${run.stderr || run.error?.message}`);
  return [...run.stdout.matchAll(/^ {2}(\S+): \d+/gm)].map((m) => m[1]).sort();
}

const answer = (features: WritableFeature[]): Promise<string> => gmlText(writeGraveforespoergselssvar({ id: nameUuid('conformance'), type: STATUS.delivered, kontaktprofil: { navn: 'Test A/S', mailadresse: 'ledning@test.invalid' } }, features));

describe('LER GML as the writer writes it, by LER\'s restriction checker', () => {
  it('the examples, read and written again: valid, the restrictions they keep kept (missing accuracy classes written nil), read back the same', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.xml')).sort();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const source = readFileSync(join(EXAMPLES, file), 'utf8');
      const { features } = await readLerGml(source);
      const text = await answer(features);
      expect(schemaErrors(text), file).toBe('');
      const back = (await readLerGml(text)).features;
      if (restrictions(`source-${file}`, source).length === 0) {
        expect(restrictions(file, text), file).toEqual([]);
        expect(back, file).toEqual(features);
      } else {
        // Laid after the cut-off without accuracy classes, a line breaks LER's void restriction
        // once they are written nil: the writer cannot know them.
        expect(restrictions(file, text).filter((r) => !r.endsWith('Voidrestriktion')), file).toEqual([]);
        // The writer said what the example left out, as LER wants: nil, reason unknown.
        expect(back.map((f) => ({ ...f, properties: Object.fromEntries(Object.entries(f.properties ?? {}).filter(([k, v]) => v !== null && k !== 'nilReasons')) })), file).toEqual(features);
      }
    }
  });

  it('a network of every feature type laid after the cut-off, with what LER then wants', async () => {
    const laid = '2024-03-01';
    const z = (x: number, y: number, h: number): number[] => [585000 + x, 6139000 + y, h];
    const common = { driftsstatus: 'i drift', fareklasse: 'farlig', etableringstidspunkt: laid, noejagtighedsklasse: '<= 0.25 m', noejagtighedsklasseVertikal: '<= 0.50 m', vejledendeDybde: 800 };
    const line = (id: string, type: string, extra: Record<string, unknown>, k: number): WritableFeature => ({ type: 'Feature', id, geometry: { type: 'LineString', coordinates: [z(k, 0, 12.5), z(k, 10, 12.25)] }, properties: { featureType: type, ...common, ...extra } });
    const pipe = { tvaersnitsform: 'cirkulær', udvendigDiameter: 110, udvendigMateriale: 'PE' };
    const features: WritableFeature[] = [
      { type: 'Feature', id: 'trace-1', geometry: { type: 'MultiLineString', coordinates: [[z(0, 0, 12), z(0, 20, 12.1)]] }, properties: { featureType: 'Ledningstrace', ...common, bredde: 0.6, forsyningsart: ['el', 'telekommunikation'], indeholdtLedning: ['#el-1'] } },
      line('el-1', 'Elledning', { type: 'forsyningskabel', spaendingsniveau: 0.4, antalKabler: 1, udvendigDiameter: 40 }, 0),
      line('vand-1', 'Vandledning', pipe, 1),
      line('afloeb-1', 'Afloebsledning', { ...pipe, udvendigDiameter: 300, medietype: 'spildevand' }, 2),
      line('gas-1', 'Gasledning', { ...pipe, type: 'distributionsledning', tryk: 4 }, 3),
      line('varme-1', 'TermiskLedning', { ...pipe, type: 'distributionsledning', temperatur: 80, tryk: 10 }, 4),
      line('olie-1', 'Olieledning', { ...pipe, tryk: 20 }, 5),
      line('tele-1', 'Telekommunikationsledning', { type: 'fiberkabel', udvendigDiameter: 12 }, 6),
      line('roer-1', 'Foeringsroer', { ...pipe, forsyningsart: ['el', 'telekommunikation'] }, 7),
      line('anden-1', 'AndenLedning', { ...pipe, forsyningsart: 'other: trykluft' }, 8),
      line('ukendt-1', 'LedningUkendtForsyningsart', { udvendigDiameter: 50 }, 9),
      { type: 'Feature', id: 'skab-1', geometry: { type: 'Point', coordinates: z(20, 0, 13) }, properties: { featureType: 'Elkomponent', driftsstatus: 'i drift', fareklasse: 'farlig', type: 'kabelskab', spaendingsniveau: 0.4 } },
      { type: 'Feature', id: 'broend-1', geometry: { type: 'Polygon', coordinates: [[z(30, 0, 11), z(31, 0, 11), z(31, 1, 11), z(30, 0, 11)]] }, properties: { featureType: 'Afloebskomponent', type: 'brønd', broendform: 'cirkulær', vejledendeDybde: 2000 } },
      { type: 'Feature', id: 'ventil-1', geometry: { type: 'MultiPoint', coordinates: [z(40, 0, 12), z(41, 0, 12)] }, properties: { featureType: 'Vandkomponent', type: 'ventil' } },
      { type: 'Feature', id: 'anden-k-1', geometry: { type: 'MultiPolygon', coordinates: [[[z(50, 0, 1), z(51, 0, 1), z(51, 1, 1), z(50, 0, 1)]]] }, properties: { featureType: 'AndenKomponent', forsyningsart: 'other: trykluft', type: 'kompressor' } }
    ];
    const text = await answer(features);
    expect(schemaErrors(text)).toBe('');
    expect(restrictions('after-cutoff.gml', text)).toEqual([]);
  });

  it('the demo network\'s package: every owner\'s answer, together and alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ler-gml-demo-'));
    const store = new SqliteStore({ dataDir: dir });
    const engine = await Engine.open({ store, workers: 0 });
    try {
      await loadDemo(engine, store);
      const { pkg } = await engine.digRequest({ geometry: DEMO_DIG_AREA, infoZone: 2 }, { requester: 'conformance' });
      expect(pkg.owners.some((o) => o.status === STATUS.manual)).toBe(true);
      const whole = await gmlText(packageGml(pkg));
      expect(schemaErrors(whole)).toBe('');
      expect(restrictions('package.gml', whole)).toEqual([]);
      for (const o of pkg.owners) {
        const one = await gmlText(ownerAnswerGml(pkg, o));
        expect(schemaErrors(one), o.owner).toBe('');
        expect(restrictions(`${o.owner}.gml`, one), o.owner).toEqual([]);
      }
    } finally {
      await engine.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
