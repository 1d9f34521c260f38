/**
 * The map page: sign-in, the views each role may use (dig request, batch check, network upload,
 * an owner's inbox) over one map. The token is kept in this tab's sessionStorage only.
 */
import { Api, ApiError } from './api';
import { ContractorView } from './contractor';
import { InboxView } from './inbox';
import { byId, showMessage } from './dom';
import { addReference, createMap } from './map';
import { NetworkLayer } from './network-layer';
import { OwnerView } from './owner';
import { PlannerView } from './planner';
import type { MapConfig, Me, Role } from './types';

const TOKEN_KEY = 'ler-engine.token';
const VIEWS = ['contractor', 'planner', 'owner', 'inbox'] as const;
type ViewName = (typeof VIEWS)[number];

const ROLE_VIEWS: Record<Role, readonly ViewName[]> = {
  contractor: ['contractor'],
  planner: ['planner'],
  owner: ['owner', 'inbox'],
  admin: ['contractor', 'planner', 'owner']
};

const ROLE_WORDS: Record<Role, string> = { contractor: 'contractor', planner: 'planner', owner: 'utility', admin: 'administrator' };

const FALLBACK_CONFIG: MapConfig = { tiles: null, attribution: null, reference: false, view: null, workTypes: ['excavation', 'handDigging', 'drilling', 'piling'], maxInfoZone: 100 };

async function boot(): Promise<void> {
  const api = new Api();
  const message = byId('message');
  let config = FALLBACK_CONFIG;
  try {
    config = await api.json('GET', '/v1/map/config');
  } catch (error) {
    showMessage(message, (error as Error).message, 'error');
  }
  const map = createMap(byId('map'), config);
  if (config.reference) void addReference(map);
  const networkStatus = byId('network-status');
  const network = new NetworkLayer(api, map, networkStatus);
  new ContractorView(api, map, config.workTypes);
  new PlannerView(api, map);
  const owner = new OwnerView(api, map);
  const inbox = new InboxView(api, map);
  let me: Me | null = null;
  owner.onOwner = (o) => {
    if (me?.role === 'owner') network.show(o !== null ? [o] : []);
  };

  const show = (view: ViewName | 'welcome'): void => {
    for (const v of [...VIEWS, 'welcome'] as const) byId(`view-${v}`).hidden = v !== view;
    for (const v of VIEWS) byId(`tab-${v}`).setAttribute('aria-selected', String(v === view));
    inbox.setShown(view === 'inbox');
  };
  for (const v of VIEWS) byId(`tab-${v}`).addEventListener('click', () => show(v));

  const signedIn = async (who: Me): Promise<void> => {
    me = who;
    byId('signin').hidden = true;
    byId('who').hidden = false;
    byId('who-text').textContent = `Signed in as ${ROLE_WORDS[who.role]}${who.owner !== null ? ` of ${who.owner}` : ''}${who.name !== null ? ` (${who.name})` : ''}`;
    const views = ROLE_VIEWS[who.role];
    byId('tabs').hidden = views.length < 2;
    for (const v of VIEWS) byId(`tab-${v}`).hidden = !views.includes(v);
    show(views[0]);
    showMessage(message, '');
    if (views.includes('inbox')) inbox.setOwner(who.owner);
    if (views.includes('owner')) await owner.setPrincipal(who);
    if (who.role === 'admin') {
      const owners = await api.json('GET', '/v1/owners').catch(() => []);
      network.show(owners.filter((o) => o.features > 0).map((o) => o.owner));
    }
  };

  const signIn = async (token: string): Promise<void> => {
    api.token = token;
    try {
      const who = await api.json('GET', '/v1/me');
      sessionStorage.setItem(TOKEN_KEY, token);
      await signedIn(who);
    } catch (error) {
      api.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      const words = error instanceof ApiError && error.status === 401 ? `${error.message}` : (error as Error).message;
      showMessage(message, words, 'error');
      show('welcome');
    }
  };

  byId('signin').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('token');
    const token = input.value.trim();
    input.value = '';
    if (token !== '') void signIn(token);
  });
  byId('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });

  show('welcome');
  const kept = sessionStorage.getItem(TOKEN_KEY);
  if (kept !== null) await signIn(kept);
  document.body.dataset.ready = 'true';
}

document.addEventListener('DOMContentLoaded', () => {
  boot().catch((error: unknown) => {
    const area = document.getElementById('message');
    if (area !== null) showMessage(area, `The page failed to start: ${(error as Error).message}`, 'error');
  });
});
