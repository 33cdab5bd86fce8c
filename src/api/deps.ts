// What the API is given: the services of the control plane it calls, narrowed per
// surface, so each plugin sees only what it uses. buildApp() takes the whole set
// (a structural subset of the Services that assemble() returns).
import type { Logger } from 'pino';
import type { ApiKeys } from '../auth/api-keys.js';
import type { RateLimits } from '../auth/rate-limits.js';
import type { NodeStatus } from '../model/node-status.js';
import type { AuditLog } from '../observe/audit-log.js';
import type { InvocationRecorder } from '../observe/invocation-recorder.js';
import type { LiveLogs } from '../observe/live-logs.js';
import type { MetricRollups } from '../observe/metric-rollups.js';
import type { PrometheusMetrics } from '../observe/prometheus-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { AsyncInvocations } from '../queue/async-invocations.js';
import type { Invoker } from '../scheduler/invoker.js';
import type { Schedules } from '../schedules/schedules.js';

export interface ApiServices {
  log: Logger;
  keys: ApiKeys;
  registry: Registry;
  invoker: Invoker;
  asyncInvocations: AsyncInvocations;
  schedules: Schedules;
  recorder: InvocationRecorder;
  status: NodeStatus;
  metrics: Pick<PrometheusMetrics, 'scrape' | 'contentType'>;
  rollups: Pick<MetricRollups, 'series' | 'breakdown'>;
  liveLogs: Pick<LiveLogs, 'follow'>;
  limits: RateLimits;
  audit: AuditLog;
}

/** What every surface's gate uses: per-key limits and the audit log of changes. */
type GateServices = Pick<ApiServices, 'limits'> & { audit: Pick<AuditLog, 'record'> };

/** The native API (/v1, /healthz): Bearer keys (and managing them), the registry, invokes (synchronous and queued), live logs, records, node status, the audit log. */
export type NativeServices = Pick<ApiServices, 'registry' | 'recorder' | 'status' | 'metrics' | 'rollups' | 'liveLogs' | 'limits' | 'asyncInvocations' | 'schedules'> & {
  keys: Pick<ApiKeys, 'authenticate' | 'create' | 'list' | 'revoke'>;
  invoker: Pick<Invoker, 'invoke'>;
  audit: Pick<AuditLog, 'record' | 'recent'>;
};

/** The Lambda API: SigV4 or Bearer keys, the registry, synchronous invokes, the queue of Event invokes and their configs, the node's concurrency limit (GetAccountSettings). */
export type LambdaServices = Pick<ApiServices, 'registry' | 'asyncInvocations'> & GateServices & {
  status: Pick<NodeStatus, 'concurrencyLimit'>;
  keys: Pick<ApiKeys, 'authenticate' | 'signingSecret'>;
  invoker: Pick<Invoker, 'invoke'>;
};

/** Function URLs: the URL configs, keys (to check AWS_IAM callers and to keep credentials from functions), invokes. */
export type UrlServices = GateServices & {
  keys: Pick<ApiKeys, 'authenticate' | 'signingSecret' | 'isKey'>;
  registry: Pick<Registry, 'urls'>;
  invoker: Pick<Invoker, 'invoke'>;
};
