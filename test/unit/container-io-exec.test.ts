import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ContainerHandle, ContainerLookup } from '../../engine/daemon/containers/handle.js';
import { ExecStore, mergeEnv, parseConsoleSize } from '../../engine/daemon/containers/io-exec.js';
import { descendants, parentOfStat } from '../../engine/daemon/containers/process-tree.js';
import { NotFoundError } from '../../engine/daemon/errors.js';

/** Resolves once `pred` holds (polled), or rejects after `ms`. */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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

  it('refuses bad creates: unknown container, no command, bad ConsoleSize, stopped container', () => {
    const s = new ExecStore(lookup);
    assert.throws(() => s.create('nope', { Cmd: ['true'] }), (e: Error & { status?: number }) => e.status === 404);
    assert.throws(() => s.create('c1', { Cmd: [] }), (e: Error & { status?: number }) => e.status === 400);
    assert.throws(() => s.create('c1', { Cmd: ['sh'], Tty: true, ConsoleSize: [24] }), (e: Error & { status?: number }) => e.status === 400);
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

  it('runs a TTY exec through the pty helper: args, initial size, resizes, input, exit code', async () => {
    // A fake tscompose-exec-pty: records its argv and process file, reports the
    // lines of its fd 3 and its stdin on stdout, writes its pid as the exec's.
    const helper = path.join(dir, 'fake-exec-pty');
    fs.writeFileSync(
      helper,
      [
        '#!/bin/sh',
        `d=${JSON.stringify(dir)}`,
        'printf "%s\\n" "$@" > "$d/helper-args"',
        'while [ $# -gt 0 ]; do case "$1" in --pid-file) pidf=$2; shift;; --process) proc=$2; shift;; esac; shift; done',
        'cp "$proc" "$d/helper-process"',
        'echo $$ > "$pidf"',
        'IFS= read -r l <&3; echo "ctl:$l"',
        'echo ready',
        'IFS= read -r l <&3; echo "ctl:$l"',
        'IFS= read -r x; echo "in:$x"',
        'echo "to stderr" >&2',
        'exit 5',
      ].join('\n') + '\n',
      { mode: 0o755 },
    );
    const s = new ExecStore(lookup, undefined, { ptyHelper: helper });
    const rec = s.create('c1', { Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true, ConsoleSize: [20, 30] });
    assert.deepEqual(rec.consoleSize, [20, 30]);
    s.resize(rec.id, 40, 50); // before the start: becomes the initial size
    const stdin = new PassThrough();
    const out: Record<string, string> = { stdout: '', stderr: '' };
    const started = s.start(rec.id, { stdin, onOutput: (k, d) => (out[k] += d.toString()) });
    await until(() => out['stdout']?.includes('ready\n') === true);
    assert.equal(s.inspect(rec.id)['Running'], true);
    s.resize(rec.id, 41, 51);
    stdin.write('hello\n');
    assert.equal(await started, 5);
    assert.equal(out['stdout'], 'ctl:resize 40 50\nready\nctl:resize 41 51\nin:hello\n');
    assert.equal(out['stderr'], 'to stderr\n');
    const args = fs.readFileSync(path.join(dir, 'helper-args'), 'utf8').trimEnd().split('\n');
    const tmp = path.dirname(args[args.indexOf('--process') + 1] ?? '');
    assert.deepEqual(args, [
      '--runtime', handle.runtime.bin, '--runtime-root', handle.runtime.root,
      '--console-socket', path.join(tmp, 'console.sock'), '--process', path.join(tmp, 'process.json'),
      '--pid-file', path.join(tmp, 'pid'), '--ctl-fd', '3', handle.id,
    ]);
    const proc = JSON.parse(fs.readFileSync(path.join(dir, 'helper-process'), 'utf8')) as Record<string, unknown>;
    assert.equal(proc['terminal'], true);
    assert.deepEqual(proc['consoleSize'], { height: 40, width: 50 });
    const done = s.inspect(rec.id);
    assert.equal(done['Running'], false);
    assert.equal(done['ExitCode'], 5);
    assert.ok((done['Pid'] as number) > 0);
    assert.equal((done['ProcessConfig'] as { tty: boolean }).tty, true);
    assert.equal(fs.existsSync(tmp), false, 'the exec temp dir is removed');
    s.resize(rec.id, 1, 1); // ended: nothing to do, no error
  });

  it("ExecStart's ConsoleSize wins over create's; non-TTY execs ignore resizes", async () => {
    const helper = path.join(dir, 'fake-exec-pty-size');
    fs.writeFileSync(helper, `#!/bin/sh\nwhile [ "$1" != "--process" ]; do shift; done\ncat "$2"\n`, { mode: 0o755 });
    const s = new ExecStore(lookup, undefined, { ptyHelper: helper });
    const rec = s.create('c1', { Cmd: ['sh'], Tty: true, AttachStdout: true, ConsoleSize: [20, 30] });
    let out = '';
    assert.equal(await s.start(rec.id, { consoleSize: [33, 101], onOutput: (_k, d) => (out += d.toString()) }), 0);
    assert.deepEqual((JSON.parse(out) as Record<string, unknown>)['consoleSize'], { height: 33, width: 101 });
    const plain = s.create('c1', { Cmd: ['true'] });
    s.resize(plain.id, 10, 10);
    assert.equal(plain.consoleSize, undefined);
    assert.throws(() => s.resize('missing', 1, 1), (e: Error & { status?: number }) => e.status === 404);
  });

  it('parses ConsoleSize: absent, [h, w], or a 400', () => {
    assert.equal(parseConsoleSize(undefined), undefined);
    assert.equal(parseConsoleSize(null), undefined);
    assert.deepEqual(parseConsoleSize([24, 80]), [24, 80]);
    for (const bad of [[24], [24, 80, 1], [-1, 80], [24, 1.5], ['24', 80], { h: 1 }, [70000, 1]]) {
      assert.throws(() => parseConsoleSize(bad), (e: Error & { status?: number }) => e.status === 400, JSON.stringify(bad));
    }
  });

  describe('abort signal', () => {
    // A fake runtime whose "exec'd process" is a subshell with a child of its
    // own; it writes the subshell's pid as --pid-file, the child's beside it,
    // and exits with the subshell's status, as the real runtime does.
    let abortHandle: ContainerHandle;
    let childFile: string;
    before(() => {
      childFile = path.join(dir, 'abort-child');
      const bin = path.join(dir, 'fake-runtime-sleep');
      fs.writeFileSync(
        bin,
        '#!/bin/sh\nwhile [ "$1" != "--pid-file" ]; do shift; done\n' +
          `( sleep 30 & echo $! > ${JSON.stringify(childFile)}; wait ) &\necho $! > "$2"\nwait $!\nexit $?\n`,
        { mode: 0o755 },
      );
      abortHandle = { ...handle, runtime: { bin, root: dir } };
    });
    const storeFor = (): ExecStore => new ExecStore({ ...lookup, handle: () => abortHandle });
    // A child forked after the kill (the "before the pid is known" race) must not outlive the test.
    after(() => {
      try {
        process.kill(Number(fs.readFileSync(childFile, 'utf8').trim()), 'SIGKILL');
      } catch {
        // None, or gone.
      }
    });

    it('kills the process and its children with SIGKILL: start() resolves 137', async () => {
      const s = storeFor();
      const rec = s.create('c1', { Cmd: ['sleep', '30'] });
      const ac = new AbortController();
      fs.rmSync(childFile, { force: true });
      const started = s.start(rec.id, { signal: ac.signal });
      await until(() => rec.pid > 0 && fs.existsSync(childFile) && fs.readFileSync(childFile, 'utf8').trim() !== '');
      const child = Number(fs.readFileSync(childFile, 'utf8').trim());
      assert.ok(alive(rec.pid) && alive(child));
      ac.abort();
      assert.equal(await started, 137);
      assert.equal(s.inspect(rec.id)['ExitCode'], 137);
      await until(() => !alive(rec.pid) && !alive(child));
    });

    it('an abort before the pid is known kills it once it is', async () => {
      const s = storeFor();
      const rec = s.create('c1', { Cmd: ['sleep', '30'] });
      const ac = new AbortController();
      ac.abort();
      const t0 = Date.now();
      assert.equal(await s.start(rec.id, { signal: ac.signal }), 137);
      assert.ok(Date.now() - t0 < 10_000);
      assert.equal(alive(rec.pid), false);
    });

    it('a signal that never fires changes nothing', async () => {
      const kills: number[] = [];
      const s = new ExecStore(lookup, undefined, { kill: (pid) => kills.push(pid) });
      const rec = s.create('c1', { Cmd: ['cat'] });
      const ac = new AbortController();
      assert.equal(await s.start(rec.id, { signal: ac.signal }), 3);
      ac.abort(); // after the end: nothing to kill
      assert.deepEqual(kills, []);
    });
  });
});

describe('process trees', () => {
  it('reads the parent pid from a stat line, even with odd command names', () => {
    assert.equal(parentOfStat('42 (sleep) S 7 42 42 0 -1'), 7);
    assert.equal(parentOfStat('42 (a) b (c) R 9 1 1'), 9);
    assert.equal(parentOfStat('garbage'), undefined);
  });

  it('lists descendants, parents first, and nothing outside the tree', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 10],
      [13, 11],
      [20, 1],
      [21, 20],
    ]);
    assert.deepEqual(descendants(10, parents), [11, 12, 13]);
    assert.deepEqual(descendants(13, parents), []);
    assert.deepEqual(descendants(99, parents), []);
  });
});
