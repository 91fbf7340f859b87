/**
 * Container lifecycle through our engine with Docker's own CLI, on busybox:
 * run -d, ps, inspect, top, pause/unpause, stop (SIGKILL after the timeout),
 * start, kill, wait, rename, rm, exit codes, a start failure (127), name
 * conflicts, rm -f, and live restore across a SIGKILLed daemon. Root only:
 * containers need mounts, namespaces and cgroups. Teardown fails the test if
 * any mount, cgroup, monitor or container process is left behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientEnv, tempDir } from '../helpers/daemon.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { RestartableDaemon } from '../helpers/restartable-daemon.js';
import { engineSkipReason } from '../helpers/engine-fixture.js';

const skip = engineSkipReason();



/** Processes whose command line mentions `needle` (monitors carry the state root and run dir in theirs). */
function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(pid) !== process.pid) out.push(`${pid} ${cmd}`);
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

describe('containers through the engine, driven by the docker CLI', { skip }, () => {
  let work: string;
  let d: RestartableDaemon;
  let env: NodeJS.ProcessEnv;
  const ids = new Set<string>();
  const pids = new Set<number>();

  const docker = (args: string[]): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: 60_000 });
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  };
  const ok = (args: string[]): string => {
    const r = docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail()}`);
    return r.out.trim();
  };
  const inspect = (ref: string): { Id: string; State: { Status: string; Running: boolean; Paused: boolean; Pid: number; ExitCode: number; Error: string } } => {
    const got = JSON.parse(ok(['inspect', ref]))[0];
    ids.add(got.Id);
    if (got.State.Pid > 0) pids.add(got.State.Pid);
    return got;
  };

  before(async () => {
    work = tempDir('tsc-e2e-ctr-');
    const rootfsTar = path.join(work, 'busybox.tar');
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'engine/images/busybox-rootfs.sh'), path.join(work, 'rootfs'), '--tar', rootfsTar], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    d = new RestartableDaemon(path.join(work, 'root'), path.join(work, 'e.sock'));
    env = { ...clientEnv(work, `unix://${d.socketPath}`) };
    await d.start();
    ok(['import', '--change', 'CMD ["sh"]', rootfsTar, 'busybox:latest']);
  });

  after(async () => {
    if (!d) return;
    // Remove whatever is left, then check that nothing of ours survives on the host.
    const left = docker(['ps', '-aq', '--no-trunc']).out.trim();
    if (left) docker(['rm', '-f', ...left.split('\n')]);
    await d.kill('SIGTERM');
    const problems: string[] = [];
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work));
    if (mounts.length > 0) problems.push(`mounts left:\n${mounts.join('\n')}`);
    for (const top of fs.readdirSync('/sys/fs/cgroup')) {
      for (const id of ids) {
        const cg = path.join('/sys/fs/cgroup', top, 'tscompose', id);
        if (fs.existsSync(cg)) problems.push(`cgroup left: ${cg}`);
      }
    }
    const procs = processesMentioning(path.join(work, 'root'));
    if (procs.length > 0) problems.push(`processes left:\n${procs.join('\n')}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 0);
        problems.push(`container process ${pid} still alive`);
      } catch {
        // Gone, as it should be.
      }
    }
    if (problems.length === 0) fs.rmSync(work, { recursive: true, force: true });
    assert.deepEqual(problems, [], `left behind on the host (state kept in ${work})`);
  });

  it('runs a container detached; ps, inspect and top see it', () => {
    const id = ok(['run', '-d', '--name', 't1', 'busybox', 'sleep', '300']);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(['ps', '--format', '{{.Names}} {{.Status}} {{.Command}}']), /^t1 Up .* "sleep 300"$/);
    const info = inspect('t1');
    assert.equal(info.State.Status, 'running');
    assert.equal(info.State.Running, true);
    assert.ok(info.State.Pid > 0);
    const top = ok(['top', 't1']);
    assert.match(top, /PID/);
    assert.match(top, new RegExp(`\\b${info.State.Pid}\\b.*sleep 300`));
  });

  it('pauses and unpauses', () => {
    ok(['pause', 't1']);
    assert.equal(inspect('t1').State.Status, 'paused');
    assert.match(ok(['ps', '--format', '{{.Status}}']), /\(Paused\)/);
    ok(['unpause', 't1']);
    assert.equal(inspect('t1').State.Status, 'running');
  });

  it('stops with SIGKILL after the timeout (sleep as pid 1 ignores TERM)', () => {
    const started = Date.now();
    ok(['stop', '-t', '1', 't1']);
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 8000, `stop took ${took} ms`);
    const info = inspect('t1');
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 137);
    assert.equal(ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}']), 't1');
    assert.equal(ok(['ps', '-q']), '');
    // Stopping a stopped container is a no-op (304), which the CLI accepts.
    ok(['stop', 't1']);
  });

  it('starts again, kills, waits, renames and removes', () => {
    ok(['start', 't1']);
    assert.equal(inspect('t1').State.Running, true);
    ok(['kill', 't1']);
    assert.equal(ok(['wait', 't1']), '137');
    ok(['rename', 't1', 't2']);
    assert.equal(inspect('t2').State.Status, 'exited');
    assert.notEqual(docker(['inspect', 't1']).code, 0);
    ok(['rm', 't2']);
    assert.equal(ok(['ps', '-aq']), '');
  });

  it('reports the exit code through wait', () => {
    const id = ok(['run', '-d', 'busybox', 'sh', '-c', 'exit 3']);
    ids.add(id);
    assert.equal(ok(['wait', id]), '3');
    assert.equal(inspect(id).State.ExitCode, 3);
    ok(['rm', id]);
  });

  it('fails to start a missing binary: 127 in inspect, the container stays created', () => {
    ok(['create', '--name', 'missing', 'busybox', '/no/such/binary']);
    const r = docker(['start', 'missing']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /no\/such\/binary/);
    const info = inspect('missing');
    assert.equal(info.State.Status, 'created');
    assert.equal(info.State.ExitCode, 127);
    assert.match(info.State.Error, /no\/such\/binary/);
  });

  it('refuses a name in use (409) and a running container without force', () => {
    const r = docker(['create', '--name', 'missing', 'busybox', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /Conflict\. The container name "\/missing" is already in use by container "[0-9a-f]{64}"/);
    ok(['rm', 'missing']);
    ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '300']);
    inspect('busy');
    const rm = docker(['rm', 'busy']);
    assert.notEqual(rm.code, 0);
    assert.match(rm.err, /You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove/);
    ok(['rm', '-f', 'busy']);
    assert.equal(ok(['ps', '-aq']), '');
  });

  it('restarts on-failure:2 twice, then leaves it exited', async () => {
    const id = ok(['run', '-d', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
    ids.add(id);
    const deadline = Date.now() + 15_000;
    let got = JSON.parse(ok(['inspect', id]))[0];
    while (!(got.State.Status === 'exited' && got.RestartCount === 2) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      got = JSON.parse(ok(['inspect', id]))[0];
    }
    assert.equal(got.State.Status, 'exited', JSON.stringify(got.State));
    assert.equal(got.RestartCount, 2);
    assert.equal(got.State.ExitCode, 1);
    assert.deepEqual(got.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    // No further restart comes.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(JSON.parse(ok(['inspect', id]))[0].RestartCount, 2);
    ok(['rm', id]);
  });

  it('refuses an unknown restart policy and a retry count without on-failure (400)', () => {
    const bad = docker(['create', '--restart', 'always:3', 'busybox', 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /maximum retry count can only be used with 'on-failure'|invalid restart policy/);
    assert.equal(ok(['ps', '-aq']), '');
  });

  it('restarts an always container that exits 0 until docker stop, which stops it for good', async () => {
    ok(['run', '-d', '--name', 'again', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 0']);
    inspect('again');
    const deadline = Date.now() + 15_000;
    let count = 0;
    let sawRestarting = false;
    while (count < 3 && Date.now() < deadline) {
      const got = JSON.parse(ok(['inspect', 'again']))[0];
      count = got.RestartCount;
      if (got.State.Status === 'restarting') {
        sawRestarting = true;
        assert.equal(got.State.Restarting, true);
        assert.equal(got.State.Running, true);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(count >= 3, `RestartCount ${count}`);
    assert.ok(sawRestarting || count >= 3);
    ok(['stop', '-t', '1', 'again']);
    const stopped = JSON.parse(ok(['inspect', 'again']))[0];
    assert.equal(stopped.State.Status, 'exited');
    assert.equal(stopped.State.Restarting, false);
    await new Promise((r) => setTimeout(r, 2500));
    const later = JSON.parse(ok(['inspect', 'again']))[0];
    assert.equal(later.State.Status, 'exited');
    assert.equal(later.RestartCount, stopped.RestartCount);
    // A user's start resets the count.
    ok(['start', 'again']);
    assert.ok(JSON.parse(ok(['inspect', 'again']))[0].RestartCount < stopped.RestartCount);
    ok(['rm', '-f', 'again']);
    assert.equal(ok(['ps', '-aq']), '');
  });

  it('keeps a container running across a SIGKILLed daemon (live restore)', async () => {
    ok(['run', '-d', '--name', 'live', 'busybox', 'sleep', '300']);
    const before = inspect('live');
    await d.kill('SIGKILL');
    process.kill(before.State.Pid, 0); // still alive without its daemon
    await d.start();
    const afterRestart = inspect('live');
    assert.equal(afterRestart.State.Status, 'running');
    assert.equal(afterRestart.State.Pid, before.State.Pid);
    assert.match(ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^live Up/);
    // Exit tracking works again after the restart.
    ok(['stop', '-t', '0', 'live']);
    assert.equal(inspect('live').State.ExitCode, 137);
    ok(['rm', 'live']);
  });
});
