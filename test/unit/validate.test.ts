/** compose-go validation.Validate: semantic checks that run even with --no-consistency. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import YAML from 'yaml';
import { ComposeError } from '../../src/model/errors.js';
import type { Mapping } from '../../src/model/tree.js';
import type { LoadContext } from '../../src/loader/context.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex } from '../../src/loader/context.js';
import { validateModel } from '../../src/loader/validate.js';

function context(sources = new SourceIndex()): LoadContext {
  return { projectName: 't', workingDir: '/p', environment: {}, options: DEFAULT_LOAD_OPTIONS, sources, warn: () => undefined };
}

function invalid(yaml: string, sources?: SourceIndex): ComposeError {
  try {
    validateModel(YAML.parse(yaml) as Mapping, context(sources));
  } catch (e) {
    assert.ok(e instanceof ComposeError, String(e));
    assert.equal(e.code, 'E_INVALID');
    return e;
  }
  assert.fail(`expected a validation error for:\n${yaml}`);
}

function ok(yaml: string): void {
  validateModel(YAML.parse(yaml) as Mapping, context());
}

test('external volume with creation attributes', () => {
  const sources = new SourceIndex();
  sources.record('volumes.data', { file: 'compose.yaml', line: 2, col: 3 });
  const e = invalid('volumes:\n  data:\n    external: true\n    driver: foobar\n', sources);
  assert.equal(e.message, 'volumes.data: conflicting parameters "external" and "driver" specified');
  assert.deepEqual(e.where, { file: 'compose.yaml', line: 2, col: 3, path: 'volumes.data' });
  assert.equal(
    invalid('volumes:\n  data:\n    external: true\n    labels: {a: b}\n').message,
    'volumes.data: conflicting parameters "external" and "labels" specified',
  );
  ok('volumes:\n  data:\n    external: true\n    name: real\n    x-note: 1\n');
  ok('volumes:\n  data:\n    external: false\n    driver: local\n');
  ok('volumes:\n  data:\n  other: {}\n');
});

test('a volume must be a mapping', () => {
  assert.equal(invalid('volumes:\n  data: [1]\n').message, 'volumes.data: expected volume, got sequence');
});

test('configs and secrets: exactly one source', () => {
  assert.equal(
    invalid('configs:\n  app:\n    file: ./a\n    content: b\n').message,
    'configs.app: file|environment|content attributes are mutually exclusive',
  );
  assert.equal(invalid('configs:\n  app:\n    name: x\n').message, 'configs.app: one of file|environment|content must be set');
  assert.equal(invalid('secrets:\n  s:\n    name: x\n').message, 'secrets.s: one of file|environment must be set');
  assert.equal(
    invalid('secrets:\n  s:\n    file: ./a\n    environment: B\n').message,
    'secrets.s: file|environment attributes are mutually exclusive',
  );
  ok('secrets:\n  s:\n    external: true\n  d:\n    driver: vault\nconfigs:\n  c:\n    content: hi\n');
});

test('ports host_ip must be an IP address', () => {
  const e = invalid('services:\n  web:\n    ports:\n      - target: 80\n      - target: 81\n        host_ip: 1.2.3\n');
  assert.equal(e.message, 'services.web.ports.[]: invalid ip address: 1.2.3');
  assert.equal(e.where.path, 'services.web.ports[1]');
  ok('services:\n  web:\n    ports:\n      - {target: 80, host_ip: 127.0.0.1}\n      - {target: 81, host_ip: "::1"}\n');
});

test('develop.watch path must not be blank', () => {
  assert.equal(
    invalid('services:\n  web:\n    develop:\n      watch:\n        - path: ""\n          action: rebuild\n').message,
    "services.web.develop.watch.[].path: value can't be blank",
  );
});

test('device requests: count and device_ids are exclusive', () => {
  assert.equal(
    invalid('services:\n  web:\n    gpus:\n      - {count: 1, device_ids: ["0"]}\n').message,
    'services.web.gpus.[]: "count" and "device_ids" attributes are exclusive',
  );
  assert.equal(
    invalid(
      'services:\n  web:\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {count: all, device_ids: ["0"], capabilities: [gpu]}\n',
    ).message,
    'services.web.deploy.resources.reservations.devices.[]: "count" and "device_ids" attributes are exclusive',
  );
});

test('checks that --no-consistency skips are not made here', () => {
  // No image, undefined network: consistency's business, not validation's.
  ok('services:\n  web:\n    networks: [nowhere]\n');
});
