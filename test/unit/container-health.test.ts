/**
 * Healthchecks without root: dockerd's create-time validation, the image /
 * container merge and the defaults, the state machine (start period, start
 * interval, FailingStreak and retries, Log of 5, events only on change), the
 * output limit, ps words and the health list filter, the monitor's life with
 * a fake probe, and one probe run through a stand-in runtime (a Node script
 * that plays `RUNTIME exec --process F --pid-file P ID`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseFilters } from '../../engine/daemon/api/filters.js';
import type { EventSink } from '../../engine/daemon/events/bus.js';
import type { ContainerHandle } from '../../engine/daemon/containers/handle.js';
import { goDuration, healthPlan, mergeHealthcheck, validateHealthcheck, withMergedHealthcheck } from '../../engine/daemon/containers/health-config.js';
import type { HealthConfig } from '../../engine/daemon/containers/health-config.js';
import { HealthMonitor } from '../../engine/daemon/containers/health-monitor.js';
import type { ProbeOutcome, ProbeRequest } from '../../engine/daemon/containers/health-probe.js';
import { runProbe } from '../../engine/daemon/containers/health-probe.js';
import {
  applyProbeResult,
  healthFilterValue,
  healthOf,
  healthWords,
  nextDelay,
  setHealth,
  startingHealth,
  stoppedHealth,
  trimOutput,
} from '../../engine/daemon/containers/health-schedule.js';
import type { HealthState } from '../../engine/daemon/containers/health-schedule.js';
import { selectContainers } from '../../engine/daemon/containers/list-filter.js';
import { initialState } from '../../engine/daemon/containers/records.js';
import type { ContainerRecord } from '../../engine/daemon/containers/records.js';
import type { Logger } from '../../engine/daemon/server/logger.js';
import { containerInspect, statusLine } from '../../engine/daemon/containers/views.js';

const MS = 1_000_000;
const SEC = 1_000 * MS;
const status = (e: unknown): number => (e as { status: number }).status;
const iso = (ms: number): string => new Date(ms).toISOString();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('validateHealthcheck (dockerd validateHealthCheck)', () => {
  const table: [HealthConfig | undefined, string | undefined][] = [
    [undefined, undefined],
    [{}, undefined],
    [{ Test: ['CMD', 'true'], Interval: 0, Timeout: 0, Retries: 0, StartPeriod: 0, StartInterval: 0 }, undefined],
    [{ Interval: 1 * MS, Timeout: 1 * MS, StartPeriod: 1 * MS, StartInterval: 1 * MS }, undefined],
    [{ Interval: -10 * MS }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Interval: 500_000 }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Timeout: -100 * MS }, 'Timeout in Healthcheck cannot be less than 1ms'],
    [{ Retries: -10 }, 'Retries in Healthcheck cannot be negative'],
    [{ StartPeriod: 100_000 }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    [{ StartInterval: 1 }, 'StartInterval in Healthcheck cannot be less than 1ms'],
    // dockerd checks in this order: the interval's message wins.
    [{ Interval: 1, Timeout: 1, Retries: -1 }, 'Interval in Healthcheck cannot be less than 1ms'],
  ];
  for (const [hc, want] of table) {
    it(`${JSON.stringify(hc)} → ${want ?? 'valid'}`, () => assert.equal(validateHealthcheck(hc), want));
  }
});

describe('mergeHealthcheck (dockerd merge at create)', () => {
  const image: HealthConfig = { Test: ['CMD-SHELL', 'true'], Interval: 1 * SEC, Timeout: 2 * SEC, StartPeriod: 3 * SEC, StartInterval: 4 * SEC, Retries: 5 };
  it('takes the image healthcheck when the request has none', () => {
    assert.deepEqual(mergeHealthcheck(undefined, image), image);
    assert.deepEqual(mergeHealthcheck(null, image), image);
    assert.equal(mergeHealthcheck(undefined, undefined), undefined);
  });
  it("keeps the request's healthcheck when the image has none", () => {
    assert.deepEqual(mergeHealthcheck({ Test: ['CMD', 'x'], Retries: 2 }, undefined), { Test: ['CMD', 'x'], Retries: 2 });
  });
  it('fills an empty Test and zero fields from the image, field by field', () => {
    assert.deepEqual(mergeHealthcheck({ Retries: 7 }, image), { ...image, Retries: 7 });
    assert.deepEqual(mergeHealthcheck({ Test: [], Interval: 0, Timeout: 9 * SEC }, image), { ...image, Timeout: 9 * SEC });
    assert.deepEqual(mergeHealthcheck({ Test: null, Interval: 8 * SEC }, image), { ...image, Interval: 8 * SEC });
  });
  it('keeps NONE (--no-healthcheck) over the image', () => {
    assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image)?.Test, ['NONE']);
  });
  it('writes the merged value into the record config, or no key at all', () => {
    assert.deepEqual(withMergedHealthcheck({ Image: 'x', Healthcheck: { Retries: 1 } }, { Test: ['CMD', 'a'] }), { Image: 'x', Healthcheck: { Test: ['CMD', 'a'], Retries: 1 } });
    assert.deepEqual(withMergedHealthcheck({ Image: 'x' }, undefined), { Image: 'x' });
    assert.equal('Healthcheck' in withMergedHealthcheck({ Image: 'x', Healthcheck: null }, undefined), false);
  });
});

describe('healthPlan (probe and defaults)', () => {
  it("applies Docker's defaults: 30s, 30s, 0, 5s, 3", () => {
    assert.deepEqual(healthPlan({ Test: ['CMD', 'curl', '-f', 'http://x'] }), {
      argv: ['curl', '-f', 'http://x'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    });
  });
  it('converts ns to ms and keeps set values', () => {
    const p = healthPlan({ Test: ['CMD-SHELL', 'x'], Interval: 500 * MS, Timeout: 2 * SEC, StartPeriod: 10 * SEC, StartInterval: 250 * MS, Retries: 1 });
    assert.deepEqual([p?.intervalMs, p?.timeoutMs, p?.startPeriodMs, p?.startIntervalMs, p?.retries], [500, 2000, 10_000, 250, 1]);
  });
  it('runs CMD-SHELL under /bin/sh -c, or the container Shell', () => {
    assert.deepEqual(healthPlan({ Test: ['CMD-SHELL', 'test -f /a'] })?.argv, ['/bin/sh', '-c', 'test -f /a']);
    assert.deepEqual(healthPlan({ Test: ['CMD-SHELL', 'x'] }, ['/bin/bash', '-ec'])?.argv, ['/bin/bash', '-ec', 'x']);
    assert.deepEqual(healthPlan({ Test: ['CMD-SHELL', 'x'] }, [])?.argv, ['/bin/sh', '-c', 'x']);
  });
  it('has no probe for NONE, an empty or unknown Test, or no healthcheck', () => {
    for (const hc of [undefined, null, {}, { Test: [] }, { Test: ['NONE'] }, { Test: ['HTTP', 'x'] }]) assert.equal(healthPlan(hc), undefined, JSON.stringify(hc));
  });
  it('treats zero or negative retries as the default', () => {
    assert.equal(healthPlan({ Test: ['CMD', 'x'], Retries: 0 })?.retries, 3);
  });
});

describe("goDuration (Go's Duration.String in the timeout message)", () => {
  const table: [number, string][] = [
    [500, '500ms'],
    [30_000, '30s'],
    [1_500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [1, '1ms'],
    [0.5, '500µs'],
    [2_250, '2.25s'],
  ];
  for (const [ms, want] of table) it(`${ms} ms → ${want}`, () => assert.equal(goDuration(ms), want));
});

describe('applyProbeResult (handleProbeResult)', () => {
  const started = 1_000_000;
  const rules = { retries: 3, startPeriodMs: 0, startedAtMs: started };
  const ok = (at: number) => ({ startMs: at, endMs: at + 5, exitCode: 0, output: '' });
  const fail = (at: number, code = 1) => ({ startMs: at, endMs: at + 5, exitCode: code, output: 'no' });

  it('goes healthy on the first success, with an event, then stays quiet', () => {
    let h = startingHealth(undefined);
    const t1 = applyProbeResult(h, ok(started + 10), rules, iso);
    assert.equal(t1.health.Status, 'healthy');
    assert.equal(t1.event, 'healthy');
    h = t1.health;
    const t2 = applyProbeResult(h, ok(started + 20), rules, iso);
    assert.equal(t2.event, undefined, 'no event without a change');
    assert.deepEqual(t2.health.Log.map((l) => l.ExitCode), [0, 0]);
    assert.equal(t2.health.Log[0]?.Start, iso(started + 10));
    assert.equal(t2.health.Log[0]?.End, iso(started + 15));
  });

  it('counts failures and turns unhealthy when the streak reaches retries', () => {
    let h: HealthState = { Status: 'healthy', FailingStreak: 0, Log: [] };
    const events: (string | undefined)[] = [];
    for (let i = 1; i <= 4; i++) {
      const t = applyProbeResult(h, fail(started + i * 10, i === 2 ? -1 : 1), rules, iso);
      h = t.health;
      events.push(t.event);
      assert.equal(h.FailingStreak, i);
      assert.equal(h.Status, i < 3 ? 'healthy' : 'unhealthy', `after ${i} failures`);
    }
    assert.deepEqual(events, [undefined, undefined, 'unhealthy', undefined]);
    const back = applyProbeResult(h, ok(started + 100), rules, iso);
    assert.deepEqual([back.health.Status, back.health.FailingStreak, back.event], ['healthy', 0, 'healthy']);
  });

  it('does not count failures of a starting container inside the start period', () => {
    const r = { retries: 1, startPeriodMs: 10_000, startedAtMs: started };
    let h = startingHealth(undefined);
    for (const at of [1_000, 5_000, 9_999]) {
      const t = applyProbeResult(h, fail(started + at), r, iso);
      h = t.health;
      assert.deepEqual([h.Status, h.FailingStreak, t.event], ['starting', 0, undefined], `at ${at} ms`);
    }
    assert.equal(h.Log.length, 3, 'but they are logged');
    // Its first failure after the period counts (a probe that began at 10 s is outside it).
    const t = applyProbeResult(h, fail(started + 10_000), r, iso);
    assert.deepEqual([t.health.Status, t.health.FailingStreak, t.event], ['unhealthy', 1, 'unhealthy']);
  });

  it('ends the start period at the first success: later failures count', () => {
    const r = { retries: 2, startPeriodMs: 60_000, startedAtMs: started };
    let h = applyProbeResult(startingHealth(undefined), ok(started + 100), r, iso).health;
    assert.equal(h.Status, 'healthy');
    h = applyProbeResult(h, fail(started + 200), r, iso).health;
    assert.equal(h.FailingStreak, 1);
    const t = applyProbeResult(h, fail(started + 300), r, iso);
    assert.deepEqual([t.health.Status, t.health.FailingStreak, t.event], ['unhealthy', 2, 'unhealthy']);
  });

  it('keeps the last 5 results', () => {
    let h = startingHealth(undefined);
    for (let i = 0; i < 8; i++) h = applyProbeResult(h, { startMs: started + i, endMs: started + i, exitCode: i, output: String(i) }, rules, iso).health;
    assert.deepEqual(h.Log.map((l) => l.Output), ['3', '4', '5', '6', '7']);
  });

  it('starts over as starting with the log kept, and a stopped monitor reads unhealthy', () => {
    const h: HealthState = { Status: 'healthy', FailingStreak: 2, Log: [{ Start: 'a', End: 'b', ExitCode: 0, Output: '' }] };
    assert.deepEqual(startingHealth(h), { Status: 'starting', FailingStreak: 0, Log: h.Log });
    assert.deepEqual(stoppedHealth(h), { ...h, Status: 'unhealthy' });
  });
});

describe('nextDelay (getInterval)', () => {
  const t = { intervalMs: 30_000, startPeriodMs: 60_000, startIntervalMs: 5_000 };
  const table: [number, HealthState['Status'], number][] = [
    [0, 'starting', 5_000], // inside the period while starting: the start interval
    [20_000, 'healthy', 30_000], // inside, but no longer starting: the interval
    [40_000, 'starting', 20_000], // what remains of the period is shorter than the interval
    [59_000, 'starting', 1_000],
    [60_000, 'starting', 30_000], // the period is over
    [90_000, 'unhealthy', 30_000],
  ];
  for (const [elapsed, st, want] of table) it(`${elapsed} ms in, ${st} → ${want}`, () => assert.equal(nextDelay(t, elapsed, st), want));
  it('uses the interval from the start without a start period', () => {
    assert.equal(nextDelay({ intervalMs: 500, startPeriodMs: 0, startIntervalMs: 5_000 }, 0, 'starting'), 500);
  });
});

describe('probe output, ps words and the health filter', () => {
  it('keeps 4096 bytes of output and marks a cut with ...', () => {
    assert.equal(trimOutput(Buffer.from('ok\n')), 'ok\n');
    assert.equal(trimOutput(Buffer.alloc(4096, 'a')), 'a'.repeat(4096));
    assert.equal(trimOutput(Buffer.alloc(5000, 'a')), `${'a'.repeat(4096)}...`);
  });

  function rec(name: string, health?: HealthState, st: 'running' | 'exited' | 'paused' = 'running'): ContainerRecord {
    const state = initialState();
    state.Status = st;
    state.Running = st !== 'exited';
    state.StartedAt = '2026-01-01T00:00:00Z';
    state.FinishedAt = '2026-01-01T00:00:10Z';
    if (health) setHealth(state, health);
    return {
      Version: 1,
      Id: name.padEnd(64, '0'),
      Created: '2026-01-01T00:00:00Z',
      Path: 'sleep',
      Args: ['9'],
      Config: { Image: 'busybox' },
      HostConfig: {},
      Image: 'sha256:' + 'f'.repeat(64),
      Name: `/${name}`,
      RestartCount: 0,
      State: state,
      Mounts: [],
      AnonymousVolumes: [],
      Volumes: [],
    };
  }
  const h = (s: HealthState['Status']): HealthState => ({ Status: s, FailingStreak: 0, Log: [] });
  const now = Date.parse('2026-01-01T00:00:05Z');

  it('shows the health in the Up status line of a running container only', () => {
    assert.equal(statusLine(rec('a', h('starting')), now), 'Up 5 seconds (health: starting)');
    assert.equal(statusLine(rec('a', h('healthy')), now), 'Up 5 seconds (healthy)');
    assert.equal(statusLine(rec('a', h('unhealthy')), now), 'Up 5 seconds (unhealthy)');
    assert.equal(statusLine(rec('a'), now), 'Up 5 seconds');
    assert.equal(statusLine(rec('a', h('healthy'), 'paused'), now), 'Up 5 seconds (Paused)');
    assert.match(statusLine(rec('a', h('unhealthy'), 'exited'), now), /^Exited \(0\)/);
    assert.equal(healthWords(h('starting')), 'health: starting');
  });

  it('puts State.Health in inspect only when there is one', () => {
    const paths = { resolvConf: '', hostname: '', hosts: '', log: '', merged: '', upper: '', work: '' } as unknown as Parameters<typeof containerInspect>[1];
    const withHealth = containerInspect(rec('a', { Status: 'healthy', FailingStreak: 0, Log: [{ Start: 's', End: 'e', ExitCode: 0, Output: 'o' }] }), paths, []);
    assert.deepEqual((withHealth['State'] as Record<string, unknown>)['Health'], { Status: 'healthy', FailingStreak: 0, Log: [{ Start: 's', End: 'e', ExitCode: 0, Output: 'o' }] });
    assert.equal('Health' in (containerInspect(rec('b'), paths, [])['State'] as Record<string, unknown>), false);
  });

  it('filters by health exactly, none for no healthcheck, running ones unless all', () => {
    const recs = [rec('aa', h('healthy')), rec('bb', h('unhealthy')), rec('cc', h('starting')), rec('dd'), rec('ee', h('unhealthy'), 'exited')];
    const names = (filter: string, all = false): string[] =>
      selectContainers(recs, { all, filters: parseFilters(filter), resolveImage: () => undefined })
        .map((r) => r.Name.slice(1))
        .sort();
    assert.deepEqual(names('{"health":["healthy"]}'), ['aa']);
    assert.deepEqual(names('{"health":["unhealthy"]}'), ['bb']);
    assert.deepEqual(names('{"health":["unhealthy"]}', true), ['bb', 'ee']);
    assert.deepEqual(names('{"health":["starting","none"]}'), ['cc', 'dd']);
    assert.throws(() => names('{"health":["sick"]}'), (e) => status(e) === 400 && /Unrecognised filter value for health: sick/.test((e as Error).message));
    assert.equal(healthFilterValue(undefined), 'none');
  });
});

// ---------------------------------------------------------------------------
// The monitor with a fake probe.

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, debugEnabled: false };

function monitorRig(probe: (req: ProbeRequest) => Promise<ProbeOutcome>, hc: HealthConfig) {
  const state = initialState();
  Object.assign(state, { Status: 'running', Running: true, StartedAt: new Date().toISOString() });
  const rec: ContainerRecord = {
    Version: 1,
    Id: 'c'.repeat(64),
    Created: state.StartedAt,
    Path: 'sleep',
    Args: [],
    Config: { Image: 'busybox', Healthcheck: hc },
    HostConfig: {},
    Image: 'sha256:x',
    Name: '/m',
    RestartCount: 0,
    State: state,
    Mounts: [],
    AnonymousVolumes: [],
    Volumes: [],
  };
  const events: string[] = [];
  let persisted = 0;
  const sink: EventSink = { publish() {}, container: (_c, action) => void events.push(action) };
  const monitor = new HealthMonitor({
    record: (id) => (id === rec.Id ? rec : undefined),
    handle: (id) => ({ id }) as ContainerHandle,
    persist: async () => void persisted++,
    events: () => sink,
    logger: quietLogger,
    probe,
  });
  return { rec, events, monitor, persisted: () => persisted };
}

describe('HealthMonitor (the monitor loop, with a fake probe)', () => {
  it('probes on its interval, records results, announces changes, and stops as unhealthy', async () => {
    const codes = [1, 0, 0, 1, 1];
    let calls = 0;
    const rig = monitorRig(async (req) => {
      assert.deepEqual(req.argv, ['/bin/sh', '-c', 'check']);
      req.events?.('exec_create: /bin/sh -c check', { execID: 'x' });
      const exitCode = codes[calls++] ?? 1;
      return { exitCode, output: `run ${calls}`, endMs: Date.now() };
    }, { Test: ['CMD-SHELL', 'check'], Interval: 20 * MS, Retries: 2 });
    rig.monitor.start(rig.rec);
    assert.equal(healthOf(rig.rec.State)?.Status, 'starting');
    assert.ok(rig.monitor.running(rig.rec.Id));
    while (calls < 5) await sleep(5);
    await sleep(5);
    const h = healthOf(rig.rec.State);
    assert.equal(h?.Status, 'unhealthy');
    assert.equal(h?.FailingStreak, 2);
    assert.deepEqual(rig.events.filter((e) => e.startsWith('health_status')), ['health_status: healthy', 'health_status: unhealthy']);
    assert.ok(rig.events.includes('exec_create: /bin/sh -c check'));
    assert.ok(rig.persisted() >= 5);

    rig.monitor.start(rig.rec);
    assert.deepEqual([healthOf(rig.rec.State)?.Status, healthOf(rig.rec.State)?.FailingStreak], ['starting', 0], 'a restart starts over');
    assert.equal(healthOf(rig.rec.State)?.Log.length, 5, 'with the log kept');
    rig.monitor.stop(rig.rec);
    assert.equal(healthOf(rig.rec.State)?.Status, 'unhealthy');
    assert.equal(rig.monitor.running(rig.rec.Id), false);
    const before = calls;
    await sleep(60);
    assert.equal(calls, before, 'no probes after stop');
  });

  it('drops the result of a probe that was running when the monitor stopped, and kills it', async () => {
    let aborted = false;
    let release: () => void = () => {};
    const rig = monitorRig(
      (req) =>
        new Promise((resolve) => {
          req.signal?.addEventListener('abort', () => (aborted = true));
          release = () => resolve({ exitCode: 0, output: '', endMs: Date.now() });
        }),
      { Test: ['CMD', 'x'], Interval: 5 * MS },
    );
    rig.monitor.start(rig.rec);
    await sleep(40);
    rig.monitor.stop(rig.rec);
    assert.ok(aborted, 'the running probe is told to die');
    release();
    await sleep(10);
    assert.equal(healthOf(rig.rec.State)?.Status, 'unhealthy', 'the late success is ignored');
    assert.equal(healthOf(rig.rec.State)?.Log.length, 0);
  });

  it('does nothing for NONE, and resume keeps the status until the next result', async () => {
    let calls = 0;
    const none = monitorRig(async () => ({ exitCode: 0, output: '', endMs: Date.now() }), { Test: ['NONE'] });
    none.monitor.start(none.rec);
    assert.equal(healthOf(none.rec.State), undefined);
    assert.equal(none.monitor.running(none.rec.Id), false);

    const rig = monitorRig(async () => {
      calls++;
      return { exitCode: 0, output: '', endMs: Date.now() };
    }, { Test: ['CMD', 'x'], Interval: 30 * MS });
    rig.monitor.start(rig.rec);
    rig.monitor.stop(rig.rec); // pause
    assert.equal(healthOf(rig.rec.State)?.Status, 'unhealthy');
    rig.monitor.resume(rig.rec); // unpause
    assert.equal(healthOf(rig.rec.State)?.Status, 'unhealthy');
    while (calls < 1) await sleep(5);
    await sleep(5);
    assert.equal(healthOf(rig.rec.State)?.Status, 'healthy');
    rig.monitor.close();
    assert.equal(healthOf(rig.rec.State)?.Status, 'healthy', 'the daemon stopping records nothing');
  });
});

// ---------------------------------------------------------------------------
// One probe through a stand-in runtime.

describe('runProbe (through a stand-in runtime)', () => {
  let dir: string;
  let handle: ContainerHandle;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-health-unit-'));
    const bundle = path.join(dir, 'bundle');
    fs.mkdirSync(bundle);
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ process: { args: ['sleep', '1'], env: ['PATH=/usr/bin:/bin'], cwd: '/', user: { uid: 0, gid: 0 } } }));
    // Plays `RUNTIME --root R exec --process F --pid-file P ID`: runs the process's args, writes its pid, waits.
    const fake = path.join(dir, 'fake-runtime.mjs');
    fs.writeFileSync(
      fake,
      `#!${process.execPath}
import { spawn } from 'node:child_process';
import fs from 'node:fs';
const a = process.argv.slice(2);
const at = (k) => a[a.indexOf(k) + 1];
const proc = JSON.parse(fs.readFileSync(at('--process'), 'utf8'));
fs.writeFileSync(${JSON.stringify(path.join(dir, 'seen.json'))}, JSON.stringify(proc));
const child = spawn(proc.args[0], proc.args.slice(1), { stdio: 'inherit' });
fs.writeFileSync(at('--pid-file'), String(child.pid));
child.on('exit', (code, sig) => process.exit(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
`,
      { mode: 0o755 },
    );
    handle = { id: 'd'.repeat(64), name: 'p', tty: false, openStdin: false, logPath: '', monitorDir: '', runtime: { bin: fake, root: dir }, bundleDir: bundle };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs the container's process with the probe's args, and captures stdout and stderr", async () => {
    const events: string[] = [];
    const out = await runProbe({ handle, argv: ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], timeoutMs: 5_000, events: (a, extra) => void events.push(`${a} ${extra['exitCode'] ?? ''}`.trim()) });
    assert.equal(out.exitCode, 3);
    assert.equal(out.output, 'out\nerr\n');
    const seen = JSON.parse(fs.readFileSync(path.join(dir, 'seen.json'), 'utf8')) as { args: string[]; env: string[]; terminal: boolean };
    assert.deepEqual(seen.args, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(seen.env, ['PATH=/usr/bin:/bin']);
    assert.equal(seen.terminal, false);
    assert.deepEqual(events, ['exec_create: /bin/sh -c echo out; echo err >&2; exit 3', 'exec_start: /bin/sh -c echo out; echo err >&2; exit 3', 'exec_die 3']);
  });

  it('keeps 4096 bytes of output', async () => {
    const out = await runProbe({ handle, argv: ['/bin/sh', '-c', 'head -c 6000 /dev/zero | tr "\\000" a'], timeoutMs: 5_000 });
    assert.equal(out.exitCode, 0);
    assert.equal(out.output, `${'a'.repeat(4096)}...`);
  });

  it('kills a probe past its timeout and reports exit -1', async () => {
    const t0 = Date.now();
    const out = await runProbe({ handle, argv: ['sleep', '30'], timeoutMs: 200 });
    assert.equal(out.exitCode, -1);
    assert.equal(out.output, 'Health check exceeded timeout (200ms)');
    assert.ok(Date.now() - t0 < 3_000, `took ${Date.now() - t0} ms`);
  });

  it('kills a running probe when aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 200);
    await runProbe({ handle, argv: ['sleep', '30'], timeoutMs: 60_000, signal: ac.signal });
    assert.ok(Date.now() - t0 < 3_000);
  });

  it('reports a runtime that cannot run as a failed probe', async () => {
    const out = await runProbe({ handle: { ...handle, runtime: { bin: path.join(dir, 'missing'), root: dir } }, argv: ['true'], timeoutMs: 1_000 });
    assert.notEqual(out.exitCode, 0);
    assert.match(out.output, /cannot run the runtime/);
  });
});
