/**
 * The owner's inbox in a real browser: an owner with only an interest area finds the dig requests
 * that meet it (open ones first, the emergency marked, times in Danish time), sees their areas on
 * the map, chooses one, is told what its answer lacks (code and pointer, beside the form), answers,
 * and the contractor's package is the next revision with that answer; then records its lines shown
 * on site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, screenshot, setupOnce, startService, type Service, type Session } from './helpers/e2e-browser.js';
import { cable, rect } from './helpers/http-app.js';

const UTM = 'EPSG:25832';
/** An owner with an interest area and no network: it answers every request that meets the area by hand. */
const INTEREST = 'test-vand';
/** An owner with lines: the registry answers for it at once. */
const LINES = 'test-el';

interface Pkg {
  id: string;
  type: string;
  revision: number;
  createdAt: string;
  answerDeadline: string;
  owners: { owner: string; status: string; answer?: { note: string | null; expectedAt: string | null }; marking?: { by: string } }[];
}

/** Hours and minutes of a time in Danish time, as the page shows them. */
const danishClock = (iso: string): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Copenhagen', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

let service: Service;
let session: Session;
let contractor: string;
let emergency: Pkg;
let dig: Pkg;

const setup = setupOnce(async () => {
  service = await startService('owner-inbox');
  const interestKey = await service.key('owner', INTEREST);
  const linesKey = await service.key('owner', LINES);
  contractor = await service.key('contractor');
  const areas = await service.t.as(interestKey, { method: 'PUT', url: `/v1/owners/${INTEREST}/interest-areas?crs=${UTM}`, payload: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(600000, 6150000, 600400, 6150400), properties: { forsyningsart: 'vand', contact: 'vagt@vand.test.invalid' } }] } });
  if (areas.statusCode !== 200) throw new Error(`interest areas: ${areas.statusCode} ${areas.body}`);
  const network = await service.t.as(linesKey, { method: 'PUT', url: `/v1/owners/${LINES}/network?crs=${UTM}`, payload: { type: 'FeatureCollection', features: [cable('b-1', [600150, 6150150], [600250, 6150150])] } });
  if (network.statusCode !== 200) throw new Error(`network: ${network.statusCode} ${network.body}`);
  const ask = async (body: Record<string, unknown>): Promise<Pkg> => {
    const res = await service.t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { crs: UTM, ...body } });
    if (res.statusCode !== 201) throw new Error(`dig request: ${res.statusCode} ${res.body}`);
    return res.json() as Pkg;
  };
  // The emergency first: across the line and in the interest area. Then a dig in the interest area only.
  emergency = await ask({ type: 'emergency', reason: 'Vandrør sprunget under vejen', geometry: rect(600190, 6150140, 600210, 6150160) });
  dig = await ask({ geometry: rect(600100, 6150100, 600120, 6150120) });
  session = await openSignedIn(service, interestKey);
});
beforeAll(setup.run);

afterAll(async () => {
  await session?.browser.close();
  await service?.close();
});

describe('the owner\'s inbox on the map page', () => {
  it('lists the requests that name the owner, open ones first, with their areas on the map', async () => {
    setup.check();
    const { page } = session;
    expect(emergency.owners.map((o) => [o.owner, o.status])).toEqual(expect.arrayContaining([[INTEREST, 'udtaget til manuel behandling'], [LINES, 'ledningsoplysninger udleveret']]));
    expect(dig.owners.map((o) => o.owner)).toEqual([INTEREST]);

    await page.getByRole('tab', { name: 'Inbox' }).click();
    expect(await page.isVisible('#view-inbox')).toBe(true);
    await page.waitForSelector('#inbox-list li.inbox-entry >> nth=1');
    // Both open: newest first.
    expect(await page.locator('#inbox-list li').evaluateAll((li) => li.map((l) => l.getAttribute('data-id')))).toEqual([dig.id, emergency.id]);
    expect(await page.locator('#inbox-list li.open').count()).toBe(2);
    expect(await page.locator(`#inbox-list li[data-id="${emergency.id}"].emergency .type.emergency`).textContent()).toBe('Emergency');
    expect(await page.locator(`#inbox-list li[data-id="${dig.id}"] .type`).textContent()).toBe('Dig request');
    expect(await page.locator('#inbox-list li.emergency').count()).toBe(1);
    expect(await page.textContent('#inbox-summary')).toBe('2 open requests, 0 answered requests.');

    const entry = page.locator(`#inbox-list li[data-id="${dig.id}"]`);
    expect(await entry.locator('.status').textContent()).toBe('udtaget til manuel behandling');
    expect(await entry.locator('.conflicts').textContent()).toBe('0 lines');
    // Created and due in Danish time (the browser's own zone is not Denmark's).
    expect(await entry.locator(`time[datetime="${dig.createdAt}"]`).textContent()).toContain(danishClock(dig.createdAt));
    expect(await entry.locator('.deadline time').textContent()).toContain(danishClock(dig.answerDeadline));
    expect(await entry.locator('.overdue-mark').count()).toBe(0);

    // Every area on the map, the open ones in the stronger style.
    expect(await page.locator('path.inbox-area.open').count()).toBe(2);
    expect(await page.locator('path.inbox-area.emergency').count()).toBe(1);
    expect(await page.locator('path.inbox-area.answered').count()).toBe(0);
    expect(session.errors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });

  it('answers the chosen request: what the status lacks shown with its pointer, then the next revision', async () => {
    setup.check();
    const { page } = session;
    await page.locator(`#inbox-list li[data-id="${dig.id}"] button`).click();
    await page.waitForSelector('#inbox-selected:not([hidden])');
    expect(await page.textContent('#inbox-selected-id')).toBe(dig.id);
    expect(await page.getAttribute(`#inbox-list li[data-id="${dig.id}"] button`, 'aria-pressed')).toBe('true');
    expect(await page.locator('path.inbox-area.selected').count()).toBe(1);

    // The manual status needs the time the owner expects to answer: left out, the service says where.
    await page.getByLabel('Status').selectOption('udtaget til manuel behandling');
    expect(await page.getByLabel('Expected answer time (Danish time)').isVisible()).toBe(true);
    expect(await page.getByLabel('Reason the lines are not delivered').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.waitForSelector('#answer-message.error');
    expect(await page.getAttribute('#answer-message', 'role')).toBe('alert');
    expect(await page.textContent('#answer-message .problem-code')).toBe('ANSWER_INVALID');
    expect(await page.textContent('#answer-message .problem-pointer')).toBe('/expectedAt');
    expect(await page.textContent('#answer-message .problem-detail')).toMatch(/expectedAt/);
    expect(((await service.t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${dig.id}` })).json() as Pkg).revision).toBe(1);

    await page.getByLabel('Status').selectOption('ingen ledninger i graveområde');
    expect(await page.getByLabel('Expected answer time (Danish time)').isVisible()).toBe(false);
    await page.getByLabel('Note to the contractor (optional)').fill('Vores ledninger ligger ikke her.');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.waitForSelector('#answer-message.ok');
    expect(await page.textContent('#answer-message .revision')).toBe('2');

    // The list again from the service: the answered one after the open one.
    await page.waitForSelector(`#inbox-list li[data-id="${dig.id}"].answered`);
    expect(await page.locator('#inbox-list li').evaluateAll((li) => li.map((l) => l.getAttribute('data-id')))).toEqual([emergency.id, dig.id]);
    const answered = page.locator(`#inbox-list li[data-id="${dig.id}"]`);
    expect(await answered.locator('.status').textContent()).toBe('ingen ledninger i graveområde');
    expect(await answered.locator('.answered-mark').textContent()).toMatch(/^Answered /);
    expect(await page.textContent('#inbox-summary')).toBe('1 open request, 1 answered request.');
    expect(await page.locator('path.inbox-area.open').count()).toBe(1);
    expect(await page.locator('path.inbox-area.answered').count()).toBe(1);
    await screenshot(page, 'owner-inbox');

    const stored = await service.t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${dig.id}` });
    expect(stored.statusCode, stored.body).toBe(200);
    const pkg = stored.json() as Pkg;
    expect(pkg.revision).toBe(2);
    expect(pkg.owners.find((o) => o.owner === INTEREST)).toMatchObject({ status: 'ingen ledninger i graveområde', answer: { note: 'Vores ledninger ligger ikke her.' } });
    expect(session.errors).toEqual([]);
  });

  it('records the lines shown on site as the next revision', async () => {
    setup.check();
    const { page } = session;
    await page.getByLabel('Shown by').fill('Jens Hansen, Test Vand');
    await page.getByRole('button', { name: 'Record marking' }).click();
    await page.waitForSelector('#marking-message.ok');
    expect(await page.textContent('#marking-message .revision')).toBe('3');
    const pkg = (await service.t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${dig.id}` })).json() as Pkg;
    expect(pkg.revision).toBe(3);
    expect(pkg.owners.find((o) => o.owner === INTEREST)?.marking).toMatchObject({ by: 'Jens Hansen, Test Vand' });
    await page.waitForSelector(`#inbox-list li[data-id="${dig.id}"]:has-text("revision 3")`);
    expect(session.errors).toEqual([]);
  });

  it('takes the expected answer time in Danish time', async () => {
    setup.check();
    const { page } = session;
    const year = new Date().getUTCFullYear() + 1;
    await page.locator(`#inbox-list li[data-id="${emergency.id}"] button`).click();
    await page.waitForSelector(`#inbox-selected-id:has-text("${emergency.id}")`);
    await page.getByLabel('Status').selectOption('udtaget til manuel behandling');
    // 1 July: summer time, two hours ahead of UTC.
    await page.getByLabel('Expected answer time (Danish time)').fill(`${year}-07-01T10:30`);
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.waitForSelector('#answer-message.ok');
    const pkg = (await service.t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${emergency.id}` })).json() as Pkg;
    expect(pkg.revision).toBe(2);
    expect(pkg.owners.find((o) => o.owner === INTEREST)?.answer?.expectedAt).toBe(`${year}-07-01T08:30:00.000Z`);
    expect(session.errors).toEqual([]);
  });
});
