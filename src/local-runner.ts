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
import { ProcessDriver } from './sandbox/process/process-driver.js';
import { createScheduler, type SchedulerParts } from './scheduler/assembly.js';
import type { InvocationOutcome } from './scheduler/invoker.js';

export class LocalRunner {
  private readonly workDir = mkdtempSync(join(tmpdir(), 'skyscale-test-'));
  private readonly driver: ProcessDriver;
  private readonly scheduler: SchedulerParts;

  constructor(config: Pick<ServerConfig, 'agentPath' | 'pythonBootstrap' | 'nodeBootstrap' | 'hostPython' | 'rootfs'>, private readonly name: string, settings: FunctionSettings, packageTar: Buffer, log: Logger) {
    const version: VersionRecord = {
      ...settings, functionName: name, version: 0, codeSha256: CodeStore.digest(packageTar), codeSize: packageTar.length, createdAt: new Date().toISOString(), published: true,
    };
    // Node.js functions run on the sandbox image's own Node.js builds (its /opt/node<major>)
    this.driver = new ProcessDriver({
      agentPath: config.agentPath, pythonBootstrap: config.pythonBootstrap, python: config.hostPython, workDir: this.workDir, log,
      nodeBootstrap: config.nodeBootstrap, nodeDir: join(config.rootfs, 'opt'),
    });
    this.scheduler = createScheduler({
      driver: this.driver, log, versions: { resolve: () => version }, readCode: async () => packageTar, records: { record: () => undefined },
      settings: { maxSandboxes: 1, maxColdStarts: 1, idleTtlMs: 60_000, queueWaitMs: 60_000, maxQueued: 1, warmPools: [], freezeAfterMs: 0 },
      // on the user's own machine `secretEnv` holds the values themselves (cli/function-folder.ts)
      openSecrets: (v) => v.secretEnv,
    });
  }

  invoke(event: Buffer, requestId?: string): Promise<InvocationOutcome> {
    return this.scheduler.invoker.invoke(this.name, undefined, event, requestId);
  }

  async close(): Promise<void> {
    await this.scheduler.shutdown();
    await this.driver.shutdown();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
