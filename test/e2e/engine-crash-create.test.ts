/**
 * A daemon SIGKILLed while containers are being created leaves nothing
 * half-made once it starts again. Round after round, many concurrent
 * `POST /containers/create` (raw HTTP over the unix socket; each with a named
 * volume bind and an anonymous volume, so create has several steps: dirs,
 * etc files, an overlay mount for the spec, volumes, bundle, record) are cut
 * by a SIGKILL at a different delay; the restarted daemon (reconcile.ts) must
 * then show a consistent state:
 *  - every container dir under ROOT/containers is a container `docker ps -a`
 *    lists, and the reverse; no `.removing-*`; every create answered 201 is there;
 *  - no overlay mount under the root, no monitor process;
 *  - no anonymous volume without a container using it (the create never
 *    finished, so its own failure path — and dockerd's, cleanupContainer with
 *    RemoveVolume — would have removed it; dockerd after a crash leaves it
 *    dangling until `volume prune`, we finish the cleanup at start instead),
 *    and no volume dir that is not a volume;
 *  - every listed container inspects, starts with both volumes mounted, exits
 *    0 and is removed with its anonymous volume (`rm -v`).
 * No test hooks in the daemon: only real kills at varied times. Root only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientEnv, tempDir } from '../helpers/daemon.js';
import { busyboxTar, engineSkipReason } from '../helpers/engine-fixture.js';
import { defaultRunDir } from '../../engine/daemon/containers/run-dir.js';
import { RestartableDaemon } from '../helpers/restartable-daemon.js';

const skip = engineSkipReason();

/**
 * Kill delays, ms after the first request. One create takes ~40 ms alone but a
 * burst of them finishes together (~350 ms for 32 here), so each delay runs
 * twice: a burst, and the same requests spread 10 ms apart, so that a kill
 * finds some creates answered, some at every step, some not yet sent. The
 * last delay lets (nearly) all of them finish, even on a slower machine.
 */
const DELAYS = [5, 15, 30, 60, 120, 250, 400, 1500];
const SPACINGS = [0, 10];
const PER_ROUND = 32;
const NAMED_VOLUME = 'crashvol';
const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


/** Processes whose command line mentions `needle`, except `except`. */
function processesMentioning(needle: string, except: readonly (number | undefined)[] = []): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid || except.includes(Number(pid))) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${pid} ${cmd}`);
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));
}

/** One create over its own connection; the status (0 when the daemon died first) and the id on 201. */
function createContainer(socketPath: string, name: string): Promise<{ name: string; status: number; id?: string }> {
  const body = JSON.stringify({
    Image: 'busybox',
    Cmd: ['sh', '-c', 'test -d /named && test -d /anon && echo started'],
    Volumes: { '/anon': {} },
    HostConfig: { Binds: [`${NAMED_VOLUME}:/named`], NetworkMode: 'none' },
  });
  return new Promise((resolve) => {
    const req = http.request(
      { socketPath, method: 'POST', path: `/v1.47/containers/create?name=${name}`, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => {
          let id: string | undefined;
          try {
            id = (JSON.parse(data) as { Id?: string }).Id;
          } catch {
            id = undefined;
          }
          resolve({ name, status: res.statusCode ?? 0, ...(id !== undefined ? { id } : {}) });
        });
        res.on('error', () => resolve({ name, status: 0 }));
      },
    );
    req.on('error', () => resolve({ name, status: 0 }));
    req.end(body);
  });
}

interface Listed {
  Id: string;
  Name: string;
  State: { Status: string; ExitCode: number; Pid: number };
  Mounts: { Type: string; Name?: string; Destination: string }[];
}

interface VolumeInfo {
  Name: string;
  Labels: Record<string, string> | null;
}

describe('a daemon SIGKILLed during container creation', { skip }, () => {
  let work: string;
  let d: RestartableDaemon;
  let env: NodeJS.ProcessEnv;
  const ids = new Set<string>();

  const docker = (args: readonly string[]): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: 120_000 });
    return { out: r.stdout ?? '', err: r.stderr ?? '', code: r.status ?? -1 };
  };
  const ok = (args: readonly string[]): string => {
    const r = docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail()}`);
    return r.out.trim();
  };
  const lines = (s: string): string[] => s.split('\n').filter((x) => x !== '');
  const volumes = (): VolumeInfo[] => {
    const names = lines(ok(['volume', 'ls', '-q']));
    return names.length === 0 ? [] : (JSON.parse(ok(['volume', 'inspect', ...names])) as VolumeInfo[]);
  };

  before(async () => {
    work = tempDir('tsc-e2e-crash-');
    const tar = busyboxTar(work);
    d = new RestartableDaemon(path.join(work, 'root'), path.join(work, 'e.sock'));
    env = clientEnv(work, `unix://${d.socketPath}`);
    await d.start();
    ok(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']);
  });

  after(async () => {
    if (!d) return;
    const problems: string[] = [];
    if (d.child?.exitCode === null && d.child.signalCode === null) {
      const left = lines(docker(['ps', '-aq', '--no-trunc']).out);
      for (const id of left) ids.add(id);
      if (left.length > 0) docker(['rm', '-f', '-v', ...left]);
      const vols = lines(docker(['volume', 'ls', '-q']).out);
      if (vols.length > 0) docker(['volume', 'rm', '-f', ...vols]);
      await d.kill('SIGTERM');
    }
    const mounts = mountsUnder(work);
    if (mounts.length > 0) {
      problems.push(`mounts left:\n${mounts.join('\n')}`);
      for (const l of mounts) {
        const target = l.split(' ')[4];
        if (target !== undefined) spawnSync('umount', ['-l', target]);
      }
    }
    for (const top of fs.readdirSync('/sys/fs/cgroup')) {
      for (const id of ids) {
        const cg = path.join('/sys/fs/cgroup', top, 'tscompose', id);
        if (fs.existsSync(cg)) problems.push(`cgroup left: ${cg}`);
      }
    }
    const procs = processesMentioning(d.root);
    if (procs.length > 0) problems.push(`processes left:\n${procs.join('\n')}`);
    const runDir = defaultRunDir(d.root);
    if (fs.existsSync(runDir) && fs.readdirSync(runDir).length > 0) problems.push(`monitor state left in ${runDir}: ${fs.readdirSync(runDir).join(' ')}`);
    fs.rmSync(runDir, { recursive: true, force: true });
    if (problems.length === 0) fs.rmSync(work, { recursive: true, force: true });
    assert.deepEqual(problems, [], `left behind on the host (state kept in ${work})`);
  });

  it('finds nothing half-made after each kill, and every container it keeps works', async (t) => {
    let cutShort = 0;
    let acknowledged = 0;
    let interrupted = 0;
    const rounds = DELAYS.flatMap((delay) => SPACINGS.map((spacing) => ({ delay, spacing })));
    for (const [round, { delay, spacing }] of rounds.entries()) {
      const logBefore = d.log().length;
      let killed = false;
      const pending = Array.from({ length: PER_ROUND }, async (_, i) => {
        if (spacing > 0) await sleep(i * spacing);
        // A request not sent before the kill is never sent: it must not reach the next daemon.
        if (killed) return { name: `r${round}-c${i}`, status: 0 };
        return createContainer(d.socketPath, `r${round}-c${i}`);
      });
      await sleep(delay);
      killed = true;
      await d.kill('SIGKILL');
      const results = await Promise.all(pending);
      await d.start();
      const acked = results.filter((r) => r.status === 201 && r.id !== undefined);
      const restartLog = d.log().slice(logBefore);
      const cleaned = (restartLog.match(/container \w+: removed what an interrupted create left/g) ?? []).length;
      const volumesCleaned = (restartLog.match(/an anonymous volume of an interrupted create|volume \w+: removed what an interrupted create left/g) ?? []).length;
      interrupted += cleaned;
      acknowledged += acked.length;
      if (acked.length < PER_ROUND) cutShort++;
      t.diagnostic(`kill after ${delay} ms (requests ${spacing} ms apart): ${acked.length}/${PER_ROUND} created; removed at start: ${cleaned} half-made containers, ${volumesCleaned} volumes of theirs`);
      assert.deepEqual(
        results.filter((r) => r.status !== 201 && r.status !== 0),
        [],
        'a create either succeeds or is cut by the kill',
      );

      // The containers the daemon knows and the dirs on disk are the same set; answered creates are all there.
      const listed = lines(ok(['ps', '-aq', '--no-trunc'])).sort();
      for (const id of listed) ids.add(id);
      const dirs = fs.readdirSync(path.join(d.root, 'containers')).sort();
      assert.deepEqual(dirs, listed, `round ${round}: container dirs are exactly the listed containers`);
      for (const a of acked) assert.ok(listed.includes(a.id ?? ''), `round ${round}: ${a.name} was answered 201 and must survive`);
      assert.deepEqual(mountsUnder(d.root), [], `round ${round}: no mount left under the root`);
      assert.deepEqual(processesMentioning(d.root, [d.child?.pid]), [], `round ${round}: no monitor or runtime process`);

      // Every listed container inspects as created, from this round, with both volumes.
      const inspected = listed.length === 0 ? [] : (JSON.parse(ok(['inspect', ...listed])) as Listed[]);
      for (const c of inspected) {
        assert.equal(c.State.Status, 'created');
        assert.match(c.Name, new RegExp(`^/r${round}-c\\d+$`));
        assert.deepEqual(c.Mounts.map((m) => `${m.Type} ${m.Destination}`).sort(), ['volume /anon', 'volume /named']);
      }

      // Volumes: the named one (when a create got that far) and exactly the anonymous ones listed containers use.
      const anonymousInUse = inspected.flatMap((c) => c.Mounts.filter((m) => m.Destination === '/anon').map((m) => m.Name ?? '')).sort();
      const vols = volumes();
      const anonymous = vols.filter((v) => v.Labels !== null && ANONYMOUS_LABEL in v.Labels).map((v) => v.Name).sort();
      assert.deepEqual(anonymous, anonymousInUse, `round ${round}: anonymous volumes are those of existing containers`);
      const named = vols.filter((v) => !anonymous.includes(v.Name)).map((v) => v.Name);
      assert.ok(named.every((n) => n === NAMED_VOLUME), `round ${round}: no other volume: ${named.join(' ')}`);
      if (acked.length > 0) assert.deepEqual(named, [NAMED_VOLUME]);
      const volumeDirs = fs.readdirSync(path.join(d.root, 'volumes')).sort();
      assert.deepEqual(volumeDirs, vols.map((v) => v.Name).sort(), `round ${round}: every volume dir is a volume`);

      // Each of them starts (both volumes mounted, or the test command fails), exits 0, and goes with its anonymous volume.
      if (listed.length > 0) {
        ok(['start', ...listed]);
        assert.deepEqual(lines(ok(['wait', ...listed])), listed.map(() => '0'), `round ${round}: every container ran its command`);
        const first = listed[0] ?? '';
        assert.equal(ok(['logs', first]), 'started');
        ok(['rm', '-v', ...listed]);
      }
      assert.equal(ok(['ps', '-aq']), '');
      assert.deepEqual(
        volumes().map((v) => v.Name),
        named,
        `round ${round}: rm -v removed every anonymous volume`,
      );
      assert.deepEqual(fs.readdirSync(path.join(d.root, 'containers')), []);
      assert.deepEqual(mountsUnder(d.root), []);
    }
    // Not a vacuous pass: the kills did land while creates were under way.
    assert.ok(cutShort > 0, 'at least one round was cut short by the kill');
    assert.ok(acknowledged > 0, 'at least one create finished before a kill');
    assert.ok(interrupted > 0, 'at least one kill landed in the middle of a create');
    t.diagnostic(`${acknowledged} creates answered, ${interrupted} half-made ones removed at start, over ${rounds.length} rounds`);
  });
});
