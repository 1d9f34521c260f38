/**
 * The way back: an owner makes a kept version of its network current again, after an upload it
 * did not mean (the wrong file, an export cut short). The kept version's features become a new
 * version, stored and audited as an upload is, so the history only ever grows forward.
 */
import type { FastifyInstance } from 'fastify';
import { BEARER, OWNER_PARAM, principal, problems, type ServiceContext } from '../context.js';
import { OWNER_ACCESS } from './owners.js';

export function rollbackRoutes(ctx: ServiceContext) {
  return async function rollback(app: FastifyInstance): Promise<void> {
    app.post<{ Params: { owner: string }; Body: { version: number } }>(
      '/v1/owners/:owner/network/rollback',
      {
        config: OWNER_ACCESS,
        schema: {
          tags: ['owners'],
          summary: 'Make a kept version of the network current again, as a new version',
          description: 'The kept version\'s features become the next version (audited as network.rollback, with from and version). The versions kept are those GET /v1/owners/{owner}/network lists in its history.',
          operationId: 'rollbackNetwork',
          security: BEARER,
          params: OWNER_PARAM,
          body: {
            type: 'object',
            required: ['version'],
            additionalProperties: false,
            properties: { version: { type: 'integer', minimum: 1, description: 'The kept version to make current again' } }
          },
          response: {
            200: {
              type: 'object',
              description: 'The new version is live, with the features of the version rolled back to',
              required: ['owner', 'version', 'from', 'features', 'snapshotVersion'],
              properties: {
                owner: { type: 'string' },
                version: { type: 'integer', description: 'The owner\'s new network version' },
                from: { type: 'integer', description: 'The version whose features it holds' },
                features: { type: 'integer' },
                snapshotVersion: { type: 'integer' }
              }
            },
            ...problems(400, 401, 403, 404, 410, 413, 415, 429)
          }
        }
      },
      async (request) => {
        const owner = request.params.owner;
        const from = request.body.version;
        const snapshot = await ctx.engine.rollbackNetwork(owner, from, { audit: { actor: principal(request).id } });
        const n = snapshot.networks.get(owner);
        return { owner, version: n?.version ?? 0, from, features: n?.features ?? 0, snapshotVersion: snapshot.version };
      }
    );
  };
}
