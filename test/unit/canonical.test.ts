import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { canonical } from '../../src/loader/canonical.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex, type LoadContext, type LoadOptions } from '../../src/loader/context.js';
import { ComposeError } from '../../src/model/errors.js';
import type { Mapping, Value } from '../../src/model/tree.js';

function ctx(options: Partial<LoadOptions> = {}, warnings: string[] = []): LoadContext {
  return {
    projectName: 'proj',
    workingDir: '/work/proj',
    environment: {},
    options: { ...DEFAULT_LOAD_OPTIONS, ...options },
    sources: new SourceIndex(),
    warn: (m) => warnings.push(m),
  };
}

function run(yaml: string, c: LoadContext = ctx()): Mapping {
  return canonical(parse(yaml) as Mapping, c);
}

/** The canonical value of one attribute of service `s`. */
function svc(yaml: string, key: string, c?: LoadContext): Value | undefined {
  const services = run(yaml, c)['services'] as Mapping;
  return (services['s'] as Mapping)[key];
}

describe('canonical: ports', () => {
  it('expands short syntax into long syntax with a string published port', () => {
    const ports = svc('services: {s: {ports: ["8080:80", "90:8090/udp", "127.0.0.1:53:53/UDP"]}}', 'ports');
    assert.deepEqual(ports, [
      { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
      { mode: 'ingress', target: 8090, published: '90', protocol: 'udp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 53, published: '53', protocol: 'udp' },
    ]);
  });

  it('expands ranges into one entry per port', () => {
    const ports = svc('services: {s: {ports: ["80-82:8080-8082"]}}', 'ports');
    assert.deepEqual(ports, [
      { mode: 'ingress', target: 8080, published: '80', protocol: 'tcp' },
      { mode: 'ingress', target: 8081, published: '81', protocol: 'tcp' },
      { mode: 'ingress', target: 8082, published: '82', protocol: 'tcp' },
    ]);
  });

  it('orders a range by the string sort of port keys, like compose-go', () => {
    const ports = svc('services: {s: {ports: ["998-1001"]}}', 'ports') as Mapping[];
    assert.deepEqual(
      ports.map((p) => p['target']),
      [1000, 1001, 998, 999],
    );
  });

  it('keeps a host range for a single container port', () => {
    const ports = svc('services: {s: {ports: ["8000-8010:80"]}}', 'ports');
    assert.deepEqual(ports, [{ mode: 'ingress', target: 80, published: '8000-8010', protocol: 'tcp' }]);
  });

  it('strips brackets around an IPv6 host ip', () => {
    const ports = svc('services: {s: {ports: ["[::1]:8080:80"]}}', 'ports');
    assert.deepEqual(ports, [{ mode: 'ingress', host_ip: '::1', target: 80, published: '8080', protocol: 'tcp' }]);
  });

  it('turns a bare number into a target, and casts long-syntax published to a string', () => {
    const ports = svc('services: {s: {ports: [8600, {target: 53, published: 10053, protocol: udp}]}}', 'ports');
    assert.deepEqual(ports, [{ target: 8600 }, { target: 53, published: '10053', protocol: 'udp' }]);
  });

  it('rejects an invalid spec with the model path', () => {
    assert.throws(
      () => svc('services: {s: {ports: ["80:abc"]}}', 'ports'),
      (e: unknown) => e instanceof ComposeError && e.code === 'E_INVALID' && /services\.s\.ports: invalid containerPort: abc/.test(e.message),
    );
  });

  it('keeps an unparsable (uninterpolated) list as written with --no-interpolate', () => {
    const ports = svc('services: {s: {ports: ["${PORT}:80"]}}', 'ports', ctx({ interpolate: false }));
    assert.deepEqual(ports, ['${PORT}:80']);
  });
});

describe('canonical: service volumes', () => {
  it('parses a relative bind with create_host_path and read_only', () => {
    const v = svc('services: {s: {volumes: ["./data:/data/:ro"]}}', 'volumes');
    assert.deepEqual(v, [
      { type: 'bind', source: './data', target: '/data', read_only: true, bind: { create_host_path: true } },
    ]);
  });

  it('parses a named volume with nocopy', () => {
    const v = svc('services: {s: {volumes: ["db:/var/lib/db:nocopy"]}}', 'volumes');
    assert.deepEqual(v, [{ type: 'volume', source: 'db', target: '/var/lib/db', volume: { nocopy: true } }]);
  });

  it('parses an anonymous volume', () => {
    assert.deepEqual(svc('services: {s: {volumes: ["/anon"]}}', 'volumes'), [
      { type: 'volume', target: '/anon', volume: {} },
    ]);
  });

  it('reads SELinux and propagation options into bind', () => {
    const v = svc('services: {s: {volumes: ["/h:/c:z,rshared", "~/x:/y:Z"]}}', 'volumes');
    assert.deepEqual(v, [
      { type: 'bind', source: '/h', target: '/c', bind: { propagation: 'rshared', selinux: 'z', create_host_path: true } },
      { type: 'bind', source: '~/x', target: '/y', bind: { selinux: 'Z', create_host_path: true } },
    ]);
  });

  it('keeps a Windows drive in the source', () => {
    const v = svc('services: {s: {volumes: ["C:\\\\data:/data"]}}', 'volumes');
    assert.deepEqual(v, [{ type: 'bind', source: 'C:\\data', target: '/data', bind: { create_host_path: true } }]);
  });

  it('keeps ${...} whole when uninterpolated', () => {
    const v = svc('services: {s: {volumes: ["${SRC:-./a}:/a"]}}', 'volumes', ctx({ interpolate: false }));
    assert.deepEqual(v, [{ type: 'volume', source: '${SRC:-./a}', target: '/a', volume: {} }]);
  });

  it('leaves long syntax alone', () => {
    const v = svc('services: {s: {volumes: [{type: tmpfs, target: /t, tmpfs: {size: 1kb}}]}}', 'volumes');
    assert.deepEqual(v, [{ type: 'tmpfs', target: '/t', tmpfs: { size: '1kb' } }]);
  });

  it('rejects too many colons', () => {
    assert.throws(() => svc('services: {s: {volumes: ["ab:/b:ro:x"]}}', 'volumes'), /too many colons/);
  });
});

describe('canonical: key/value attributes', () => {
  it('environment list -> map, bare key -> null, values as strings', () => {
    const env = svc('services: {s: {environment: ["A=1", "B", "C=", "D=x=y"]}}', 'environment');
    assert.deepEqual(env, { A: '1', B: null, C: '', D: 'x=y' });
  });

  it('environment map values become strings, null stays null', () => {
    const env = svc('services: {s: {environment: {A: 1, B: true, C: null, D: 1.5}}}', 'environment');
    assert.deepEqual(env, { A: '1', B: 'true', C: null, D: '1.5' });
  });

  it('labels list -> map, bare key -> empty string', () => {
    const l = svc('services: {s: {labels: ["a=b", "empty"]}}', 'labels');
    assert.deepEqual(l, { a: 'b', empty: '' });
  });

  it('labels map: numbers to strings, null to empty string', () => {
    assert.deepEqual(svc('services: {s: {labels: {n: 42, e: null}}}', 'labels'), { n: '42', e: '' });
  });

  it('build.args keep bare keys as null, build.labels as strings', () => {
    const b = svc('services: {s: {build: {context: ., args: ["A=1", "B"], labels: ["x=y"]}}}', 'build');
    assert.deepEqual(b, { context: '.', args: { A: '1', B: null }, labels: { x: 'y' } });
  });

  it('sysctls and annotations list -> map of strings', () => {
    const s = run('services: {s: {sysctls: ["net.core.somaxconn=1024"], annotations: ["a=b"]}}');
    const service = (s['services'] as Mapping)['s'] as Mapping;
    assert.deepEqual(service['sysctls'], { 'net.core.somaxconn': '1024' });
    assert.deepEqual(service['annotations'], { a: 'b' });
  });

  it('build.additional_contexts list -> map, `=` required', () => {
    assert.deepEqual(svc('services: {s: {build: {additional_contexts: ["a=./x"]}}}', 'build'), {
      additional_contexts: { a: './x' },
    });
    assert.throws(() => svc('services: {s: {build: {additional_contexts: ["a"]}}}', 'build'), /expected key=value/);
  });

  it('extra_hosts (list, map, repeated, several IPs) -> sorted host=ip list', () => {
    assert.deepEqual(svc('services: {s: {extra_hosts: ["zulu:127.0.0.2", "alpha=1.2.3.4", "zulu:ff02::1"]}}', 'extra_hosts'), [
      'alpha=1.2.3.4',
      'zulu=127.0.0.2',
      'zulu=ff02::1',
    ]);
    assert.deepEqual(svc('services: {s: {extra_hosts: {b: "[::1]", a: ["1.1.1.1", "2.2.2.2"]}}}', 'extra_hosts'), [
      'a=1.1.1.1',
      'a=2.2.2.2',
      'b=::1',
    ]);
    assert.deepEqual(svc('services: {s: {extra_hosts: ["h=1.1.1.1,2.2.2.2"]}}', 'extra_hosts'), ['h=1.1.1.1', 'h=2.2.2.2']);
  });

  it('extra_hosts without an IP is an error', () => {
    assert.throws(() => svc('services: {s: {extra_hosts: ["nohost"]}}', 'extra_hosts'), /missing IP: nohost/);
  });

  it('driver_opts values become strings', () => {
    const t = run('volumes: {v: {driver_opts: {foo: bar, baz: 1}}}');
    assert.deepEqual((t['volumes'] as Mapping)['v'], { driver_opts: { foo: 'bar', baz: '1' } });
  });
});

describe('canonical: references', () => {
  it('depends_on list -> map with condition and required', () => {
    assert.deepEqual(svc('services: {s: {depends_on: [db]}}', 'depends_on'), {
      db: { condition: 'service_started', required: true },
    });
  });

  it('depends_on map entries get missing defaults only', () => {
    assert.deepEqual(svc('services: {s: {depends_on: {db: {condition: service_healthy, restart: true}}}}', 'depends_on'), {
      db: { condition: 'service_healthy', restart: true, required: true },
    });
  });

  it('service networks and models list -> map of nulls', () => {
    assert.deepEqual(svc('services: {s: {networks: [front, back]}}', 'networks'), { front: null, back: null });
    assert.deepEqual(svc('services: {s: {models: [llm]}}', 'models'), { llm: null });
  });

  it('secrets and configs short -> {source}', () => {
    const t = run('services: {s: {secrets: [a, {source: b, target: /x}], configs: [c]}}');
    const s = (t['services'] as Mapping)['s'] as Mapping;
    assert.deepEqual(s['secrets'], [{ source: 'a' }, { source: 'b', target: '/x' }]);
    assert.deepEqual(s['configs'], [{ source: 'c' }]);
  });

  it('extends string -> {service}', () => {
    assert.deepEqual(svc('services: {s: {extends: base}}', 'extends'), { service: 'base' });
  });

  it('build string -> {context}', () => {
    assert.deepEqual(svc('services: {s: {build: ./dir}}', 'build'), { context: './dir' });
  });

  it('include string -> {path}', () => {
    assert.deepEqual(run('include: [a.yaml, {path: b.yaml}]')['include'], [{ path: 'a.yaml' }, { path: 'b.yaml' }]);
  });

  it('top-level external.name -> name + external: true, with a warning', () => {
    const warnings: string[] = [];
    const t = run('networks: {n: {external: {name: real}}}', ctx({}, warnings));
    assert.deepEqual((t['networks'] as Mapping)['n'], { external: true, name: 'real' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /networks\.n: external\.name is deprecated/);
  });

  it('conflicting name and external.name is an error', () => {
    assert.throws(() => run('volumes: {v: {name: a, external: {name: b}}}'), /name and external.name conflict/);
  });
});

describe('canonical: lists and commands', () => {
  it('env_file string/list -> [{path, required: true}]', () => {
    assert.deepEqual(svc('services: {s: {env_file: a.env}}', 'env_file'), [{ path: 'a.env', required: true }]);
    assert.deepEqual(svc('services: {s: {env_file: [a.env, {path: b.env, required: false}]}}', 'env_file'), [
      { path: 'a.env', required: true },
      { path: 'b.env', required: false },
    ]);
  });

  it('label_file, dns, dns_search, tmpfs string -> list', () => {
    const t = run('services: {s: {label_file: a.label, dns: 8.8.8.8, dns_search: example.com, tmpfs: /run}}');
    const s = (t['services'] as Mapping)['s'] as Mapping;
    assert.deepEqual(s['label_file'], ['a.label']);
    assert.deepEqual(s['dns'], ['8.8.8.8']);
    assert.deepEqual(s['dns_search'], ['example.com']);
    assert.deepEqual(s['tmpfs'], ['/run']);
  });

  it('expose numbers become strings', () => {
    assert.deepEqual(svc('services: {s: {expose: ["3000", 8000]}}', 'expose'), ['3000', '8000']);
  });

  it('command and entrypoint strings are split like go-shellwords', () => {
    assert.deepEqual(svc('services: {s: {command: bundle exec thin -p 3000}}', 'command'), ['bundle', 'exec', 'thin', '-p', '3000']);
    assert.deepEqual(svc(`services: {s: {entrypoint: "sh -c 'echo \\"a b\\"'"}}`, 'entrypoint'), ['sh', '-c', 'echo "a b"']);
  });

  it('go-shellwords stops at an unquoted ; and keeps empty quoted args', () => {
    assert.deepEqual(svc("services: {s: {command: \"echo a; echo b\"}}", 'command'), ['echo', 'a']);
    assert.deepEqual(svc(`services: {s: {command: "a '' b"}}`, 'command'), ['a', '', 'b']);
  });

  it('an unterminated quote in a command is an error', () => {
    assert.throws(() => svc(`services: {s: {command: "echo 'a"}}`, 'command'), /invalid command line string/);
  });

  it('command lists and null stay as written', () => {
    assert.deepEqual(svc('services: {s: {command: [a, "b c"]}}', 'command'), ['a', 'b c']);
    assert.equal(svc('services: {s: {command: null}}', 'command'), null);
  });

  it('healthcheck test string -> CMD-SHELL', () => {
    assert.deepEqual(svc('services: {s: {healthcheck: {test: echo "hi"}}}', 'healthcheck'), {
      test: ['CMD-SHELL', 'echo "hi"'],
    });
  });

  it('devices short -> {source, target, permissions}', () => {
    assert.deepEqual(svc('services: {s: {devices: ["/dev/a", "/dev/b:/dev/c", "/dev/d:/dev/e:r"]}}', 'devices'), [
      { source: '/dev/a', target: '/dev/a', permissions: 'rwm' },
      { source: '/dev/b', target: '/dev/c', permissions: 'rwm' },
      { source: '/dev/d', target: '/dev/e', permissions: 'r' },
    ]);
  });

  it('ulimits: a single number stays, numeric strings become numbers', () => {
    assert.deepEqual(svc('services: {s: {ulimits: {nproc: 65535, nofile: {soft: "20000", hard: 40000}}}}', 'ulimits'), {
      nproc: 65535,
      nofile: { soft: 20000, hard: 40000 },
    });
  });

  it('build.ssh list -> map, default -> null', () => {
    assert.deepEqual(svc('services: {s: {build: {ssh: [default, "key=~/.ssh/id"]}}}', 'build'), {
      ssh: { default: null, key: '~/.ssh/id' },
    });
  });

  it('gpus: all -> [{count: all}]', () => {
    assert.deepEqual(svc('services: {s: {gpus: all}}', 'gpus'), [{ count: 'all' }]);
  });

  it('develop.watch: ignore/include string -> list, list path -> one entry per path', () => {
    const d = svc('services: {s: {develop: {watch: [{path: [a, b], action: sync, target: /x, ignore: node_modules}]}}}', 'develop');
    assert.deepEqual(d, {
      watch: [
        { path: 'a', action: 'sync', target: '/x', ignore: ['node_modules'] },
        { path: 'b', action: 'sync', target: '/x', ignore: ['node_modules'] },
      ],
    });
  });

  it('pre_start hooks get the container-spec rules too', () => {
    const hooks = svc('services: {s: {pre_start: [{command: echo hi, environment: [A=1]}]}}', 'pre_start');
    assert.deepEqual(hooks, [{ command: ['echo', 'hi'], environment: { A: '1' } }]);
  });

  it('does not touch x- extensions', () => {
    const t = run('x-ports: ["80:80"]\nservices: {s: {x-env: [A=1]}}');
    assert.deepEqual(t['x-ports'], ['80:80']);
    assert.deepEqual(((t['services'] as Mapping)['s'] as Mapping)['x-env'], ['A=1']);
  });

  it('does not mutate its input', () => {
    const input = parse('services: {s: {ports: ["80:80"], environment: [A=1]}}') as Mapping;
    const before = structuredClone(input);
    canonical(input, ctx());
    assert.deepEqual(input, before);
  });

  it('is idempotent (it runs again after every merged file)', () => {
    const once = run(`
services:
  s:
    build: .
    ports: ["80-81:80-81/udp", {target: 9, published: 9}]
    volumes: ["./a:/a:ro,z", "v:/v:nocopy"]
    environment: [A=1, B]
    labels: [x=y]
    extra_hosts: ["h:1.1.1.1", "h=[::1]"]
    depends_on: [db]
    env_file: a.env
    command: echo "a b"
    healthcheck: {test: true}
    devices: ["/dev/a"]
    secrets: [s]
    networks: [n]
    ulimits: {nproc: "5"}
networks: {n: {external: {name: real}}}
`);
    assert.deepEqual(canonical(structuredClone(once), ctx()), once);
  });

  it('backslashes escape inside double quotes, not inside single quotes', () => {
    assert.deepEqual(svc(`services: {s: {command: 'a "b\\"c" ''d\\e'''}}`, 'command'), ['a', 'b"c', 'd\\e']);
  });
});

