/**
 * Serializes async work per key (a volume name, a container id) inside the
 * daemon, so two requests for the same object never interleave their
 * check-then-write steps. Work on different keys runs concurrently.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      // Forget the key once nothing is queued behind us, so the map stays small.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
