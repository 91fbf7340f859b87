/**
 * Schema validation: compose-go's wording and choice of error, the overlay over
 * dclint's schema, the standalone cache, and the conformance cases that fail here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { ComposeError } from '../../src/model/errors.js';
import type { Mapping } from '../../src/model/tree.js';
import type { LoadContext } from '../../src/loader/context.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex } from '../../src/loader/context.js';
import {
  composeSchema,
  precompileSchema,
  resetSchemaForTests,
  schemaLoadStats,
  schemaValidator,
} from '../../src/loader/schema.js';
import { validateSchema } from '../../src/loader/validate-schema.js';
import { NO_SHARED, SHARED_DIR, sharedAvailable } from '../helpers/paths.js';

// Never write the compiled schema into the shared node_modules from tests.
const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'tscompose-schema-cache-'));
process.env['TSCOMPOSE_SCHEMA_CACHE'] = CACHE;

function context(sources = new SourceIndex()): LoadContext {
  return {
    projectName: 'test',
    workingDir: '/project',
    environment: {},
    options: DEFAULT_LOAD_OPTIONS,
    sources,
    warn: () => undefined,
  };
}

function schemaError(yaml: string, file = 'compose.yaml', sources?: SourceIndex): ComposeError {
  const tree = YAML.parse(yaml) as Mapping;
  try {
    validateSchema(tree, context(sources), file);
  } catch (e) {
    assert.ok(e instanceof ComposeError, String(e));
    assert.equal(e.code, 'E_SCHEMA');
    return e;
  }
  assert.fail(`expected a schema error for:\n${yaml}`);
}

function valid(yaml: string): void {
  validateSchema(YAML.parse(yaml) as Mapping, context(), 'compose.yaml');
}

test('unknown service key: parent path in the message, the key itself located', () => {
  const sources = new SourceIndex();
  sources.record('services.web.foo', { file: '/p/compose.yaml', line: 4, col: 5 });
  const e = schemaError('services:\n  web:\n    image: nginx\n    foo: 1\n', '/p/compose.yaml', sources);
  assert.equal(e.message, "validating /p/compose.yaml: services.web additional properties 'foo' not allowed");
  assert.deepEqual(e.where, { file: '/p/compose.yaml', line: 4, col: 5, path: 'services.web.foo' });
});

test('unknown top-level key', () => {
  const e = schemaError('helicopters:\n  foo:\n    image: busybox\n');
  assert.equal(e.message, "validating compose.yaml: additional properties 'helicopters' not allowed");
  assert.equal(e.where.path, 'helicopters');
});

test('several unknown keys are listed together', () => {
  const e = schemaError('services:\n  foo: {a: 1, b: 2}\n');
  assert.equal(e.message, "validating compose.yaml: services.foo additional properties 'a', 'b' not allowed");
});

test('x- extensions are allowed where the schema allows them', () => {
  valid(`
x-top: {a: 1}
services:
  bar:
    image: bar
    x-extra: {}
  foo:
    image: foo
    depends_on:
      x-dependency:
        condition: service_started
volumes:
  bar: {x-extra: {}}
networks:
  bar: {x-extra: {}}
configs:
  bar: {file: ./a, x-extra: {}}
secrets:
  bar: {file: ./a, x-extra: {}}
`);
});

test('type errors use compose-go names: mapping, array, sorted alternatives', () => {
  assert.equal(
    schemaError('services:\n  foo:\n    image: foo\n    environment: "FOO=1"\n').message,
    'validating compose.yaml: services.foo.environment must be a mapping',
  );
  assert.equal(
    schemaError('services:\n  foo:\n    image: foo\n    environment:\n      FOO: [1]\n').message,
    'validating compose.yaml: services.foo.environment.FOO must be a boolean, null, number or string',
  );
  assert.equal(
    schemaError('services:\n  foo:\n    image: foo\n    ports: "80:80"\n').message,
    'validating compose.yaml: services.foo.ports must be a array',
  );
  assert.equal(schemaError('services: []\n').message, 'validating compose.yaml: services must be a mapping');
  assert.equal(
    schemaError('services:\n  foo:\n    image: 1\n').message,
    'validating compose.yaml: services.foo.image must be a string',
  );
});

test('list indexes read as compose-go prints them, located with ours', () => {
  const e = schemaError('services:\n  foo:\n    image: foo\n    ports:\n      - target: 80\n        foo: 1\n');
  assert.equal(e.message, "validating compose.yaml: services.foo.ports.0 additional properties 'foo' not allowed");
  assert.equal(e.where.path, 'services.foo.ports[0].foo');
});

test('the deepest failure wins over the oneOf branches above it', () => {
  const e = schemaError('services:\n  foo:\n    image: foo\n    depends_on:\n      bar:\n        required: true\n');
  assert.equal(e.message, "validating compose.yaml: services.foo.depends_on.bar missing property 'condition'");
});

test('enum, pattern and uniqueItems messages', () => {
  assert.equal(
    schemaError('services:\n  foo:\n    image: foo\n    cgroup: bad\n').message,
    "validating compose.yaml: services.foo.cgroup value must be one of 'host', 'private'",
  );
  assert.equal(
    schemaError('services:\n  foo:\n    image: foo\n    container_name: "-"\n').message,
    "validating compose.yaml: services.foo.container_name '-' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'",
  );
  const dup = schemaError('services:\n  foo:\n    image: foo\n    networks: [a, b, b]\n');
  assert.equal(dup.message, 'validating compose.yaml: services.foo.networks items at 1 and 2 are equal');
  assert.equal(dup.where.path, 'services.foo.networks[2]');
});

test('bounds use compose-go wording', () => {
  const e = schemaError('services:\n  foo:\n    image: foo\n    cpu_percent: 101\n');
  // cpu_percent is oneOf [string, integer 0..100]: the string branch comes first, as in compose-go.
  assert.equal(e.message, 'validating compose.yaml: services.foo.cpu_percent must be a string');
  const m = schemaError('services:\n  foo:\n    image: foo\n    deploy:\n      resources:\n        limits:\n          cpus: [1]\n');
  assert.match(m.message, /^validating compose\.yaml: services\.foo\.deploy\.resources\.limits\.cpus must be a /);
});

test('without a file name the message has no prefix', () => {
  assert.throws(
    () => validateSchema({ services: [] } as unknown as Mapping, context()),
    (e: unknown) => e instanceof ComposeError && e.message === 'services must be a mapping',
  );
});

test('overlay: upstream properties dclint lacks are accepted', () => {
  valid(`
services:
  foo:
    image: foo
    build:
      context: .
      provenance: true
      sbom: "generator=x"
    develop:
      watch:
        - path: .
          action: sync
          target: /app
          initial_sync: true
`);
  const schema = composeSchema() as { definitions: { development: { properties: { watch: { items: { properties: Mapping } } } } } };
  assert.ok('initial_sync' in schema.definitions.development.properties.watch.items.properties);
});

test('a large valid model validates quickly', () => {
  const services: Mapping = {};
  for (let i = 0; i < 50; i++) {
    services[`s${i}`] = {
      image: 'nginx',
      ports: ['80:80', { target: 80, published: '8080' }],
      environment: { A: 'b' },
      volumes: ['./a:/b'],
      depends_on: ['s0'],
      healthcheck: { test: ['CMD', 'true'], interval: '10s' },
    };
  }
  validateSchema({ services }, context(), 'compose.yaml');
  const t0 = performance.now();
  validateSchema({ services }, context(), 'compose.yaml');
  assert.ok(performance.now() - t0 < 50, 'a warm validation of 50 services takes well under 50 ms');
});

test('standalone cache: written on compile, read back by the next process', () => {
  resetSchemaForTests();
  for (const f of fs.readdirSync(CACHE)) fs.rmSync(path.join(CACHE, f));
  schemaValidator();
  const first = schemaLoadStats();
  assert.equal(first?.source, 'compiled');
  assert.ok(first?.cacheFile !== undefined && fs.existsSync(first.cacheFile));
  resetSchemaForTests();
  const v = schemaValidator();
  const second = schemaLoadStats();
  assert.equal(second?.source, 'cache');
  assert.equal(v({ services: { a: { image: 'x' } } }), true);
  assert.equal(v({ services: { a: { image: 'x', nope: 1 } } }), false);
  // A damaged entry is ignored and replaced.
  fs.writeFileSync(second.cacheFile ?? '', 'module.exports = 42');
  resetSchemaForTests();
  schemaValidator();
  assert.equal(schemaLoadStats()?.source, 'compiled');
  assert.equal(typeof precompileSchema(), 'string');
});

test('no cache when disabled', () => {
  const saved = process.env['TSCOMPOSE_SCHEMA_CACHE'];
  process.env['TSCOMPOSE_SCHEMA_CACHE'] = 'off';
  try {
    resetSchemaForTests();
    schemaValidator();
    assert.deepEqual(schemaLoadStats()?.cacheFile, undefined);
    assert.equal(schemaLoadStats()?.source, 'compiled');
  } finally {
    process.env['TSCOMPOSE_SCHEMA_CACHE'] = saved;
    resetSchemaForTests();
  }
});

// Conformance: the schema stage is the one that fails these. The case inputs are
// damaged copies (the file holds the text "compose.yml"), so the YAML is taken
// from the Go tests they name (loader/tests/environment_test.go).
const ENVIRONMENT_CASES: Record<string, string> = {
  'cg-environment-invalid-object': 'services:\n  foo:\n    image: foo\n    environment: "FOO=1"\n',
  'cg-environment-invalid-value': 'services:\n  foo:\n    image: foo\n    environment:\n      FOO: ["1"]\n',
};

for (const [name, yaml] of Object.entries(ENVIRONMENT_CASES)) {
  test(`conformance ${name}`, { skip: sharedAvailable() ? false : NO_SHARED }, () => {
    const meta = JSON.parse(fs.readFileSync(path.join(SHARED_DIR, 'conformance', 'cases', name, 'case.json'), 'utf8')) as {
      expect: string;
      error_contains: string;
    };
    assert.equal(meta.expect, 'error');
    assert.ok(schemaError(yaml).message.includes(meta.error_contains), meta.error_contains);
  });
}
