// Starts an instance of a version (a cold start): takes a pre-warmed sandbox of the
// version's runtime and memory class when there is one, else boots one, and loads the
// code into it (the pool thaws a frozen one first). A pre-warmed sandbox that died
// between being taken and its init is replaced by a boot instead of failing the caller. What to start and when is the
// scheduler's decision (and the provisioner's); this is only how.
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { VersionRecord } from '../model/function.js';
import { ChannelClosedError, type InitResult } from '../sandbox/agent-channel.js';
import type { Sandbox } from '../sandbox/driver.js';
import type { GenericPool } from './generic-pool.js';
import type { Instance } from './instance.js';
import type { InstancePool } from './instance-pool.js';

export interface Started {
  /** busy; already retired when its init failed */
  instance: Instance;
  init: InitResult;
  /** from the pre-warmed pool, or booted on the caller's path */
  from: 'pool' | 'boot';
}

export class InstanceStarter {
  constructor(private readonly o: { generic: GenericPool; instances: InstancePool; log: Logger }) {}

  /** Starts an instance of `v`; `code` is the version's package, read while the sandbox starts. */
  async start(v: VersionRecord, code: Promise<Buffer>): Promise<Started> {
    code.catch(() => undefined); // awaited below; a failure must not also surface as unhandled
    const pooled = await this.o.generic.take(v.runtime, v.memoryMb);
    try {
      return await this.load(v, pooled, code);
    } catch (err) {
      if (!pooled || !(err instanceof SkyscaleError) || !(err.cause instanceof ChannelClosedError)) throw err;
      this.o.log.warn({ sandbox: pooled.id, function: v.functionName }, 'a pre-warmed sandbox died before use; booting another');
      return this.load(v, null, code);
    }
  }

  private async load(v: VersionRecord, pooled: Sandbox | null, code: Promise<Buffer>): Promise<Started> {
    let instance: Instance | null = null;
    try {
      instance = await this.o.instances.open(v, pooled);
      const init = await instance.init(v, await code);
      if (!init.ok) this.o.instances.discard(instance, 'init failed');
      return { instance, init, from: pooled ? 'pool' : 'boot' };
    } catch (err) {
      if (instance) this.o.instances.discard(instance, 'init did not complete');
      if (err instanceof SkyscaleError) throw err;
      throw new SkyscaleError('SandboxStartFailed', `the sandbox failed while loading the function: ${(err as Error).message}`, { cause: err });
    }
  }
}
