/**
 * An owner's inbox: every dig request whose package names it (its lines in the area or zone, or
 * its interest area hit), newest first, page by page, with the answer deadline (LER's rule) and
 * whether it is answered or overdue. For that owner's keys and admins.
 */
import type { FastifyInstance } from 'fastify';
import { REQUEST_TYPES } from '../../package/types.js';
import { inboxView } from '../../package/notice.js';
import type { DigRequestType } from '../../store/store.js';
import { BEARER, OWNER_PARAM, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';
import { readInboxCursor } from '../../store/inbox-cursor.js';
import { OWNER_ACCESS } from './owners.js';

export const INBOX_ENTRY = {
  type: 'object',
  required: ['id', 'owner', 'type', 'createdAt', 'deadline', 'status', 'conflicts', 'answeredAt', 'answered', 'overdue', 'revision', 'validUntil', 'area'],
  properties: {
    id: { type: 'string', description: 'The dig request' },
    owner: { type: 'string' },
    type: { type: 'string', enum: [...REQUEST_TYPES] },
    createdAt: { type: 'string' },
    deadline: { type: 'string', description: 'When the owner\'s answer is due (LER: 2 hours within working hours 07-16 Danish time, else 09:00 the next working day)' },
    status: { type: 'string', description: 'The owner\'s status in the newest revision' },
    conflicts: { type: 'integer', description: 'The owner\'s lines in the newest revision' },
    answeredAt: { type: ['string', 'null'], description: 'When it was answered (the registry answers at once for an owner whose network it holds)' },
    answered: { type: 'boolean' },
    overdue: { type: 'boolean', description: 'Unanswered past its deadline' },
    revision: { type: 'integer' },
    validUntil: { type: 'string' },
    area: { type: 'object', additionalProperties: true, description: 'The dig area, GeoJSON in lon/lat' }
  }
} as const;

interface InboxQuerystring {
  after?: string;
  limit?: string;
  type?: DigRequestType;
  status?: 'open' | 'answered';
  overdue?: 'true' | 'false';
}

export function inboxRoutes(ctx: ServiceContext) {
  return async function inbox(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { owner: string }; Querystring: InboxQuerystring }>(
      '/v1/owners/:owner/dig-requests',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners', 'dig requests'],
          summary: 'The owner\'s inbox: the dig requests that name it, newest first, with deadlines',
          operationId: 'getOwnerInbox',
          security: BEARER,
          params: OWNER_PARAM,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              after: { type: 'string', maxLength: 300, description: 'The `next` of the previous page' },
              limit: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', description: '1 to 500 (default 50)' },
              type: { type: 'string', enum: [...REQUEST_TYPES] },
              status: { type: 'string', enum: ['open', 'answered'] },
              overdue: { type: 'string', enum: ['true', 'false'], description: 'Only entries unanswered past their deadline (true), or the others (false)' }
            }
          },
          response: {
            200: { type: 'object', required: ['entries', 'next'], properties: { entries: { type: 'array', items: INBOX_ENTRY }, next: { type: ['string', 'null'], description: 'Cursor of the next page (?after=); null: the last' } } },
            ...problems(400, 401, 403, 429)
          }
        }
      },
      async (request) => {
        const q = request.query;
        if (q.after !== undefined && readInboxCursor(q.after) === null) throw new ProblemError('CURSOR_INVALID', { detail: 'after: not a cursor this service gave.' });
        const now = new Date();
        const page = await ctx.store.inbox(request.params.owner, {
          limit: Number(q.limit ?? 50),
          now: now.toISOString(),
          ...(q.after !== undefined ? { after: q.after } : {}),
          ...(q.type !== undefined ? { type: q.type } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.overdue !== undefined ? { overdue: q.overdue === 'true' } : {})
        });
        return { entries: page.entries.map((e) => inboxView(e, now)), next: page.next };
      }
    );
  };
}
