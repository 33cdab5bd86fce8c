// GET /v1/audit: the newest entries of the audit log of changes, newest first. Admin keys only.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';
import { auditLog } from './schemas.js';

export function auditRoutes({ audit }: Pick<NativeServices, 'audit'>): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { limit?: number } }>('/audit', { config: needs('audit:read', 'node'), schema: auditLog }, async (req) => ({
      entries: audit.recent(req.query.limit ?? 50),
    }));
  };
}
