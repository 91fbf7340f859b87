/**
 * enforceUnicity against compose-go's EnforceUnicity: the cases of
 * override/uncity_test.go, then one per indexer.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { enforceUnicity, volumeTarget } from '../../src/loader/unicity.js';
import { isMapping, type Mapping } from '../../src/model/tree.js';
import { ComposeError } from '../../src/model/errors.js';

function yaml(text: string): Mapping {
  const v: unknown = parse(text);
  assert.ok(isMapping(v));
  return v;
}

function assertUnique(before: string, after: string): void {
  assert.deepStrictEqual(enforceUnicity(yaml(before)), yaml(after));
}

/** A one-service tree with `key: value`. */
function svc(key: string, value: string): string {
  return `services: {a: {${key}: ${value}}}`;
}

describe('compose-go uncity_test.go', () => {
  test('environment: last definition of a key wins, in the first place', () => {
    assertUnique(
      svc('environment', '[FOO=BAR, BAR=QIX, QIX=, ZOT, FOO=ZOT, QIX, ZOT=]'),
      svc('environment', '[FOO=ZOT, BAR=QIX, QIX, ZOT=]'),
    );
  });
  test('volumes by container path', () => {
    assertUnique(svc('volumes', '[".:/foo", "foo:/bar", "src:/foo"]'), svc('volumes', '["src:/foo", "foo:/bar"]'));
  });
  test('short ports by their text', () => {
    assertUnique(
      svc('ports', '["9080:80", "9081:81", "9080:80", "5000", "6060:6060/udp", "9080:6060/udp"]'),
      svc('ports', '["9080:80", "9081:81", "5000", "6060:6060/udp", "9080:6060/udp"]'),
    );
  });
  test('long ports by host_ip:published:target/protocol', () => {
    assertUnique(
      `services: {a: {ports: [
        {target: 80, host_ip: 127.0.0.1, published: "8080", protocol: tcp, mode: host},
        {target: 81, published: "8080", protocol: tcp},
        {target: 80, host_ip: 127.0.0.2, published: "8080", protocol: tcp},
        {target: 81, published: "8080", protocol: tcp}]}}`,
      `services: {a: {ports: [
        {target: 80, host_ip: 127.0.0.1, published: "8080", protocol: tcp, mode: host},
        {target: 81, published: "8080", protocol: tcp},
        {target: 80, host_ip: 127.0.0.2, published: "8080", protocol: tcp}]}}`,
    );
  });
});

describe('indexers', () => {
  test('ports: defaults for host_ip and protocol; published string and int differ (Go %s)', () => {
    assertUnique(
      svc('ports', '[{target: 80, published: "81"}, {target: 80, host_ip: 0.0.0.0, protocol: tcp, published: "81", mode: ingress}]'),
      svc('ports', '[{target: 80, host_ip: 0.0.0.0, protocol: tcp, published: "81", mode: ingress}]'),
    );
    assertUnique(
      svc('ports', '[{target: 80, published: "81"}, {target: 80, published: 81}]'),
      svc('ports', '[{target: 80, published: "81"}, {target: 80, published: 81}]'),
    );
    // An int short port and its text are the same key; long and short syntax never are.
    assertUnique(svc('ports', '[80, "80", {target: 80}]'), svc('ports', '["80", {target: 80}]'));
    assert.throws(() => enforceUnicity(yaml(svc('ports', '[{published: 80}]'))), /service ports services.a.ports.\[0\] is missing a target port/);
  });
  test('volumes: long syntax by target, short syntax parsed as compose-go does', () => {
    assertUnique(
      svc('volumes', '[{type: bind, source: ./a, target: /data}, "bb:/data:ro", "/anon", "/anon"]'),
      svc('volumes', '["bb:/data:ro", "/anon"]'),
    );
    assert.throws(() => enforceUnicity(yaml(svc('volumes', '[{type: tmpfs}]'))), /missing a mount target/);
    assert.throws(() => enforceUnicity(yaml(svc('volumes', '["aa:bb:cc:dd"]'))), /invalid spec: aa:bb:cc:dd: too many colons/);
  });
  test('volumeTarget follows format.ParseVolume', () => {
    assert.equal(volumeTarget('/data', 'p'), '/data');
    assert.equal(volumeTarget('ab', 'p'), 'ab');
    assert.equal(volumeTarget('vol:/data', 'p'), '/data');
    assert.equal(volumeTarget('./src:/app:ro,z', 'p'), '/app');
    assert.equal(volumeTarget('C:\\data:/data', 'p'), '/data');
    assert.equal(volumeTarget('c:/w:d:/x', 'p'), 'd:/x');
    assert.equal(volumeTarget('${HOME:-/h}:/home', 'p'), '/home');
    assert.throws(() => volumeTarget('', 'p'), /invalid empty volume spec/);
    assert.throws(() => volumeTarget('aa::b', 'p'), /empty section between colons/);
    // A one-letter first field is a Windows drive, even for a volume name (as compose-go).
    assert.equal(volumeTarget('b:/data:ro', 'p'), 'ro');
  });
  test('devices: the container side of the short syntax, target of the long one', () => {
    assertUnique(
      svc('devices', '["/dev/a:/dev/x", "/dev/b:/dev/x:rwm", "/dev/c", {source: /dev/d, target: /dev/c}]'),
      svc('devices', '["/dev/b:/dev/x:rwm", {source: /dev/d, target: /dev/c}]'),
    );
  });
  test('secrets under /run/secrets, configs under /', () => {
    assertUnique(
      'services: {a: {secrets: [s, {source: s}, {source: t, target: /run/secrets/s}], configs: [c, {source: x, target: /c}, {source: c, target: /y}]}}',
      'services: {a: {secrets: [{source: t, target: /run/secrets/s}], configs: [{source: x, target: /c}, {source: c, target: /y}]}}',
    );
  });
  test('expose by value, an int as its digits', () => {
    assertUnique(svc('expose', '[80, "80", "81-82", 81]'), svc('expose', '["80", "81-82", 81]'));
    assert.throws(() => enforceUnicity(yaml(svc('expose', '[1.5]'))), /unsupported expose value %!s\(float64=1.5\)/);
  });
  test('env_file by path', () => {
    assertUnique(svc('env_file', '[a.env, {path: a.env, required: false}, b.env]'), svc('env_file', '[{path: a.env, required: false}, b.env]'));
    assert.throws(() => enforceUnicity(yaml(svc('env_file', '[{required: true}]'))), /environment path attribute services.a.env_file.\[0\] is missing/);
  });
  test('KEY=VALUE lists: every listed path', () => {
    for (const key of ['labels', 'annotations', 'sysctls', 'dns', 'dns_opt', 'dns_search', 'tmpfs', 'cap_add', 'cap_drop', 'links', 'profiles']) {
      assertUnique(svc(key, '[A=1, B, A=2, B]'), svc(key, '[A=2, B]'));
    }
    assertUnique(
      'services: {a: {build: {args: [A=1, A=2], labels: [l=1, l=2], tags: [x, x], additional_contexts: [c=1, c=2]}, deploy: {labels: [d=1, d=2]}}}',
      'services: {a: {build: {args: [A=2], labels: [l=2], tags: [x], additional_contexts: [c=2]}, deploy: {labels: [d=2]}}}',
    );
    assertUnique(
      'services: {a: {networks: {n: {aliases: [x, y, x], link_local_ips: [i, i]}}}}\nnetworks: {n: {labels: [a=1, a=2], ipam: {options: [o=1, o=2]}}}',
      'services: {a: {networks: {n: {aliases: [x, y], link_local_ips: [i]}}}}\nnetworks: {n: {labels: [a=2], ipam: {options: [o=2]}}}',
    );
  });
  test('a non-string entry in a KEY=VALUE list is an error naming the entry', () => {
    assert.throws(
      () => enforceUnicity(yaml(svc('cap_add', '[NET_ADMIN, 1]'))),
      (e: unknown) => e instanceof ComposeError && e.message === 'services.a.cap_add.[1]: unexpected type int' && e.where.path === 'services.a.cap_add[1]',
    );
  });
});

describe('scope', () => {
  test('other sequences, mappings and sequence items are left alone', () => {
    const tree = 'services: {a: {command: [x, x], environment: {A: 1}, x-list: [a, a]}}\nvolumes: {v: {labels: [a=1, a=2]}}';
    assertUnique(tree, tree);
  });
  test('a service name with a dot escapes the rules (compose-go splits paths on dots)', () => {
    const tree = 'services: {a.b: {environment: [A=1, A=2]}}';
    assertUnique(tree, tree);
  });
  test('the input is not modified', () => {
    const input = yaml(svc('environment', '[A=1, A=2]'));
    enforceUnicity(input);
    assert.deepStrictEqual(input, yaml(svc('environment', '[A=1, A=2]')));
  });
});
