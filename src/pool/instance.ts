// One sandbox bound to one function version, serving one invocation at a time.
import type { InstanceSummary } from '../model/node-status.js';
import type { Sandbox } from '../sandbox/driver.js';

export type InstanceState = 'idle' | 'busy' | 'stopping';

export class Instance {
  state: InstanceState = 'busy';
  lastUsedAt = Date.now();
  busySince = 0;
  /** counted among its version's busy instances (the pool's scale-out estimate) */
  counted = false;
  readonly createdAt = Date.now();
  invocations = 0;
  initMs: number | null = null;
  maxRssKb: number | null = null;

  constructor(readonly key: string, readonly functionName: string, readonly version: number, readonly sandbox: Sandbox) {}

  get id(): string {
    return this.sandbox.id;
  }

  describe(): Omit<InstanceSummary, 'memoryKb'> {
    return {
      id: this.id, pid: this.sandbox.pid ?? null, function: this.functionName, version: this.version, state: this.state,
      ageMs: Date.now() - this.createdAt, idleMs: this.state === 'idle' ? Date.now() - this.lastUsedAt : 0,
      invocations: this.invocations, initMs: this.initMs, maxRssKb: this.maxRssKb,
    };
  }
}
