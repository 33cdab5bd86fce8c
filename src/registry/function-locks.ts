// One change of a function at a time: deploys and settings changes of one function
// queue behind each other (in arrival order), those of different functions run side by
// side. A deploy awaits while its package is unpacked and checked; without the queue a
// second deploy, or a settings change, could land in that gap and the snapshot would
// take one request's code and another's settings.

export class FunctionLocks {
  /** the end of each function's queue: settles (never rejects) when its last change is done */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `change` once every earlier change of `name` is done; its outcome is the caller's alone. */
  run<T>(name: string, change: () => T | Promise<T>): Promise<T> {
    const before = this.tails.get(name) ?? Promise.resolve();
    const result = before.then(change);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return result;
  }
}
