/** compose-go checkConsistency on normalized trees: each message, its place, and conformance cases. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { ComposeError } from '../../src/model/errors.js';
import type { Mapping } from '../../src/model/tree.js';
import { isMapping } from '../../src/model/tree.js';
import type { LoadContext } from '../../src/loader/context.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex } from '../../src/loader/context.js';
import { checkConsistency } from '../../src/loader/consistency.js';
import { NO_SHARED, SHARED_DIR, sharedAvailable } from '../helpers/paths.js';

function context(sources = new SourceIndex()): LoadContext {
  return { projectName: 't', workingDir: '/p', environment: {}, options: DEFAULT_LOAD_OPTIONS, sources, warn: () => undefined };
}

function inconsistent(tree: Mapping | string, sources?: SourceIndex): ComposeError {
  const t = typeof tree === 'string' ? (YAML.parse(tree) as Mapping) : tree;
  try {
    checkConsistency(t, context(sources));
  } catch (e) {
    assert.ok(e instanceof ComposeError, String(e));
    assert.equal(e.code, 'E_INVALID');
    return e;
  }
  assert.fail(`expected a consistency error for ${JSON.stringify(t)}`);
}

function consistent(yaml: string): void {
  checkConsistency(YAML.parse(yaml) as Mapping, context());
}

test('neither image nor build', () => {
  const sources = new SourceIndex();
  sources.record('services.web', { file: 'compose.yaml', line: 2, col: 3 });
  const e = inconsistent('services:\n  web:\n    command: x\n', sources);
  assert.equal(e.message, 'service "web" has neither an image nor a build context specified: invalid compose project');
  assert.deepEqual(e.where, { file: 'compose.yaml', line: 2, col: 3, path: 'services.web' });
  consistent('services:\n  a: {image: x}\n  b: {build: {context: .}}\n  c: {provider: {type: model}}\n');
});

test('build: dockerfile and dockerfile_inline, platforms, service contexts', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    build: {context: ., dockerfile: Dockerfile, dockerfile_inline: "FROM x"}\n').message,
    'service "web" declares mutualy exclusive dockerfile and dockerfile_inline: invalid compose project',
  );
  assert.equal(
    inconsistent('services:\n  web:\n    platform: linux/arm64\n    build: {context: ., platforms: [linux/amd64]}\n').message,
    'service.build.platforms MUST include service.platform "linux/arm64": invalid compose project',
  );
  assert.equal(
    inconsistent('services:\n  web:\n    build: {context: ., additional_contexts: {base: "service:nope"}}\n').message,
    'service "web" declares unknown service "nope" as additional contexts base',
  );
  assert.equal(
    inconsistent('services:\n  base: {image: x}\n  web:\n    build: {context: ., additional_contexts: {base: "service:base"}}\n').message,
    'service "web" declares non-buildable service "base" as additional contexts base',
  );
});

test('network_mode and networks are exclusive; networks must be defined', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    network_mode: host\n    networks: {default: null}\nnetworks:\n  default: {}\n').message,
    'service web declares mutually exclusive `network_mode` and `networks`: invalid compose project',
  );
  const e = inconsistent('services:\n  web:\n    image: x\n    networks: {front: null}\nnetworks:\n  default: {}\n');
  assert.equal(e.message, 'service "web" refers to undefined network front: invalid compose project');
  assert.equal(e.where.path, 'services.web.networks.front');
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    networks: [back]\n').message,
    'service "web" refers to undefined network back: invalid compose project',
  );
});

test('healthcheck test form', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    healthcheck: {test: [curl, x]}\n').message,
    'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"',
  );
  consistent('services:\n  web:\n    image: x\n    healthcheck: {test: [NONE]}\n');
});

test('undefined services: depends_on and network_mode', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    depends_on: {db: {condition: service_started, required: true}}\n').message,
    'service "web" depends on undefined service "db": invalid compose project',
  );
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    network_mode: "service:vpn"\n').message,
    `service "vpn" not found for network_mode 'service:vpn'`,
  );
});

test('undefined volumes, secrets, configs, models', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    volumes: [{type: volume, source: data, target: /d}]\n').message,
    'service "web" refers to undefined volume data: invalid compose project',
  );
  // Short syntax (no normalization) is read too; bind mounts and anonymous volumes are fine.
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    volumes: ["data:/d"]\n').message,
    'service "web" refers to undefined volume data: invalid compose project',
  );
  consistent('services:\n  web:\n    image: x\n    volumes: ["./a:/a", "/b", {type: bind, source: /c, target: /c}]\n');
  assert.equal(
    inconsistent('services:\n  web:\n    build: {context: ., secrets: [{source: npmrc}]}\n').message,
    'service "web" refers to undefined build secret npmrc: invalid compose project',
  );
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    configs: [{source: app}]\n').message,
    'service "web" refers to undefined config app: invalid compose project',
  );
  const s = inconsistent('services:\n  web:\n    image: x\n    secrets: [ok, {source: pw}]\nsecrets:\n  ok: {file: ./ok}\n');
  assert.equal(s.message, 'service "web" refers to undefined secret pw: invalid compose project');
  assert.equal(s.where.path, 'services.web.secrets[1]');
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    models: [llm]\n').message,
    'service "web" refers to undefined model llm: invalid compose project',
  );
});

test('scale against deploy.replicas and resource limits', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n').message,
    "services.web: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project",
  );
  consistent('services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 2}\n');
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    cpus: 0.5\n    deploy: {resources: {limits: {cpus: "1"}}}\n').message,
    "services.web: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus': invalid compose project",
  );
  consistent('services:\n  web:\n    image: x\n    cpus: 0.5\n    deploy: {resources: {limits: {cpus: "0.5"}}}\n');
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    mem_limit: 512m\n    deploy: {resources: {limits: {memory: 1g}}}\n').message,
    "services.web: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory': invalid compose project",
  );
  consistent('services:\n  web:\n    image: x\n    mem_limit: 1024m\n    deploy: {resources: {limits: {memory: 1g}}}\n');
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    mem_reservation: 1m\n    deploy: {resources: {reservations: {memory: 2m}}}\n').message,
    "services.web: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory': invalid compose project",
  );
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    pids_limit: 10\n    deploy: {resources: {limits: {pids: 20}}}\n').message,
    "services.web: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids': invalid compose project",
  );
});

test('container_name with more than one replica (compose-go argument order kept)', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    container_name: w\n    deploy: {replicas: 2}\n').message,
    "services.deploy.replicas: can't set container_name and web as container name must be unique: invalid compose project",
  );
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    container_name: w\n    scale: 3\n').message,
    "services.scale: can't set container_name and web as container name must be unique: invalid compose project",
  );
  consistent('services:\n  web:\n    image: x\n    container_name: w\n    scale: 1\n');
});

test('develop.watch target', () => {
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    develop: {watch: [{path: ., action: sync}]}\n').message,
    'services.web.develop.watch: target is required for non-rebuild actions: invalid compose project',
  );
  consistent('services:\n  web:\n    image: x\n    develop: {watch: [{path: ., action: rebuild}]}\n');
});

test('a mount target used twice', () => {
  const e = inconsistent(
    'services:\n  web:\n    image: x\n    tmpfs: ["/run:size=1m"]\n    volumes: [{type: bind, source: /a, target: /data}, {type: bind, source: /b, target: /run}]\n',
  );
  assert.equal(e.message, 'services.web.volumes[1]: target /run already mounted as services.web.tmpfs[0]');
  assert.equal(e.where.path, 'services.web.volumes[1]');
  assert.equal(
    inconsistent('services:\n  web:\n    image: x\n    volumes: ["/a:/data", "/b:/data"]\n').message,
    'services.web.volumes[1]: target /data already mounted as services.web.volumes[0]',
  );
});

test('secrets need a source unless external', () => {
  assert.equal(
    inconsistent('services:\n  web: {image: x}\nsecrets:\n  s: {name: x}\n').message,
    'secret "s" must declare either `file` or `environment`: invalid compose project',
  );
  consistent('services:\n  web: {image: x}\nsecrets:\n  a: {external: true}\n  b: {environment: B}\n  c: {file: ./c}\n');
});

// Conformance: references a service gets through `extends` from a file where the
// target exists. Normalization turns ipc / network_mode / volumes_from `service:`
// references into depends_on entries, so the normalized tree carries them there.
const EXTENDS_CASES: Record<string, string> = {
  'cg-extends-service-ref-depends-on': 'with_depends_on',
  'cg-extends-service-ref-ipc': 'with_ipc',
  'cg-extends-service-ref-network-mode': 'with_network_mode',
  'cg-extends-service-ref-volumes-from': 'with_volumes_from',
};

for (const [name, base] of Object.entries(EXTENDS_CASES)) {
  test(`conformance ${name}`, { skip: sharedAvailable() ? false : NO_SHARED }, () => {
    const dir = path.join(SHARED_DIR, 'conformance', 'cases', name);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as { expect: string; error_contains: string };
    const file = YAML.parse(fs.readFileSync(path.join(dir, 'testdata', 'extends', 'depends_on.yaml'), 'utf8')) as Mapping;
    const services = file['services'] as Mapping;
    const svc = { ...(services[base] as Mapping) };
    const deps: Mapping = isMapping(svc['depends_on']) ? { ...svc['depends_on'] } : {};
    const implicit = (ref: string): void => {
      deps[ref] = { condition: 'service_started', required: true, restart: true };
    };
    for (const d of Array.isArray(svc['depends_on']) ? svc['depends_on'] : []) if (typeof d === 'string') implicit(d);
    for (const ns of [svc['ipc'], svc['network_mode'], svc['pid']]) {
      if (typeof ns === 'string' && ns.startsWith('service:')) implicit(ns.slice('service:'.length));
    }
    for (const v of Array.isArray(svc['volumes_from']) ? svc['volumes_from'] : []) {
      if (typeof v === 'string' && !v.startsWith('container:')) implicit(v.split(':')[0] ?? v);
    }
    svc['depends_on'] = deps;
    if (svc['network_mode'] === undefined) svc['networks'] = { default: null };
    const tree: Mapping = { name: 'test', services: { bar: svc }, networks: { default: { name: 'test_default' } } };
    assert.equal(meta.expect, 'error');
    assert.ok(inconsistent(tree).message.includes(meta.error_contains), meta.error_contains);
  });
}
