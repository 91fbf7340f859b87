import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ENGINE_VERSION, parseDaemonArgs, resolveHostAndRoot, socketPathOf } from '../../engine/daemon/config.js';
import { REPO_ROOT } from '../helpers/paths.js';

describe('daemon config', () => {
  it('keeps ENGINE_VERSION equal to package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(ENGINE_VERSION, pkg.version);
  });

  it('uses flags, then environment, then the defaults', () => {
    assert.deepEqual(resolveHostAndRoot({}, {}), { host: 'unix:///run/tscompose/engine.sock', socketPath: '/run/tscompose/engine.sock', root: '/var/lib/tscompose' });
    const env = { TSCOMPOSE_HOST: 'unix:///tmp/e.sock', TSCOMPOSE_ROOT: '/tmp/r' };
    assert.equal(resolveHostAndRoot({}, env).socketPath, '/tmp/e.sock');
    assert.equal(resolveHostAndRoot({ root: '/x' }, env).root, '/x');
  });

  it('parses daemon flags and rejects unknown ones and non-unix hosts', () => {
    const c = parseDaemonArgs(['--host=unix:///tmp/a.sock', '--root', '/tmp/r', '--debug'], {});
    assert.equal(c.socketPath, '/tmp/a.sock');
    assert.equal(c.root, '/tmp/r');
    assert.equal(c.debug, true);
    assert.throws(() => parseDaemonArgs(['--nope'], {}), /unknown argument/);
    assert.throws(() => socketPathOf('tcp://127.0.0.1:2375'), /only unix/);
  });
});
