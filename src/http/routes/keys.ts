/** API keys (admin): make one (its token is shown once), list them, revoke one. */
import type { FastifyInstance } from 'fastify';
import { LerError } from '../../errors.js';
import { ROLES, hashToken, keyId, newToken, type Role } from '../auth.js';
import { BEARER, ID_PARAM, OWNER_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { ProblemError } from '../problem.js';

const ADMIN = { access: { roles: ['admin'] } } as const;

const KEY_VIEW = {
  type: 'object',
  required: ['id', 'role', 'owner', 'name', 'createdAt'],
  properties: {
    id: { type: 'string', description: 'The key\'s id: the start of its token\'s hash (never the token)' },
    role: { type: 'string', enum: [...ROLES] },
    owner: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    createdAt: { type: 'string' }
  }
} as const;

interface KeyBody {
  role: Role;
  owner?: string;
  name?: string;
}

export function keyRoutes(ctx: ServiceContext) {
  return async function keys(app: FastifyInstance): Promise<void> {
    app.post<{ Body: KeyBody }>(
      '/v1/keys',
      {
        config: ADMIN,
        schema: {
          tags: ['keys'],
          summary: 'Make an API key; the token is in this answer only',
          operationId: 'createKey',
          security: BEARER,
          body: {
            type: 'object',
            required: ['role'],
            additionalProperties: false,
            properties: {
              role: { type: 'string', enum: [...ROLES] },
              owner: { ...OWNER_PARAM.properties.owner, description: 'The owner an owner key is bound to (required for role owner, not allowed otherwise)' },
              name: { type: 'string', minLength: 1, maxLength: 200 }
            }
          },
          response: { 201: { ...KEY_VIEW, description: 'The key, with its token', required: [...KEY_VIEW.required, 'token'], properties: { ...KEY_VIEW.properties, token: { type: 'string', description: 'The bearer token: shown here only, never again' } } }, ...problems(400, 401, 403, 409, 413, 415, 429) }
        }
      },
      async (request, reply) => {
        const { role, owner, name } = request.body;
        if ((role === 'owner') !== (owner !== undefined)) {
          throw new LerError('OWNER_INVALID', { pointer: '/owner' }, role === 'owner' ? 'An owner key needs the owner it is bound to.' : `A ${role} key is bound to no owner.`);
        }
        const token = newToken();
        const hash = hashToken(token);
        const id = keyId(hash);
        // The key and its audit entry in one transaction.
        await ctx.store.putApiKey({ hash, role, owner: owner ?? null, name: name ?? null }, { actor: principal(request).id, action: 'key.create', owner: owner ?? null, detail: { id, role, name: name ?? null } });
        const created = await ctx.store.findApiKey(hash);
        return reply.code(201).send({ id, token, role, owner: owner ?? null, name: name ?? null, createdAt: created?.createdAt ?? new Date().toISOString() });
      }
    );

    app.get(
      '/v1/keys',
      { config: ADMIN, schema: { tags: ['keys'], summary: 'Every key (never its token)', operationId: 'listKeys', security: BEARER, response: { 200: { type: 'array', description: 'Every key', items: KEY_VIEW }, ...problems(401, 403, 429) } } },
      async () => (await ctx.store.listApiKeys()).map((k) => ({ id: keyId(k.hash), role: k.role, owner: k.owner, name: k.name, createdAt: k.createdAt }))
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/keys/:id',
      { config: ADMIN, schema: { tags: ['keys'], summary: 'Revoke a key', operationId: 'revokeKey', security: BEARER, params: ID_PARAM, response: { 204: { type: 'null', description: 'Revoked' }, ...problems(400, 401, 403, 404, 429) } } },
      async (request, reply) => {
        const id = request.params.id;
        const matches = (await ctx.store.listApiKeys()).filter((k) => keyId(k.hash) === id);
        if (matches.length === 0) throw new ProblemError('KEY_UNKNOWN', { where: { pointer: '/id' }, detail: `Got ${JSON.stringify(id)}.` });
        // Each key removed with its audit entry, in one transaction.
        for (const k of matches) {
          await ctx.store.deleteApiKey(k.hash, { actor: principal(request).id, action: 'key.revoke', owner: k.owner, detail: { id } });
        }
        return reply.code(204).send();
      }
    );
  };
}
