/**
 * `docker events` against our engine: the past replayed with --since/--until,
 * the live stream, filters (container, event, label, type), and the
 * attributes Compose relies on (labels, name, image, exitCode, signal).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';

const skip = engineSkipReason();

interface Ev {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  status?: string;
  from?: string;
  timeNano: number;
}

const parse = (out: string): Ev[] =>
  out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Ev);

describe('events through the engine, driven by the docker CLI', { skip }, () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture('tsc-e2e-ev-');
  });
  after(async () => {
    await fx?.teardown();
  });

  it('replays a container lifecycle in order, with Docker attributes', () => {
    const since = (Date.now() / 1000 - 1).toFixed(3);
    const id = fx.ok(['run', '-d', '--name', 'ev1', '--label', 'com.docker.compose.project=evp', 'busybox', 'sleep', '300']);
    fx.track(id);
    fx.ok(['stop', '-t', '1', 'ev1']);
    fx.ok(['rm', 'ev1']);
    const until = (Date.now() / 1000 + 0.5).toFixed(3);
    const events = parse(fx.ok(['events', '--since', since, '--until', until, '--filter', 'container=ev1', '--format', '{{json .}}']));
    assert.deepEqual(
      events.map((e) => e.Action),
      ['create', 'start', 'kill', 'kill', 'die', 'stop', 'destroy'],
      'sleep as pid 1 ignores TERM: stop sends TERM, then KILL after 1 s',
    );
    const [create, , term, kill, die] = events;
    assert.equal(create?.Actor.ID, id);
    assert.equal(create?.Actor.Attributes['name'], 'ev1');
    assert.equal(create?.Actor.Attributes['image'], 'busybox');
    assert.equal(create?.Actor.Attributes['com.docker.compose.project'], 'evp');
    assert.equal(create?.status, 'create');
    assert.equal(create?.from, 'busybox');
    assert.equal(term?.Actor.Attributes['signal'], '15');
    assert.equal(kill?.Actor.Attributes['signal'], '9');
    assert.equal(die?.Actor.Attributes['exitCode'], '137');
    for (let i = 1; i < events.length; i++) assert.ok((events[i]?.timeNano ?? 0) > (events[i - 1]?.timeNano ?? 0), 'times increase');
  });

  it('filters by event, label and type', () => {
    const since = (Date.now() / 1000 - 1).toFixed(3);
    assert.equal(fx.docker(['run', '--name', 'ev2', '--label', 'team=a', 'busybox', 'sh', '-c', 'exit 3']).code, 3);
    fx.ok(['run', '--name', 'ev3', '--label', 'team=b', 'busybox', 'true']);
    fx.ok(['volume', 'create', 'evvol']);
    fx.ok(['volume', 'rm', 'evvol']);
    fx.ok(['tag', 'busybox', 'evtag:1']);
    fx.ok(['rm', 'ev2', 'ev3']);
    const until = (Date.now() / 1000 + 0.5).toFixed(3);
    const q = (...filters: string[]): Ev[] => parse(fx.ok(['events', '--since', since, '--until', until, ...filters.flatMap((x) => ['--filter', x]), '--format', '{{json .}}']));
    const dies = q('event=die', 'label=team');
    assert.deepEqual(dies.map((e) => `${e.Actor.Attributes['name']} ${e.Actor.Attributes['exitCode']}`), ['ev2 3', 'ev3 0']);
    assert.deepEqual(q('event=die', 'label=team=b').map((e) => e.Actor.Attributes['name']), ['ev3']);
    assert.deepEqual(q('type=volume').map((e) => `${e.Action} ${e.Actor.ID} ${e.Actor.Attributes['driver']}`), ['create evvol local', 'destroy evvol local']);
    const tags = q('type=image', 'event=tag');
    assert.equal(tags.length, 1);
    assert.equal(tags[0]?.Actor.Attributes['name'], 'evtag:1');
    assert.match(tags[0]?.Actor.ID ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  it('streams live events to a subscriber until it goes', async () => {
    const child = spawn('docker', ['-H', fx.d.host, 'events', '--filter', 'label=live=yes', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { env: fx.d.env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      // The subscription is in place once the CLI has its response headers; a short pause is enough here.
      await new Promise((r) => setTimeout(r, 500));
      fx.ok(['run', '--rm', '--label', 'live=yes', '--name', 'ev4', 'busybox', 'true']);
      fx.ok(['run', '--rm', '--name', 'ev5', 'busybox', 'true']);
      const deadline = Date.now() + 10_000;
      while (!out.includes('destroy ev4') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(out.trim().split('\n'), ['create ev4', 'attach ev4', 'start ev4', 'die ev4', 'destroy ev4']);
    } finally {
      child.kill();
    }
  });

  it('answers 400 when since is after until', () => {
    const r = fx.docker(['events', '--since', '2000000000', '--until', '1000000000']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /cannot be after/);
  });
});
