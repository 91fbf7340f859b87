/** Typed casts after interpolation: compose-go's interpolateTypeCastMapping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComposeError } from '../../src/model/errors.js';
import type { Mapping } from '../../src/model/tree.js';
import { SourceIndex } from '../../src/loader/context.js';
import { castTypes } from '../../src/loader/cast.js';

test('the full cast table of compose-go TestLoadWithInterpolationCastFull', () => {
  const i = '555';
  const b = 'true';
  const tree: Mapping = {
    services: {
      web: {
        configs: [{ source: 'appconfig', mode: i }],
        healthcheck: { retries: i, disable: b },
        deploy: {
          replicas: i,
          update_config: { parallelism: i, max_failure_ratio: '3.14' },
          rollback_config: { parallelism: i, max_failure_ratio: '3.14' },
          restart_policy: { max_attempts: i },
          placement: { max_replicas_per_node: i },
        },
        ports: [i, '34567', { target: i, published: i, 'x-foo-bar': true }],
        ulimits: { nproc: i, nofile: { hard: i, soft: i } },
        privileged: b,
        read_only: b,
        shm_size: '2gb',
        stop_grace_period: '60s',
        stdin_open: b,
        tty: b,
        volumes: [{ source: 'data', type: 'volume', target: '/data', read_only: b, volume: { nocopy: b } }],
        depends_on: { db: { condition: 'service_started', required: 'false', restart: 'true' } },
        cpus: '0.5',
        cpu_count: '2',
        cpu_percent: '50',
        oom_score_adj: '-500',
        pids_limit: '100',
        scale: '2',
        init: 'false',
        oom_kill_disable: 'true',
      },
    },
    configs: { appconfig: { external: b } },
    secrets: { super: { external: b } },
    volumes: { data: { external: b } },
    networks: { front: { external: b, internal: b, attachable: b, enable_ipv6: 'false' }, back: null },
  };
  const out = castTypes(tree);
  const web = (out['services'] as Mapping)['web'] as Mapping;
  assert.deepEqual(web['healthcheck'], { retries: 555, disable: true });
  assert.deepEqual(web['deploy'], {
    replicas: 555,
    update_config: { parallelism: 555, max_failure_ratio: 3.14 },
    rollback_config: { parallelism: 555, max_failure_ratio: 3.14 },
    restart_policy: { max_attempts: 555 },
    placement: { max_replicas_per_node: 555 },
  });
  // Short-syntax ports stay strings; only a long-syntax target is cast, never published.
  assert.deepEqual(web['ports'], ['555', '34567', { target: 555, published: '555', 'x-foo-bar': true }]);
  assert.deepEqual(web['ulimits'], { nproc: 555, nofile: { hard: 555, soft: 555 } });
  assert.equal(web['privileged'], true);
  assert.equal(web['read_only'], true);
  assert.equal(web['stdin_open'], true);
  assert.equal(web['tty'], true);
  assert.equal(web['shm_size'], '2gb');
  assert.equal(web['stop_grace_period'], '60s');
  assert.deepEqual(web['volumes'], [{ source: 'data', type: 'volume', target: '/data', read_only: true, volume: { nocopy: true } }]);
  assert.deepEqual(web['depends_on'], { db: { condition: 'service_started', required: false, restart: true } });
  // Octal modes are left to the model.
  assert.deepEqual(web['configs'], [{ source: 'appconfig', mode: '555' }]);
  assert.equal(web['cpus'], 0.5);
  assert.equal(web['cpu_count'], 2);
  assert.equal(web['cpu_percent'], 50);
  assert.equal(web['oom_score_adj'], -500);
  assert.equal(web['pids_limit'], 100);
  assert.equal(web['scale'], 2);
  assert.equal(web['init'], false);
  assert.equal(web['oom_kill_disable'], true);
  assert.deepEqual(out['configs'], { appconfig: { external: true } });
  assert.deepEqual(out['secrets'], { super: { external: true } });
  assert.deepEqual(out['volumes'], { data: { external: true } });
  assert.deepEqual(out['networks'], {
    front: { external: true, internal: true, attachable: true, enable_ipv6: false },
    back: null,
  });
});

test('non-string values and other paths are left alone; the input is not changed', () => {
  const tree: Mapping = {
    name: '123',
    'x-foo': { privileged: 'maybe' },
    services: { web: { image: '1', privileged: true, scale: 3, environment: { tty: 'x' }, labels: ['a=1'] } },
  };
  const before = structuredClone(tree);
  const out = castTypes(tree);
  assert.deepEqual(out, before);
  assert.deepEqual(tree, before);
});

test('YAML 1.1 booleans are read with a warning', () => {
  const warnings: string[] = [];
  const out = castTypes(
    { services: { a: { tty: 'yes', privileged: 'Off', init: 'y', read_only: 'N', stdin_open: 'TRUE' } } },
    { warn: (m) => warnings.push(m) },
  );
  assert.deepEqual((out['services'] as Mapping)['a'], { tty: true, privileged: false, init: true, read_only: false, stdin_open: true });
  assert.deepEqual(warnings, [
    '"yes" for boolean is not supported by YAML 1.2, please use `true`',
    '"Off" for boolean is not supported by YAML 1.2, please use `false`',
    '"y" for boolean is not supported by YAML 1.2, please use `true`',
    '"N" for boolean is not supported by YAML 1.2, please use `false`',
  ]);
});

function castError(tree: Mapping, sources?: SourceIndex): ComposeError {
  try {
    castTypes(tree, sources ? { sources } : undefined);
  } catch (e) {
    assert.ok(e instanceof ComposeError);
    return e;
  }
  assert.fail('expected a cast error');
}

test('uncastable values name the path, in compose-go words', () => {
  const sources = new SourceIndex();
  sources.record('services.web.privileged', { file: 'compose.yaml', line: 3, col: 17 });
  const b = castError({ services: { web: { privileged: 'maybe' } } }, sources);
  assert.equal(b.code, 'E_INTERPOLATION');
  assert.equal(b.message, 'error while interpolating services.web.privileged: failed to cast to expected type: invalid boolean: maybe');
  assert.deepEqual(b.where, { file: 'compose.yaml', line: 3, col: 17, path: 'services.web.privileged' });

  const i = castError({ services: { web: { ports: [{ target: 'eighty' }] } } });
  assert.equal(
    i.message,
    'error while interpolating services.web.ports[0].target: failed to cast to expected type: strconv.Atoi: parsing "eighty": invalid syntax',
  );
  assert.equal(i.where.path, 'services.web.ports[0].target');

  assert.equal(
    castError({ services: { web: { pids_limit: '1.5' } } }).message,
    'error while interpolating services.web.pids_limit: failed to cast to expected type: strconv.ParseInt: parsing "1.5": invalid syntax',
  );
  assert.equal(
    castError({ services: { web: { deploy: { replicas: '99999999999999999999' } } } }).message,
    'error while interpolating services.web.deploy.replicas: failed to cast to expected type: strconv.Atoi: parsing "99999999999999999999": value out of range',
  );
  assert.equal(
    castError({ services: { web: { cpus: 'lots' } } }).message,
    'error while interpolating services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "lots": invalid syntax',
  );
  assert.equal(
    castError({ services: { web: { cpus: '1e39' } } }).message,
    'error while interpolating services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "1e39": value out of range',
  );
  // An empty value (an unset variable) is not a number either, as in compose-go.
  assert.match(castError({ services: { web: { scale: '' } } }).message, /strconv\.Atoi: parsing "": invalid syntax$/);
});

test('Go number syntax: signs, no spaces, decimal and hex floats', () => {
  const out = castTypes({
    services: { a: { scale: '+2', oom_score_adj: '-5', cpus: '.5', cpu_percent: '1e1', deploy: { update_config: { max_failure_ratio: '0x1p-2' } } } },
  });
  const a = (out['services'] as Mapping)['a'] as Mapping;
  assert.equal(a['scale'], 2);
  assert.equal(a['oom_score_adj'], -5);
  assert.equal(a['cpus'], 0.5);
  assert.equal(a['cpu_percent'], 10);
  assert.deepEqual(a['deploy'], { update_config: { max_failure_ratio: 0.25 } });
  assert.throws(() => castTypes({ services: { a: { scale: ' 2' } } }), /invalid syntax/);
  assert.throws(() => castTypes({ services: { a: { scale: '1_000' } } }), /invalid syntax/);
  assert.throws(() => castTypes({ services: { a: { cpus: 'NaN' } } }), /invalid syntax/);
});
