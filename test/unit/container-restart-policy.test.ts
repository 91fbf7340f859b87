/**
 * Restart policies without root: create-time validation (dockerd's
 * messages), the policy's vote, the back-off sequence, the daemon-start
 * check and which signals cancel restarts — as tables.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BACKOFF_MAX_MS,
  decideOnExit,
  newTracker,
  nextBackoff,
  policyWantsRestart,
  restartOnDaemonStart,
  signalCancelsRestart,
  validateRestartPolicy,
} from '../../engine/daemon/containers/restart-policy.js';
import type { RestartPolicy, RestartTracker } from '../../engine/daemon/containers/restart-policy.js';

describe('validateRestartPolicy (dockerd create-time checks)', () => {
  const table: [RestartPolicy | undefined, boolean, string | undefined][] = [
    [undefined, false, undefined],
    [{}, false, undefined],
    [{ Name: '', MaximumRetryCount: 123 }, false, undefined],
    [{ Name: '', MaximumRetryCount: -1 }, false, undefined],
    [{ Name: 'no' }, false, undefined],
    [{ Name: 'no', MaximumRetryCount: 1 }, false, "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
    [{ Name: 'always' }, false, undefined],
    [{ Name: 'always', MaximumRetryCount: 2 }, false, "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
    [{ Name: 'always', MaximumRetryCount: -2 }, false, "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative"],
    [{ Name: 'unless-stopped', MaximumRetryCount: 3 }, false, "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
    [{ Name: 'on-failure' }, false, undefined],
    [{ Name: 'on-failure', MaximumRetryCount: 5 }, false, undefined],
    [{ Name: 'on-failure', MaximumRetryCount: -2 }, false, 'invalid restart policy: maximum retry count cannot be negative'],
    [{ Name: 'sometimes' }, false, "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"],
    [{ Name: 'always' }, true, "can't create 'AutoRemove' container with restart policy"],
    [{ Name: 'no' }, true, undefined],
    [{ Name: '' }, true, undefined],
  ];
  for (const [p, autoRemove, want] of table) {
    it(`${JSON.stringify(p)}${autoRemove ? ' +AutoRemove' : ''} → ${want ?? 'ok'}`, () => {
      assert.equal(validateRestartPolicy(p, autoRemove), want);
    });
  }
});

describe('policyWantsRestart', () => {
  // [policy, exitCode, restartCount, manuallyStopped, restart?]
  const table: [RestartPolicy | undefined, number, number, boolean, boolean][] = [
    [undefined, 1, 0, false, false],
    [{ Name: '' }, 1, 0, false, false],
    [{ Name: 'no' }, 1, 0, false, false],
    [{ Name: 'always' }, 0, 0, false, true],
    [{ Name: 'always' }, 137, 50, true, true],
    [{ Name: 'unless-stopped' }, 0, 0, false, true],
    [{ Name: 'unless-stopped' }, 1, 0, true, false],
    [{ Name: 'on-failure' }, 0, 0, false, false],
    [{ Name: 'on-failure' }, 1, 1000, false, true],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 0, false, true],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 1, false, true],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 2, false, false],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 0, 0, false, false],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 0, true, true],
  ];
  for (const [p, exitCode, restartCount, manuallyStopped, want] of table) {
    it(`${p?.Name ?? '(none)'}:${p?.MaximumRetryCount ?? 0} exit ${exitCode} count ${restartCount}${manuallyStopped ? ' stopped' : ''} → ${want}`, () => {
      assert.equal(policyWantsRestart(p, { exitCode, restartCount, manuallyStopped }), want);
    });
  }
});

describe('back-off', () => {
  it('starts at 100 ms, doubles, caps at 1 min', () => {
    const seq: number[] = [];
    let t = 0;
    for (let i = 0; i < 12; i++) seq.push((t = nextBackoff(t, 50)));
    assert.deepEqual(seq, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  });
  it('goes back to 100 ms after a run of 10 s or more', () => {
    assert.equal(nextBackoff(60_000, 10_000), 100);
    assert.equal(nextBackoff(60_000, 9_999), BACKOFF_MAX_MS);
    assert.equal(nextBackoff(1600, 9_999), 3200);
    assert.equal(nextBackoff(1600, 30_000), 100);
  });
});

describe('decideOnExit', () => {
  const p: RestartPolicy = { Name: 'on-failure', MaximumRetryCount: 3 };
  it('walks on-failure:3 through three restarts, then stops', () => {
    let tracker: RestartTracker = newTracker();
    const got: [boolean, number][] = [];
    for (let count = 0; count < 4; count++) {
      const d = decideOnExit(p, tracker, { exitCode: 1, restartCount: count, manuallyStopped: false, runMs: 5 });
      tracker = d.tracker;
      got.push([d.restart, d.delayMs]);
    }
    assert.deepEqual(got, [
      [true, 100],
      [true, 200],
      [true, 400],
      [false, 0],
    ]);
  });
  it('never restarts once cancelled by a user stop/kill (even always)', () => {
    const d = decideOnExit({ Name: 'always' }, { backoffMs: 0, cancelled: true }, { exitCode: 0, restartCount: 0, manuallyStopped: true, runMs: 1 });
    assert.equal(d.restart, false);
  });
  it('always restarts after a non-cancelling signal; unless-stopped does not', () => {
    const f = { exitCode: 143, restartCount: 0, manuallyStopped: true, runMs: 1 };
    assert.equal(decideOnExit({ Name: 'always' }, newTracker(), f).restart, true);
    assert.equal(decideOnExit({ Name: 'unless-stopped' }, newTracker(), f).restart, false);
  });
  it('leaves the tracker alone for no policy', () => {
    const d = decideOnExit({ Name: 'no' }, { backoffMs: 400, cancelled: false }, { exitCode: 1, restartCount: 0, manuallyStopped: false, runMs: 1 });
    assert.deepEqual(d, { restart: false, delayMs: 0, tracker: { backoffMs: 400, cancelled: false } });
  });
  it('resets the delay after a long run', () => {
    const d = decideOnExit({ Name: 'always' }, { backoffMs: 25_600, cancelled: false }, { exitCode: 0, restartCount: 9, manuallyStopped: false, runMs: 12_000 });
    assert.equal(d.delayMs, 100);
  });
});

describe('restartOnDaemonStart', () => {
  // [policy, exitCode, restartCount, manuallyStopped, startedBefore, restart?]
  const table: [RestartPolicy, number, number, boolean, boolean, boolean][] = [
    [{ Name: 'always' }, 0, 0, true, true, true],
    [{ Name: 'always' }, 0, 0, false, false, false],
    [{ Name: 'unless-stopped' }, 0, 0, false, true, true],
    [{ Name: 'unless-stopped' }, 137, 0, true, true, false],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 2, false, true, false],
    [{ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 1, false, true, true],
    [{ Name: 'on-failure' }, 0, 0, false, true, false],
    [{ Name: 'no' }, 1, 0, false, true, false],
  ];
  for (const [p, exitCode, restartCount, manuallyStopped, startedBefore, want] of table) {
    it(`${p.Name}:${p.MaximumRetryCount ?? 0} exit ${exitCode} count ${restartCount}${manuallyStopped ? ' stopped' : ''}${startedBefore ? '' : ' never-started'} → ${want}`, () => {
      assert.equal(restartOnDaemonStart(p, { exitCode, restartCount, manuallyStopped, startedBefore }), want);
    });
  }
});

describe('signalCancelsRestart (dockerd killWithSignal)', () => {
  const table: [string, string | undefined, boolean][] = [
    ['SIGKILL', undefined, true],
    ['SIGKILL', 'SIGQUIT', true],
    ['SIGTERM', undefined, true],
    ['SIGHUP', undefined, true],
    ['SIGQUIT', 'SIGQUIT', true],
    ['SIGTERM', 'SIGQUIT', false],
    ['SIGUSR1', 'SIGQUIT', false],
  ];
  for (const [sig, stop, want] of table) {
    it(`${sig} with StopSignal ${stop ?? '(none)'} → ${want}`, () => assert.equal(signalCancelsRestart(sig, stop), want));
  }
});
