// Idle means frozen: pre-warmed sandboxes and idle warm instances that have not been
// used for a grace period (SKYSCALE_FREEZE_AFTER_MS) are frozen by their driver — no
// CPU, memory kept — so what an idle sandbox's kernel does, or what a handler left
// running, costs the node nothing. A sweep every quarter of the grace freezes what has
// idled past it; nothing happens per invocation, so a version called more often than
// the grace never freezes and its warm path never thaws. Thawing is the taker's:
// the pools thaw a frozen sandbox when they hand it out, and a sandbox thaws itself
// before it is stopped.
import type { Logger } from 'pino';
import type { Sandbox } from '../sandbox/driver.js';

export interface IdleSandbox {
  sandbox: Sandbox;
  /** when it was last used (or became ready), on the freezer's clock */
  idleSince: number;
}

/** A pool whose idle sandboxes may be frozen. */
export interface IdleSource {
  idleSandboxes(): Iterable<IdleSandbox>;
}

export interface IdleFreezerOptions {
  /** idle time before a sandbox is frozen; 0 disables freezing */
  afterMs: number;
  sources: IdleSource[];
  log: Logger;
  now?: () => number;
  /** freezes started per sweep at most, so a node that goes quiet all at once is frozen over a few sweeps */
  perSweep?: number;
}

export class IdleFreezer {
  private readonly timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  /** sandboxes that could not be frozen are not asked again */
  private readonly unfreezable = new WeakSet<Sandbox>();

  constructor(private readonly o: IdleFreezerOptions) {
    this.now = o.now ?? Date.now;
    if (o.afterMs > 0) {
      this.timer = setInterval(() => this.sweep(), Math.min(1000, Math.max(20, o.afterMs / 4)));
      this.timer.unref();
    }
  }

  get enabled(): boolean {
    return this.o.afterMs > 0;
  }

  /**
   * Freezes every sandbox idle for the grace period or longer; returns how many it
   * started to freeze. Each freeze is started at once (the sandbox reports frozen from
   * this moment, so a pool that hands it out thaws it), and completes in the background.
   */
  sweep(now = this.now()): number {
    if (!this.enabled) return 0;
    const limit = this.o.perSweep ?? 64;
    let started = 0;
    for (const source of this.o.sources) {
      for (const { sandbox, idleSince } of source.idleSandboxes()) {
        if (started >= limit) return started;
        if (sandbox.frozen || now - idleSince < this.o.afterMs || this.unfreezable.has(sandbox)) continue;
        started++;
        void sandbox.freeze().then((ok) => {
          if (ok) return;
          this.unfreezable.add(sandbox);
          this.o.log.debug({ sandbox: sandbox.id }, 'an idle sandbox could not be frozen');
        });
      }
    }
    return started;
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
