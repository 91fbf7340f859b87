/**
 * A FIFO async mutex. The store serialises every mutation (import, load,
 * tag, remove, prune) so reference counts computed by scanning image
 * records cannot race with a layer being added or deleted.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => { release = r; });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
