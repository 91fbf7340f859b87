/**
 * The engine daemon driven by Docker's own CLI (client only, already on the
 * machine) and by `tscompose engine start|status|stop`. No root needed: the
 * engine runs on a temp root and socket, and is killed even when a test fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientEnv, killEngineOn, ping, runCli, startTestDaemon, tempDir } from '../helpers/daemon.js';
import type { TestDaemon } from '../helpers/daemon.js';

const dockerAvailable = spawnSync('docker', ['--version'], { encoding: 'utf8' }).status === 0;

describe('engine driven by the docker CLI', { skip: dockerAvailable ? false : 'docker CLI not installed' }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startTestDaemon();
  });
  after(async () => {
    await d?.stop();
  });

  const docker = (...args: string[]): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', ['-H', d.host, ...args], { env: d.env, encoding: 'utf8', timeout: 30_000 });
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  };
  const ok = (...args: string[]): string => {
    const r = docker(...args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail()}`);
    return r.out;
  };

  it('docker version shows our server and API 1.47', () => {
    const out = ok('version', '--format', '{{json .Server}}');
    const server = JSON.parse(out) as { Version: string; ApiVersion: string; MinAPIVersion: string; Os: string; Platform: { Name: string } };
    assert.equal(server.Version, '0.1.0');
    assert.equal(server.ApiVersion, '1.47');
    assert.equal(server.MinAPIVersion, '1.24');
    assert.equal(server.Os, 'linux');
    assert.equal(server.Platform.Name, 'tscompose engine');
    assert.match(ok('version'), /API version:\s+1\.47 \(downgraded from/);
  });

  it('docker info succeeds and reports our root and swarm inactive', () => {
    const info = JSON.parse(ok('info', '--format', '{{json .}}')) as Record<string, unknown>;
    assert.equal(info['DockerRootDir'], d.root);
    assert.equal(info['ServerVersion'], '0.1.0');
    assert.equal((info['Swarm'] as { LocalNodeState: string }).LocalNodeState, 'inactive');
    assert.equal(info['OSType'], 'linux');
    const r = docker('info');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Server Version: 0\.1\.0/);
  });

  it('creates, lists, inspects and removes a volume', () => {
    assert.equal(ok('volume', 'create', '--label', 'a=b', 'v1').trim(), 'v1');
    ok('volume', 'create', 'other');
    assert.deepEqual(ok('volume', 'ls', '-q', '--filter', 'label=a=b').trim().split('\n'), ['v1']);
    assert.deepEqual(ok('volume', 'ls', '-q', '--filter', 'label=a').trim().split('\n'), ['v1']);
    assert.deepEqual(ok('volume', 'ls', '-q', '--filter', 'name=oth').trim().split('\n'), ['other']);
    const [v] = JSON.parse(ok('volume', 'inspect', 'v1')) as { Name: string; Mountpoint: string; Labels: Record<string, string>; Driver: string; Scope: string }[];
    assert.equal(v?.Name, 'v1');
    assert.equal(v?.Driver, 'local');
    assert.equal(v?.Scope, 'local');
    assert.deepEqual(v?.Labels, { a: 'b' });
    assert.equal(v?.Mountpoint, path.join(d.root, 'volumes', 'v1', '_data'));
    assert.ok(fs.statSync(v?.Mountpoint ?? '').isDirectory());
    assert.equal(ok('volume', 'rm', 'v1').trim(), 'v1');
    const again = docker('volume', 'inspect', 'v1');
    assert.notEqual(again.code, 0);
    assert.match(again.err, /no such volume/);
  });

  it('volume prune -f removes anonymous volumes and keeps named ones (prune --all removes those too)', () => {
    const anon = ok('volume', 'create').trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    const out = ok('volume', 'prune', '-f');
    assert.match(out, new RegExp(anon));
    assert.match(out, /Total reclaimed space/);
    assert.deepEqual(ok('volume', 'ls', '-q').trim().split('\n'), ['other']);
    ok('volume', 'prune', '-f', '--all');
    assert.equal(ok('volume', 'ls', '-q').trim(), '');
  });

  it('reports unsupported pulls as a clear daemon error', () => {
    const r = docker('pull', 'busybox');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /not supported yet: this engine has no registry client/);
  });
});

describe('tscompose engine start|status|stop', () => {
  const dir = tempDir('tsc-cli-');
  const root = path.join(dir, 'root');
  const socketPath = path.join(dir, 'engine.sock');
  const flags = ['--root', root, '--host', `unix://${socketPath}`];
  const env = clientEnv(dir, `unix://${socketPath}`);
  after(() => {
    killEngineOn(root);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts, reports, refuses a second daemon, and stops', async () => {
    const start = runCli(['engine', 'start', ...flags], env);
    assert.equal(start.status, 0, start.stderr);
    assert.match(start.stdout, /tscompose engine started \(pid \d+\)/);
    assert.ok(await ping(socketPath));

    const status = runCli(['engine', 'status', '--format', 'json', ...flags], env);
    assert.equal(status.status, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { running: boolean; pid: number; socket: string; root: string; version: string; apiVersion: string };
    assert.deepEqual([s.running, s.socket, s.root, s.version, s.apiVersion], [true, socketPath, root, '0.1.0', '1.47']);
    assert.equal(s.pid, Number(fs.readFileSync(path.join(root, 'engine.pid'), 'utf8')));

    const again = runCli(['engine', 'start', ...flags], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already running/);

    const stop = runCli(['engine', 'stop', ...flags], env);
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(stop.stdout, /tscompose engine stopped/);
    assert.equal(await ping(socketPath), false);
    assert.ok(!fs.existsSync(socketPath), 'socket removed on graceful stop');
    assert.ok(!fs.existsSync(path.join(root, 'engine.pid')), 'pid file removed on graceful stop');

    const down = runCli(['engine', 'status', ...flags], env);
    assert.equal(down.status, 1);
    assert.match(down.stdout, /Status:\s+not running/);
  });

  it('removes a stale socket file left by a killed engine', async () => {
    const first = runCli(['engine', 'start', ...flags], env);
    assert.equal(first.status, 0, first.stderr);
    killEngineOn(root);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(fs.existsSync(socketPath), 'SIGKILL leaves the socket file behind');
    const restart = runCli(['engine', 'start', ...flags], env);
    assert.equal(restart.status, 0, restart.stderr);
    const stop = runCli(['engine', 'stop', ...flags], env);
    assert.equal(stop.status, 0, stop.stderr);
  });
});
