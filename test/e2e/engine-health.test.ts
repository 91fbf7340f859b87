/**
 * Container healthchecks through our engine with Docker's own CLI, on
 * busybox: starting → healthy → unhealthy as `docker inspect` (State.Health:
 * Status, FailingStreak, Log) and `docker ps` (Status, --filter health=…)
 * show them; a probe that times out (exit -1, killed in the container); an
 * image HEALTHCHECK merged field by field, and overridden by
 * --no-healthcheck; create-time validation (400); stop and start; the
 * health_status and exec_* events; and monitoring resumed after the daemon
 * was SIGKILLed and started again on the same root. Root only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientEnv, tempDir } from '../helpers/daemon.js';
import { busyboxTar, engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';
import { RestartableDaemon } from '../helpers/restartable-daemon.js';

const skip = engineSkipReason();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface HealthLog {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}
interface Health {
  Status: string;
  FailingStreak: number;
  Log: HealthLog[];
}
interface Inspected {
  Id: string;
  Config: { Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number } };
  State: { Status: string; Pid: number; Health?: Health };
}
interface Ev {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

const parseEvents = (out: string): Ev[] =>
  out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Ev);

/** POST /containers/create straight to the socket (the CLI refuses some values before sending them). */
function createRaw(socketPath: string, body: unknown): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      { socketPath, method: 'POST', path: '/v1.47/containers/create', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, message: (JSON.parse(text) as { message?: string }).message ?? '' }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Polls `probe` until it returns a value (not undefined) or `ms` pass. */
async function waitFor<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('healthchecks through the engine, driven by the docker CLI', { skip }, () => {
  let fx: EngineFixture;
  const inspect = (ref: string): Inspected => {
    const got = (JSON.parse(fx.ok(['inspect', ref])) as Inspected[])[0] as Inspected;
    fx.track(got.Id, got.State.Pid);
    return got;
  };
  const health = (ref: string): Health | undefined => inspect(ref).State.Health;
  const statusOf = (name: string): string => fx.ok(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}']);
  const namesWith = (filter: string): string[] => fx.ok(['ps', '--filter', filter, '--format', '{{.Names}}']).split('\n').filter((x) => x !== '');

  before(async () => {
    fx = await startEngineFixture('tsc-e2e-hc-');
  });
  after(async () => {
    await fx?.teardown();
  });

  it('goes starting → healthy → unhealthy, as inspect, ps and its health filter show', async () => {
    const since = (Date.now() / 1000 - 1).toFixed(3);
    fx.ok(['run', '-d', '--name', 'hc1', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '500ms', '--health-retries', '2', 'busybox', 'sleep', '300']);
    const first = inspect('hc1');
    assert.deepEqual(first.Config.Healthcheck, { Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 500_000_000, Retries: 2 });
    assert.equal(first.State.Health?.Status, 'starting');
    assert.match(statusOf('hc1'), /^Up .* \(health: starting\)$/);
    assert.deepEqual(namesWith('health=starting'), ['hc1']);

    fx.ok(['exec', 'hc1', 'touch', '/tmp/ok']);
    const healthy = await waitFor('healthy', 10_000, () => {
      const h = health('hc1');
      return h?.Status === 'healthy' ? h : undefined;
    });
    assert.equal(healthy.FailingStreak, 0);
    const last = healthy.Log.at(-1);
    assert.equal(last?.ExitCode, 0);
    assert.equal(last?.Output, '');
    assert.ok(Date.parse(last?.End ?? '') >= Date.parse(last?.Start ?? ''), 'End is not before Start');
    assert.match(statusOf('hc1'), /^Up .* \(healthy\)$/);
    assert.deepEqual(namesWith('health=healthy'), ['hc1']);
    assert.deepEqual(namesWith('health=unhealthy'), []);

    fx.ok(['exec', 'hc1', 'rm', '/tmp/ok']);
    const unhealthy = await waitFor('unhealthy', 10_000, () => {
      const h = health('hc1');
      return h?.Status === 'unhealthy' ? h : undefined;
    });
    assert.ok(unhealthy.FailingStreak >= 2, `FailingStreak ${unhealthy.FailingStreak} reaches the retries`);
    assert.equal(unhealthy.Log.at(-1)?.ExitCode, 1);
    assert.match(statusOf('hc1'), /^Up .* \(unhealthy\)$/);
    assert.deepEqual(namesWith('health=unhealthy'), ['hc1']);
    assert.deepEqual(namesWith('health=healthy'), []);

    // The streak keeps counting and the log keeps the last five results only.
    const later = await waitFor('more failures', 10_000, () => {
      const h = health('hc1');
      return h !== undefined && h.FailingStreak >= 6 ? h : undefined;
    });
    assert.equal(later.Log.length, 5);
    assert.ok(later.Log.every((l) => l.ExitCode === 1));

    const until = (Date.now() / 1000 + 0.5).toFixed(3);
    const ev = (filter: string): Ev[] =>
      parseEvents(fx.ok(['events', '--since', since, '--until', until, '--filter', 'container=hc1', '--filter', filter, '--format', '{{json .}}']));
    // Only changes are announced: one healthy, then one unhealthy (and maybe an unhealthy before the touch landed).
    const changes = ev('event=health_status').map((e) => e.Action);
    assert.equal(changes.at(-1), 'health_status: unhealthy');
    assert.equal(changes.at(-2), 'health_status: healthy');
    for (let i = 1; i < changes.length; i++) assert.notEqual(changes[i], changes[i - 1], 'an event only on a change');
    const creates = ev('event=exec_create').filter((e) => e.Action === 'exec_create: /bin/sh -c test -f /tmp/ok');
    assert.ok(creates.length >= 6, `one exec_create per probe (${creates.length})`);
    assert.match(creates[0]?.Actor.Attributes['execID'] ?? '', /^[0-9a-f]{64}$/);
    const dies = ev('event=exec_die').filter((e) => e.Actor.Attributes['execID'] === creates[0]?.Actor.Attributes['execID']);
    assert.equal(dies.length, 1);

    assert.match(fx.docker(['ps', '--filter', 'health=bogus']).err, /Unrecognised filter value for health: bogus/);
    fx.ok(['rm', '-f', 'hc1']);
  });

  it('kills a probe that exceeds its timeout and records exit -1', async () => {
    fx.ok(['run', '-d', '--name', 'hc2', '--health-cmd', 'sleep 5', '--health-timeout', '500ms', '--health-interval', '2s', 'busybox', 'sleep', '300']);
    const t0 = Date.now();
    const h = await waitFor('a probe result', 15_000, () => {
      const got = health('hc2');
      return got !== undefined && got.Log.length > 0 ? got : undefined;
    });
    // The next probe starts 2 s after this result: `top` now sees the container without the probe.
    const top = fx.ok(['top', 'hc2']);
    const entry = h.Log[0];
    assert.equal(entry?.ExitCode, -1);
    assert.equal(entry?.Output, 'Health check exceeded timeout (500ms)');
    assert.ok(Date.now() - t0 < 5_000, 'the probe did not run its 5 s');
    assert.ok(Date.parse(entry?.End ?? '') - Date.parse(entry?.Start ?? '') < 3_000, 'ended soon after the timeout');
    assert.doesNotMatch(top, /sleep 5/, `the probe's process was killed:\n${top}`);
    assert.match(top, /sleep 300/);
    assert.equal(h.FailingStreak, 1);
    assert.equal(h.Status, 'starting', 'one failure of three: still starting');
    fx.ok(['rm', '-f', 'hc2']);
  });

  it("keeps 4096 bytes of a probe's output, stdout and stderr together", async () => {
    fx.ok(['run', '-d', '--name', 'hc7', '--health-cmd', 'echo to-stderr >&2; sleep 0.1; head -c 5000 /dev/zero | tr "\\000" x; exit 4', '--health-interval', '300ms', 'busybox', 'sleep', '300']);
    const h = await waitFor('a probe result', 10_000, () => {
      const got = health('hc7');
      return got !== undefined && got.Log.length > 0 ? got : undefined;
    });
    const entry = h.Log[0];
    assert.equal(entry?.ExitCode, 4);
    assert.equal(entry?.Output, `to-stderr\n${'x'.repeat(4096 - 10)}...`);
    fx.ok(['rm', '-f', 'hc7']);
  });

  it('merges an image HEALTHCHECK field by field, and --no-healthcheck turns it off', async () => {
    const tar = path.join(fx.work, 'busybox.tar');
    fx.ok(['import', '--change', 'CMD ["sh"]', '--change', 'HEALTHCHECK --interval=1s --retries=4 CMD true', tar, 'hcimg:1']);
    fx.ok(['run', '-d', '--name', 'hc3', 'hcimg:1', 'sleep', '300']);
    assert.deepEqual(inspect('hc3').Config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 1_000_000_000, Retries: 4 });
    await waitFor('hc3 healthy', 10_000, () => (health('hc3')?.Status === 'healthy' ? true : undefined));

    fx.ok(['create', '--name', 'hc5', '--health-retries', '7', '--health-timeout', '2s', 'hcimg:1']);
    assert.deepEqual(inspect('hc5').Config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 1_000_000_000, Timeout: 2_000_000_000, Retries: 7 });

    fx.ok(['run', '-d', '--name', 'hc4', '--no-healthcheck', 'hcimg:1', 'sleep', '300']);
    await sleep(2_500);
    const off = inspect('hc4');
    assert.deepEqual(off.Config.Healthcheck?.Test, ['NONE']);
    assert.equal(off.State.Health, undefined, 'no State.Health without a probe');
    assert.match(statusOf('hc4'), /^Up [^(]*$/);
    assert.deepEqual(namesWith('health=none'), ['hc4']);
    assert.deepEqual(namesWith('health=healthy'), ['hc3']);
    fx.ok(['rm', '-f', 'hc3', 'hc4', 'hc5']);
  });

  it('refuses durations under 1 ms and negative retries at create (400)', async () => {
    const short = fx.docker(['create', '--health-cmd', 'true', '--health-interval', '500us', 'busybox']);
    assert.notEqual(short.code, 0);
    assert.match(short.err, /Interval in Healthcheck cannot be less than 1ms/);
    const timeout = fx.docker(['create', '--health-cmd', 'true', '--health-timeout', '10us', 'busybox']);
    assert.match(timeout.err, /Timeout in Healthcheck cannot be less than 1ms/);
    const period = fx.docker(['create', '--health-cmd', 'true', '--health-start-period', '1ns', 'busybox']);
    assert.match(period.err, /StartPeriod in Healthcheck cannot be less than 1ms/);
    assert.deepEqual(await createRaw(fx.d.socketPath, { Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], Retries: -1 } }), {
      status: 400,
      message: 'Retries in Healthcheck cannot be negative',
    });
    assert.deepEqual(await createRaw(fx.d.socketPath, { Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], StartInterval: 999_999 } }), {
      status: 400,
      message: 'StartInterval in Healthcheck cannot be less than 1ms',
    });
    assert.equal(fx.ok(['ps', '-aq']), '');
  });

  it('reports unhealthy once stopped and starts over at the next start', async () => {
    fx.ok(['run', '-d', '--name', 'hc6', '--health-cmd', 'true', '--health-interval', '300ms', 'busybox', 'sleep', '300']);
    const before = await waitFor('hc6 healthy', 10_000, () => {
      const h = health('hc6');
      return h?.Status === 'healthy' ? h : undefined;
    });
    fx.ok(['stop', '-t', '0', 'hc6']);
    const stopped = health('hc6');
    assert.equal(stopped?.Status, 'unhealthy', 'dockerd: a stopped monitor leaves unhealthy');
    assert.ok((stopped?.Log.length ?? 0) >= before.Log.length, 'the log is kept');
    assert.match(statusOf('hc6'), /^Exited \(137\)/);
    assert.deepEqual(fx.ok(['ps', '-a', '--filter', 'health=unhealthy', '--format', '{{.Names}}']), 'hc6');
    const logged = stopped?.Log.length ?? 0;
    await sleep(1_000);
    assert.equal(health('hc6')?.Log.length, logged, 'no probes while stopped');

    fx.ok(['start', 'hc6']);
    const restarted = health('hc6');
    assert.equal(restarted?.Status, 'starting');
    assert.equal(restarted?.FailingStreak, 0);
    await waitFor('hc6 healthy again', 10_000, () => (health('hc6')?.Status === 'healthy' ? true : undefined));
    fx.ok(['rm', '-f', 'hc6']);
  });
});


describe('healthchecks across a SIGKILLed daemon', { skip }, () => {
  let work: string;
  let d: RestartableDaemon;
  let env: NodeJS.ProcessEnv;
  const pids = new Set<number>();
  const docker = (args: string[]): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: 60_000 });
    return { out: r.stdout ?? '', err: r.stderr ?? '', code: r.status ?? -1 };
  };
  const ok = (args: string[]): string => {
    const r = docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}`);
    return r.out.trim();
  };
  const inspect = (ref: string): Inspected => {
    const got = (JSON.parse(ok(['inspect', ref])) as Inspected[])[0] as Inspected;
    if (got.State.Pid > 0) pids.add(got.State.Pid);
    return got;
  };

  before(async () => {
    work = tempDir('tsc-e2e-hcd-');
    d = new RestartableDaemon(path.join(work, 'root'), path.join(work, 'e.sock'));
    env = clientEnv(work, `unix://${d.socketPath}`);
    await d.start();
    ok(['import', '--change', 'CMD ["sh"]', busyboxTar(work), 'busybox:latest']);
  });

  after(async () => {
    if (!d) return;
    const left = docker(['ps', '-aq', '--no-trunc']).out.trim();
    if (left) docker(['rm', '-f', ...left.split('\n')]);
    await d.kill('SIGTERM');
    const problems: string[] = [];
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work));
    if (mounts.length > 0) {
      problems.push(`mounts left:\n${mounts.join('\n')}`);
      for (const l of mounts) {
        const target = l.split(' ')[4];
        if (target !== undefined) spawnSync('umount', ['-l', target]);
      }
    }
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

  it('monitors a container found running when the daemon starts again', async () => {
    ok(['run', '-d', '--name', 'hcl', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '400ms', '--health-retries', '1', 'busybox', 'sleep', '300']);
    ok(['exec', 'hcl', 'touch', '/tmp/ok']);
    await waitFor('healthy before the kill', 10_000, () => (inspect('hcl').State.Health?.Status === 'healthy' ? true : undefined));
    await d.kill('SIGKILL');
    // Without the daemon nothing probes; the container stays up.
    await sleep(1_000);
    const restartedAt = Date.now();
    await d.start();
    const since = (restartedAt / 1000 - 0.1).toFixed(3);
    const h = await waitFor('a probe after the restart', 10_000, () => {
      const got = inspect('hcl').State.Health;
      return got !== undefined && got.Log.some((l) => Date.parse(l.Start) >= restartedAt) ? got : undefined;
    });
    assert.ok(h.Status === 'healthy' || h.Status === 'starting', h.Status);
    // Restore reset it to starting: the first result after it is announced as a change.
    await waitFor('health_status: healthy after the restart', 10_000, () => {
      const out = ok(['events', '--since', since, '--until', (Date.now() / 1000).toFixed(3), '--filter', 'container=hcl', '--filter', 'event=health_status', '--format', '{{.Action}}']);
      return out.split('\n').includes('health_status: healthy') ? true : undefined;
    });
    // And it still reacts: unhealthy after one failure (retries 1).
    ok(['exec', 'hcl', 'rm', '/tmp/ok']);
    await waitFor('unhealthy after the restart', 10_000, () => (inspect('hcl').State.Health?.Status === 'unhealthy' ? true : undefined));
    ok(['rm', '-f', 'hcl']);
  });
});
