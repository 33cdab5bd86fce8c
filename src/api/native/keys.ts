// /v1/keys: create an API key (its secret is in this one answer only), list keys
// (never their secrets), revoke one. Admin keys only.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { needs, noteForAudit } from '../gate.js';
import { createKey, keyById, type CreateKeyBody } from './schemas.js';

export function keyRoutes({ keys }: Pick<NativeServices, 'keys'>): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: CreateKeyBody }>('/keys', { config: needs('keys:manage', 'node', 'key.create'), schema: createKey }, async (req, reply) => {
      const { key, secret } = keys.create(req.body);
      noteForAudit(req, { target: key.id, detail: `role ${key.role}${key.functions ? `, functions ${key.functions.join(',')}` : ''}${key.expiresAt ? `, expires ${key.expiresAt}` : ''}` });
      return reply.status(201).send({ key, secret });
    });

    app.get('/keys', { config: needs('keys:manage', 'node') }, async () => ({ keys: keys.list() }));

    app.delete<{ Params: { id: string } }>('/keys/:id', { config: needs('keys:manage', 'node', 'key.revoke'), schema: keyById }, async (req, reply) => {
      keys.revoke(req.params.id);
      return reply.status(204).send();
    });
  };
}
