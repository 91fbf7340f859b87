import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ContainerHandle, ContainerLookup } from '../../engine/daemon/containers/handle.js';
import { ExecStore, mergeEnv } from '../../engine/daemon/containers/io-exec.js';
import { NotFoundError } from '../../engine/daemon/errors.js';

describe('exec records', () => {
  let dir: string;
  let handle: ContainerHandle;
  let running = true;
  let lookup: ContainerLookup;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-exec-'));
    const bundleDir = path.join(dir, 'bundle');
    fs.mkdirSync(path.join(bundleDir, 'rootfs', 'etc'), { recursive: true });
    fs.writeFileSync(path.join(bundleDir, 'rootfs', 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\nbob:x:1000:1001::/home/bob:/bin/sh\n');
    fs.writeFileSync(path.join(bundleDir, 'rootfs', 'etc', 'group'), 'root:x:0:\nbob:x:1001:\n');
    fs.writeFileSync(
      path.join(bundleDir, 'config.json'),
      JSON.stringify({ root: { path: 'rootfs' }, process: { args: ['init'], env: ['PATH=/bin', 'A=1'], cwd: '/', user: { uid: 0, gid: 0 }, consoleSize: { height: 1, width: 1 } } }),
    );
    // A fake runtime: prints its process file on stderr, echoes stdin, exits 3.
    const bin = path.join(dir, 'fake-runtime');
    fs.writeFileSync(bin, '#!/bin/sh\nwhile [ "$1" != "--process" ]; do shift; done\ncat "$2" >&2\ncat\nexit 3\n', { mode: 0o755 });
    handle = { id: 'c'.repeat(64), name: 'c1', tty: false, openStdin: false, logPath: '', monitorDir: '', runtime: { bin, root: dir }, bundleDir };
    lookup = {
      handle: (idOrName) => {
        if (idOrName !== 'c1' && idOrName !== handle.id) throw new NotFoundError(`No such container: ${idOrName}`);
        return handle;
      },
      isRunning: () => running,
      waitStopped: () => Promise.resolve(),
    };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('merges env by key', () => {
    assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
  });

  it('refuses bad creates: unknown container, no command, TTY, stopped container', () => {
    const s = new ExecStore(lookup);
    assert.throws(() => s.create('nope', { Cmd: ['true'] }), (e: Error & { status?: number }) => e.status === 404);
    assert.throws(() => s.create('c1', { Cmd: [] }), (e: Error & { status?: number }) => e.status === 400);
    assert.throws(() => s.create('c1', { Cmd: ['sh'], Tty: true }), (e: Error & { status?: number }) => e.status === 501);
    running = false;
    try {
      assert.throws(() => s.create('c1', { Cmd: ['true'] }), (e: Error & { status?: number }) => e.status === 409);
    } finally {
      running = true;
    }
    assert.throws(() => s.inspect('missing'), (e: Error & { status?: number }) => e.status === 404);
  });

  it('runs created → running → exited, with stdin, output and the exit code', async () => {
    const s = new ExecStore(lookup);
    const rec = s.create('c1', { Cmd: ['cat'], Env: ['A=2'], User: 'bob', WorkingDir: '/tmp', AttachStdin: true, AttachStdout: true });
    assert.match(rec.id, /^[0-9a-f]{64}$/);
    const before = s.inspect(rec.id);
    assert.equal(before['Running'], false);
    assert.equal(before['ExitCode'], null);
    assert.equal(before['ContainerID'], handle.id);
    const out: Record<string, string> = { stdout: '', stderr: '' };
    const started = s.start(rec.id, { stdin: Readable.from([Buffer.from('data\n')]), onOutput: (k, d) => (out[k] += d.toString()) });
    assert.equal(s.inspect(rec.id)['Running'], true);
    assert.throws(() => s.checkStartable(rec.id), (e: Error & { status?: number }) => e.status === 409);
    assert.equal(await started, 3);
    assert.equal(out['stdout'], 'data\n');
    const proc = JSON.parse(out['stderr'] ?? '') as Record<string, unknown>;
    assert.deepEqual(proc['args'], ['cat']);
    assert.deepEqual(proc['env'], ['PATH=/bin', 'A=2']);
    assert.equal(proc['cwd'], '/tmp');
    assert.equal(proc['terminal'], false);
    assert.equal(proc['consoleSize'], undefined);
    assert.deepEqual((proc['user'] as { uid: number; gid: number }).uid, 1000);
    const done = s.inspect(rec.id);
    assert.equal(done['Running'], false);
    assert.equal(done['ExitCode'], 3);
    assert.deepEqual(done['ProcessConfig'], { tty: false, entrypoint: 'cat', arguments: [], privileged: false, user: 'bob' });
    assert.throws(() => s.checkStartable(rec.id), /already run/);
    assert.deepEqual(s.idsOf(handle.id), [rec.id]);
  });

  it('records 126 when the runtime cannot be run', async () => {
    const s = new ExecStore({ ...lookup, handle: () => ({ ...handle, runtime: { bin: path.join(dir, 'missing'), root: dir } }) });
    const rec = s.create('c1', { Cmd: ['true'] });
    let err = '';
    assert.equal(await s.start(rec.id, { onOutput: (_k, d) => (err += d.toString()) }), 126);
    assert.match(err, /cannot run the runtime/);
  });
});
