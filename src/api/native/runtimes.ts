// GET /v1/runtimes: the runtimes functions may ask for on this node: those its sandbox
// image carries (name, language, the interpreter's real version), then the names one of
// them stands in for, with the note deploys show ("python3.8 runs on Python 3.11 here").
import type { FastifyPluginAsync } from 'fastify';
import type { RuntimeSet } from '../../model/runtimes.js';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';

export interface RuntimeView {
  name: string;
  language: string;
  version: string;
  /** for a name another runtime stands in for: that runtime's name */
  runsOn?: string;
  note?: string;
}

export function runtimesView(set: RuntimeSet): { runtimes: RuntimeView[] } {
  return {
    runtimes: set.accepted().map((name) => {
      const c = set.choose(name);
      if (!c) throw new Error(`accepted runtime ${name} has no choice`);
      return c.note === undefined
        ? { name, language: c.runs.language, version: c.runs.version }
        : { name, language: c.runs.language, version: c.runs.version, runsOn: c.runs.name, note: c.note };
    }),
  };
}

export function runtimeRoutes({ registry }: Pick<NativeServices, 'registry'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/runtimes', { config: needs('functions:read', 'listing') }, async () => runtimesView(registry.runtimes));
  };
}
