// The node's report on itself for /healthz and /v1/pool, read from the admission
// queue, the pools, the sandbox budget and the driver, with host memory (PSS) per sandbox read from /proc
// off the invoke path (frozen sandboxes included: reading their memory does not wake
// them). The API gets this and nothing of the pools themselves.
import type { DriverAvailability, HealthReport, InstanceSummary, NodeStatus, PoolReport, PrewarmedSandbox, SandboxImage } from '../model/node-status.js';
import { treePssKb } from '../observe/process-memory.js';
import type { GenericPool } from '../pool/generic-pool.js';
import type { InstancePool } from '../pool/instance-pool.js';
import type { SandboxBudget } from '../pool/sandbox-budget.js';
import type { SandboxDriver } from '../sandbox/driver.js';
import type { Admission } from './admission.js';

export class NodeStatusReport implements NodeStatus {
  constructor(private readonly o: { version: string; driver: SandboxDriver; generic: GenericPool; instances: InstancePool; budget: SandboxBudget; admission: Admission; freezeAfterMs: number;
    /** which drivers this node could run (the server's factory checks); without it, only the one in use */
    drivers?: () => Promise<Record<string, DriverAvailability>> }) {}

  health(): HealthReport {
    return { status: 'ok', version: this.o.version, driver: this.o.driver.name };
  }

  concurrencyLimit(): number {
    return this.o.admission.stats().nodeLimit;
  }

  async pool(): Promise<PoolReport> {
    const generic: PrewarmedSandbox[] = this.o.generic.list().map((s) => ({ ...s, memoryKb: null }));
    const instances: InstanceSummary[] = this.o.instances.list().map((s) => ({ ...s, memoryKb: null }));
    const all = [...generic, ...instances];
    const memory = await treePssKb(all.map((s) => s.pid).filter((p): p is number => p !== null));
    for (const s of all) s.memoryKb = s.pid === null ? null : memory.get(s.pid) ?? null;
    const freeze = { method: this.o.driver.capabilities.freeze, afterMs: this.o.driver.capabilities.freeze ? this.o.freezeAfterMs : 0 };
    const drivers = { ...(await this.o.drivers?.().catch(() => ({}))), [this.o.driver.name]: { available: true, reason: null } };
    return { sandbox: this.o.driver.describe(), drivers, admission: this.o.admission.stats(), budget: this.o.budget.use(), freeze, generic, instances };
  }

  async images(): Promise<SandboxImage[]> {
    return (await this.o.driver.images?.()) ?? [];
  }
}
