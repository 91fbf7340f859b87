/**
 * Container stats through the engine with Docker's own CLI: `docker stats
 * --no-stream` and the streaming `docker stats` on a busy busybox container
 * with a 64 MiB limit (real CPU %, memory usage and limit, PIDs), a stopped
 * container's zeroed row, a missing one's error, and the raw API: one-shot,
 * paused, stream=true (objects a second apart, each pointing at the one
 * before), stream with one-shot (400). Root only: containers need cgroups.
 * Timing is only bounded generously (a sample a second, against a 15 s wait).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { engineSkipReason } from '../helpers/engine-fixture.js';

const skip = engineSkipReason();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

/** The CLI's sizes ("19.61MiB", "64MiB", "512KiB", "0B") in bytes. */
function bytes(text: string): number {
  const m = /^([\d.]+)\s*(B|KiB|MiB|GiB|TiB)$/.exec(text.trim());
  assert.ok(m, `not a size: ${text}`);
  const unit = { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB, TiB: 1024 * 1024 * MiB }[m[2] as 'B'];
  return Number(m[1]) * unit;
}

interface StatsRow {
  Name: string;
  ID: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

function get(socketPath: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: p, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${p}: no answer in 20 s`)));
    req.on('error', reject);
  });
}

/** The first `n` JSON lines of a streaming GET, then the connection is dropped. */
function firstLines(socketPath: string, p: string, n: number, ms: number): Promise<{ status: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let buf = '';
    const req = http.get({ socketPath, path: p, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        const lines = buf.split('\n').slice(0, -1);
        if (lines.length >= n) {
          clearTimeout(timer);
          req.destroy();
          resolve({ status, lines: lines.slice(0, n) });
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${p}: fewer than ${n} objects in ${ms} ms (got ${JSON.stringify(buf.slice(0, 300))})`));
    }, ms);
    // Errors after the lines arrived (the connection dropped on purpose) change nothing.
    req.on('error', reject);
  });
}

describe('container stats through the engine, driven by the docker CLI', { skip }, () => {
  let d: TestDaemon;
  let work: string;
  const ids = new Set<string>();

  const docker = (args: string[]): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', ['-H', d.host, ...args], { env: d.env, encoding: 'utf8', timeout: 60_000 });
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  };
  const ok = (args: string[]): string => {
    const r = docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail(40)}`);
    return r.out.trim();
  };
  const statsRow = (name: string): StatsRow => JSON.parse(ok(['stats', '--no-stream', '--format', '{{json .}}', name])) as StatsRow;

  before(async () => {
    work = tempDir('tsc-e2e-stats-');
    const rootfsTar = path.join(work, 'busybox.tar');
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'engine/images/busybox-rootfs.sh'), path.join(work, 'rootfs'), '--tar', rootfsTar], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    d = await startTestDaemon();
    ok(['import', '--change', 'CMD ["sh"]', rootfsTar, 'busybox:latest']);
  });

  after(async () => {
    const problems: string[] = [];
    if (d !== undefined) {
      const left = docker(['ps', '-aq', '--no-trunc']).out.trim();
      if (left) docker(['rm', '-f', ...left.split('\n')]);
      await d.stop();
      for (const top of fs.readdirSync('/sys/fs/cgroup')) {
        for (const id of ids) {
          const cg = path.join('/sys/fs/cgroup', top, 'tscompose', id);
          if (fs.existsSync(cg)) problems.push(`cgroup left: ${cg}`);
        }
      }
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
    assert.deepEqual(problems, [], 'left behind on the host');
  });

  it('docker stats --no-stream shows a busy container\'s CPU %, memory against its 64 MiB limit, and PIDs', async () => {
    // ~16 MB held in a shell variable, then a busy loop.
    const id = ok(['run', '-d', '--name', 'busy', '--memory', '64m', 'busybox', 'sh', '-c', 'x=$(head -c 16000000 /dev/zero | tr "\\0" a); while :; do :; done']);
    ids.add(id);
    let row = statsRow('busy');
    // The allocation takes a moment: wait (generously) until it shows.
    const deadline = Date.now() + 15_000;
    while (bytes(row.MemUsage.split('/')[0] ?? '') < 12 * MiB && Date.now() < deadline) {
      await sleep(200);
      row = statsRow('busy');
    }
    assert.equal(row.Name, 'busy');
    assert.equal(row.ID, id.slice(0, 12));
    const [usage, limit] = row.MemUsage.split('/').map((s) => s.trim());
    assert.equal(limit, '64MiB');
    const used = bytes(usage ?? '');
    assert.ok(used >= 12 * MiB && used < 64 * MiB, `memory usage ${usage}`);
    const memPerc = Number.parseFloat(row.MemPerc);
    assert.ok(Math.abs(memPerc - (used / (64 * MiB)) * 100) < 1, `MemPerc ${row.MemPerc} vs ${usage} of 64MiB`);
    // The CPU % of stream=false comes from two samples a second apart: a busy loop shows.
    const cpu = Number.parseFloat(row.CPUPerc);
    assert.ok(cpu >= 1, `CPU % of a busy loop: ${row.CPUPerc}`);
    assert.ok(Number(row.PIDs) >= 1, `PIDs ${row.PIDs}`);
    assert.match(row.NetIO, /^\d+(\.\d+)?[kMG]?B \/ \d+(\.\d+)?[kMG]?B$/, 'the bridge endpoint\'s traffic');
  });

  it('the raw API answers one-shot at once with the cgroup\'s numbers, paused containers included', async () => {
    const one = await get(d.socketPath, '/v1.47/containers/busy/stats?stream=false&one-shot=true');
    assert.equal(one.status, 200);
    const s = JSON.parse(one.body);
    assert.equal(s.name, '/busy');
    assert.equal(s.memory_stats.limit, 64 * MiB);
    assert.ok(s.memory_stats.usage > 0);
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
    assert.ok(s.cpu_stats.system_cpu_usage > 0);
    assert.ok(s.cpu_stats.online_cpus >= 1);
    assert.equal(s.precpu_stats.cpu_usage.total_usage, 0, 'one-shot: no previous sample');
    assert.equal(s.preread, '0001-01-01T00:00:00Z');
    assert.ok(s.pids_stats.current >= 1);
    // On the default bridge: eth0's counters, lo left out (as dockerd reports them).
    assert.deepEqual(Object.keys(s.networks ?? {}), ['eth0']);
    assert.equal(typeof s.networks.eth0.rx_bytes, 'number');
    assert.notEqual(s.read, '0001-01-01T00:00:00Z');

    ok(['pause', 'busy']);
    try {
      const paused = JSON.parse((await get(d.socketPath, '/v1.47/containers/busy/stats?stream=0&one-shot=1')).body);
      assert.equal(paused.memory_stats.limit, 64 * MiB, 'a paused container still has its cgroup');
    } finally {
      ok(['unpause', 'busy']);
    }
    const both = await get(d.socketPath, '/v1.47/containers/busy/stats?stream=1&one-shot=1');
    assert.equal(both.status, 400);
    assert.equal(JSON.parse(both.body).message, 'cannot have stream=true and one-shot=true');
  });

  it('streams one object a second, each pointing at the one before', async () => {
    const { status, lines } = await firstLines(d.socketPath, '/v1.47/containers/busy/stats?stream=true', 3, 15_000);
    assert.equal(status, 200);
    const [a, b, c] = lines.map((l) => JSON.parse(l));
    assert.equal(a.preread, '0001-01-01T00:00:00Z');
    for (const [prev, cur] of [[a, b], [b, c]]) {
      assert.ok(Date.parse(cur.read) > Date.parse(prev.read), `read times increase: ${prev.read} then ${cur.read}`);
      assert.equal(cur.preread, prev.read);
      assert.deepEqual(cur.precpu_stats, prev.cpu_stats);
      assert.ok(cur.cpu_stats.cpu_usage.total_usage >= prev.cpu_stats.cpu_usage.total_usage);
    }
  });

  it('the streaming docker stats shows the same container live', async () => {
    const cli = spawn('docker', ['-H', d.host, 'stats', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'busy'], { env: d.env });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const rows = (): string[] => out.split(/\r?\n|\x1b\[[0-9;]*[A-Za-z]/).filter((l) => /^busy \d/.test(l.trim()));
    try {
      const deadline = Date.now() + 15_000;
      while (rows().length === 0 && Date.now() < deadline) await sleep(100);
      // Samples come a second apart: 2.5 s after the first row, the rows show later samples too.
      await sleep(2500);
    } finally {
      // The CLI does not stop on SIGTERM while it streams.
      cli.kill('SIGKILL');
    }
    const last = rows().at(-1);
    assert.ok(last, `no stats rows from docker stats:\n${out.slice(0, 500)}`);
    const m = /^busy ([\d.]+)% ([\d.]+\w+) \/ 64MiB (\d+)$/.exec(last.trim());
    assert.ok(m, `row: ${last}`);
    assert.ok(Number(m[1]) > 0, `CPU %: ${last}`);
    assert.ok(Number(m[3]) >= 1, `PIDs: ${last}`);
  });

  it('a stopped container gets a zeroed row, a missing one an error', async () => {
    const created = ok(['create', '--name', 'idle', 'busybox', 'true']);
    ids.add(created);
    const exited = ok(['run', '-d', '--name', 'done', 'busybox', 'true']);
    ids.add(exited);
    assert.equal(ok(['wait', 'done']), '0');
    for (const name of ['idle', 'done']) {
      const row = statsRow(name);
      assert.deepEqual(
        { CPUPerc: row.CPUPerc, MemUsage: row.MemUsage, MemPerc: row.MemPerc, NetIO: row.NetIO, BlockIO: row.BlockIO, PIDs: row.PIDs, Name: row.Name },
        { CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0', Name: name },
      );
    }
    const table = ok(['stats', '--no-stream', 'idle']).split('\n');
    assert.match(table[0] ?? '', /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    assert.match(table[1] ?? '', new RegExp(`^${created.slice(0, 12)}\\s+idle\\s+0\\.00%\\s+0B / 0B\\s+0\\.00%\\s+0B / 0B\\s+0B / 0B\\s+0$`));

    // The zeroed body: no sample of a container that is not running.
    const raw = await get(d.socketPath, '/v1.47/containers/idle/stats?stream=false');
    const z = JSON.parse(raw.body);
    assert.equal(z.read, '0001-01-01T00:00:00Z');
    assert.equal(z.name, '/idle');
    assert.equal(z.id, created);
    assert.deepEqual(z.memory_stats, {});
    assert.equal(z.blkio_stats.io_service_bytes_recursive, null);

    const missing = docker(['stats', '--no-stream', 'no-such-container']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /No such container: no-such-container/);
    assert.equal((await get(d.socketPath, '/v1.47/containers/no-such-container/stats?stream=false')).status, 404);
  });
});
