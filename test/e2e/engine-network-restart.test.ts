/**
 * The engine's networking across a daemon crash: containers keep their
 * connectivity while the daemon is down (bridge, veths and rules are kernel
 * state, not the daemon's), a published port keeps answering, and once the
 * daemon is back its port is held again and the embedded DNS answers again.
 * Traffic: loopback and the containers made here only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ROOT } from '../../engine/daemon/config.js';
import { instanceTag } from '../../engine/daemon/network/names.js';
import { clientEnv, tempDir } from '../helpers/daemon.js';
import { busyboxTar, engineSkipReason } from '../helpers/engine-fixture.js';
import { RestartableDaemon } from '../helpers/restartable-daemon.js';

const skip = engineSkipReason() || (spawnSync('iptables', ['-V']).status !== 0 ? 'iptables not installed' : false);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const PORT = 18380;

function hit(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: PORT, path: '/hostname', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

describe('networking across a daemon crash', { skip }, () => {
  let work: string;
  let d: RestartableDaemon;
  let env: NodeJS.ProcessEnv;
  const ids: string[] = [];
  const docker = (args: string[]): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: 60_000 });
    return { out: r.stdout ?? '', err: r.stderr ?? '', code: r.status ?? -1 };
  };
  const ok = (args: string[]): string => {
    const r = docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.err}\n${d.logTail()}`);
    return r.out.trim();
  };

  before(async () => {
    work = tempDir('tsc-e2e-nr-');
    const tar = busyboxTar(work);
    d = new RestartableDaemon(path.join(work, 'root'), path.join(work, 'e.sock'));
    env = clientEnv(work, `unix://${d.socketPath}`);
    await d.start();
    ok(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']);
  });

  after(async () => {
    if (!d) return;
    if (!d.child || d.child.exitCode !== null) await d.start().catch(() => undefined);
    const left = docker(['ps', '-aq', '--no-trunc']).out.trim();
    ids.push(...left.split('\n').filter((x) => x !== ''));
    if (left) docker(['rm', '-f', ...left.split('\n')]);
    docker(['network', 'rm', 'steady']);
    await d.kill('SIGTERM');
    const tag = instanceTag(d.root, DEFAULT_ROOT);
    const problems = [
      ...spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`tsc0-${tag}`) || ids.some((id) => l.includes(`link-netns tsc-${id.slice(0, 12)}`))),
      ...spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`TSC-${tag}-`)),
      ...fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work)),
    ];
    if (problems.length === 0) fs.rmSync(work, { recursive: true, force: true });
    assert.deepEqual(problems, [], `left behind (state kept in ${work})`);
  });

  it('keeps traffic flowing while the daemon is down, and resumes DNS and the port hold after', async () => {
    ok(['network', 'create', 'steady']);
    ok(['run', '-d', '--name', 'server', '--network', 'steady', '-p', `127.0.0.1:${PORT}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const serverIp = ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "steady").IPAddress}}', 'server']);
    // A client polling the server by address every 100 ms, logging each result.
    ok(['run', '-d', '--name', 'client', '--network', 'steady', 'busybox', 'sh', '-c', `while :; do if timeout 2 wget -q -O /dev/null http://${serverIp}/hostname; then echo ok; else echo FAIL; fi; usleep 100000; done`]);
    for (let i = 0; i < 50 && !(await hit()); i++) await sleep(100);
    assert.ok(await hit(), 'the published port answers before the crash');
    assert.match(ok(['exec', 'client', 'nslookup', 'server']), new RegExp(serverIp.replace(/\./g, '\\.')));

    const logsBefore = ok(['logs', 'client']).split('\n').length;
    await d.kill('SIGKILL');
    let hostFailures = 0;
    let hostHits = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      if (await hit()) hostHits++;
      else hostFailures++;
      await sleep(100);
    }
    await d.start();
    assert.equal(hostFailures, 0, `the published port failed ${hostFailures} times while the daemon was down (${hostHits} answers)`);

    const lines = ok(['logs', 'client']).split('\n');
    assert.ok(lines.length > logsBefore + 10, `the client went on polling (${logsBefore} → ${lines.length} lines)`);
    assert.deepEqual(lines.filter((l) => l !== 'ok'), [], 'container-to-container traffic never failed');
    assert.match(ok(['exec', 'client', 'nslookup', 'server']), new RegExp(serverIp.replace(/\./g, '\\.')), 'DNS answers again');
    assert.ok(await hit(), 'the port still answers after the restart');
    // The port is held by the engine again: nothing else on the host can take it.
    const taken = await new Promise<string>((resolve) => {
      const s = net.createServer();
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.listen(PORT, '127.0.0.1', () => s.close(() => resolve('bound')));
    });
    assert.equal(taken, 'EADDRINUSE');
  });
});
