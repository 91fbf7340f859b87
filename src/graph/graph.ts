/**
 * The start-order graph of a project's services. An edge a → b means "a
 * depends on b": b starts first, a stops first. One walker serves both
 * directions, as docker compose's upDirectionTraversal / downDirectionTraversal.
 */

export type Direction = 'up' | 'down';

export class DependencyGraph {
  /** service → the services it depends on. */
  private readonly deps: Map<string, string[]>;
  /** service → the services that depend on it. */
  private readonly dependents = new Map<string, string[]>();

  constructor(edges: ReadonlyMap<string, readonly string[]>) {
    this.deps = new Map();
    for (const [name, targets] of edges) {
      this.deps.set(
        name,
        targets.filter((t) => edges.has(t)),
      );
      if (!this.dependents.has(name)) this.dependents.set(name, []);
    }
    for (const [name, targets] of this.deps) {
      for (const t of targets) this.dependents.get(t)?.push(name);
    }
    const cycle = findCycle(this.deps);
    if (cycle) throw new Error(`dependency cycle detected: ${cycle.join(' -> ')}`);
  }

  get services(): string[] {
    return [...this.deps.keys()];
  }

  dependenciesOf(name: string): readonly string[] {
    return this.deps.get(name) ?? [];
  }

  dependentsOf(name: string): readonly string[] {
    return this.dependents.get(name) ?? [];
  }

  /**
   * Services grouped in levels that can run in parallel. `up`: dependencies
   * first (start order); `down`: dependents first (stop order). Names inside a
   * level are sorted so the plan prints the same every time.
   */
  levels(direction: Direction = 'up'): string[][] {
    const waitsFor = direction === 'up' ? this.deps : this.dependents;
    const remaining = new Map<string, number>();
    for (const [name, list] of waitsFor) remaining.set(name, list.length);
    const out: string[][] = [];
    let ready = [...remaining].filter(([, n]) => n === 0).map(([k]) => k);
    const unblocks = direction === 'up' ? this.dependents : this.deps;
    while (ready.length > 0) {
      ready.sort();
      out.push(ready);
      const next: string[] = [];
      for (const done of ready) {
        for (const other of unblocks.get(done) ?? []) {
          const n = (remaining.get(other) ?? 0) - 1;
          remaining.set(other, n);
          if (n === 0) next.push(other);
        }
      }
      ready = next;
    }
    return out;
  }

  /** A flat order: start order for `up`, stop order for `down`. */
  order(direction: Direction = 'up'): string[] {
    return this.levels(direction).flat();
  }
}

/**
 * The first cycle found, as a closed path `a -> b -> a` (a self-dependency is
 * `a -> a`), or undefined. Visits services and edges in sorted order so the
 * same project always reports the same cycle.
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 'done') return undefined;
    if (s === 'visiting') {
      const start = stack.indexOf(n);
      return [...stack.slice(start), n];
    }
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of [...(edges.get(n) ?? [])].sort()) {
      if (!edges.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of [...edges.keys()].sort()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}
