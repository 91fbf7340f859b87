import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { networkConfigHash, serviceConfigHash, volumeConfigHash } from '../../src/compose/hash.js';
import type { ServiceConfig } from '../../src/model/project.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const base: ServiceConfig = { name: 'web', image: 'nginx', networks: { default: null } };

describe('serviceConfigHash', () => {
  it('is sha256 of compact Go JSON in struct order', () => {
    // What Go's json.Marshal prints for this compose-go ServiceConfig: the name
    // is not marshalled, command/entrypoint have no omitempty.
    assert.equal(
      serviceConfigHash(base),
      sha256('{"command":null,"entrypoint":null,"image":"nginx","networks":{"default":null}}'),
    );
  });

  it('escapes HTML characters and sorts maps by bytes, as encoding/json does', () => {
    const s: ServiceConfig = { ...base, labels: { b: '<x>', a: '&' }, command: ['sh', '-c', 'a > b'] };
    assert.equal(
      serviceConfigHash(s),
      sha256(
        '{"command":["sh","-c","a \\u003e b"],"entrypoint":null,"image":"nginx",' +
          '"labels":{"a":"\\u0026","b":"\\u003cx\\u003e"},"networks":{"default":null}}',
      ),
    );
  });

  it('ignores build, pull_policy, scale, deploy.replicas, depends_on and profiles', () => {
    const h = serviceConfigHash(base);
    const changed: ServiceConfig = {
      ...base,
      build: { context: '/src' },
      pullPolicy: 'always',
      scale: 3,
      dependsOn: { db: { condition: 'service_started', required: true } },
      profiles: ['debug'],
    };
    assert.equal(serviceConfigHash(changed), h);
    const deploy2 = serviceConfigHash({ ...base, deploy: { replicas: 2 } });
    assert.equal(serviceConfigHash({ ...base, deploy: { replicas: 5 } }), deploy2);
    // The deploy struct itself stays, with Go's empty struct values.
    assert.equal(
      deploy2,
      sha256(
        '{"command":null,"deploy":{"resources":{},"placement":{}},"entrypoint":null,"image":"nginx","networks":{"default":null}}',
      ),
    );
  });

  it('changes with what the container runs', () => {
    const h = serviceConfigHash(base);
    assert.notEqual(serviceConfigHash({ ...base, image: 'nginx:1' }), h);
    assert.notEqual(serviceConfigHash({ ...base, environment: { A: null } }), h);
    assert.notEqual(serviceConfigHash({ ...base, command: [] }), h);
    assert.notEqual(serviceConfigHash({ ...base, stopGracePeriod: 0 }), h);
  });

  it('does not mutate the service', () => {
    const s: ServiceConfig = { ...base, deploy: { replicas: 2 }, scale: 2 };
    serviceConfigHash(s);
    assert.equal(s.deploy?.replicas, 2);
    assert.equal(s.scale, 2);
  });
});

describe('network and volume hashes', () => {
  it('hashes the network config as Go marshals it', () => {
    assert.equal(networkConfigHash({ name: 'p_default' }), sha256('{"name":"p_default","ipam":{}}'));
  });

  it('counts an unset volume driver as local', () => {
    assert.equal(volumeConfigHash({ name: 'p_data' }), sha256('{"name":"p_data","driver":"local"}'));
    assert.equal(volumeConfigHash({ name: 'p_data' }), volumeConfigHash({ name: 'p_data', driver: 'local' }));
  });
});
