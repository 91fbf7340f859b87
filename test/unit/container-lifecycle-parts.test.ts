/**
 * The container manager's pure parts, without root: names, the state
 * machine's guards, status lines and API shapes, /etc files, list filters,
 * `top` parsing and signal names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilters } from '../../engine/daemon/api/filters.js';
import { hostsWithSelf, resolvConf } from '../../engine/daemon/containers/etc-files.js';
import { parsePsTable } from '../../engine/daemon/containers/lifecycle.js';
import { selectContainers } from '../../engine/daemon/containers/list-filter.js';
import { generateName, nameConflictMessage, newContainerId, normalizeName } from '../../engine/daemon/containers/names.js';
import { containerPaths, initialState } from '../../engine/daemon/containers/records.js';
import type { ContainerRecord } from '../../engine/daemon/containers/records.js';
import { parseSignal } from '../../engine/daemon/containers/signals.js';
import { canKill, canRemove, canStart, canStop, canPause, canUnpause, startFailureExitCode } from '../../engine/daemon/containers/state-machine.js';
import type { ContainerStatus } from '../../engine/daemon/containers/state-machine.js';
import { containerInspect, containerSummary, humanDuration, statusLine } from '../../engine/daemon/containers/views.js';

const status = (e: unknown): number => (e as { status: number }).status;

function rec(over: Partial<ContainerRecord> & { status?: ContainerStatus; exitCode?: number } = {}): ContainerRecord {
  const state = initialState();
  state.Status = over.status ?? 'created';
  state.ExitCode = over.exitCode ?? 0;
  state.StartedAt = '2026-01-01T00:00:00Z';
  state.FinishedAt = '2026-01-01T00:00:10Z';
  return {
    Version: 1,
    Id: 'a'.repeat(64),
    Created: '2026-01-01T00:00:00Z',
    Path: 'sh',
    Args: ['-c', 'exit 3'],
    Config: { Image: 'busybox', Labels: { a: 'b' } },
    HostConfig: { NetworkMode: 'none' },
    Image: 'sha256:' + 'f'.repeat(64),
    Name: '/t1',
    RestartCount: 0,
    State: state,
    Mounts: [],
    AnonymousVolumes: [],
    Volumes: [],
    ...over,
  };
}

describe('container names and ids', () => {
  it('accepts Docker names and strips the slash', () => {
    assert.equal(normalizeName('/web_1.a-b'), 'web_1.a-b');
    assert.equal(normalizeName('ab'), 'ab');
  });
  it('refuses invalid names with 400', () => {
    for (const bad of ['a', '-ab', 'a b', 'a/b', '_x']) assert.throws(() => normalizeName(bad), (e) => status(e) === 400, bad);
  });
  it('makes 64-hex ids and free generated names', () => {
    assert.match(newContainerId(), /^[0-9a-f]{64}$/);
    assert.match(generateName(() => false), /^[a-z]+_[a-z]+$/);
    assert.match(nameConflictMessage('x', 'abc'), /^Conflict\. The container name "\/x" is already in use by container "abc"\. You have to remove \(or rename\)/);
  });
});

describe('container state machine', () => {
  const s = (Status: ContainerStatus) => ({ Status });
  it('start: 304 when running, 409 when paused, fine when created or exited', () => {
    assert.throws(() => canStart(s('running')), (e) => status(e) === 304);
    assert.throws(() => canStart(s('paused')), (e) => status(e) === 409);
    canStart(s('created'));
    canStart(s('exited'));
  });
  it('stop is 304 and kill 409 when not running', () => {
    assert.throws(() => canStop(s('exited')), (e) => status(e) === 304);
    assert.throws(() => canKill(s('created'), 'x'), (e) => status(e) === 409);
    canStop(s('paused'));
    canKill(s('running'), 'x');
  });
  it('pause/unpause guards', () => {
    assert.throws(() => canPause(s('paused'), 'x'), (e) => status(e) === 409);
    assert.throws(() => canUnpause(s('running'), 'x'), (e) => status(e) === 409);
  });
  it('remove: running needs force', () => {
    assert.throws(() => canRemove(s('running'), 'abc', false), /You cannot remove a running container abc\. Stop the container before attempting removal or force remove/);
    canRemove(s('running'), 'abc', true);
    canRemove(s('exited'), 'abc', false);
  });
  it('start failure exit codes', () => {
    assert.equal(startFailureExitCode('exec `/x`: No such file or directory'), 127);
    assert.equal(startFailureExitCode('exec: permission denied'), 126);
    assert.equal(startFailureExitCode('cgroup trouble'), 128);
  });
});

describe('container views', () => {
  it('human durations as go-units', () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(3000), '3 seconds');
    assert.equal(humanDuration(61_000), 'About a minute');
    assert.equal(humanDuration(5 * 3_600_000), '5 hours');
  });
  it('status lines', () => {
    const now = Date.parse('2026-01-01T00:00:13Z');
    assert.equal(statusLine(rec({ status: 'running' }), now), 'Up 13 seconds');
    assert.equal(statusLine(rec({ status: 'paused' }), now), 'Up 13 seconds (Paused)');
    assert.equal(statusLine(rec({ status: 'exited', exitCode: 3 }), now), 'Exited (3) 3 seconds ago');
    assert.equal(statusLine(rec(), now), 'Created');
  });
  it('summary and inspect shapes', () => {
    const r = rec({ status: 'exited', exitCode: 3 });
    const sum = containerSummary(r, Date.parse('2026-01-01T00:00:13Z'));
    assert.deepEqual(Object.keys(sum).sort(), ['Command', 'Created', 'HostConfig', 'Id', 'Image', 'ImageID', 'Labels', 'Mounts', 'Names', 'NetworkSettings', 'Ports', 'State', 'Status'].sort());
    assert.equal(sum['Command'], "sh -c 'exit 3'");
    assert.deepEqual(sum['Names'], ['/t1']);
    assert.equal(sum['Created'], Date.parse('2026-01-01T00:00:00Z') / 1000);
    const p = containerPaths('/var/lib/tscompose/containers', '/run/tscompose/x', r.Id);
    const ins = containerInspect(r, p, ['/l1', '/l2']);
    assert.equal(ins['Driver'], 'overlay2');
    assert.equal(ins['Platform'], 'linux');
    assert.equal(ins['LogPath'], `/var/lib/tscompose/containers/${r.Id}/${r.Id}-json.log`);
    assert.equal((ins['GraphDriver'] as { Data: { LowerDir: string } }).Data.LowerDir, '/l1:/l2');
    assert.deepEqual((ins['NetworkSettings'] as { Networks: object }).Networks, {});
    assert.equal((ins['State'] as { ExitCode: number }).ExitCode, 3);
    assert.equal(p.monitor, `/run/tscompose/x/${r.Id}`);
  });
});

describe('container /etc files', () => {
  it('hosts: localhost lines, ExtraHosts, own hostname', () => {
    const text = hostsWithSelf({ hostname: 'abc', extraHosts: ['db:10.0.0.2', 'v6:[::2]'] }, '127.0.0.1');
    assert.match(text, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
    assert.match(text, /10\.0\.0\.2\tdb\n/);
    assert.match(text, /::2\tv6\n/);
    assert.match(text, /127\.0\.0\.1\tabc\n$/);
  });
  it('resolv.conf drops loopback nameservers and honours Dns/DnsSearch/DnsOptions', () => {
    const host = 'nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch corp\noptions edns0\n';
    assert.equal(resolvConf(host, { hostname: 'x' }), 'nameserver 10.1.1.1\nsearch corp\noptions edns0\n');
    assert.equal(resolvConf(host, { hostname: 'x', dns: ['9.9.9.9'], dnsSearch: ['a.b'], dnsOptions: ['ndots:2'] }), 'nameserver 9.9.9.9\nsearch a.b\noptions ndots:2\n');
    assert.match(resolvConf('nameserver 127.0.0.1\n', { hostname: 'x' }), /nameserver 8\.8\.8\.8/);
  });
});

describe('container list filters', () => {
  const running = rec({ Id: 'b'.repeat(64), Name: '/web', status: 'running', Created: '2026-01-02T00:00:00Z' });
  const exited = rec({ Id: 'c'.repeat(64), Name: '/job', status: 'exited', exitCode: 3, Config: { Image: 'busybox', Labels: { role: 'batch' } } });
  const all = [exited, running];
  const q = (filters: string, a = false) => selectContainers(all, { all: a, filters: parseFilters(filters), resolveImage: () => undefined }).map((r) => r.Name);
  it('running only by default, newest first with all', () => {
    assert.deepEqual(q(''), ['/web']);
    assert.deepEqual(q('', true), ['/web', '/job']);
  });
  it('status, exited, name, label, id', () => {
    assert.deepEqual(q('{"status":["exited"]}'), ['/job']);
    assert.deepEqual(q('{"exited":["3"]}'), ['/job']);
    assert.deepEqual(q('{"name":["we"]}', true), ['/web']);
    assert.deepEqual(q('{"label":["role=batch"]}', true), ['/job']);
    assert.deepEqual(q('{"id":["ccc"]}', true), ['/job']);
  });
  it('refuses unknown filters and statuses', () => {
    assert.throws(() => q('{"foo":["x"]}'), (e) => status(e) === 400);
    assert.throws(() => q('{"status":["sleeping"]}'), (e) => status(e) === 400);
  });
});

describe('top and signals', () => {
  it('keeps the container rows of ps -ef', () => {
    const out = 'UID PID PPID C STIME TTY TIME CMD\nroot 10 1 0 10:00 ? 00:00:00 sleep 300\nroot 11 1 0 10:00 ? 00:00:00 other thing\n';
    assert.deepEqual(parsePsTable(out, [10]), {
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [['root', '10', '1', '0', '10:00', '?', '00:00:00', 'sleep 300']],
    });
  });
  it('normalizes signal names', () => {
    assert.equal(parseSignal('term'), 'SIGTERM');
    assert.equal(parseSignal('9'), 'SIGKILL');
    assert.equal(parseSignal('SIGUSR1'), 'SIGUSR1');
    assert.throws(() => parseSignal('NOPE'), (e) => status(e) === 400);
  });
});
