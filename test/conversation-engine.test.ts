/**
 * The engine's side of the conversation, on a clock the test moves: an answer's lines cut by the
 * package's rule, markings and renewals as new revisions and requests, the deadline a package
 * carries, and packages past their validity refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import { answerDeadline } from '../src/package/deadline.js';
import { STATUS } from '../src/package/types.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { cable, dataDir, rect } from './helpers/http-app.js';

const dir = dataDir('conversation-engine');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

describe('answers, markings and renewals in the engine', () => {
  it('cuts an answer\'s lines by the package\'s rule, keeps every revision, renews on today\'s networks, and refuses a package past its validity', async () => {
    let clock = Date.parse('2026-03-10T10:15:00.000Z');
    const store = new SqliteStore({ dataDir: dir.sub('engine') });
    const engine = await Engine.open({ store, workers: 0, now: () => new Date(clock) });
    try {
      await engine.putInterestAreas('gas', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(584000, 6138000, 586000, 6140000), properties: { forsyningsart: 'gas', contact: 'vagt@gas.invalid' } }] }, { crs: UTM });
      const { pkg } = await engine.digRequest({ geometry: rect(585000, 6139000, 585040, 6139030), crs: UTM, infoZone: 2, period: { from: '2026-03-10', to: '2026-03-20' } }, { requester: 'c1' });
      expect(pkg).toMatchObject({ type: 'dig', revision: 1, renewalOf: null, answerDeadline: answerDeadline(new Date(clock)).toISOString() });
      expect(pkg.answerDeadline).toBe('2026-03-10T12:15:00.000Z');
      expect(await store.inboxEntry(pkg.id, 'gas')).toMatchObject({ status: STATUS.manual, answeredAt: null, deadline: pkg.answerDeadline, area: { type: 'Polygon' } });

      // A line 200 m long through the area: only what lies within m + b + 1 m of the area is delivered.
      clock += 600_000;
      const answered = await engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.delivered, lines: { type: 'FeatureCollection', features: [cable('g1', [584900, 6139015], [585100, 6139015], { featureType: 'Gasledning', forsyningsart: 'gas', noejagtighedsklasse: '<= 0.50 m' })] } }, { actor: 'owner-key', crs: UTM });
      const owner = answered.pkg.owners[0];
      expect(answered.pkg.revision).toBe(2);
      expect(owner.conflicts).toHaveLength(1);
      const xs = (owner.conflicts[0].geometry as { coordinates: number[][] }).coordinates.map((c) => c[0]);
      expect(Math.min(...xs)).toBeCloseTo(585000 - 0.5 - 2 - 1, 4);
      expect(Math.max(...xs)).toBeCloseTo(585040 + 0.5 + 2 + 1, 4);
      expect(owner.answer).toMatchObject({ by: 'owner-key', at: new Date(clock).toISOString() });
      expect(await store.inboxEntry(pkg.id, 'gas')).toMatchObject({ status: STATUS.delivered, conflicts: 1, answeredAt: new Date(clock).toISOString(), revision: 2 });

      // Invalid lines are refused as an upload's are, pointing at the feature.
      await expect(engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.delivered, lines: { type: 'FeatureCollection', features: [cable('bad', [584900, 6139015], [585100, 6139015], { fareklasse: 'harmless' })] } }, { actor: 'k', crs: UTM })).rejects.toMatchObject({ status: 422 });
      expect((await engine.storedPackage(pkg.id)).pkg.revision).toBe(2);

      // Taken to manual handling: the lines delivered stay in the package; "no lines" takes them out.
      const manual = await engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.manual, expectedAt: new Date(clock + 3_600_000).toISOString() }, { actor: 'owner-key' });
      expect(manual.pkg.revision).toBe(3);
      expect(manual.pkg.owners[0].conflicts.map((c) => c.featureId)).toEqual(['g1']);
      await engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.delivered }, { actor: 'owner-key' });

      const marked = await engine.markDigRequest(pkg.id, 'gas', { by: 'A. Jensen', note: 'Malet på asfalten' }, { actor: 'owner-key' });
      expect(marked.pkg.revision).toBe(5);
      expect(marked.pkg.owners[0]).toMatchObject({ status: STATUS.delivered, marking: { by: 'A. Jensen', note: 'Malet på asfalten' } });
      expect(marked.pkg.owners[0].conflicts.map((c) => c.featureId)).toEqual(['g1']);
      expect((await engine.storedPackage(pkg.id, 2)).pkg.owners[0].marking).toBeUndefined();
      await expect(engine.markDigRequest(pkg.id, 'gas', { by: 'A. Jensen', at: new Date(clock + 3_600_000).toISOString() }, { actor: 'k' })).rejects.toMatchObject({ code: 'ANSWER_INVALID', pointer: '/at' });

      // A renewal: the same area on today's networks, linked; the new network's line is in it.
      await engine.putNetwork('el', [cable('e1', [585010, 6138990], [585010, 6139040])], { crs: UTM });
      const renewed = await engine.renewDigRequest(pkg.id, { requester: 'c1' });
      expect(renewed.pkg).toMatchObject({ renewalOf: pkg.id, revision: 1, infoZone: 2, period: { from: '2026-03-10', to: '2026-03-20' } });
      expect(renewed.pkg.id).not.toBe(pkg.id);
      expect(renewed.pkg.owners.map((o) => o.owner).sort()).toEqual(['el', 'gas']);

      // Past its validity: no answer, no renewal.
      clock = Date.parse('2026-03-21T00:00:00.000Z');
      await expect(engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.none }, { actor: 'k' })).rejects.toMatchObject({ code: 'DIG_REQUEST_EXPIRED', status: 409 });
      await expect(engine.renewDigRequest(pkg.id, { requester: 'c1' })).rejects.toMatchObject({ code: 'DIG_REQUEST_EXPIRED' });
      await expect(engine.answerDigRequest(pkg.id, 'nobody', { status: STATUS.none }, { actor: 'k' })).rejects.toMatchObject({ code: 'DIG_REQUEST_OWNER_UNKNOWN', status: 404 });
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('checks an answer against LER\'s statuses and what each needs', async () => {
    const clock = Date.parse('2026-03-10T10:15:00.000Z');
    const store = new SqliteStore({ dataDir: dir.sub('checks') });
    const engine = await Engine.open({ store, workers: 0, now: () => new Date(clock) });
    try {
      await engine.putInterestAreas('gas', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(584000, 6138000, 586000, 6140000), properties: { forsyningsart: 'gas', contact: 'vagt@gas.invalid' } }] }, { crs: UTM });
      const { pkg } = await engine.digRequest({ geometry: rect(585000, 6139000, 585040, 6139030), crs: UTM }, { requester: 'c1' });
      const refused = (body: unknown) => engine.answerDigRequest(pkg.id, 'gas', body, { actor: 'k' });
      await expect(refused({ status: 'maybe' })).rejects.toMatchObject({ code: 'ANSWER_INVALID', pointer: '/status' });
      await expect(refused({ status: STATUS.markingNotDelivered })).rejects.toMatchObject({ code: 'ANSWER_INVALID', pointer: '/reason' });
      await expect(refused({ status: STATUS.manual })).rejects.toMatchObject({ code: 'ANSWER_INVALID', pointer: '/expectedAt' });
      await expect(refused({ status: STATUS.manual, expectedAt: '2026-03-10T09:00:00Z' })).rejects.toMatchObject({ code: 'ANSWER_INVALID', pointer: '/expectedAt' });
      await expect(refused({ status: STATUS.none, lines: { type: 'FeatureCollection', features: [] } })).rejects.toMatchObject({ code: 'ANSWER_INVALID', pointer: '/lines' });
      const manual = await engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.manual, expectedAt: '2026-03-10T15:00:00+01:00' }, { actor: 'k' });
      expect(manual.pkg.owners[0]).toMatchObject({ status: STATUS.manual, answer: { expectedAt: '2026-03-10T14:00:00.000Z' }, message: expect.stringContaining('2026-03-10T14:00:00.000Z') });
      const refusedLines = await engine.answerDigRequest(pkg.id, 'gas', { status: STATUS.notDelivered, reason: 'Sikkerhedsklassificeret anlæg' }, { actor: 'k' });
      expect(refusedLines.pkg.owners[0]).toMatchObject({ status: STATUS.notDelivered, conflicts: [], answer: { reason: 'Sikkerhedsklassificeret anlæg' } });
      expect(refusedLines.pkg.revision).toBe(3);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
