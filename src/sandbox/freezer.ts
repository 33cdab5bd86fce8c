// Freezing one sandbox: its processes keep their memory but get no CPU until thawed.
// Two ways, chosen by the driver: the sandbox's freezer cgroup (gvisor, namespace), or
// SIGSTOP/SIGCONT of the sandbox's process group (process: no cgroups needed, one
// kill(2) each way, but a process that leaves the group is not stopped). Operations on
// one sandbox run in the order they were asked for, so a thaw asked for while a freeze
// is still being written lands after it; `frozen` is what was asked for last, known
// without a system call, so the warm path costs nothing when nothing is frozen.
import { open, type FileHandle } from 'node:fs/promises';
import { FREEZE_VALUES, type CgroupFreezerKind } from './cgroups.js';

/** docker-pause: the Docker engine's pause/unpause (its cgroup freezer) */
export type FreezeMethod = CgroupFreezerKind | 'sigstop' | 'docker-pause';

export interface Freezer {
  readonly frozen: boolean;
  /** false when this sandbox cannot be frozen (its cgroup is not found, it is gone) */
  freeze(): Promise<boolean>;
  /** a no-op unless frozen; rejects when the sandbox could not be thawed */
  thaw(): Promise<void>;
  /** after the sandbox is gone: lets go of what the freezer holds (an open file) */
  close(): Promise<void>;
}

/**
 * A freezer whose freeze and thaw take a while (a file write, an engine call): they run
 * one at a time, in the order asked for, and `frozen` is what was asked for last.
 */
export abstract class OrderedFreezer implements Freezer {
  /** what was asked for last, and how many requests there were */
  protected wanted = false;
  private asked = 0;
  /** what the sandbox was last set to: a thaw after a freeze that failed has nothing to undo */
  protected applied = false;
  private queue: Promise<unknown> = Promise.resolve();

  /** Stops the sandbox; false when it cannot be. */
  protected abstract stop(): Promise<boolean>;
  /** Lets a stopped sandbox run again; rejects when it cannot. */
  protected abstract resume(): Promise<void>;

  get frozen(): boolean {
    return this.wanted;
  }

  freeze(): Promise<boolean> {
    if (this.wanted) return Promise.resolve(true);
    this.wanted = true;
    const request = ++this.asked;
    return this.enqueue(async () => {
      this.applied = await this.stop();
      // not frozen after all, unless something was asked for since
      if (!this.applied && request === this.asked) this.wanted = false;
      return this.applied;
    });
  }

  thaw(): Promise<void> {
    if (!this.wanted) return Promise.resolve();
    this.wanted = false;
    this.asked++;
    return this.enqueue(async () => {
      if (!this.applied) return;
      await this.resume();
      this.applied = false;
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  /** Runs `op` after every operation asked for before it, whatever their outcome. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export class CgroupFreezer extends OrderedFreezer {
  private file: Promise<FileHandle | null> | null = null;

  /** `locate` finds the sandbox's freeze file (once, at the first freeze); null: cannot freeze */
  constructor(private readonly kind: CgroupFreezerKind, private readonly locate: () => Promise<string | null>) {
    super();
  }

  protected stop(): Promise<boolean> {
    return this.write(FREEZE_VALUES[this.kind].frozen);
  }

  protected async resume(): Promise<void> {
    if (!(await this.write(FREEZE_VALUES[this.kind].thawed))) throw new Error('the sandbox cgroup could not be thawed (is the sandbox gone?)');
  }

  override async close(): Promise<void> {
    const file = this.file;
    this.file = Promise.resolve(null);
    await super.close();
    await (await file?.catch(() => null))?.close().catch(() => undefined);
  }

  /** One write to the kept-open freeze file; false when it cannot be had or written. */
  private async write(value: string): Promise<boolean> {
    this.file ??= this.locate().then((path) => (path ? open(path, 'r+') : null)).catch(() => null);
    const fh = await this.file;
    if (!fh) return false;
    try {
      await fh.write(value, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** SIGSTOP / SIGCONT of a process group (the process driver's sandboxes). */
export class SignalFreezer implements Freezer {
  private stopped = false;

  constructor(private readonly pgid: number) {}

  get frozen(): boolean {
    return this.stopped;
  }

  async freeze(): Promise<boolean> {
    if (this.stopped) return true;
    if (!this.signal('SIGSTOP')) return false;
    this.stopped = true;
    return true;
  }

  async thaw(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    if (!this.signal('SIGCONT')) throw new Error('the sandbox could not be continued (is it gone?)');
  }

  async close(): Promise<void> {}

  private signal(sig: NodeJS.Signals): boolean {
    try {
      process.kill(-this.pgid, sig);
      return true;
    } catch {
      return false;
    }
  }
}
