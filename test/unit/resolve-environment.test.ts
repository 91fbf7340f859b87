import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveServiceEnvironment } from '../../src/loader/resolve-environment.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex } from '../../src/loader/context.js';
import type { LoadContext, LoadOptions } from '../../src/loader/context.js';
import type { Mapping } from '../../src/model/tree.js';
import { ComposeError } from '../../src/model/errors.js';

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscompose-resolve-env-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

function context(
  dir: string,
  environment: Record<string, string>,
  options: Partial<LoadOptions> = {},
): LoadContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    projectName: 'p',
    workingDir: dir,
    environment,
    options: { ...DEFAULT_LOAD_OPTIONS, ...options },
    sources: new SourceIndex(),
    warn: (m: string) => warnings.push(m),
    warnings,
  };
}

function service(tree: Mapping, name: string): Mapping {
  const services = tree['services'] as Mapping;
  return services[name] as Mapping;
}

test('environment wins over env_file, later env_file over earlier; env_file is dropped', () => {
  const dir = project({ 'a.env': 'A=a\nB=a\nC=a\n', 'b.env': 'B=b\nC=b\n' });
  const tree: Mapping = {
    services: {
      web: {
        image: 'x',
        environment: { C: 'env' },
        env_file: [
          { path: path.join(dir, 'a.env'), required: true },
          { path: path.join(dir, 'b.env'), required: true },
        ],
      },
    },
  };
  const out = resolveServiceEnvironment(tree, context(dir, {}));
  assert.deepEqual(service(out, 'web'), { image: 'x', environment: { A: 'a', B: 'b', C: 'env' } });
  // The input tree is left alone.
  assert.ok('env_file' in service(tree, 'web'));
});

test('bare keys take the project value, or stay null (even over an env_file value)', () => {
  const dir = project({ 'f.env': 'UNSET=from-file\n' });
  const tree: Mapping = {
    services: {
      web: {
        environment: { SET: null, UNSET: null, EMPTY: '' },
        env_file: [{ path: path.join(dir, 'f.env'), required: true }],
      },
    },
  };
  const out = resolveServiceEnvironment(tree, context(dir, { SET: 'project' }));
  assert.deepEqual(service(out, 'web')['environment'], { SET: 'project', UNSET: null, EMPTY: '' });
});

test('env_file interpolation: project env first, then service environment, then earlier values', () => {
  const dir = project({
    'a.env': 'FROM_A=a\n',
    'b.env': 'P=${PROJ}\nS=${SVC}\nPREV=${FROM_A}\nBOTH=${SVC_AND_PROJ}\nMISSING=${NOPE}\nBARE_SVC\nBARE_PROJ\n',
  });
  const ctx = context(dir, { PROJ: 'proj', SVC_AND_PROJ: 'project-wins', BARE_PROJ: 'bp' });
  const tree: Mapping = {
    services: {
      web: {
        environment: { SVC: 'svc', SVC_AND_PROJ: 'service' },
        env_file: [
          { path: path.join(dir, 'a.env'), required: true },
          { path: path.join(dir, 'b.env'), required: true },
        ],
      },
    },
  };
  const env = service(resolveServiceEnvironment(tree, ctx), 'web')['environment'];
  assert.deepEqual(env, {
    SVC: 'svc',
    SVC_AND_PROJ: 'service',
    FROM_A: 'a',
    P: 'proj',
    S: 'svc',
    PREV: 'a',
    BOTH: 'project-wins',
    MISSING: '',
    BARE_PROJ: 'bp',
  });
  assert.deepEqual(ctx.warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
});

test('optional missing env_file is skipped, required one is E_NOT_FOUND', () => {
  const dir = project({});
  const missing = path.join(dir, 'missing.env');
  const optional: Mapping = { services: { web: { env_file: [{ path: missing, required: false }] } } };
  assert.deepEqual(service(resolveServiceEnvironment(optional, context(dir, {})), 'web'), {});
  const required: Mapping = { services: { web: { env_file: [{ path: missing, required: true }] } } };
  assert.throws(
    () => resolveServiceEnvironment(required, context(dir, {})),
    (e: unknown) => e instanceof ComposeError && e.code === 'E_NOT_FOUND' && e.message.includes(missing),
  );
});

test('raw format env_file is not interpolated', () => {
  const dir = project({ 'r.env': 'A=${X} "q"\nB\n' });
  const tree: Mapping = {
    services: { web: { env_file: [{ path: path.join(dir, 'r.env'), required: true, format: 'raw' }] } },
  };
  const out = resolveServiceEnvironment(tree, context(dir, { X: 'x', B: 'b' }));
  assert.deepEqual(service(out, 'web')['environment'], { A: '${X} "q"', B: 'b' });
});

test('parse errors name the env file', () => {
  const dir = project({ 'bad.env': 'OK=1\nBAD="open\n' });
  const file = path.join(dir, 'bad.env');
  const tree: Mapping = { services: { web: { env_file: [{ path: file, required: true }] } } };
  assert.throws(
    () => resolveServiceEnvironment(tree, context(dir, {})),
    (e: unknown) => e instanceof ComposeError && e.code === 'E_DOTENV' && e.where.file === file,
  );
});

test('--no-env-resolution leaves environment and env_file alone', () => {
  const dir = project({});
  const tree: Mapping = {
    services: { web: { environment: { A: null }, env_file: [{ path: path.join(dir, 'x.env'), required: true }] } },
  };
  const out = resolveServiceEnvironment(tree, context(dir, { A: 'a' }, { resolveEnvironment: false }));
  assert.deepEqual(service(out, 'web'), service(tree, 'web'));
});

test('label_file: merged under labels, later file wins, labels win, no environment lookups', () => {
  const dir = project({ 'a.labels': 'L1=a\nL2=a\n', 'b.labels': 'L2=b\nL3=${L1}-${PROJ}\n' });
  const ctx = context(dir, { PROJ: 'proj' });
  const tree: Mapping = {
    services: {
      web: {
        labels: { L3: 'declared' },
        label_file: [path.join(dir, 'a.labels'), path.join(dir, 'b.labels')],
      },
      other: { labels: { X: 'y' } },
    },
  };
  const out = resolveServiceEnvironment(tree, ctx);
  assert.deepEqual(service(out, 'web'), { labels: { L1: 'a', L2: 'b', L3: 'declared' } });
  assert.deepEqual(service(out, 'other'), { labels: { X: 'y' } });
  const interpolated = resolveServiceEnvironment(
    { services: { web: { label_file: [path.join(dir, 'a.labels'), path.join(dir, 'b.labels')] } } },
    ctx,
  );
  assert.deepEqual(service(interpolated, 'web')['labels'], { L1: 'a', L2: 'b', L3: 'a-' });
  const missing = path.join(dir, 'none.labels');
  assert.throws(
    () => resolveServiceEnvironment({ services: { web: { label_file: [missing] } } }, ctx),
    (e: unknown) => e instanceof ComposeError && e.code === 'E_NOT_FOUND' && e.message.includes(missing),
  );
});
