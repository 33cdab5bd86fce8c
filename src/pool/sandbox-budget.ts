// The node's sandbox budget: how many sandboxes may exist at once, and the one rule for
// it, consulted by both pools. Each pool joins as a holder that says how many sandboxes
// it holds (running, starting or ready; not those being torn down) and can give one
// idle sandbox back. A pre-warm boot only starts while there is room; a start an
// invocation needs first makes room by evicting, asking holders in the order they joined.

export interface BudgetHolder {
  held(): number;
  /** stops one idle sandbox; false when there is none */
  evictOne(): boolean;
}

export class SandboxBudget {
  private readonly holders: BudgetHolder[] = [];

  constructor(readonly max: number) {}

  join(holder: BudgetHolder): void {
    this.holders.push(holder);
  }

  used(): number {
    let n = 0;
    for (const h of this.holders) n += h.held();
    return n;
  }

  /** May one more sandbox start without passing the budget? */
  hasRoom(): boolean {
    return this.used() < this.max;
  }

  /** Before a start that must happen: at the budget, evict one idle sandbox. */
  makeRoom(): void {
    if (this.hasRoom()) return;
    for (const h of this.holders) if (h.evictOne()) return;
  }
}
