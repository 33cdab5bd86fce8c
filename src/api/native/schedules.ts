// Schedules: /v1/functions/{name}/schedules (create, list), one by name (show, pause or
// resume with PATCH, delete), and /v1/schedules (every schedule the key may see).
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { callerMayAct, needs, noteForAudit } from '../gate.js';
import { createSchedule, functionByName, scheduleByName, patchSchedule, type CreateScheduleBody } from './schemas.js';

type ScheduleParams = { Params: { name: string; schedule: string } };

export function scheduleRoutes({ schedules }: Pick<NativeServices, 'schedules'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/schedules', { config: needs('functions:read', 'listing') }, async (req) => ({
      schedules: schedules.list().filter((s) => callerMayAct(req, s.functionName)),
    }));

    app.post<{ Params: { name: string }; Body: CreateScheduleBody }>('/functions/:name/schedules', { config: needs('functions:write', 'path', 'schedule.create'), schema: createSchedule }, async (req, reply) => {
      const payload = req.body.payload === undefined ? undefined : JSON.stringify(req.body.payload);
      const s = schedules.create(req.params.name, {
        expression: req.body.expression,
        ...(req.body.name !== undefined ? { name: req.body.name } : {}),
        ...(req.body.timezone !== undefined ? { timezone: req.body.timezone } : {}),
        ...(payload !== undefined ? { payload } : {}),
      });
      noteForAudit(req, { target: `${s.functionName}/${s.name}`, detail: `${s.expression} (${s.timezone})` });
      return reply.status(201).send({ schedule: s });
    });

    app.get<{ Params: { name: string } }>('/functions/:name/schedules', { config: needs('functions:read', 'path'), schema: functionByName }, async (req) => ({
      schedules: schedules.list(req.params.name),
    }));

    app.get<ScheduleParams>('/functions/:name/schedules/:schedule', { config: needs('functions:read', 'path'), schema: scheduleByName }, async (req) => ({
      schedule: schedules.get(req.params.name, req.params.schedule),
    }));

    app.patch<ScheduleParams & { Body: { state: 'enabled' | 'paused' } }>('/functions/:name/schedules/:schedule', { config: needs('functions:write', 'path', 'schedule.update'), schema: patchSchedule }, async (req) => {
      noteForAudit(req, { target: `${req.params.name}/${req.params.schedule}`, detail: req.body.state });
      return { schedule: schedules.setState(req.params.name, req.params.schedule, req.body.state) };
    });

    app.delete<ScheduleParams>('/functions/:name/schedules/:schedule', { config: needs('functions:write', 'path', 'schedule.delete'), schema: scheduleByName }, async (req, reply) => {
      schedules.delete(req.params.name, req.params.schedule);
      noteForAudit(req, { target: `${req.params.name}/${req.params.schedule}` });
      return reply.status(204).send();
    });
  };
}
