// The node's sandbox budget: how many sandboxes may exist at once, and the one rule for
// it, consulted by both pools. Each pool joins as a holder that says how many sandboxes
// it holds (running, starting or ready; not those being torn down) and can give one
// idle sandbox back. A pre-warm boot only starts while there is room; a start an
// invocation needs first makes room by evicting, asking holders by their eviction rank
// (lowest first). The budget is a soft cap: when nothing idle can be evicted (every
// sandbox busy, booting or starting), a start an invocation needs goes ahead anyway;
// admission keeps running invocations within the budget, so the excess is bounded by
// the pre-warm boots and provisioned starts in flight.

export interface BudgetHolder {
  held(): number;
  /** stops one idle sandbox; false when there is none */
  evictOne(): boolean;
}

export class SandboxBudget {
  private readonly holders: { holder: BudgetHolder; rank: number }[] = [];
  private readonly freedListeners: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** `evictionRank`: holders with a lower rank give up an idle sandbox first. */
  join(holder: BudgetHolder, evictionRank: number): void {
    this.holders.push({ holder, rank: evictionRank });
    this.holders.sort((a, b) => a.rank - b.rank);
  }

  /** A holder let a sandbox go (its teardown finished): room for a pre-warm boot. */
  freed(): void {
    for (const l of this.freedListeners) l();
  }

  onFreed(listener: () => void): void {
    this.freedListeners.push(listener);
  }

  used(): number {
    let n = 0;
    for (const { holder } of this.holders) n += holder.held();
    return n;
  }

  /** May one more sandbox start without passing the budget? */
  hasRoom(): boolean {
    return this.used() < this.max;
  }

  /** Before a start that must happen: at the budget, evict one idle sandbox. */
  makeRoom(): void {
    if (this.hasRoom()) return;
    for (const { holder } of this.holders) if (holder.evictOne()) return;
  }
}
