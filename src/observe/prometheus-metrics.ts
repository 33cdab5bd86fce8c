// The node's Prometheus metrics (GET /metrics), in a registry of their own per server
// so tests start fresh. Counters and histograms move on the invoke path (in memory, a
// few map lookups); everything that has to be read (admission, the pools, the host
// memory of sandboxes from /proc) is read at scrape time. Labels stay bounded: function,
// version, outcome and start kind, never request ids; a function's series go when it is
// deleted, and any left by an invocation that finished after its deletion go at the
// next scrape. docs/metrics.md lists every metric.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RateLimitKind } from '../auth/rate-limits.js';
import type { InvocationRecord } from '../model/invocation.js';
import type { PoolReport } from '../model/node-status.js';

/** What a scrape reads: the node's report (with sandbox memory) and the functions that exist. */
export interface ScrapeSources {
  pool(): Promise<PoolReport>;
  functionNames(): string[];
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const INIT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const COLD_KINDS = ['pool', 'boot'] as const;
const RATE_LIMITS: RateLimitKind[] = ['key_rate', 'url_rate', 'key_invocations', 'unverified_bodies'];

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly invocations: Counter<'function' | 'version' | 'outcome'>;
  private readonly duration: Histogram<'function'>;
  private readonly initDuration: Histogram<'function' | 'start_kind'>;
  private readonly coldStarts: Counter<'function' | 'start_kind'>;
  private readonly throttles: Counter<'function'>;
  private readonly cpu: Counter<'function'>;
  private readonly rateLimited: Counter<'limit'>;
  private readonly inFlight: Gauge;
  private readonly queued: Gauge;
  private readonly slots: Gauge;
  private readonly prewarmed: Gauge<'state'>;
  private readonly instances: Gauge<'state'>;
  private readonly sandboxMemory: Gauge<'kind'>;
  /** per function, the (version, outcome) label sets used, so its series can be removed */
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly sources: ScrapeSources, info: { version: string; driver: string }) {
    const registers = [this.registry];
    new Gauge({ name: 'skyscale_build_info', help: 'Always 1: the running version and sandbox driver', labelNames: ['version', 'driver'], registers })
      .set({ version: info.version, driver: info.driver }, 1);
    this.invocations = new Counter({ name: 'skyscale_invocations_total', help: 'Invocations that finished, by function, version and outcome (success, error, timeout, crash, failed)', labelNames: ['function', 'version', 'outcome'], registers });
    this.duration = new Histogram({ name: 'skyscale_invocation_duration_seconds', help: "Time the function's handler ran, per invocation", labelNames: ['function'], buckets: DURATION_BUCKETS, registers });
    this.initDuration = new Histogram({ name: 'skyscale_invocation_init_duration_seconds', help: 'Time loading the function took on a cold start (agent unpack and handler import), by start kind', labelNames: ['function', 'start_kind'], buckets: INIT_BUCKETS, registers });
    this.coldStarts = new Counter({ name: 'skyscale_cold_starts_total', help: 'Invocations that found no idle warm instance, by start kind: pool (a pre-warmed sandbox) or boot (a sandbox started on the request\'s path)', labelNames: ['function', 'start_kind'], registers });
    this.throttles = new Counter({ name: 'skyscale_throttles_total', help: 'Invocations refused with 429 for concurrency (function or node limit, queue full or waited too long)', labelNames: ['function'], registers });
    this.cpu = new Counter({ name: 'skyscale_invocation_cpu_seconds_total', help: "CPU time (user + system) functions' runtimes used for their invocations, as the runtime reports it", labelNames: ['function'], registers });
    this.rateLimited = new Counter({ name: 'skyscale_rate_limited_total', help: 'Requests refused with 429 RateLimitExceeded by a per-caller limit: key_rate, url_rate, key_invocations, unverified_bodies', labelNames: ['limit'], registers });
    for (const limit of RATE_LIMITS) this.rateLimited.inc({ limit }, 0);
    this.inFlight = new Gauge({ name: 'skyscale_invocations_in_flight', help: 'Invocations admitted and running', registers });
    this.queued = new Gauge({ name: 'skyscale_invocations_queued', help: 'Invocations waiting for a concurrency slot', registers });
    this.slots = new Gauge({ name: 'skyscale_invocation_slots', help: "The node's concurrency limit (invocations at once)", registers });
    this.prewarmed = new Gauge({ name: 'skyscale_prewarmed_sandboxes', help: 'Pre-warmed generic sandboxes by state: booting, ready (running), frozen', labelNames: ['state'], registers });
    this.instances = new Gauge({ name: 'skyscale_warm_instances', help: 'Sandboxes loaded with a function by state: idle (running), frozen (idle and frozen), busy, stopping', labelNames: ['state'], registers });
    this.sandboxMemory = new Gauge({ name: 'skyscale_sandbox_memory_bytes', help: "Host memory (PSS) of the sandboxes' process trees, by kind: prewarmed or instance", labelNames: ['kind'], registers });
    collectDefaultMetrics({ register: this.registry });
  }

  invoked(r: Pick<InvocationRecord, 'functionName' | 'version' | 'status' | 'start' | 'durationMs' | 'initMs' | 'cpuMs'>): void {
    const fn = r.functionName;
    let seen = this.seen.get(fn);
    if (!seen) {
      this.seen.set(fn, (seen = new Set()));
      // zeroed, so a rate over the first cold start is not lost
      for (const kind of COLD_KINDS) this.coldStarts.inc({ function: fn, start_kind: kind }, 0);
      this.throttles.inc({ function: fn }, 0);
    }
    const version = String(r.version);
    seen.add(`${version}\n${r.status}`);
    this.invocations.inc({ function: fn, version, outcome: r.status });
    if (r.durationMs !== null) this.duration.observe({ function: fn }, r.durationMs / 1000);
    if (r.start === 'pool' || r.start === 'boot') {
      this.coldStarts.inc({ function: fn, start_kind: r.start });
      if (r.initMs !== null) this.initDuration.observe({ function: fn, start_kind: r.start }, r.initMs / 1000);
    }
    if (r.cpuMs !== null) this.cpu.inc({ function: fn }, r.cpuMs / 1000);
  }

  throttled(functionName: string): void {
    if (!this.seen.has(functionName)) this.seen.set(functionName, new Set());
    this.throttles.inc({ function: functionName });
  }

  /** A request refused by a per-caller limit (the gate's 429s). */
  refused(limit: RateLimitKind): void {
    this.rateLimited.inc({ limit });
  }

  /** Removes every series of a function (deleted). */
  forgetFunction(fn: string): void {
    for (const pair of this.seen.get(fn) ?? []) {
      const [version, outcome] = pair.split('\n') as [string, string];
      this.invocations.remove({ function: fn, version, outcome });
    }
    this.seen.delete(fn);
    this.duration.remove({ function: fn });
    this.throttles.remove({ function: fn });
    this.cpu.remove({ function: fn });
    for (const kind of COLD_KINDS) {
      this.coldStarts.remove({ function: fn, start_kind: kind });
      this.initDuration.remove({ function: fn, start_kind: kind });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: the node's state read now, then every metric. */
  async scrape(): Promise<string> {
    const existing = new Set(this.sources.functionNames());
    for (const fn of [...this.seen.keys()]) if (!existing.has(fn)) this.forgetFunction(fn);
    const report = await this.sources.pool();
    this.inFlight.set(report.admission.inFlight);
    this.queued.set(report.admission.queued);
    this.slots.set(report.admission.nodeLimit);
    const prewarmed = { booting: 0, ready: 0, frozen: 0 };
    let prewarmedKb = 0;
    for (const s of report.generic) {
      prewarmed[s.frozen ? 'frozen' : s.state]++;
      prewarmedKb += s.memoryKb ?? 0;
    }
    const instances = { idle: 0, frozen: 0, busy: 0, stopping: 0 };
    let instanceKb = 0;
    for (const i of report.instances) {
      instances[i.frozen && i.state === 'idle' ? 'frozen' : i.state]++;
      instanceKb += i.memoryKb ?? 0;
    }
    for (const [state, n] of Object.entries(prewarmed)) this.prewarmed.set({ state }, n);
    for (const [state, n] of Object.entries(instances)) this.instances.set({ state }, n);
    this.sandboxMemory.set({ kind: 'prewarmed' }, prewarmedKb * 1024);
    this.sandboxMemory.set({ kind: 'instance' }, instanceKb * 1024);
    return this.registry.metrics();
  }
}
