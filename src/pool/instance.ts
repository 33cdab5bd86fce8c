// One sandbox bound to one function version, serving one invocation at a time.
import type { Sandbox } from '../sandbox/driver.js';

export type InstanceState = 'starting' | 'idle' | 'busy' | 'stopping';

export class Instance {
  state: InstanceState = 'starting';
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

  describe(): Record<string, unknown> {
    return {
      id: this.id, pid: this.sandbox.pid ?? null, function: this.functionName, version: this.version, state: this.state,
      ageMs: Date.now() - this.createdAt, idleMs: this.state === 'idle' ? Date.now() - this.lastUsedAt : 0,
      invocations: this.invocations, initMs: this.initMs, maxRssKb: this.maxRssKb,
    };
  }
}
