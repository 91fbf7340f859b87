import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleTree } from '../../src/loader/canonical-walk.js';
import type { Mapping } from '../../src/model/tree.js';

describe('RuleTree', () => {
  it('matches `*` on keys and indexes, `[]` on indexes only', () => {
    const seen: string[] = [];
    const t = new RuleTree<null>(
      {
        'a.*.x': (v, p) => (seen.push(p.join('.')), v),
        'b.[]': (v, p) => (seen.push(p.join('.')), v),
      },
      { descend: false },
    );
    t.apply({ a: { k: { x: 1 }, l: [{ x: 2 }] }, b: [1, 2], c: { x: 3 } } as Mapping, null);
    assert.deepEqual(seen, ['a.k.x', 'b.0', 'b.1']);
  });

  it('the first listed pattern wins when two match', () => {
    const t = new RuleTree<null>({ 'a.b': () => 'first', 'a.*': () => 'second' }, { descend: false });
    assert.deepEqual(t.apply({ a: { b: 0, c: 0 } }, null), { a: { b: 'first', c: 'second' } });
  });

  it('descend: rules apply inside what a rule returned', () => {
    const t = new RuleTree<null>({ a: () => ({ b: 1 }), 'a.b': (v) => (v as number) + 1 }, { descend: true });
    assert.deepEqual(t.apply({ a: 'x' }, null), { a: { b: 2 } });
  });

  it('returns a copy: untouched subtrees are not shared with the input', () => {
    const input: Mapping = { a: { deep: [1, { x: 2 }] }, r: { v: 1 } };
    const out = new RuleTree<null>({ 'r.v': (v) => v }, { descend: false }).apply(input, null);
    assert.deepEqual(out, input);
    assert.notEqual(out['a'], input['a']);
    assert.notEqual(out['r'], input['r']);
  });
});
