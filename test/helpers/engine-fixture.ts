/**
 * What most engine e2e tests share: why they would be skipped, a daemon on a
 * temp root with the busybox test image imported, the docker CLI pointed at
 * it, and a teardown that removes every container and fails the test if a
 * mount, cgroup or process of ours is left on the host.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_ROOT } from '../../engine/daemon/config.js';
import { instanceTag } from '../../engine/daemon/network/names.js';
import { startTestDaemon, tempDir } from './daemon.js';
import type { TestDaemon } from './daemon.js';
import { REPO_ROOT } from './paths.js';

/** Why engine e2e tests cannot run here, or false. */
export function engineSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (mounts, namespaces, cgroups)';
  if (spawnSync('docker', ['--version'], { encoding: 'utf8' }).status !== 0) return 'docker CLI not installed';
  if (!fs.existsSync('/bin/busybox')) return 'busybox-static not installed';
  if (!fs.existsSync(path.join(REPO_ROOT, 'engine/runtime/build/tscompose-monitor'))) return 'engine/runtime not built (make -C engine/runtime)';
  return false;
}

export interface DockerResult {
  out: string;
  err: string;
  code: number;
}

export interface EngineFixture {
  d: TestDaemon;
  work: string;
  /** Runs the docker CLI against the daemon. */
  docker(args: readonly string[], input?: string): DockerResult;
  /** Runs it and asserts success; the trimmed stdout. */
  ok(args: readonly string[], input?: string): string;
  /** Every container's cgroup and pid seen, for the leftovers check. */
  track(id: string, pid?: number): void;
  /** Removes containers, stops the daemon, and asserts nothing is left on the host. */
  teardown(): Promise<void>;
}

/** Builds the busybox rootfs tarball (engine/images/busybox-rootfs.sh) under `work`. */
export function busyboxTar(work: string): string {
  const tar = path.join(work, 'busybox.tar');
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'engine/images/busybox-rootfs.sh'), path.join(work, 'rootfs'), '--tar', tar], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return tar;
}

export async function startEngineFixture(prefix = 'tsc-e2e-'): Promise<EngineFixture> {
  const work = tempDir(prefix);
  const tar = busyboxTar(work);
  const d = await startTestDaemon();
  const ids = new Set<string>();
  const pids = new Set<number>();
  const docker = (args: readonly string[], input?: string): DockerResult => {
    // SIGKILL on timeout: the CLI forwards SIGTERM to the container and would go on waiting.
    const r = spawnSync('docker', ['-H', d.host, ...args], { env: d.env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', ...(input !== undefined ? { input } : {}) });
    return { out: r.stdout ?? '', err: r.stderr ?? '', code: r.status ?? -1 };
  };
  const ok = (args: readonly string[], input?: string): string => {
    const r = docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail(25)}`);
    return r.out.trim();
  };
  ok(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']);

  const teardown = async (): Promise<void> => {
    const left = docker(['ps', '-aq', '--no-trunc']).out.trim();
    for (const id of left.split('\n').filter((x) => x !== '')) ids.add(id);
    if (left) docker(['rm', '-f', ...left.split('\n')]);
    const problems: string[] = [];
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(d.dir) || l.includes(work));
    if (mounts.length > 0) {
      problems.push(`mounts left:\n${mounts.join('\n')}`);
      // Detached before the daemon's temp dir is deleted, so the deletion cannot reach through them.
      for (const l of mounts) {
        const target = l.split(' ')[4];
        if (target !== undefined) spawnSync('umount', ['-l', target]);
      }
    }
    await d.stop();
    // The daemon stopped with nothing running removes its bridges and rules (chains named for its root).
    const tag = instanceTag(d.root, DEFAULT_ROOT);
    // Veths are told apart by the namespace at their other end (another engine's may be up meanwhile).
    const ourNetns = [...ids].map((id) => `link-netns tsc-${id.slice(0, 12)}`);
    const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`tsc0-${tag}`) || ourNetns.some((n) => l.includes(n)));
    if (links.length > 0) problems.push(`links left:\n${links.join('\n')}`);
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => [...ids].some((id) => l.startsWith(`tsc-${id.slice(0, 12)}`)));
    if (netns.length > 0) problems.push(`network namespaces left:\n${netns.join('\n')}`);
    const rules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`TSC-${tag}-`));
    if (rules.length > 0) problems.push(`iptables rules left:\n${rules.join('\n')}`);
    for (const top of fs.readdirSync('/sys/fs/cgroup')) {
      for (const id of ids) {
        const cg = path.join('/sys/fs/cgroup', top, 'tscompose', id);
        if (fs.existsSync(cg)) problems.push(`cgroup left: ${cg}`);
      }
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 0);
        problems.push(`container process ${pid} still alive`);
      } catch {
        // Gone, as it should be.
      }
    }
    if (problems.length === 0) fs.rmSync(work, { recursive: true, force: true });
    assert.deepEqual(problems, [], `left behind on the host (state kept in ${work})`);
  };
  return {
    d,
    work,
    docker,
    ok,
    track: (id, pid) => {
      ids.add(id);
      if (pid !== undefined && pid > 0) pids.add(pid);
    },
    teardown,
  };
}
