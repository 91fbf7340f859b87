/**
 * The tree walk shared by the canonical, defaults and paths stages: rules
 * keyed by path patterns (`services.*.ports`, `*` = any one key or index,
 * `[]` = any index; the syntax of model/tree-path.ts), compiled into a trie so
 * a node costs a map lookup instead of a scan of every pattern, and subtrees
 * no pattern reaches are copied without looking for rules.
 *
 * Where two patterns match the same path, the one listed first wins.
 */
import type { Segment } from '../model/tree-path.js';
import { isMapping, type Mapping, type Value } from '../model/tree.js';

export type Rule<C> = (value: Value, path: readonly Segment[], ctx: C) => Value;

interface Node<C> {
  order: number;
  rule?: Rule<C>;
  keys: Map<string, Node<C>>;
  star?: Node<C>;
  index?: Node<C>;
}

export interface WalkOptions {
  /** Keep walking inside what a rule returned (canonical) or stop there (defaults, paths). */
  descend: boolean;
}

export class RuleTree<C> {
  private readonly root: Node<C> = { order: Infinity, keys: new Map() };
  private readonly options: WalkOptions;

  constructor(entries: Record<string, Rule<C>>, options: WalkOptions) {
    this.options = options;
    let order = 0;
    for (const [pattern, rule] of Object.entries(entries)) {
      let node = this.root;
      for (const part of pattern.split('.')) node = child(node, part);
      if (node.rule === undefined) {
        node.rule = rule;
        node.order = order;
      }
      order++;
    }
  }

  /** Apply the rules to a copy of `tree`; the input is never modified. */
  apply(tree: Mapping, ctx: C): Mapping {
    const out = this.walk(tree, [], [this.root], ctx);
    return isMapping(out) ? out : {};
  }

  private walk(value: Value, path: Segment[], nodes: Node<C>[], ctx: C): Value {
    let rule: Rule<C> | undefined;
    let best = Infinity;
    for (const n of nodes) {
      if (n.rule !== undefined && n.order < best) {
        rule = n.rule;
        best = n.order;
      }
    }
    let v = value;
    if (rule !== undefined) {
      v = rule(value, path, ctx);
      if (!this.options.descend) return copyTree(v);
    }
    if (Array.isArray(v)) {
      return v.map((e, i) => {
        const next: Node<C>[] = [];
        for (const n of nodes) {
          if (n.index) next.push(n.index);
          if (n.star) next.push(n.star);
        }
        return next.length === 0 ? copyTree(e) : this.walk(e, [...path, i], next, ctx);
      });
    }
    if (isMapping(v)) {
      const out: Mapping = {};
      for (const [k, e] of Object.entries(v)) {
        const next: Node<C>[] = [];
        for (const n of nodes) {
          const lit = n.keys.get(k);
          if (lit) next.push(lit);
          if (n.star) next.push(n.star);
        }
        out[k] = next.length === 0 ? copyTree(e) : this.walk(e, [...path, k], next, ctx);
      }
      return out;
    }
    return v;
  }
}

function child<C>(node: Node<C>, part: string): Node<C> {
  const make = (): Node<C> => ({ order: Infinity, keys: new Map() });
  if (part === '*') return (node.star ??= make());
  if (part === '[]') return (node.index ??= make());
  let n = node.keys.get(part);
  if (n === undefined) {
    n = make();
    node.keys.set(part, n);
  }
  return n;
}

/** A deep copy of a JSON-like tree (faster than structuredClone on small values). */
export function copyTree(v: Value): Value {
  if (Array.isArray(v)) return v.map(copyTree);
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [k, e] of Object.entries(v)) out[k] = copyTree(e);
    return out;
  }
  return v;
}
