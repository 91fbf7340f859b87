import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bindProject } from '../../src/loader/bind.js';
import type { Mapping } from '../../src/model/tree.js';
import { NO_SHARED, SHARED_DIR, sharedAvailable } from '../helpers/paths.js';

const ctx = { projectName: 'demo', workingDir: '/work/demo' };

describe('bindProject', () => {
  it('binds a canonical service and converts units', () => {
    const tree: Mapping = {
      name: 'demo',
      services: {
        web: {
          image: 'nginx',
          command: ['nginx', '-g', 'daemon off;'],
          ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
          healthcheck: { test: ['CMD', 'true'], interval: '1m30s', retries: 3 },
          stop_grace_period: '20s',
          mem_limit: '1g',
          shm_size: 1024,
          cpus: '0.5',
          environment: { A: '1', B: null },
          labels: { tier: 'front' },
          depends_on: { db: { condition: 'service_healthy' } },
          networks: { default: null, back: { aliases: ['w'] } },
          ulimits: { nproc: 65535, nofile: { soft: 1, hard: 2 } },
          secrets: [{ source: 's', target: '/run/secrets/s', mode: '0440' }],
          'x-extra': { a: 1 },
        },
      },
      networks: { back: { driver: 'bridge' } },
      volumes: { data: null },
      'x-top': 'kept',
    };
    const p = bindProject(tree, ctx);
    const web = p.services['web'];
    assert.ok(web);
    assert.equal(web.name, 'web');
    assert.deepEqual(web.command, ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(web.ports, [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]);
    assert.equal(web.healthcheck?.interval, 90e9);
    assert.equal(web.healthcheck?.retries, 3);
    assert.equal(web.stopGracePeriod, 20e9);
    assert.equal(web.memLimit, 1024 ** 3);
    assert.equal(web.shmSize, 1024);
    assert.equal(web.cpus, 0.5);
    assert.deepEqual(web.environment, { A: '1', B: null });
    assert.deepEqual(web.dependsOn, { db: { condition: 'service_healthy', required: true } });
    assert.deepEqual(web.networks, { default: null, back: { aliases: ['w'] } });
    assert.deepEqual(web.ulimits, { nproc: { single: 65535 }, nofile: { soft: 1, hard: 2 } });
    assert.equal(web.secrets?.[0]?.mode, 0o440);
    assert.deepEqual(web.extensions, { 'x-extra': { a: 1 } });
    assert.deepEqual(p.networks, { back: { driver: 'bridge' } });
    assert.deepEqual(p.volumes, { data: {} });
    assert.deepEqual(p.extensions, { 'x-top': 'kept' });
    assert.equal(p.workingDir, '/work/demo');
  });

  it('falls back to the context name and reads short forms compose-go accepts', () => {
    const p = bindProject(
      {
        services: {
          s: {
            build: '.',
            command: 'echo "a b"',
            secrets: ['token'],
            env_file: ['a.env'],
            extra_hosts: { h: ['1.1.1.1', '::1'] },
            external_links: 'x',
          },
        },
        networks: { n: { external: { name: 'legacy' } } },
      },
      ctx,
    );
    const s = p.services['s'];
    assert.equal(p.name, 'demo');
    assert.deepEqual(s?.build, { context: '.' });
    assert.deepEqual(s?.command, ['echo', 'a b']);
    assert.deepEqual(s?.secrets, [{ source: 'token', target: '/run/secrets/token' }]);
    assert.deepEqual(s?.envFiles, [{ path: 'a.env' }]);
    assert.deepEqual(s?.extraHosts, ['h=1.1.1.1', 'h=::1']);
    assert.deepEqual(s?.externalLinks, ['x']);
    assert.equal(p.networks['n']?.external, true);
  });

  it('keeps an explicitly empty command apart from an absent one', () => {
    const p = bindProject({ services: { a: { command: [] }, b: { image: 'x' } } }, ctx);
    assert.deepEqual(p.services['a']?.command, []);
    assert.equal(p.services['b']?.command, undefined);
  });

  it('names the model path when a duration does not parse', () => {
    assert.throws(
      () => bindProject({ services: { s: { healthcheck: { interval: '10' } } } }, ctx),
      (e: unknown) => e instanceof Error && e.message.startsWith('services.s.healthcheck.interval: '),
    );
  });

  it('binds the full-example golden into typed values', (t) => {
    if (!sharedAvailable()) {
      t.skip(NO_SHARED);
      return;
    }
    const file = path.join(SHARED_DIR, 'conformance', 'cases', 'cg-full-example', 'expected.json');
    const tree = JSON.parse(fs.readFileSync(file, 'utf8')) as Mapping;
    const p = bindProject(tree, ctx);
    const foo = p.services['foo'];
    assert.ok(foo);
    assert.equal(foo.deploy?.updateConfig?.delay, 10e9);
    assert.equal(foo.deploy?.updateConfig?.monitor, 60e9);
    assert.equal(foo.deploy?.resources?.limits?.memory, 52428800);
    assert.equal(foo.deploy?.resources?.limits?.cpus, 0.001);
    assert.equal(foo.deploy?.restartPolicy?.window, 120e9);
    assert.equal(foo.configs?.[1]?.mode, 0o440);
    assert.equal(foo.volumes?.[7]?.tmpfs?.size, 10000);
    assert.deepEqual(foo.ulimits?.['nofile'], { soft: 20000, hard: 40000 });
    assert.deepEqual(foo.build?.ssh, [{ id: 'default' }]);
    assert.equal(foo.envFiles?.[1]?.required, false);
    assert.equal(p.services['bar']?.command, undefined);
    assert.deepEqual(p.extensions?.['x-nested'], { bar: 'baz', foo: 'bar' });
  });
});
