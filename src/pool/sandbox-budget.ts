// The node's sandbox budget, consulted by both pools, with two rules: how many
// sandboxes may exist at once, and how much memory their limits may add up to (a share
// of the host's memory). Each pool joins as a holder that says how many sandboxes it
// holds (running, starting or ready; not those being torn down), what their memory
// limits add up to, and can give one idle sandbox back. A pre-warm boot only starts
// while both rules leave room; a start an invocation needs first makes room by
// evicting, asking holders by their eviction rank (lowest first).
//
// The count is a soft cap: when nothing idle can be evicted (every sandbox busy,
// booting or starting), a start an invocation needs goes ahead anyway; admission keeps
// running invocations within the count, so the excess is bounded by the pre-warm boots
// and provisioned starts in flight. Memory is a hard cap: a start that would pass it,
// with nothing idle left to evict, does not happen (placement waits for room, then
// answers 429).

export interface BudgetHolder {
  held(): number;
  /** the memory limits (MB) of the sandboxes held() counts, added up */
  heldMemoryMb(): number;
  /** stops one idle sandbox; false when there is none */
  evictOne(): boolean;
}

export interface BudgetUse {
  sandboxes: number;
  maxSandboxes: number;
  memoryMb: number;
  maxMemoryMb: number;
}

export class SandboxBudget {
  private readonly holders: { holder: BudgetHolder; rank: number }[] = [];
  private readonly freedListeners: (() => void)[] = [];

  constructor(readonly max: number, readonly maxMemoryMb = Number.POSITIVE_INFINITY) {}

  /** `evictionRank`: holders with a lower rank give up an idle sandbox first. */
  join(holder: BudgetHolder, evictionRank: number): void {
    this.holders.push({ holder, rank: evictionRank });
    this.holders.sort((a, b) => a.rank - b.rank);
  }

  /** A holder let a sandbox go (its teardown finished): room for a pre-warm boot, or for a start that waits. */
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

  usedMemoryMb(): number {
    let mb = 0;
    for (const { holder } of this.holders) mb += holder.heldMemoryMb();
    return mb;
  }

  use(): BudgetUse {
    return { sandboxes: this.used(), maxSandboxes: this.max, memoryMb: this.usedMemoryMb(), maxMemoryMb: this.maxMemoryMb };
  }

  /** May one more sandbox of `memoryMb` start without passing either rule? */
  hasRoom(memoryMb = 0): boolean {
    return this.used() < this.max && this.fitsMemory(memoryMb);
  }

  /** Would a sandbox of `memoryMb` keep the memory limits within the budget? */
  fitsMemory(memoryMb: number): boolean {
    return this.usedMemoryMb() + memoryMb <= this.maxMemoryMb;
  }

  /**
   * Before a start that must happen: evicts idle sandboxes until one of `memoryMb` fits
   * both rules or nothing idle is left. True when its memory fits (the count may still
   * be over: it is the soft rule); false when the start must not happen now.
   */
  makeRoom(memoryMb = 0): boolean {
    while (!this.hasRoom(memoryMb) && this.evictOne());
    return this.fitsMemory(memoryMb);
  }

  private evictOne(): boolean {
    for (const { holder } of this.holders) if (holder.evictOne()) return true;
    return false;
  }
}
