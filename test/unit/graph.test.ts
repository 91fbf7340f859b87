import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DependencyGraph, findCycle } from '../../src/graph/graph.js';

const g = (o: Record<string, string[]>) => new Map(Object.entries(o));

test('levels start dependencies first and stop dependents first', () => {
  const graph = new DependencyGraph(g({ web: ['api'], api: ['db', 'cache'], db: [], cache: [], proxy: ['web'] }));
  assert.deepEqual(graph.levels('up'), [['cache', 'db'], ['api'], ['web'], ['proxy']]);
  assert.deepEqual(graph.levels('down'), [['proxy'], ['web'], ['api'], ['cache', 'db']]);
  assert.deepEqual(graph.order('down'), ['proxy', 'web', 'api', 'cache', 'db']);
});

test('independent services share a level', () => {
  const graph = new DependencyGraph(g({ a: [], b: [], c: ['a'] }));
  assert.deepEqual(graph.levels('up'), [['a', 'b'], ['c']]);
});

test('a cycle is reported as a closed path', () => {
  assert.deepEqual(findCycle(g({ a: ['b'], b: ['a'] })), ['a', 'b', 'a']);
  assert.deepEqual(findCycle(g({ a: ['a'] })), ['a', 'a']);
  assert.deepEqual(findCycle(g({ x: ['a'], a: ['b'], b: ['c'], c: ['a'] })), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(g({ a: ['b'], b: [] })), undefined);
  assert.throws(() => new DependencyGraph(g({ a: ['b'], b: ['a'] })), /dependency cycle detected: a -> b -> a/);
});

test('edges to unknown services are ignored by the graph', () => {
  const graph = new DependencyGraph(g({ a: ['ghost'] }));
  assert.deepEqual(graph.levels(), [['a']]);
});
