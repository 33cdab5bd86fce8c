// Metrics: GET /metrics (Prometheus text: open to loopback clients, otherwise a key
// with metrics:read), GET /v1/functions/{name}/metrics (one function's per-minute
// rollups re-aggregated into steps) and GET /v1/metrics (the same across every
// function, plus the node's figures now). docs/metrics.md describes both.
import type { FastifyPluginAsync } from 'fastify';
import type { PoolReport } from '../../model/node-status.js';
import type { NativeServices } from '../deps.js';
import { needs, type RouteAccess } from '../gate.js';
import { parseMetricRange, type MetricRangeQuery } from './metric-range.js';
import { functionMetrics, nodeMetrics } from './schemas.js';

/** Scrapers on the same host need no key; from elsewhere, a key that may read metrics. */
const SCRAPE: { access: RouteAccess } = { access: { permission: 'metrics:read', scope: 'node', openOnLoopback: true } };

export function scrapeRoute({ metrics }: Pick<NativeServices, 'metrics'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', { config: SCRAPE }, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.scrape()));
  };
}

export function metricRoutes({ rollups, registry, status }: Pick<NativeServices, 'rollups' | 'registry' | 'status'>): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { name: string }; Querystring: MetricRangeQuery }>('/functions/:name/metrics', { config: needs('functions:read', 'path'), schema: functionMetrics }, async (req) => {
      const { name } = req.params;
      registry.get(name);
      const r = parseMetricRange(req.query);
      return { function: name, ...rollups.series(name, r.from, r.to, r.stepMs, r.step) };
    });

    app.get<{ Querystring: MetricRangeQuery }>('/metrics', { config: needs('node:read', 'node'), schema: nodeMetrics }, async (req) => {
      const r = parseMetricRange(req.query);
      return {
        function: null, ...rollups.series(null, r.from, r.to, r.stepMs, r.step),
        functions: rollups.breakdown(r.from, r.to, r.stepMs), node: nodeFigures(await status.pool()),
      };
    });
  };
}

/** What the node holds now: admission, sandboxes by state and their host memory. */
function nodeFigures(p: PoolReport) {
  const prewarmed = { booting: 0, ready: 0, frozen: 0 };
  const instances = { idle: 0, frozen: 0, busy: 0, stopping: 0 };
  let memoryKb = 0;
  for (const s of p.generic) {
    prewarmed[s.frozen ? 'frozen' : s.state]++;
    memoryKb += s.memoryKb ?? 0;
  }
  for (const i of p.instances) {
    instances[i.frozen && i.state === 'idle' ? 'frozen' : i.state]++;
    memoryKb += i.memoryKb ?? 0;
  }
  return { at: new Date().toISOString(), admission: p.admission, prewarmed, instances, sandboxMemoryKb: memoryKb, functions: new Set(p.instances.map((i) => i.function)).size };
}
