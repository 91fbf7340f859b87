import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChanges } from '../../engine/daemon/images/changes.js';
import { familiarName, familiarTagKey, parseNormalizedNamed, tagKey } from '../../engine/daemon/images/reference.js';

describe('image references', () => {
  it('normalises Docker Hub short names', () => {
    assert.equal(tagKey(parseNormalizedNamed('busybox')), 'docker.io/library/busybox:latest');
    assert.equal(tagKey(parseNormalizedNamed('docker.io/library/busybox:1.36')), 'docker.io/library/busybox:1.36');
    assert.equal(tagKey(parseNormalizedNamed('index.docker.io/user/app')), 'docker.io/user/app:latest');
    assert.equal(tagKey(parseNormalizedNamed('localhost:5000/app:v1')), 'localhost:5000/app:v1');
    assert.equal(tagKey(parseNormalizedNamed('localhost/app')), 'localhost/app:latest');
    assert.equal(familiarTagKey('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(familiarName(parseNormalizedNamed('docker.io/user/app')), 'user/app');
    const d = parseNormalizedNamed(`busybox@sha256:${'a'.repeat(64)}`);
    assert.equal(d.digest, `sha256:${'a'.repeat(64)}`);
  });
  it('refuses invalid names and tags', () => {
    for (const bad of ['Busybox', 'busybox:', 'a//b', '-x', 'x:tag with space', 'busybox:' + 'x'.repeat(129), 'a'.repeat(64), '']) {
      assert.throws(() => parseNormalizedNamed(bad), (e: Error & { status?: number }) => e.status === 400, bad);
    }
    assert.throws(() => parseNormalizedNamed('Busybox'), /must be lowercase/);
    assert.throws(() => parseNormalizedNamed('a'.repeat(64)), /64-byte hexadecimal/);
  });
});

describe('import changes', () => {
  it('applies the Dockerfile instructions docker import allows', () => {
    const c = applyChanges({}, [
      'CMD ["sh"]',
      'ENTRYPOINT /bin/entry --flag',
      'ENV A=1 B="two words"',
      'ENV C three four',
      'WORKDIR /srv',
      'WORKDIR app',
      'EXPOSE 80 53/udp',
      'LABEL org.example.x=y "k 2"=v',
      'USER nobody',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGINT',
      'HEALTHCHECK --interval=5s --retries=2 CMD ["true"]',
    ]);
    assert.deepEqual(c.Cmd, ['sh']);
    assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/entry --flag']);
    assert.deepEqual(c.Env, ['A=1', 'B=two words', 'C=three four']);
    assert.equal(c.WorkingDir, '/srv/app');
    assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.deepEqual(c.Labels, { 'org.example.x': 'y', 'k 2': 'v' });
    assert.equal(c.User, 'nobody');
    assert.deepEqual(c.Volumes, { '/data': {} });
    assert.equal(c.StopSignal, 'SIGINT');
    assert.deepEqual(c.Healthcheck, { Interval: 5e9, Retries: 2, Test: ['CMD', 'true'] });
  });
  it('refuses instructions docker import does not allow', () => {
    assert.throws(() => applyChanges({}, ['RUN echo hi']), /RUN is not a valid change command/);
    assert.throws(() => applyChanges({}, ['EXPOSE http']), /invalid port/);
  });
});
