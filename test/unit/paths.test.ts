import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_LOAD_OPTIONS, SourceIndex, type LoadContext } from '../../src/loader/context.js';
import { resolvePaths } from '../../src/loader/paths.js';
import type { Mapping, Value } from '../../src/model/tree.js';

function ctx(workingDir = '/work/proj', environment: Record<string, string> = { HOME: '/home/me' }): LoadContext {
  return {
    projectName: 'proj',
    workingDir,
    environment,
    options: DEFAULT_LOAD_OPTIONS,
    sources: new SourceIndex(),
    warn: () => undefined,
  };
}

function run(yaml: string, c: LoadContext = ctx()): Mapping {
  return resolvePaths(parse(yaml) as Mapping, c);
}

function svc(yaml: string, key: string, c?: LoadContext): Value | undefined {
  return ((run(yaml, c)['services'] as Mapping)['s'] as Mapping)[key];
}

describe('resolvePaths', () => {
  it('build context and additional contexts are joined and cleaned', () => {
    assert.deepEqual(svc('services: {s: {build: {context: ./dir/, dockerfile: x/Dockerfile, additional_contexts: {a: ../b}}}}', 'build'), {
      context: '/work/proj/dir',
      dockerfile: 'x/Dockerfile',
      additional_contexts: { a: '/work/b' },
    });
  });

  it('`.` build context is the working dir', () => {
    assert.deepEqual(svc('services: {s: {build: {context: .}}}', 'build'), { context: '/work/proj' });
  });

  it('remote and service contexts are left alone', () => {
    for (const c of ['https://github.com/a/b.git', 'git@github.com:a/b.git', 'github.com/a/b', 'docker-image://alpine', 'service:base']) {
      assert.deepEqual(svc(`services: {s: {build: {context: "${c}"}}}`, 'build'), { context: c });
    }
  });

  it('bind sources are resolved, ~ from HOME, volumes and absolute paths kept', () => {
    const v = svc(
      `services: {s: {volumes: [
        {type: bind, source: ./data, target: /a},
        {type: bind, source: "~/cfg", target: /b},
        {type: bind, source: /abs, target: /c},
        {type: bind, source: "C:\\\\win", target: /d},
        {type: volume, source: db, target: /e}]}}`,
      'volumes',
    );
    assert.deepEqual(v, [
      { type: 'bind', source: '/work/proj/data', target: '/a' },
      { type: 'bind', source: '/home/me/cfg', target: '/b' },
      { type: 'bind', source: '/abs', target: '/c' },
      { type: 'bind', source: 'C:\\win', target: '/d' },
      { type: 'volume', source: 'db', target: '/e' },
    ]);
  });

  it('a bind without source is an error', () => {
    assert.throws(() => svc('services: {s: {volumes: [{type: bind, target: /a}]}}', 'volumes'), /field Source must not be empty/);
  });

  it('env_file paths and label_file entries are resolved', () => {
    const t = run('services: {s: {env_file: [{path: a.env, required: true}], label_file: [l/x.label]}}');
    const s = (t['services'] as Mapping)['s'] as Mapping;
    assert.deepEqual(s['env_file'], [{ path: '/work/proj/a.env', required: true }]);
    assert.deepEqual(s['label_file'], ['/work/proj/l/x.label']);
  });

  it('extends.file is resolved unless remote', () => {
    assert.deepEqual(svc('services: {s: {extends: {service: b, file: base.yaml}}}', 'extends'), {
      service: 'b',
      file: '/work/proj/base.yaml',
    });
    assert.deepEqual(svc('services: {s: {extends: {service: b, file: "oci://x/y"}}}', 'extends'), {
      service: 'b',
      file: 'oci://x/y',
    });
  });

  it('configs/secrets files are resolved, ~ expanded', () => {
    const t = run('configs: {c: {file: ./c.txt}}\nsecrets: {s: {file: "~/s.txt"}, e: {environment: X}}');
    assert.deepEqual(t['configs'], { c: { file: '/work/proj/c.txt' } });
    assert.deepEqual(t['secrets'], { s: { file: '/home/me/s.txt' }, e: { environment: 'X' } });
  });

  it('build.ssh key paths are resolved, default stays null', () => {
    assert.deepEqual(svc('services: {s: {build: {context: /c, ssh: {default: null, k: ./id}}}}', 'build'), {
      context: '/c',
      ssh: { default: null, k: '/work/proj/id' },
    });
  });

  it('a local volume with o=bind gets an absolute device', () => {
    const t = run('volumes: {v: {driver: local, driver_opts: {o: bind, type: none, device: ./data}}, w: {driver_opts: {o: bind, device: ./x}}}');
    assert.deepEqual(t['volumes'], {
      v: { driver: 'local', driver_opts: { o: 'bind', type: 'none', device: '/work/proj/data' } },
      w: { driver_opts: { o: 'bind', device: './x' } },
    });
  });

  it('include paths are resolved', () => {
    assert.deepEqual(run('include: [{path: [a.yaml, ../b.yaml], project_directory: sub, env_file: .env}]')['include'], [
      { path: ['/work/proj/a.yaml', '/work/b.yaml'], project_directory: '/work/proj/sub', env_file: '/work/proj/.env' },
    ]);
  });

  it('develop.watch paths are resolved and symlinks followed', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paths-test-')));
    try {
      fs.mkdirSync(path.join(dir, 'real'));
      fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
      const d = svc('services: {s: {develop: {watch: [{path: link, action: sync}, {path: ./src, action: rebuild}]}}}', 'develop', ctx(dir));
      assert.deepEqual(d, {
        watch: [
          { path: path.join(dir, 'real'), action: 'sync' },
          { path: path.join(dir, 'src'), action: 'rebuild' },
        ],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
