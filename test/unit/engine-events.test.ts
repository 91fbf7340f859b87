/**
 * The event bus and its filters, without a daemon: dockerd's matching rules
 * (moby daemon/events/filter.go), since/until replay, the deprecated fields
 * and the timestamp parser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilters } from '../../engine/daemon/api/filters.js';
import { EVENTS_KEPT, EventBus } from '../../engine/daemon/events/bus.js';
import { eventMatches } from '../../engine/daemon/events/filter.js';
import { eventJson, eventMessage, eventNanos } from '../../engine/daemon/events/message.js';
import type { EventMessage } from '../../engine/daemon/events/message.js';
import { parseEventTime } from '../../engine/daemon/events/time.js';

const ctr = (action: string, id: string, attrs: Record<string, string>): EventMessage => eventMessage('container', action, { ID: id, Attributes: attrs }, 1_700_000_000_123_456_789n);
const f = (o: Record<string, string[]>) => parseFilters(JSON.stringify(o));

describe('event messages', () => {
  it('fill the deprecated status/id/from fields for containers and images only', () => {
    const c = ctr('start', 'abc', { image: 'busybox', name: 'web' });
    assert.deepEqual([c.status, c.id, c.from, c.scope, c.time, c.timeNano], ['start', 'abc', 'busybox', 'local', 1_700_000_000, 1_700_000_000_123_456_770]);
    assert.match(eventJson(c), /"timeNano":1700000000123456789}$/, 'written to the nanosecond');
    const v = eventMessage('volume', 'create', { ID: 'v1', Attributes: { driver: 'local' } }, 5n);
    assert.equal('status' in v, false);
    assert.equal('id' in v, false);
  });
});

describe('event filters', () => {
  const web = ctr('die', 'a1b2c3', { image: 'busybox:latest', name: 'web', 'com.docker.compose.project': 'p', exitCode: '3' });
  it('match type, event, container by id prefix or name, label', () => {
    assert.equal(eventMatches(f({ type: ['container'] }), web), true);
    assert.equal(eventMatches(f({ type: ['image'] }), web), false);
    assert.equal(eventMatches(f({ event: ['die', 'start'] }), web), true);
    assert.equal(eventMatches(f({ event: ['di'] }), web), false, 'events match exactly');
    assert.equal(eventMatches(f({ container: ['a1b'] }), web), true);
    assert.equal(eventMatches(f({ container: ['web'] }), web), true);
    assert.equal(eventMatches(f({ container: ['db'] }), web), false);
    assert.equal(eventMatches(f({ label: ['com.docker.compose.project=p'] }), web), true);
    assert.equal(eventMatches(f({ label: ['com.docker.compose.project'] }), web), true);
    assert.equal(eventMatches(f({ label: ['com.docker.compose.project=q'] }), web), false);
    assert.equal(eventMatches(f({ label: ['com.docker.compose.project=p', 'other'] }), web), false, 'every label must hold');
  });
  it('match health_status and exec_* by prefix, as dockerd', () => {
    const h = ctr('health_status: healthy', 'a1', { name: 'web' });
    assert.equal(eventMatches(f({ event: ['health_status'] }), h), true);
    assert.equal(eventMatches(f({ event: ['health_status: healthy'] }), h), true);
    assert.equal(eventMatches(f({ event: ['health_status: unhealthy'] }), h), false);
  });
  it('match images by id, by reference and by reference without its tag', () => {
    assert.equal(eventMatches(f({ image: ['busybox:latest'] }), web), true);
    assert.equal(eventMatches(f({ image: ['busybox'] }), web), true);
    assert.equal(eventMatches(f({ image: ['alpine'] }), web), false);
  });
  it('a container filter excludes other kinds of objects', () => {
    const vol = eventMessage('volume', 'create', { ID: 'web', Attributes: { driver: 'local' } }, 1n);
    assert.equal(eventMatches(f({ container: ['web'] }), vol), false);
    assert.equal(eventMatches(f({ volume: ['we'] }), vol), true);
  });
});

describe('the bus', () => {
  it('replays kept events within since/until, then streams live ones, filtered', () => {
    let t = 1_000n;
    const bus = new EventBus(() => (t += 1_000n));
    bus.container({ Id: 'c1', Name: '/one', Config: { Image: 'busybox', Labels: { team: 'a' } } }, 'create'); // 2000
    bus.container({ Id: 'c1', Name: '/one', Config: { Image: 'busybox', Labels: { team: 'a' } } }, 'start'); // 3000
    bus.container({ Id: 'c2', Name: '/two', Config: { Image: 'busybox', Labels: {} } }, 'start'); // 4000
    const live: string[] = [];
    const { past, unsubscribe } = bus.subscribe(2500n, 0n, f({ label: ['team=a'] }), (ev) => live.push(`${ev.Actor.ID} ${ev.Action}`));
    assert.deepEqual(past.map((e) => `${e.Actor.ID} ${e.Action} ${e.Actor.Attributes['name']}`), ['c1 start one']);
    bus.container({ Id: 'c1', Name: '/one', Config: { Image: 'busybox', Labels: { team: 'a' } } }, 'die', { exitCode: '0' });
    bus.container({ Id: 'c2', Name: '/two', Config: { Image: 'busybox', Labels: {} } }, 'die');
    unsubscribe();
    bus.container({ Id: 'c1', Name: '/one', Config: { Image: 'busybox', Labels: { team: 'a' } } }, 'destroy');
    assert.deepEqual(live, ['c1 die']);
    assert.equal(bus.subscribers, 0);
  });
  it('replays nothing without since/until, and keeps only the last events', () => {
    const bus = new EventBus();
    for (let i = 0; i < EVENTS_KEPT + 10; i++) bus.publish('volume', 'create', { ID: `v${i}`, Attributes: {} });
    assert.deepEqual(bus.subscribe(0n, 0n, new Map(), () => {}).past, []);
    const all = bus.subscribe(1n, 0n, new Map(), () => {}).past;
    assert.equal(all.length, EVENTS_KEPT);
    assert.equal(all[0]?.Actor.ID, 'v10');
  });
  it('stamps strictly increasing times', () => {
    const bus = new EventBus();
    for (let i = 0; i < 50; i++) bus.publish('volume', 'create', { ID: `v${i}`, Attributes: {} });
    const times = bus.subscribe(1n, 0n, new Map(), () => {}).past.map((e) => eventNanos(e));
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0n) > (times[i - 1] ?? 0n));
  });
});

describe('since/until values', () => {
  it('parse seconds with an optional fraction to nanoseconds', () => {
    assert.equal(parseEventTime(null), 0n);
    assert.equal(parseEventTime(''), 0n);
    assert.equal(parseEventTime('1700000000'), 1_700_000_000_000_000_000n);
    assert.equal(parseEventTime('1700000000.5'), 1_700_000_000_500_000_000n);
    assert.equal(parseEventTime('1700000000.123456789123'), 1_700_000_000_123_456_789n);
    assert.throws(() => parseEventTime('10m'), /failed to parse/);
  });
});
