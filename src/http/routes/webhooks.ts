/**
 * Webhooks: a party registers a URL for the events it may hear of (an owner's key: requests that
 * name its owner, and their missed deadlines; a contractor's key: answers to its own requests; an
 * admin's: any, for every owner or one). The secret that signs deliveries is shown once, when the
 * webhook is made. Each webhook's deliveries, with their attempts and answers, can be read back.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth.js';
import { BEARER, ID_PARAM, OWNER_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';
import { checkWebhookUrl } from '../../notify/url-guard.js';
import { newWebhookSecret } from '../../notify/signature.js';
import { EVENT_TYPES, type EventType, type WebhookRecord } from '../../store/store.js';

const ACCESS = { access: { roles: ['owner', 'contractor', 'admin'] } } as const;

/** The events each role may hear of. */
const EVENTS_OF: Record<WebhookRecord['role'], readonly EventType[]> = {
  owner: ['dig-request.created', 'dig-request.overdue'],
  contractor: ['dig-request.answered'],
  admin: EVENT_TYPES
};

const WEBHOOK = {
  type: 'object',
  required: ['id', 'url', 'events', 'owner', 'createdAt', 'failingSince', 'disabledAt', 'disabledReason'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
    owner: { type: ['string', 'null'], description: 'The owner whose events it takes (null: an admin\'s for every owner, or a contractor\'s own requests)' },
    createdAt: { type: 'string' },
    failingSince: { type: ['string', 'null'], description: 'Since when every attempt has failed' },
    disabledAt: { type: ['string', 'null'], description: 'When it was disabled, after failing every attempt for LER_WEBHOOK_GIVE_UP_S' },
    disabledReason: { type: ['string', 'null'] }
  }
} as const;

const DELIVERY = {
  type: 'object',
  required: ['seq', 'eventId', 'type', 'status', 'attempts', 'createdAt', 'nextAttemptAt', 'deliveredAt', 'body', 'history'],
  properties: {
    seq: { type: 'integer' },
    eventId: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    createdAt: { type: 'string' },
    nextAttemptAt: { type: ['string', 'null'] },
    deliveredAt: { type: ['string', 'null'] },
    body: { type: 'string', description: 'The JSON delivered' },
    history: {
      type: 'array',
      description: 'The last attempts, oldest first',
      items: { type: 'object', required: ['at', 'status', 'error', 'ms', 'response'], properties: { at: { type: 'string' }, status: { type: ['integer', 'null'] }, error: { type: ['string', 'null'] }, ms: { type: 'number' }, response: { type: 'string', description: 'The start of the receiver\'s answer' } } }
    }
  }
} as const;

function view(w: WebhookRecord): Record<string, unknown> {
  return { id: w.id, url: w.url, events: w.events, owner: w.owner, createdAt: w.createdAt, failingSince: w.failingSince, disabledAt: w.disabledAt, disabledReason: w.disabledReason };
}

export function webhookRoutes(ctx: ServiceContext) {
  /** A webhook of this key's (any, for an admin); 404 otherwise. */
  async function own(id: string, who: Principal): Promise<WebhookRecord> {
    const w = await ctx.store.webhook(id);
    if (w === null || (who.role !== 'admin' && w.createdBy !== who.id)) throw new ProblemError('WEBHOOK_UNKNOWN', { where: { pointer: '/id' }, detail: `Got ${JSON.stringify(id)}.` });
    return w;
  }

  return async function webhooks(app: FastifyInstance): Promise<void> {
    app.post<{ Body: { url: string; events: string[]; owner?: string } }>(
      '/v1/webhooks',
      {
        config: ACCESS,
        schema: {
          tags: ['webhooks'],
          summary: 'Register a URL for signed events; the secret is shown once',
          operationId: 'createWebhook',
          description: 'Events: dig-request.created (to each owner a new package names, with its inbox entry; emergencies first), dig-request.answered (to the requester, when an owner answers), dig-request.overdue (to the owner, when its deadline passes unanswered). An owner\'s key takes its owner\'s created and overdue events, a contractor\'s key the answers to its own requests, an admin\'s any (for one owner with `owner`). Each delivery is a POST of {id, type, createdAt, data} signed in the LER-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>. URLs are https to public addresses.',
          security: BEARER,
          body: {
            type: 'object',
            required: ['url', 'events'],
            additionalProperties: false,
            properties: {
              url: { type: 'string', minLength: 1, maxLength: 2048 },
              events: { type: 'array', minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true, items: { type: 'string', maxLength: 64 } },
              owner: { ...OWNER_PARAM.properties.owner, description: 'An admin\'s webhook: only this owner\'s events' }
            }
          },
          response: {
            201: { ...WEBHOOK, required: [...WEBHOOK.required, 'secret'], properties: { ...WEBHOOK.properties, secret: { type: 'string', description: 'Signs every delivery; shown only now' } } },
            ...problems(400, 401, 403, 422, 429)
          }
        }
      },
      async (request, reply) => {
        const who = principal(request);
        const role = who.role as WebhookRecord['role'];
        const { url, events, owner } = request.body;
        const allowed = EVENTS_OF[role];
        const bad = events.findIndex((e) => !(allowed as readonly string[]).includes(e));
        if (bad >= 0) throw new ProblemError('WEBHOOK_EVENTS_INVALID', { where: { pointer: `/events/${bad}` }, detail: `A ${role} key takes ${allowed.join(', ')}; got ${JSON.stringify(events[bad])}.` });
        if (owner !== undefined && role !== 'admin') throw new ProblemError('WEBHOOK_EVENTS_INVALID', { where: { pointer: '/owner' }, detail: 'Only an admin\'s webhook names an owner; an owner key\'s takes its own owner\'s events.' });
        checkWebhookUrl(url, { allowPrivate: ctx.config.webhooks.allowPrivate });
        if ((await ctx.store.webhooks(who.id)).length >= ctx.config.limits.webhooksPerKey) {
          throw new ProblemError('QUOTA_WEBHOOKS', { detail: `At most ${ctx.config.limits.webhooksPerKey} webhooks per key.`, headers: { 'retry-after': '3600' } });
        }
        const webhook: WebhookRecord = {
          id: randomUUID(),
          createdBy: who.id,
          role,
          owner: role === 'owner' ? who.owner : (owner ?? null),
          requester: role === 'contractor' ? who.id : null,
          url,
          events: events as EventType[],
          secret: newWebhookSecret(),
          createdAt: new Date().toISOString(),
          failingSince: null,
          disabledAt: null,
          disabledReason: null
        };
        await ctx.store.createWebhook(webhook, { actor: who.id, action: 'webhook.create', owner: webhook.owner, detail: { id: webhook.id, url, events } });
        return reply.code(201).header('location', `/v1/webhooks/${webhook.id}`).send({ ...view(webhook), secret: webhook.secret });
      }
    );

    app.get(
      '/v1/webhooks',
      { config: ACCESS, schema: { tags: ['webhooks'], summary: 'This key\'s webhooks (an admin\'s: all)', operationId: 'listWebhooks', security: BEARER, response: { 200: { type: 'array', items: WEBHOOK }, ...problems(401, 403, 429) } } },
      async (request) => {
        const who = principal(request);
        return (await ctx.store.webhooks(who.role === 'admin' ? null : who.id)).map(view);
      }
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/webhooks/:id',
      { config: ACCESS, schema: { tags: ['webhooks'], summary: 'Remove a webhook and its deliveries', operationId: 'deleteWebhook', security: BEARER, params: ID_PARAM, response: { 204: { description: 'Removed', type: 'null' }, ...problems(400, 401, 403, 404, 429) } } },
      async (request, reply) => {
        const who = principal(request);
        const w = await own(request.params.id, who);
        await ctx.store.deleteWebhook(w.id, { actor: who.id, action: 'webhook.delete', owner: w.owner, detail: { id: w.id, url: w.url } });
        return reply.code(204).send();
      }
    );

    app.get<{ Params: { id: string }; Querystring: { limit?: string; before?: string } }>(
      '/v1/webhooks/:id/deliveries',
      {
        config: ACCESS,
        schema: {
          tags: ['webhooks'],
          summary: 'A webhook\'s deliveries, newest first, with their attempts and the receiver\'s answers',
          operationId: 'listWebhookDeliveries',
          security: BEARER,
          params: ID_PARAM,
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', description: '1 to 500 (default 50)' }, before: { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'Deliveries older than this seq (paging)' } } },
          response: { 200: { type: 'object', required: ['webhook', 'deliveries'], properties: { webhook: WEBHOOK, deliveries: { type: 'array', items: DELIVERY } } }, ...problems(400, 401, 403, 404, 429) }
        }
      },
      async (request) => {
        const w = await own(request.params.id, principal(request));
        return { webhook: view(w), deliveries: await ctx.store.deliveries(w.id, Number(request.query.limit ?? 50), request.query.before === undefined ? undefined : Number(request.query.before)) };
      }
    );
  };
}
