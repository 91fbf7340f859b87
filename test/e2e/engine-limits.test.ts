/**
 * Resource limits and restart back-off through our engine with the docker
 * CLI: a memory limit kills a container that goes over it (exit 137,
 * State.OOMKilled, an `oom` event before `die`), a pids limit stops a
 * container from forking past it (busybox sh: "can't fork"), and `--restart always` waits 100 ms,
 * 200 ms, 400 ms, 800 ms… between a die and the next start (dockerd's
 * back-off; checked as lower bounds on the gaps between events).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';

const skip = engineSkipReason();

interface Ev {
  Action: string;
  Actor: { Attributes: Record<string, string> };
  timeNano: number;
}

describe('limits and back-off through the engine, driven by the docker CLI', { skip }, () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture('tsc-e2e-lim-');
  });
  after(async () => {
    await fx?.teardown();
  });
  const events = (since: string, ...filters: string[]): Ev[] =>
    fx
      .ok(['events', '--since', since, '--until', (Date.now() / 1000 + 0.3).toFixed(3), ...filters.flatMap((f) => ['--filter', f]), '--format', '{{json .}}'])
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Ev);

  it('kills a container over its memory limit: 137, OOMKilled, oom then die', () => {
    const since = (Date.now() / 1000 - 1).toFixed(3);
    // 64 MiB of 'a's held in a shell variable against a 16 MiB limit (no swap).
    const r = fx.docker(['run', '--name', 'hog', '--memory', '16m', '--memory-swap', '16m', 'busybox', 'sh', '-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo survived']);
    assert.equal(r.code, 137, `exit ${r.code}: ${r.out} ${r.err}`);
    assert.doesNotMatch(r.out, /survived/);
    const state = JSON.parse(fx.ok(['inspect', '-f', '{{json .State}}', 'hog']));
    assert.equal(state.OOMKilled, true);
    assert.equal(state.ExitCode, 137);
    assert.equal(JSON.parse(fx.ok(['inspect', '-f', '{{json .HostConfig.Memory}}', 'hog'])), 16 * 1024 * 1024);
    const acts = events(since, 'container=hog').map((e) => e.Action);
    assert.ok(acts.indexOf('oom') >= 0 && acts.indexOf('oom') < acts.indexOf('die'), acts.join(' '));
    fx.ok(['rm', 'hog']);
  });

  it('stops forks past the pids limit', () => {
    // 20 background sleeps: fine without a limit, a fork failure under a limit of 8.
    const script = 'for i in $(seq 20); do sleep 3 & done; echo forked all';
    const free = fx.docker(['run', '--rm', 'busybox', 'sh', '-c', script]);
    assert.equal(free.code, 0, free.err);
    assert.match(free.out, /forked all/);
    const limited = fx.docker(['run', '--rm', '--pids-limit', '8', 'busybox', 'sh', '-c', script]);
    assert.notEqual(limited.code, 0);
    assert.doesNotMatch(limited.out, /forked all/);
    assert.match(limited.err, /can't fork/);
  });

  it('backs off 100, 200, 400, 800 ms between restarts', async () => {
    const since = (Date.now() / 1000 - 1).toFixed(3);
    fx.ok(['run', '-d', '--name', 'flappy', '--restart', 'always', 'busybox', 'false']);
    // Six starts take at least 100+200+400+800+1600 ms of back-off.
    const deadline = Date.now() + 15_000;
    while (Number(fx.ok(['inspect', '-f', '{{.RestartCount}}', 'flappy'])) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    fx.ok(['rm', '-f', 'flappy']);
    const evs = events(since, 'container=flappy', 'event=start', 'event=die');
    const gaps: number[] = [];
    for (let i = 1; i < evs.length; i++) {
      if (evs[i - 1]?.Action === 'die' && evs[i]?.Action === 'start') gaps.push(((evs[i]?.timeNano ?? 0) - (evs[i - 1]?.timeNano ?? 0)) / 1e6);
    }
    assert.ok(gaps.length >= 4, `gaps ${gaps.join(', ')}`);
    gaps.slice(0, 4).forEach((g, i) => assert.ok(g >= 100 * 2 ** i - 5, `gap ${i + 1} was ${g.toFixed(0)} ms, want ≥ ${100 * 2 ** i} (${gaps.map((x) => x.toFixed(0)).join(', ')})`));
  });
});
