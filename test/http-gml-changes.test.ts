/** LER GML where JSON goes elsewhere: change sets (PATCH) and owners' answers to dig requests. */
import { afterAll, describe, expect, it } from 'vitest';
import { STATUS } from '../src/package/types.js';
import { cable, dataDir, problemOf, rect, testApp } from './helpers/http-app.js';
import { GML_NAMESPACES, answer, elledning } from './helpers/ler-gml.js';

const dir = dataDir('http-gml-changes');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
const GML = { 'content-type': 'application/gml+xml' };

describe('LER GML change sets and answers', () => {
  it('upserts a GML change set by id, deletes ?delete= ids, and refuses one that breaks the schema', async () => {
    const t = await testApp(dir.sub('patch'), { prepare: async (engine) => void (await engine.putNetwork('el', [cable('e1', [585000, 6139000], [585100, 6139000]), cable('e2', [585000, 6139050], [585100, 6139050]), cable('e3', [585000, 6139080], [585100, 6139080])], { crs: UTM })) });
    try {
      const owner = await t.key('owner', 'el');
      const patch = (payload: string, query = '') => t.as(owner, { method: 'PATCH', url: `/v1/owners/el/network${query}`, headers: GML, payload });
      const ok = await patch(answer([elledning('e1', [[585000, 6139010, 9.5], [585100, 6139010, 9.4]]), elledning('n1', [[585000, 6139100], [585100, 6139100]])]), '?delete=e2');
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ version: 2, features: 3 });
      const net = t.engine.snapshot?.networks.get('el');
      expect(net?.features).toBe(3);
      // The schema is checked: the type before driftsstatus is out of order.
      const wrong = elledning('n2', [[585000, 6139200], [585100, 6139200]]).replace('<ler:type>forsyningskabel</ler:type>', '').replace('<ler:driftsstatus>', '<ler:type>forsyningskabel</ler:type><ler:driftsstatus>');
      const bad = await patch(answer([wrong]));
      expect(bad.statusCode, bad.body).toBe(422);
      expect((bad.json() as { report: { problems: { code: string; featureId: string }[] } }).report.problems[0]).toMatchObject({ code: 'GML_SCHEMA_INVALID', featureId: 'n2' });
      expect(t.engine.snapshot?.networks.get('el')?.version).toBe(2);
      // A JSON change set names its deletions in its body, not in the query.
      const mixed = await t.as(owner, { method: 'PATCH', url: '/v1/owners/el/network?delete=e1', payload: { delete: ['e3'] } });
      expect(problemOf(mixed)).toMatchObject({ status: 400, code: 'CHANGESET_INVALID' });
    } finally {
      await t.close();
    }
  });

  it('takes an owner\'s answer as a Graveforespoergselssvar: status, reason, contact and lines', async () => {
    const t = await testApp(dir.sub('answer'), {
      prepare: async (engine) => {
        await engine.putInterestAreas('gas', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(584000, 6138000, 586000, 6140000), properties: { forsyningsart: 'gas', contact: 'vagt@gas.invalid' } }] }, { crs: UTM });
      }
    });
    try {
      const contractor = await t.key('contractor');
      const gas = await t.key('owner', 'gas');
      const made = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585000, 6139000, 585040, 6139030), crs: UTM } });
      expect(made.statusCode, made.body).toBe(201);
      const id = (made.json() as { id: string }).id;
      const post = (payload: string) => t.as(gas, { method: 'POST', url: `/v1/dig-requests/${id}/owners/gas/answer`, headers: GML, payload });
      const kontakt = '<ler:kontaktprofilTilTekniskeSpoergsmaal><ler:Kontaktprofil gml:id="k1"><ler:navn>Gasvagten</ler:navn><ler:telefonnummer>70101010</ler:telefonnummer><ler:mailadresse>vagt@gas.invalid</ler:mailadresse></ler:Kontaktprofil></ler:kontaktprofilTilTekniskeSpoergsmaal>';
      const notDelivered = `<ler:Graveforespoergselssvar ${GML_NAMESPACES} gml:id="s1" schemaVersion="2.2"><ler:id>0d7e2c4a-4f55-4c1d-9a53-1b2c3d4e5f60</ler:id><ler:type>${STATUS.notDelivered}</ler:type><ler:typeSupplerendeInfo>Ledningerne er under omlægning</ler:typeSupplerendeInfo>${kontakt}</ler:Graveforespoergselssvar>`;
      const first = await post(notDelivered);
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ revision: 2, owners: [{ owner: 'gas', status: STATUS.notDelivered }] });
      const entry = (first.json() as { owners: { answer: { reason: string; contact?: string } }[] }).owners[0];
      expect(entry.answer.reason).toBe('Ledningerne er under omlægning');
      // Lines delivered: the members, in EPSG:7416.
      const delivered = await post(answer([elledning('g1', [[585000, 6139020], [585050, 6139020]])], STATUS.delivered));
      expect(delivered.statusCode, delivered.body).toBe(200);
      const owners = (delivered.json() as { owners: { status: string; conflicts: { featureId: string }[] }[] }).owners;
      expect(owners[0].status).toBe(STATUS.delivered);
      expect(owners[0].conflicts.map((c) => c.featureId)).toEqual(['g1']);
      // The header breaks the schema (an unknown status): refused, the package as it was.
      const bad = await post(answer([], 'ja tak'));
      expect(problemOf(bad)).toMatchObject({ status: 422, code: 'GML_SCHEMA_INVALID' });
      expect(((await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}` })).json() as { revision: number }).revision).toBe(3);
    } finally {
      await t.close();
    }
  });
});
