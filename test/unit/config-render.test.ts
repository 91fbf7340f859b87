import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compareYamlKeys, renderConfig, renderModel, toComposeObject } from '../../src/compose/config-render.js';
import { bindProject } from '../../src/loader/bind.js';
import type { Project } from '../../src/model/project.js';
import type { Mapping } from '../../src/model/tree.js';
import { NO_SHARED, SHARED_DIR, sharedAvailable } from '../helpers/paths.js';

const ctx = { projectName: 'demo', workingDir: '/w' };

function project(services: Mapping, rest: Mapping = {}): Project {
  return bindProject({ name: 'demo', services, ...rest }, ctx);
}

/** The YAML line printed for one label value. */
function yamlValue(v: string): string {
  const out = renderConfig(project({ s: { labels: { k: v } } }), 'yaml', { escapeDollar: false });
  const line = out.split('\n').find((l) => l.startsWith('      k:'));
  assert.ok(line, out);
  return line.slice('      k: '.length);
}

function caseDir(name: string): string {
  return path.join(SHARED_DIR, 'conformance', 'cases', name);
}

describe('renderConfig: goldens', () => {
  it('prints dc-e2e-config as docker compose does (TestConfig)', (t) => {
    if (!sharedAvailable()) {
      t.skip(NO_SHARED);
      return;
    }
    // The canonical, normalized tree the loader builds for that compose.yaml.
    const dir = '/tmp/dc-e2e-config';
    const name = 'dc-e2e-config';
    const p = bindProject(
      {
        name,
        services: {
          nginx: { build: { context: `${dir}/nginx-build`, dockerfile: 'Dockerfile' }, networks: { default: null } },
        },
        networks: { default: { name: `${name}_default` } },
      },
      { projectName: name, workingDir: dir },
    );
    const expectedText = fs.readFileSync(path.join(caseDir(name), 'expected.json'), 'utf8');
    const expected: unknown = JSON.parse(
      expectedText.replaceAll('{{PROJECT_DIR}}', dir).replaceAll('{{PROJECT_NAME}}', name),
    );
    const actual = JSON.parse(renderConfig(p, 'json')) as Record<string, Record<string, Record<string, unknown>>>;
    // The comparator treats `command: null` / `ipam: {}` as absent; compose-go prints them.
    assert.equal(actual['services']?.['nginx']?.['command'], null);
    assert.deepEqual(actual['networks']?.['default']?.['ipam'], {});
    delete actual['services']?.['nginx']?.['command'];
    delete actual['services']?.['nginx']?.['entrypoint'];
    delete actual['networks']?.['default']?.['ipam'];
    assert.deepEqual(actual, expected);
    assert.equal(
      renderConfig(p, 'yaml'),
      [
        `name: ${name}`,
        'services:',
        '  nginx:',
        '    build:',
        `      context: ${dir}/nginx-build`,
        '      dockerfile: Dockerfile',
        '    networks:',
        '      default: null',
        'networks:',
        '  default:',
        `    name: ${name}_default`,
        '',
      ].join('\n'),
    );
  });

  it('reprints the compose-go full-example JSON byte for byte', (t) => {
    if (!sharedAvailable()) {
      t.skip(NO_SHARED);
      return;
    }
    // The golden is compose-go's MarshalJSON output (re-serialized without Go's
    // HTML escaping); binding it and printing it again must give Go's text.
    const text = fs.readFileSync(path.join(caseDir('cg-full-example'), 'expected.json'), 'utf8');
    const p = bindProject(JSON.parse(text) as Mapping, ctx);
    const goText = text.trimEnd().replace('"hello\\" > /world.txt', '"hello\\" \\u003e /world.txt');
    assert.equal(renderConfig(p, 'json'), goText);
  });
});

describe('renderConfig: Go marshalling rules', () => {
  it('sorts top-level JSON keys, keeps struct order in YAML, never prints top-level models in JSON', () => {
    const p = project(
      { web: { image: 'nginx', models: { m: null } } },
      { volumes: { v: {} }, models: { m: { model: 'ai/x' } }, 'x-a': 1 },
    );
    const json = renderConfig(p, 'json');
    assert.deepEqual(Object.keys(JSON.parse(json) as object), ['name', 'services', 'volumes', 'x-a']);
    assert.ok(!json.includes('"ai/x"'));
    assert.ok(json.includes('"models": {\n        "m": null\n      }'));
    const yaml = renderConfig(p, 'yaml');
    assert.match(yaml, /^name: demo\nservices:\n[\s\S]*\nvolumes:\n  v: \{\}\nmodels:\n  m:\n    model: ai\/x\nx-a: 1\n$/);
  });

  it('prints command null in JSON only, and [] when explicitly empty', () => {
    const p = project({ a: { image: 'x', command: [] }, b: { image: 'x' } });
    const obj = toComposeObject(p) as { services: Record<string, Record<string, unknown>> };
    assert.deepEqual(obj.services['a']?.['command'], []);
    assert.equal(obj.services['b']?.['command'], null);
    assert.equal(obj.services['b']?.['entrypoint'], null);
    const yaml = renderConfig(p, 'yaml');
    assert.ok(yaml.includes('  a:\n    command: []\n    image: x\n'));
    assert.ok(yaml.includes('  b:\n    image: x\n'));
  });

  it('keeps x-* below the top level in YAML only', () => {
    const p = project({ s: { image: 'x', 'x-b': 2, 'x-a': 'one' } });
    assert.ok(renderConfig(p, 'yaml').includes('    image: x\n    x-a: one\n    x-b: 2\n'));
    assert.ok(!renderConfig(p, 'json').includes('x-a'));
  });

  it('doubles $ in both formats unless told not to', () => {
    const p = project({ s: { image: 'x', environment: { A: '$HOME', B: 'a$$b' } } });
    assert.ok(renderConfig(p, 'yaml').includes('A: $$HOME\n'));
    assert.ok(renderConfig(p, 'yaml').includes('B: a$$$$b\n'));
    assert.ok(renderConfig(p, 'json').includes('"A": "$$HOME"'));
    assert.ok(renderConfig(p, 'yaml', { escapeDollar: false }).includes('A: $HOME\n'));
  });

  it('escapes JSON strings as encoding/json does', () => {
    const p = project({ s: { image: 'x', labels: { k: '<a&b>\u2028\t\u0001é' } } });
    assert.ok(renderConfig(p, 'json').includes('"k": "\\u003ca\\u0026b\\u003e\\u2028\\t\\u0001é"'));
  });

  it('prints float32 fields with float32 precision, bytes and durations as strings', () => {
    const p = project({
      s: {
        image: 'x',
        cpus: 0.3,
        mem_limit: '512m',
        stop_grace_period: '90s',
        deploy: { resources: { limits: { cpus: '0.0000001' } } },
      },
    });
    const json = renderConfig(p, 'json');
    assert.ok(json.includes('"cpus": 0.3,'));
    assert.ok(json.includes('"mem_limit": "536870912"'));
    assert.ok(json.includes('"stop_grace_period": "1m30s"'));
    assert.ok(json.includes('"cpus": 1e-7'));
    // Struct values are printed even when empty in JSON (Go ignores omitempty on structs).
    assert.ok(json.includes('"placement": {}'));
    const yaml = renderConfig(p, 'yaml');
    assert.ok(yaml.includes('    cpus: 0.3\n'));
    assert.ok(yaml.includes('          cpus: 1e-07\n'));
    assert.ok(yaml.includes('    mem_limit: "536870912"\n'));
    assert.ok(!yaml.includes('placement'));
  });

  it('quotes YAML scalars as go-yaml does', () => {
    const cases: Array<[string, string]> = [
      ['plain text', 'plain text'],
      ['3000', '"3000"'],
      ['0x1F', '"0x1F"'],
      ['1.5', '"1.5"'],
      ['.5', '".5"'],
      ['1e3', '"1e3"'],
      ['1_000', '"1_000"'],
      ['12:30', '"12:30"'],
      ['2024-01-02', '"2024-01-02"'],
      ['yes', '"yes"'],
      ['Off', '"Off"'],
      ['true', '"true"'],
      ['null', '"null"'],
      ['~', '"~"'],
      ['', '""'],
      ['<<', '"<<"'],
      ['-', "'-'"],
      ['- x', "'- x'"],
      ['-x', '-x'],
      ['a: b', "'a: b'"],
      ['a:b', 'a:b'],
      ['#x', "'#x'"],
      ['a #b', "'a #b'"],
      ['a#b', 'a#b'],
      ["it's", "it's"],
      ["'q'", "'''q'''"],
      ['"q"', `'"q"'`],
      [' lead', "' lead'"],
      ['trail ', "'trail '"],
      ['*star', "'*star'"],
      ['x\ty', '"x\\ty"'],
      ['bell\u0007', '"bell\\a"'],
      ['smile \u{1F600}', '"smile \\U0001F600"'],
      ['héllo', 'héllo'],
      ['---', "'---'"],
      ['{a}', "'{a}'"],
      ['a{b}', 'a{b}'],
    ];
    for (const [input, want] of cases) assert.equal(yamlValue(input), want, `for ${JSON.stringify(input)}`);
  });

  it('prints multi-line strings as literal blocks with libyaml chomping', () => {
    const render = (v: string): string =>
      renderConfig(project({ s: { labels: { k: v } } }), 'yaml', { escapeDollar: false });
    assert.ok(render('a\nb\n').includes('      k: |\n        a\n        b\n'));
    assert.ok(render('a\nb').includes('      k: |-\n        a\n        b\n'));
    assert.ok(render('a\n\nb\n\n').includes('      k: |+\n        a\n\n        b\n\n'));
    assert.ok(render(' a\nb').includes('      k: |2-\n         a\n        b\n'));
    assert.ok(render('a \nb').includes('      k: "a \\nb"\n'));
  });

  it('orders YAML map keys the go-yaml way and JSON keys by bytes', () => {
    const keys = ['x10', 'x9', 'a_b', 'a1', 'B', 'a', 'a.b', 'b'];
    assert.deepEqual([...keys].sort(compareYamlKeys), ['B', 'a', 'a.b', 'a_b', 'a1', 'b', 'x9', 'x10']);
    const labels = Object.fromEntries(keys.map((k) => [k, 'v']));
    const json = JSON.parse(renderConfig(project({ s: { labels } }), 'json')) as {
      services: { s: { labels: Record<string, string> } };
    };
    assert.deepEqual(Object.keys(json.services.s.labels), ['B', 'a', 'a.b', 'a1', 'a_b', 'b', 'x10', 'x9']);
  });

  it('prints sequences of mappings and nested blocks with two-space indentation', () => {
    const p = project({
      s: {
        image: 'x',
        ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
        volumes: [{ type: 'bind', source: '/a', target: '/b', bind: { create_host_path: true } }],
        healthcheck: { test: ['CMD-SHELL', 'curl -f http://localhost'], interval: '30s' },
        ulimits: { nofile: { soft: 1, hard: 2 } },
      },
    });
    assert.equal(
      renderConfig(p, 'yaml'),
      [
        'name: demo',
        'services:',
        '  s:',
        '    healthcheck:',
        '      test:',
        '        - CMD-SHELL',
        '        - curl -f http://localhost',
        '      interval: 30s',
        '    image: x',
        '    ports:',
        '      - mode: ingress',
        '        target: 80',
        '        published: "8080"',
        '        protocol: tcp',
        '    ulimits:',
        '      nofile:',
        '        soft: 1',
        '        hard: 2',
        '    volumes:',
        '      - type: bind',
        '        source: /a',
        '        target: /b',
        '        bind: {}',
        '',
      ].join('\n'),
    );
  });

  it('never prints secret content, and config content only when not from the environment', () => {
    const p = project(
      {},
      {
        secrets: { s: { content: 'pw' } },
        configs: { a: { content: 'inline' }, b: { environment: 'X', content: 'resolved' } },
      },
    );
    const json = renderConfig(p, 'json');
    assert.ok(!json.includes('"pw"'));
    assert.ok(json.includes('"content": "inline"'));
    assert.ok(!json.includes('resolved'));
  });

  it('renders an untyped model with sorted keys and no $ escaping (--no-interpolate)', () => {
    const tree: Mapping = { services: { b: { image: '${IMG}' }, a: { image: 'x' } }, name: 'p' };
    assert.equal(renderModel(tree, 'yaml'), 'name: p\nservices:\n  a:\n    image: x\n  b:\n    image: ${IMG}\n');
    assert.equal(renderModel(tree, 'json'), JSON.stringify({ name: 'p', services: { a: { image: 'x' }, b: { image: '${IMG}' } } }, null, 2));
  });
});
