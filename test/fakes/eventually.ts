// Waiting for a condition in a test: poll it until it holds or the deadline passes
// (never a sleep hoping it will have happened).

/** Polls `check` until it returns a truthy value, and returns that value. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
