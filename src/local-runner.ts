// Runs one function folder's package on this machine, for `skyscale test`: the same
// invoke path the server takes (invoker, placement, pool, agent, runtime shim) on the
// unisolated process driver, with no server, database or network. The CLI reaches the
// scheduler and the pools only through this one entry point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { FunctionSettings, VersionRecord } from './model/function.js';
import { CodeStore } from './registry/code-store.js';
import { GenericPool } from './pool/generic-pool.js';
import { InstancePool } from './pool/instance-pool.js';
import { InstanceStarter } from './pool/instance-starter.js';
import { SandboxBudget } from './pool/sandbox-budget.js';
import { ProcessDriver } from './sandbox/process/process-driver.js';
import { Admission } from './scheduler/admission.js';
import { Invoker, type InvocationOutcome } from './scheduler/invoker.js';
import { Placement } from './scheduler/placement.js';

export class LocalRunner {
  private readonly workDir = mkdtempSync(join(tmpdir(), 'skyscale-test-'));
  private readonly driver: ProcessDriver;
  private readonly instances: InstancePool;
  private readonly generic: GenericPool;
  private readonly placement: Placement;
  private readonly invoker: Invoker;

  constructor(config: Pick<ServerConfig, 'agentPath' | 'pythonBootstrap' | 'hostPython'>, private readonly name: string, settings: FunctionSettings, packageTar: Buffer, log: Logger) {
    const version: VersionRecord = {
      ...settings, functionName: name, version: 0, codeSha256: CodeStore.digest(packageTar), codeSize: packageTar.length, createdAt: new Date().toISOString(), published: true,
    };
    this.driver = new ProcessDriver({ agentPath: config.agentPath, pythonBootstrap: config.pythonBootstrap, python: config.hostPython, workDir: this.workDir, log });
    const budget = new SandboxBudget(1);
    this.instances = new InstancePool({ driver: this.driver, budget, log, idleTtlMs: 60_000 });
    this.generic = new GenericPool({ driver: this.driver, budget, log, classes: [] });
    // on the user's own machine `secretEnv` holds the values themselves (cli/function-folder.ts)
    const starter = new InstanceStarter({ generic: this.generic, instances: this.instances, log, openSecrets: (v) => v.secretEnv });
    this.placement = new Placement({ instances: this.instances, generic: this.generic, starter, readCode: async () => packageTar, log, maxColdStarts: 1 });
    const admission = new Admission({ nodeLimit: 1, queueWaitMs: 60_000, maxQueued: 1, limitFor: () => null });
    this.invoker = new Invoker({ resolve: () => version }, this.placement, admission, { record: () => undefined }, log);
  }

  invoke(event: Buffer, requestId?: string): Promise<InvocationOutcome> {
    return this.invoker.invoke(this.name, undefined, event, requestId);
  }

  async close(): Promise<void> {
    this.placement.shutdown();
    await this.generic.shutdown();
    await this.instances.shutdown();
    await this.driver.shutdown();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
