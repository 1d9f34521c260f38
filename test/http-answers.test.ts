/**
 * Owners' answers over HTTP, at the edges: the answering owner sees its own entry only, the
 * package's map is drawn again for the new revision, and bodies that are empty, malformed, too
 * large or carry invalid lines are refused with a problem, the package left as it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { STATUS } from '../src/package/types.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp } from './helpers/http-app.js';

const dir = dataDir('http-answers');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

describe('answers over HTTP', () => {
  it('give the answering owner its own entry, draw the map again, and refuse bad bodies leaving the package as it was', async () => {
    const t = await testApp(dir.sub('answers'), {
      config: { limits: { answerBytes: 4096 } },
      prepare: async (engine) => {
        await engine.putNetwork('el', [cable('e1', [585000, 6139015], [585100, 6139015])], { crs: UTM });
        await engine.putInterestAreas('gas', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(584000, 6138000, 586000, 6140000), properties: { forsyningsart: 'gas', contact: 'vagt@gas.invalid' } }] }, { crs: UTM });
      }
    });
    try {
      const contractor = await t.key('contractor');
      const gas = await t.key('owner', 'gas');
      const made = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585000, 6139000, 585040, 6139030), crs: UTM } });
      expect(made.statusCode, made.body).toBe(201);
      const id = (made.json() as { id: string }).id;
      expect((made.json() as { owners: { owner: string }[] }).owners.map((o) => o.owner).sort()).toEqual(['el', 'gas']);
      const map1 = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}/map.svg` });
      expect(map1.statusCode).toBe(200);
      const answer = (payload: unknown, token = gas, url = `/v1/dig-requests/${id}/owners/gas/answer?crs=${UTM}`) => t.as(token, { method: 'POST', url, payload: payload as Record<string, unknown> });

      // Refused, each with its problem; nothing changes.
      expect(problemOf(await answer({}))).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
      expect(problemOf(await t.as(gas, { method: 'POST', url: `/v1/dig-requests/${id}/owners/gas/answer`, headers: { 'content-type': 'application/json' }, payload: '{"status":' }))).toMatchObject({ status: 400 });
      expect(problemOf(await answer({ status: STATUS.delivered, lines: { type: 'Feature' } }))).toMatchObject({ status: 400 });
      expect(problemOf(await answer({ status: STATUS.delivered, lines: { type: 'FeatureCollection', features: [cable('bad', [585000, 6139010], [585050, 6139010], { fareklasse: 'harmless' })] } }))).toMatchObject({ status: 422, featureIndex: 0 });
      const many = { type: 'FeatureCollection', features: Array.from({ length: 40 }, (_, i) => cable(`g${i}`, [585000, 6139000 + i], [585050, 6139000 + i])) };
      const tooLarge = await answer({ status: STATUS.delivered, lines: many });
      expect(problemOf(tooLarge)).toMatchObject({ status: 413, code: 'INPUT_TOO_LARGE' });
      expect(((await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}` })).json() as { revision: number }).revision).toBe(1);

      // The owner's answer: its own entry only; the requester sees the whole new revision.
      const ok = await answer({ status: STATUS.delivered, lines: { type: 'FeatureCollection', features: [cable('g1', [585000, 6139020], [585050, 6139020])] } });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ id, revision: 2, owners: [{ owner: 'gas', status: STATUS.delivered }] });
      expect((ok.json() as { owners: unknown[] }).owners).toHaveLength(1);
      const whole = (await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}` })).json() as { revision: number; owners: { owner: string; conflicts: unknown[] }[] };
      expect(whole.revision).toBe(2);
      expect(whole.owners.map((o) => [o.owner, o.conflicts.length]).sort()).toEqual([['el', 1], ['gas', 1]]);
      // An admin's answer or marking comes whole.
      const marked = await t.as(ADMIN_TOKEN, { method: 'POST', url: `/v1/dig-requests/${id}/owners/gas/marking`, payload: { by: 'A. Jensen' } });
      expect(((marked.json() as { owners: unknown[] }).owners)).toHaveLength(2);

      // The map is drawn again for the new revision, with the answered lines on it.
      const map2 = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}/map.svg` });
      expect(map2.statusCode).toBe(200);
      expect(map2.headers.etag).not.toBe(map1.headers.etag);
      expect(map2.body).not.toBe(map1.body);
      // An unknown revision of someone else's request is the request unknown, as the request is.
      const other = await t.key('contractor');
      expect(problemOf(await t.as(other, { method: 'GET', url: `/v1/dig-requests/${id}?revision=9` }))).toMatchObject({ status: 404, code: 'DIG_REQUEST_UNKNOWN' });
      expect(problemOf(await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${id}?revision=9` }))).toMatchObject({ status: 404, code: 'REVISION_UNKNOWN' });
    } finally {
      await t.close();
    }
  });
});
