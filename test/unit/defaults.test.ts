import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_LOAD_OPTIONS, SourceIndex, type LoadContext } from '../../src/loader/context.js';
import { setDefaults } from '../../src/loader/defaults.js';
import type { Mapping, Value } from '../../src/model/tree.js';

const ctx: LoadContext = {
  projectName: 'proj',
  workingDir: '/work/proj',
  environment: {},
  options: DEFAULT_LOAD_OPTIONS,
  sources: new SourceIndex(),
  warn: () => undefined,
};

function svc(yaml: string, key: string): Value | undefined {
  const t = setDefaults(parse(yaml) as Mapping, ctx);
  return ((t['services'] as Mapping)['s'] as Mapping)[key];
}

describe('setDefaults', () => {
  it('build gets context `.` when missing', () => {
    assert.deepEqual(svc('services: {s: {build: {dockerfile_inline: FROM x}}}', 'build'), {
      dockerfile_inline: 'FROM x',
      context: '.',
    });
  });

  it('an explicit build context is kept', () => {
    assert.deepEqual(svc('services: {s: {build: {context: ./dir}}}', 'build'), { context: './dir' });
  });

  it('service secrets get target /run/secrets/<source>', () => {
    assert.deepEqual(svc('services: {s: {secrets: [{source: a}, {source: b, target: /x}]}}', 'secrets'), [
      { source: 'a', target: '/run/secrets/a' },
      { source: 'b', target: '/x' },
    ]);
  });

  it('build secrets and configs get no default target', () => {
    const t = setDefaults(parse('services: {s: {build: {secrets: [{source: a}]}, configs: [{source: c}]}}') as Mapping, ctx);
    const s = (t['services'] as Mapping)['s'] as Mapping;
    assert.deepEqual(s['build'], { secrets: [{ source: 'a' }], context: '.' });
    assert.deepEqual(s['configs'], [{ source: 'c' }]);
  });

  it('ports get protocol tcp and mode ingress', () => {
    assert.deepEqual(svc('services: {s: {ports: [{target: 80}, {target: 53, protocol: udp, mode: host}]}}', 'ports'), [
      { target: 80, protocol: 'tcp', mode: 'ingress' },
      { target: 53, protocol: 'udp', mode: 'host' },
    ]);
  });

  it('device requests (gpus, reservations) get count all without count or device_ids', () => {
    const t = setDefaults(
      parse(`
services:
  s:
    gpus: [{driver: nvidia}, {device_ids: ["0"]}]
    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}, {count: 2}]}}}
`) as Mapping,
      ctx,
    );
    const s = (t['services'] as Mapping)['s'] as Mapping;
    assert.deepEqual(s['gpus'], [{ driver: 'nvidia', count: 'all' }, { device_ids: ['0'] }]);
    assert.deepEqual(s['deploy'], {
      resources: { reservations: { devices: [{ capabilities: ['gpu'], count: 'all' }, { count: 2 }] } },
    });
  });

  it('a volume bind block gets create_host_path true unless set', () => {
    assert.deepEqual(
      svc('services: {s: {volumes: [{type: bind, source: /a, target: /b, bind: {}}, {type: bind, source: /c, target: /d, bind: {create_host_path: false}}, {type: bind, source: /e, target: /f}]}}', 'volumes'),
      [
        { type: 'bind', source: '/a', target: '/b', bind: { create_host_path: true } },
        { type: 'bind', source: '/c', target: '/d', bind: { create_host_path: false } },
        { type: 'bind', source: '/e', target: '/f' },
      ],
    );
  });

  it('does not mutate its input', () => {
    const input = parse('services: {s: {build: {}, ports: [{target: 1}]}}') as Mapping;
    const before = structuredClone(input);
    setDefaults(input, ctx);
    assert.deepEqual(input, before);
  });
});
