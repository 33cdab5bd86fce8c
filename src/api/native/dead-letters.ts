// A function's dead letters (events that failed with no on-failure destination, and
// destination deliveries that could not be made): list, show one, redrive (queue the
// original payload again, the ids named or all) and purge (the ids named or all).
import type { FastifyPluginAsync } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import type { DeadLetter } from '../../model/destinations.js';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';
import { deadLetterById, deadLetterPurge, deadLetterRedrive, deadLetterList } from './schemas.js';

type NameParams = { Params: { name: string } };

/** A dead letter as listed: without its payload and record. */
export function deadLetterSummary(d: DeadLetter): Record<string, unknown> {
  return {
    id: d.id, function: d.functionName, qualifier: d.qualifier, requestId: d.eventId, condition: d.condition, reason: d.reason,
    destination: d.destination, createdAt: d.createdAt, payloadBytes: d.payload.length,
  };
}

/** The ids a redrive or purge names, or null for all; one or the other must be sent. */
function chosen(ids: string[] | undefined, all: boolean | undefined): string[] | null {
  if (all && ids?.length) throw new SkyscaleError('ValidationError', 'send either ids or all, not both');
  if (all) return null;
  if (!ids?.length) throw new SkyscaleError('ValidationError', 'name the dead letters (ids) or send all: true', { hint: 'skyscale dlq list --name <function> shows their ids' });
  return ids;
}

export function deadLetterRoutes({ asyncInvocations }: Pick<NativeServices, 'asyncInvocations'>): FastifyPluginAsync {
  const letters = asyncInvocations.deadLetters;
  return async (app) => {
    app.get<NameParams & { Querystring: { limit?: number } }>('/functions/:name/dead-letters', { config: needs('functions:read', 'path'), schema: deadLetterList }, async (req) => {
      const { deadLetters, total } = letters.list(req.params.name, req.query.limit);
      return { deadLetters: deadLetters.map(deadLetterSummary), total };
    });

    app.get<{ Params: { name: string; id: string } }>('/functions/:name/dead-letters/:id', { config: needs('functions:read', 'path'), schema: deadLetterById }, async (req) => {
      const d = letters.get(req.params.name, req.params.id);
      return { deadLetter: { ...deadLetterSummary(d), payload: d.payload.toString('utf8'), record: JSON.parse(d.record) as unknown } };
    });

    app.post<NameParams & { Body: { ids?: string[]; all?: boolean } }>('/functions/:name/dead-letters/redrive',
      { config: needs('functions:invoke', 'path', 'dead-letters.redrive'), schema: deadLetterRedrive }, async (req) => {
        const results = await letters.redrive(req.params.name, chosen(req.body?.ids, req.body?.all));
        return { redriven: results.filter((r) => r.requestId).length, results };
      });

    app.delete<NameParams & { Querystring: { ids?: string; all?: boolean } }>('/functions/:name/dead-letters',
      { config: needs('functions:write', 'path', 'dead-letters.purge'), schema: deadLetterPurge }, async (req) => {
        const ids = req.query.ids?.split(',').map((s) => s.trim()).filter(Boolean);
        return { purged: letters.purge(req.params.name, chosen(ids, req.query.all)) };
      });
  };
}
