/**
 * applyResets against compose-go's ResetProcessor.Apply, and the whole
 * `!reset` / `!override` flow (parser drops or keeps the tagged value and
 * reports its path; resets applied to the accumulated tree; merge; unicity)
 * on the examples of compose-go's loader tests and the Compose spec.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { applyResets, applyServiceResets, type ResetPath } from '../../src/loader/reset.js';
import { mergeTrees, mergeService } from '../../src/loader/merge.js';
import { enforceUnicity } from '../../src/loader/unicity.js';
import { isMapping, type Mapping } from '../../src/model/tree.js';

function yaml(text: string): Mapping {
  const v: unknown = parse(text);
  assert.ok(isMapping(v));
  return v;
}

/** One step of compose-go's loader: resets, merge, unicity. */
function step(acc: Mapping, next: Mapping, resets: ResetPath[]): Mapping {
  return enforceUnicity(mergeTrees(applyResets(acc, resets), next));
}

describe('applyResets', () => {
  test('removes each path, whatever its value, and nothing else', () => {
    const base = yaml('services: {web: {image: a, ports: ["80:80"], environment: {FOO: 1, BAR: 2}}, db: {ports: ["5432"]}}');
    assert.deepStrictEqual(
      applyResets(base, [['services', 'web', 'ports'], ['services', 'web', 'environment', 'FOO'], ['services', 'db']]),
      yaml('services: {web: {image: a, environment: {BAR: 2}}}'),
    );
    assert.deepStrictEqual(base, yaml('services: {web: {image: a, ports: ["80:80"], environment: {FOO: 1, BAR: 2}}, db: {ports: ["5432"]}}'));
  });
  test('a path that is not there is ignored', () => {
    const base = yaml('services: {web: {image: a}}');
    assert.deepStrictEqual(applyResets(base, [['services', 'web', 'ports'], ['volumes', 'v']]), base);
  });
  test('a path into a sequence item removes nothing (compose-go only resets mapping keys)', () => {
    const base = yaml('services: {web: {ports: ["80:80", "81:81"], volumes: [{type: bind, source: ., target: /x, bind: {create_host_path: true}}]}}');
    assert.deepStrictEqual(applyResets(base, [['services', 'web', 'ports', 0], ['services', 'web', 'volumes', 0, 'bind']]), base);
  });
  test('a key holding dots is matched as compose-go matches it (dot-joined paths)', () => {
    const base = yaml('services: {web: {labels: {com.example.a: x, com.example.b: y}}}');
    assert.deepStrictEqual(applyResets(base, [['services', 'web', 'labels', 'com.example.a']]), yaml('services: {web: {labels: {com.example.b: y}}}'));
  });
  test('a `*` part matches any key, as in tree.Path patterns', () => {
    const base = yaml('services: {web: {ports: [a]}, db: {ports: [b], image: x}}');
    assert.deepStrictEqual(applyResets(base, [['services', '*', 'ports']]), yaml('services: {web: {}, db: {image: x}}'));
  });
});

describe('!reset / !override flow', () => {
  test('compose-go Test_LoadWithReset: build and environment.FOO reset', () => {
    const base = yaml('services: {foo: {build: {context: ., dockerfile: foo.Dockerfile}, environment: {FOO: BAR}}}');
    // override.yml: `build: !reset` and `FOO: !reset` are dropped by the parser.
    const next = yaml('services: {foo: {image: foo, environment: {}}}');
    const got = step(step({}, base, []), next, [['services', 'foo', 'build'], ['services', 'foo', 'environment', 'FOO']]);
    assert.deepStrictEqual(got, yaml('services: {foo: {image: foo, environment: []}}'));
  });
  test('compose-go TestResetRemove / TestOverrideReplace on a network', () => {
    const base = yaml('networks: {test: {name: test, external: true}}');
    assert.deepStrictEqual(step(base, yaml('{}'), [['networks', 'test']]), yaml('networks: {}'));
    assert.deepStrictEqual(step(base, yaml('networks: {test: {}}'), [['networks', 'test']]), yaml('networks: {test: {}}'));
  });
  test('spec 13-merge: `ports: !override` replaces instead of appending', () => {
    const base = yaml('services: {app: {image: a, ports: ["8080:80"]}}');
    const got = step(base, yaml('services: {app: {ports: ["8443:443"]}}'), [['services', 'app', 'ports']]);
    assert.deepStrictEqual(got, yaml('services: {app: {image: a, ports: ["8443:443"]}}'));
  });
  test('`!override` on a mapping value replaces it whole, so no rule merges it', () => {
    const base = yaml('services: {app: {environment: {A: 1, B: 2}, command: [x]}}');
    const got = step(base, yaml('services: {app: {environment: {C: 3}}}'), [['services', 'app', 'environment']]);
    assert.deepStrictEqual(got, yaml('services: {app: {environment: {C: 3}, command: [x]}}'));
  });
  test('`!override` on a sequence item has no effect: the item is appended as usual', () => {
    const base = yaml('services: {app: {ports: ["80:80"]}}');
    const got = step(base, yaml('services: {app: {ports: ["81:81"]}}'), [['services', 'app', 'ports', 0]]);
    assert.deepStrictEqual(got, yaml('services: {app: {ports: ["80:80", "81:81"]}}'));
  });
  test('`!reset` on a key of a list that earlier files already turned into KEY=VALUE is lost (docker/compose#11816)', () => {
    const first = yaml('services: {app: {environment: {FOO: BAR}}}');
    const second = yaml('services: {app: {environment: {ANOTHER: BAR}}}');
    let acc = step(step({}, first, []), second, []);
    acc = step(acc, yaml('services: {app: {environment: {}}}'), [['services', 'app', 'environment', 'FOO']]);
    assert.deepStrictEqual(acc, yaml('services: {app: {environment: [FOO=BAR, ANOTHER=BAR]}}'));
  });
  test('extends: the extending file\'s resets apply to the base under the extending name', () => {
    // compose-go TestLoadExtendsWihReset: foo extends bar with `volumes: !reset []`.
    const bar = yaml('{image: alpine, command: echo, volumes: [".:/src"]}');
    const base = applyServiceResets('foo', bar, [['services', 'foo', 'volumes']]);
    const merged = mergeService(base, yaml('{extends: {service: bar}}'));
    assert.deepStrictEqual(merged, yaml('{image: alpine, command: echo, extends: {service: bar}}'));
  });
});
