import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_LOAD_OPTIONS, SourceIndex, type LoadContext } from '../../src/loader/context.js';
import { normalize } from '../../src/loader/normalize.js';
import type { Mapping } from '../../src/model/tree.js';

function ctx(environment: Record<string, string> = {}): LoadContext {
  return {
    projectName: 'myproject',
    workingDir: '/work/proj',
    environment,
    options: DEFAULT_LOAD_OPTIONS,
    sources: new SourceIndex(),
    warn: () => undefined,
  };
}

function run(yaml: string, c: LoadContext = ctx()): Mapping {
  return normalize(parse(yaml) as Mapping, c);
}

function service(t: Mapping, name: string): Mapping {
  return (t['services'] as Mapping)[name] as Mapping;
}

describe('normalize (compose-go loader/normalize_test.go pairs)', () => {
  it('implicit default network for a service without networks', () => {
    const t = run('name: myproject\nservices: {test: {image: test}}');
    assert.deepEqual(service(t, 'test')['networks'], { default: null });
    assert.deepEqual(t['networks'], { default: { name: 'myproject_default' } });
  });

  it('an empty networks map also means default', () => {
    const t = run('services: {test: {image: test, networks: {}}}');
    assert.deepEqual(service(t, 'test')['networks'], { default: null });
    assert.deepEqual(t['networks'], { default: { name: 'myproject_default' } });
  });

  it('no default network when every service names its networks', () => {
    const t = run('services: {test: {networks: {my_network: null}}}\nnetworks: {my_network: null}');
    assert.deepEqual(service(t, 'test')['networks'], { my_network: null });
    assert.deepEqual(t['networks'], { my_network: { name: 'myproject_my_network' } });
  });

  it('network_mode and provider services get no network', () => {
    const t = run('services: {a: {network_mode: host}, b: {provider: {type: x}}}');
    assert.equal(service(t, 'a')['networks'], undefined);
    assert.equal(service(t, 'b')['networks'], undefined);
    assert.equal(t['networks'], undefined);
  });

  it('resource names: <project>_<key>, external -> key, explicit kept', () => {
    const t = run(`
name: myproject
networks: {myExternalnet: {external: true}, myNamedNet: {name: CustomName}, mynet: {}}
volumes: {v: null, ext: {external: true}}
secrets: {s: {file: /x}}
configs: {c: {file: /y}}
`);
    assert.deepEqual(t['networks'], {
      myExternalnet: { external: true, name: 'myExternalnet' },
      myNamedNet: { name: 'CustomName' },
      mynet: { name: 'myproject_mynet' },
    });
    assert.deepEqual(t['volumes'], { v: { name: 'myproject_v' }, ext: { external: true, name: 'ext' } });
    assert.deepEqual(t['secrets'], { s: { file: '/x', name: 'myproject_s' } });
    assert.deepEqual(t['configs'], { c: { file: '/y', name: 'myproject_c' } });
  });

  it('the project name comes from the tree before ctx', () => {
    const t = run('name: other\nvolumes: {v: {}}');
    assert.deepEqual(t['volumes'], { v: { name: 'other_v' } });
  });

  it('build gets dockerfile Dockerfile (not with dockerfile_inline) and resolved args', () => {
    const t = run(
      'services: {a: {build: {context: /c, args: {FOO: null, ZOT: null, X: "1"}}}, b: {build: {context: /c, dockerfile_inline: FROM x}}}',
      ctx({ FOO: 'BAR' }),
    );
    assert.deepEqual(service(t, 'a')['build'], { context: '/c', args: { FOO: 'BAR', X: '1' }, dockerfile: 'Dockerfile' });
    assert.deepEqual(service(t, 'b')['build'], { context: '/c', dockerfile_inline: 'FROM x' });
  });

  it('environment bare keys resolved from the project environment, unset kept null', () => {
    const t = run('services: {test: {environment: {FOO: null, BAR: null, ZOT: QIX}}}', ctx({ BAR: 'bar', ZOT: 'zot' }));
    assert.deepEqual(service(t, 'test')['environment'], { FOO: null, BAR: 'bar', ZOT: 'QIX' });
  });

  it('implicit depends_on from namespaces, volumes_from and links, explicit kept', () => {
    const t = run(`
services:
  test:
    ipc: service:foo
    cgroup: service:bar
    uts: service:baz
    pid: service:qux
    volumes_from: [quux, "container:xxx", "ro_svc:ro"]
    links: [corge, "grault:alias"]
    depends_on:
      foo: {condition: service_healthy, required: true}
`);
    assert.deepEqual(service(t, 'test')['depends_on'], {
      foo: { condition: 'service_healthy', required: true },
      bar: { condition: 'service_started', restart: true, required: true },
      baz: { condition: 'service_started', restart: true, required: true },
      qux: { condition: 'service_started', restart: true, required: true },
      quux: { condition: 'service_started', required: true },
      ro_svc: { condition: 'service_started', required: true },
      corge: { condition: 'service_started', restart: true, required: true },
      grault: { condition: 'service_started', restart: true, required: true },
    });
  });

  it('network_mode service:x adds a dependency', () => {
    const t = run('services: {foo: {network_mode: "service:zot"}, zot: {}}');
    assert.deepEqual(service(t, 'foo')['depends_on'], { zot: { condition: 'service_started', restart: true, required: true } });
    assert.equal(service(t, 'foo')['networks'], undefined);
  });

  it('pull_policy if_not_present -> missing', () => {
    assert.equal(service(run('services: {s: {pull_policy: if_not_present}}'), 's')['pull_policy'], 'missing');
  });

  it('volume targets are path-cleaned', () => {
    assert.deepEqual(service(run('services: {s: {volumes: [{type: volume, target: /data/../x/}]}}'), 's')['volumes'], [
      { type: 'volume', target: '/x' },
    ]);
  });

  it('pre_start hooks inherit the service image', () => {
    const t = run(`
services:
  app: {image: alpine, pre_start: [{command: [migrate]}, {image: busybox, command: [chown]}]}
  builder: {build: {context: /c}, pre_start: [{command: [init]}]}
`);
    assert.deepEqual(service(t, 'app')['pre_start'], [
      { command: ['migrate'], image: 'alpine' },
      { image: 'busybox', command: ['chown'] },
    ]);
    assert.deepEqual(service(t, 'builder')['pre_start'], [{ command: ['init'] }]);
  });

  it('does not mutate its input', () => {
    const input = parse('services: {s: {image: x}}') as Mapping;
    const before = structuredClone(input);
    normalize(input, ctx());
    assert.deepEqual(input, before);
  });
});
