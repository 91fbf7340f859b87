/**
 * OCI runtime conformance: the same bundles run under every available runtime
 * (runc, crun, and ours, engine/runtime/build/tscompose-runtime, once built),
 * asserting what is observable inside the container. Each runtime is checked
 * against the expected value; where the output is runtime-independent the
 * other runtimes are also compared to runc's output exactly.
 *
 * Root only (namespaces, cgroups, mounts). No network traffic: the containers
 * get a network namespace with nothing in it. Every container id starts with
 * `tsc-it-`; everything lives under one temp dir; the last test fails if any
 * mount, cgroup dir or process of ours is left.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import {
  DOCKER_DEFAULT_CAPS,
  DOCKER_MASKED_PATHS,
  DOCKER_READONLY_PATHS,
  buildBusyboxRootfs,
  capMask,
  configValidator,
  validateState,
  writeBundle,
  type BundleOptions,
  type SeccompProfile,
} from '../helpers/oci-bundle.js';
import {
  RuntimeSession,
  describeLeftovers,
  discoverRuntimes,
  findLeftovers,
  listOurCgroupDirs,
  mountsUnder,
  prepareCrunCgroups,
  processesUnder,
  type CgroupFix,
  type RunResult,
  type Runtime,
} from '../helpers/runtimes.js';

const isRoot = process.getuid?.() === 0;
const ROOT_SKIP = 'runtime conformance tests need root (namespaces, cgroups, mounts)';

const TAG = randomBytes(3).toString('hex');
const TMP = isRoot ? fs.mkdtempSync(path.join(os.tmpdir(), `tsc-it-rt-${TAG}-`)) : '';
const BUNDLES = path.join(TMP, 'bundles');
const ROOTFS = path.join(TMP, 'rootfs');

const runtimes: Runtime[] = isRoot ? discoverRuntimes(TMP) : [];
const sessions = new Map<string, RuntimeSession>(runtimes.map((rt) => [rt.name, new RuntimeSession(rt)]));
let cgroupFix: CgroupFix = { undo() {} };
let baselineCgroups: string[] = [];
let seq = 0;

/** A fresh container id: tsc-it-<suite tag>-<runtime>-<n>. */
function newId(rt: Runtime): string {
  seq += 1;
  return `tsc-it-${TAG}-${rt.name.replace('tscompose-runtime', 'tsc')}-${seq}`;
}

/** cgroup v1 (this host, hybrid) or v2: decides the paths some checks read. */
const CGROUP_V1 = fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');

before(() => {
  if (!isRoot) return;
  baselineCgroups = listOurCgroupDirs();
  fs.mkdirSync(BUNDLES);
  buildBusyboxRootfs(ROOTFS);
  configValidator(); // prints the skip reason once when ../shared is absent
  const crun = runtimes.find((r) => r.name === 'crun');
  if (crun && !crun.skip) {
    cgroupFix = prepareCrunCgroups();
    if (cgroupFix.crunSkip) crun.skip = cgroupFix.crunSkip;
  }
  for (const rt of runtimes) console.log(`# ${rt.name}: ${rt.skip ? `SKIPPED: ${rt.skip}` : rt.bin}`);
});

after(async () => {
  if (!isRoot) return;
  // Safety net for a run that died before the final test: delete, then undo.
  for (const s of sessions.values()) await s.cleanup();
  const errors: string[] = [];
  try {
    cgroupFix.undo();
  } catch (e) {
    errors.push((e as Error).message);
  }
  const left = findLeftovers(TMP, `tsc-it-${TAG}-`, baselineCgroups);
  if (left.mounts.length === 0 && left.processes.length === 0) fs.rmSync(TMP, { recursive: true, force: true });
  else errors.push(`not removing ${TMP}:\n${describeLeftovers(left)}`);
  if (errors.length) throw new Error(errors.join('\n'));
});

/** Runs `it(rt.name)` for every runtime; an unavailable one is skipped with its reason. */
function forEachRuntime(title: string, fn: (rt: Runtime, s: RuntimeSession, t: import('node:test').TestContext) => Promise<void>): void {
  const names = isRoot ? runtimes.map((r) => r.name) : (['runc', 'crun', 'tscompose-runtime'] as const);
  for (const name of names) {
    it(name, { timeout: 90_000 }, async (t) => {
      if (!isRoot) return t.skip(ROOT_SKIP);
      const rt = runtimes.find((r) => r.name === name);
      if (!rt) return t.skip('not discovered');
      if (rt.skip) return t.skip(rt.skip);
      const s = sessions.get(name);
      assert.ok(s);
      await fn(rt, s, t);
    });
  }
  void title;
}

/** Writes a bundle for id; the test's t.after force-deletes the container and removes the bundle. */
function bundleFor(t: import('node:test').TestContext, s: RuntimeSession, id: string, opts: BundleOptions): string {
  const dir = path.join(BUNDLES, id);
  t.after(async () => {
    const st = await s.stateRaw(id);
    if (st.code === 0) await s.delete(id, true);
    if (mountsUnder(dir).length === 0) fs.rmSync(dir, { recursive: true, force: true });
  });
  writeBundle(dir, ROOTFS, { cgroupsPath: `/${id}`, ...opts });
  return dir;
}

function out(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

// ---------------------------------------------------------------------------
// `run` cases: one bundle, the output checked, and (exact) compared to runc.

interface RunCase {
  name: string;
  opts: BundleOptions;
  check(r: RunResult, runtime: string): void;
  /** The part of the result that must equal runc's exactly (runc itself is the reference). */
  exact?(r: RunResult): unknown;
}

const runcResults = new Map<string, RunResult>();

function runCase(c: RunCase): void {
  describe(c.name, () => {
    forEachRuntime(c.name, async (rt, s, t) => {
      const id = newId(rt);
      const dir = bundleFor(t, s, id, c.opts);
      const r = await s.run(dir, id);
      try {
        c.check(r, rt.name);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${rt.name} output:\n${out(r)}`, { cause: e });
      }
      if (!c.exact) return;
      if (rt.name === 'runc') {
        runcResults.set(c.name, r);
        return;
      }
      const ref = runcResults.get(c.name);
      if (!ref) {
        t.diagnostic('no runc result to compare with (runc skipped or failed)');
        return;
      }
      assert.deepEqual(c.exact(r), c.exact(ref), `${rt.name} differs from runc\n${rt.name}:\n${out(r)}\nrunc:\n${out(ref)}`);
    });
  });
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
const sh = (script: string): string[] => ['sh', '-c', script];

const DOCKER_CAP_MASK = capMask(DOCKER_DEFAULT_CAPS);
assert.equal(DOCKER_CAP_MASK, '00000000a80425fb'); // Docker's well-known default mask

const SECCOMP_DENY: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  syscalls: [{ names: ['unshare', 'mount', 'umount2', 'setns'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
};

runCase({
  name: 'hostname',
  opts: { args: sh('hostname; cat /proc/sys/kernel/hostname'), hostname: 'tsc-it-host' },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), ['tsc-it-host', 'tsc-it-host']);
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'pid 1 is the process',
  opts: { args: sh('echo $$; exec cat /proc/self/stat') },
  check(r) {
    assert.equal(r.code, 0);
    const [shPid, stat] = lines(r.stdout);
    assert.equal(shPid, '1');
    // after exec, cat is still pid 1; its parent is outside the namespace (ppid 0)
    assert.match(stat ?? '', /^1 \(cat\) R 0 /);
  },
  exact: (r) => lines(r.stdout).map((l) => l.split(' ').slice(0, 4).join(' ')),
});

const statusScript = ['grep', '-E', '^(Cap|NoNewPrivs|Seccomp)', '/proc/self/status'];

runCase({
  name: "capabilities: Docker's default set, no_new_privs, no seccomp",
  opts: { args: statusScript },
  check(r) {
    assert.equal(r.code, 0);
    const l = lines(r.stdout);
    assert.deepEqual(l.filter((x) => !x.startsWith('Seccomp_filters')), [
      'CapInh:\t0000000000000000',
      `CapPrm:\t${DOCKER_CAP_MASK}`,
      `CapEff:\t${DOCKER_CAP_MASK}`,
      `CapBnd:\t${DOCKER_CAP_MASK}`,
      'CapAmb:\t0000000000000000',
      'NoNewPrivs:\t1',
      'Seccomp:\t0',
    ]);
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'seccomp profile: Seccomp: 2',
  opts: { args: statusScript, seccomp: SECCOMP_DENY },
  check(r) {
    assert.equal(r.code, 0);
    const l = lines(r.stdout);
    assert.ok(l.includes('Seccomp:\t2'), 'Seccomp: 2 (filter mode)');
    assert.ok(l.includes('NoNewPrivs:\t1'));
    assert.ok(l.includes(`CapEff:\t${DOCKER_CAP_MASK}`));
    const filters = l.find((x) => x.startsWith('Seccomp_filters:'));
    if (filters) assert.ok(Number(filters.split('\t')[1]) >= 1, filters);
  },
  exact: (r) => lines(r.stdout).filter((x) => !x.startsWith('Seccomp_filters')),
});

const SYS_ADMIN_CAPS = [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN'];
const SECCOMP_SCRIPT = 'unshare -n true 2>&1; echo "unshare=$?"; mount -t tmpfs x /tmp 2>&1; echo "mount=$?"';

runCase({
  name: 'seccomp control: with CAP_SYS_ADMIN and no profile, unshare and mount work',
  opts: { args: sh(SECCOMP_SCRIPT), capabilities: SYS_ADMIN_CAPS },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), ['unshare=0', 'mount=0']);
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'seccomp profile: unshare and mount fail with EPERM despite CAP_SYS_ADMIN',
  opts: { args: sh(SECCOMP_SCRIPT), capabilities: SYS_ADMIN_CAPS, seccomp: SECCOMP_DENY },
  check(r) {
    assert.equal(r.code, 0);
    const l = lines(r.stdout);
    // busybox reports EPERM from mount(2) as "permission denied (are you root?)"
    assert.deepEqual(l, [
      'unshare: unshare(0x40000000): Operation not permitted',
      'unshare=1',
      'mount: permission denied (are you root?)',
      'mount=1',
    ]);
  },
  exact: (r) => r.stdout,
});

const MOUNT_POINTS = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys'];

/** Expected type and options (a subset of what /proc/mounts shows) for Docker's default mounts. */
const EXPECTED_MOUNTS: Record<string, { type: string; has: string[]; hasNot?: string[] }> = {
  '/proc': { type: 'proc', has: ['rw', 'nosuid', 'nodev', 'noexec'] },
  '/dev': { type: 'tmpfs', has: ['rw', 'nosuid', 'mode=755', 'size=65536k'], hasNot: ['relatime', 'noatime'] /* strictatime */ },
  '/dev/pts': { type: 'devpts', has: ['rw', 'nosuid', 'noexec', 'gid=5', 'mode=620', 'ptmxmode=666'] },
  '/dev/shm': { type: 'tmpfs', has: ['rw', 'nosuid', 'nodev', 'noexec', 'size=65536k'] },
  '/dev/mqueue': { type: 'mqueue', has: ['rw', 'nosuid', 'nodev', 'noexec'] },
  '/sys': { type: 'sysfs', has: ['ro', 'nosuid', 'nodev', 'noexec'] },
};

runCase({
  name: "mount table: Docker's default mounts",
  opts: { args: ['cat', '/proc/mounts'] },
  check(r) {
    assert.equal(r.code, 0);
    const entries = lines(r.stdout).map((l) => l.split(' '));
    for (const mp of MOUNT_POINTS) {
      const at = entries.filter((e) => e[1] === mp);
      assert.equal(at.length, 1, `exactly one mount at ${mp}`);
      const [, , type, opts] = at[0] ?? [];
      const want = EXPECTED_MOUNTS[mp];
      assert.ok(want);
      assert.equal(type, want.type, `${mp} type`);
      const o = (opts ?? '').split(',');
      for (const x of want.has) assert.ok(o.includes(x), `${mp} has ${x} (${opts})`);
      for (const x of want.hasNot ?? []) assert.ok(!o.includes(x), `${mp} lacks ${x} (${opts})`);
    }
    // The root is the bundle's rootfs, writable (root.readonly false).
    const root = entries.find((e) => e[1] === '/');
    assert.ok(root, 'a / mount');
    // Read-only paths that exist are read-only mounts.
    for (const p of ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys']) {
      const e = entries.filter((x) => x[1] === p).at(-1);
      assert.ok(e, `a mount at ${p}`);
      assert.ok((e[3] ?? '').split(',').includes('ro'), `${p} read-only (${e.join(' ')})`);
    }
  },
  exact: (r) =>
    lines(r.stdout)
      .map((l) => l.split(' '))
      .filter((e) => MOUNT_POINTS.includes(e[1] ?? ''))
      .map((e) => `${e[1]} ${e[2]} ${e[3]}`),
});

runCase({
  name: "cgroup mounts show the container's own cgroup (cgroup namespace root)",
  // /proc/self/mountinfo field 4 is the mount's root within its filesystem:
  // "/" when the hierarchy was mounted inside the container's cgroup namespace.
  opts: { args: sh("grep ' - cgroup' /proc/self/mountinfo | awk '{ print $5, $4 }'; cat /proc/self/cgroup") },
  check(r) {
    assert.equal(r.code, 0);
    const l = lines(r.stdout);
    const mounts = l.filter((x) => x.startsWith('/sys/fs/cgroup'));
    assert.ok(mounts.length > 0, 'cgroup hierarchies mounted under /sys/fs/cgroup');
    for (const m of mounts) assert.match(m, / \/$/, `mounted at the namespace root: ${m}`);
    for (const c of l.filter((x) => /^\d+:/.test(x))) assert.match(c, /:\/$/, `/proc/self/cgroup shows the namespace root: ${c}`);
  },
  exact: (r) => lines(r.stdout).sort(),
});

const MASK_SCRIPT = [
  `for p in ${DOCKER_MASKED_PATHS.join(' ')}; do`,
  '  if [ ! -e "$p" ]; then echo "$p absent";',
  '  elif [ -d "$p" ]; then echo "$p dir $(ls -A "$p" | wc -l)";',
  '  else echo "$p file $(cat "$p" 2>/dev/null | wc -c)"; fi',
  'done',
  '(echo x > /proc/sys/kernel/domainname) 2>&1; echo "proc-sys-write=$?"',
  `for p in ${DOCKER_READONLY_PATHS.join(' ')}; do`,
  '  if [ -e "$p" ]; then echo "$p $(awk -v p="$p" \'$2 == p { o = $4 } END { split(o, a, ","); print a[1] }\' /proc/mounts)"; else echo "$p absent"; fi',
  'done',
].join('\n');

runCase({
  name: 'masked paths unreadable, read-only paths unwritable',
  opts: { args: sh(MASK_SCRIPT) },
  check(r) {
    assert.equal(r.code, 0);
    const l = lines(r.stdout);
    for (const p of DOCKER_MASKED_PATHS) {
      const e = l.find((x) => x.startsWith(`${p} `));
      assert.ok(e, `a line for ${p}`);
      assert.match(e, / (absent|dir 0|file 0)$/, `${p} masked: ${e}`);
    }
    const kcore = l.find((x) => x.startsWith('/proc/kcore '));
    assert.ok(kcore === '/proc/kcore absent' ? !fs.existsSync('/proc/kcore') : kcore === '/proc/kcore file 0', `kcore: ${kcore}`);
    assert.ok(l.includes('proc-sys-write=1'), 'writing /proc/sys fails');
    assert.ok(l.some((x) => /can't create \/proc\/sys\/kernel\/domainname: Read-only file system/.test(x)), 'EROFS on /proc/sys');
    for (const p of DOCKER_READONLY_PATHS) {
      const e = l.find((x) => x.startsWith(`${p} `));
      assert.ok(e === `${p} ro` || e === `${p} absent`, `${p}: ${e}`);
    }
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'user: uid, gid, additional groups',
  opts: {
    args: sh('id; grep -E "^(Uid|Gid|Groups)" /proc/self/status'),
    user: { uid: 65534, gid: 65534, additionalGids: [10, 4242] },
  },
  check(r) {
    assert.equal(r.code, 0);
    const l = lines(r.stdout);
    assert.equal(l[0], 'uid=65534(nobody) gid=65534(nobody) groups=10,4242');
    assert.equal(l[1], 'Uid:\t65534\t65534\t65534\t65534');
    assert.equal(l[2], 'Gid:\t65534\t65534\t65534\t65534');
    assert.deepEqual((l[3] ?? '').replace(/^Groups:/, '').trim().split(/\s+/), ['10', '4242']);
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'user: root by default',
  opts: { args: sh('id -u; id -g; grep -E "^(Uid|Gid)" /proc/self/status') },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), ['0', '0', 'Uid:\t0\t0\t0\t0', 'Gid:\t0\t0\t0\t0']);
  },
  exact: (r) => r.stdout,
});

const ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'FOO=bar baz', 'EMPTY=', 'HOME=/root', 'QUOTE=a"b\'c'];

runCase({
  name: 'env: exactly the configured environment',
  opts: { args: ['env'], env: ENV },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout).sort(), [...ENV].sort());
  },
  exact: (r) => lines(r.stdout).sort(),
});

runCase({
  name: 'cwd',
  opts: { args: ['pwd'], cwd: '/root' },
  check(r) {
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '/root\n');
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'rlimits: RLIMIT_NOFILE soft/hard',
  opts: { args: sh('ulimit -n; ulimit -Hn'), rlimits: [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }] },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), ['512', '1024']);
  },
  exact: (r) => r.stdout,
});

runCase({
  name: 'oomScoreAdj and sysctl',
  opts: { args: sh('cat /proc/self/oom_score_adj /proc/sys/kernel/msgmax'), oomScoreAdj: 200, sysctl: { 'kernel.msgmax': '12345' } },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), ['200', '12345']);
  },
  exact: (r) => r.stdout,
});

const LIMITS_SCRIPT = CGROUP_V1
  ? 'cd /sys/fs/cgroup && cat memory/memory.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares'
  : 'cd /sys/fs/cgroup && cat memory.max pids.max cpu.max';

runCase({
  name: 'resources: memory, pids, cpu limits visible in the container cgroup',
  opts: {
    args: sh(LIMITS_SCRIPT),
    resources: { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 32 }, cpu: { shares: 512, quota: 50_000, period: 100_000 } },
  },
  check(r) {
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), CGROUP_V1 ? ['67108864', '32', '50000', '100000', '512'] : ['67108864', '32', '50000 100000']);
  },
  exact: (r) => r.stdout,
});

const MEMORY_LIMIT = { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 };

runCase({
  name: 'memory limit: a memory hog as pid 1 is OOM-killed (run exits 137)',
  // busybox tail buffers a line that never ends: /dev/zero has no newline.
  opts: { args: ['tail', '/dev/zero'], resources: { memory: MEMORY_LIMIT } },
  check(r) {
    assert.equal(r.code, 137);
  },
  exact: (r) => r.code,
});

// (A hog inside a pipeline, `head -c 200m /dev/zero | tail`, is not used: under
// both runc and crun the kernel sometimes OOM-kills the shell too, a few ms after
// the hog, while the hog's memory is still being reaped; the result is not
// deterministic. The hog as pid 1 has no bystander.)

const FORK_SCRIPT = 'i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); echo "$i"; done; echo done';

runCase({
  name: 'pids limit stops a fork loop',
  opts: { args: sh(`exec 2>&1; ${FORK_SCRIPT}`), resources: { pids: { limit: 10 } } },
  check(r) {
    const l = lines(r.stdout);
    assert.ok(l.some((x) => /can't fork/.test(x)), 'a fork failed');
    assert.ok(!l.includes('done'), 'the loop did not complete');
    assert.notEqual(r.code, 0);
    const n = Math.max(...l.filter((x) => /^\d+$/.test(x)).map(Number));
    // pid 1 (sh) plus the sleeps: never more than pids.max tasks
    assert.ok(n >= 1 && n <= 9, `sleeps started: ${n}`);
  },
  exact: (r) => ({ code: r.code, stdout: r.stdout }),
});

runCase({
  name: 'missing binary: run fails, naming the path',
  opts: { args: ['/bin/tsc-it-no-such-binary', 'x'] },
  check(r, runtime) {
    // runc and crun exit 1 here; ours exits 127 as a shell would (issue 3), so
    // the engine needs no error-text mapping to report Docker's 127.
    assert.equal(r.code, runtime === 'tscompose-runtime' ? 127 : 1);
    assert.match(r.stderr, /\/bin\/tsc-it-no-such-binary/);
    assert.match(r.stderr, /no such file or directory/i);
  },
});

// ---------------------------------------------------------------------------
// create/start cases

function cgroupDirsFor(id: string): string[] {
  return listOurCgroupDirs().filter((d) => path.basename(d) === id || d.includes(`/${id}/`));
}

describe('memory limit: OOM kill reported in the cgroup after the container stops', () => {
  forEachRuntime('oom', async (rt, s, t) => {
    const id = newId(rt);
    const dir = bundleFor(t, s, id, { args: ['tail', '/dev/zero'], resources: { memory: MEMORY_LIMIT } });
    const c = await s.create(dir, id);
    assert.equal(c.code, 0, out(c));
    const st = await s.start(id);
    assert.equal(st.code, 0, out(st));
    const stopped = await s.waitStatus(id, ['stopped']);
    assert.equal(stopped.status, 'stopped');
    const ev = CGROUP_V1 ? `/sys/fs/cgroup/memory/${id}/memory.oom_control` : `/sys/fs/cgroup/${id}/memory.events`;
    assert.ok(fs.existsSync(ev), `${ev} exists until delete (cgroupsPath /${id})`);
    const kills = /^oom_kill (\d+)$/m.exec(fs.readFileSync(ev, 'utf8'));
    assert.ok(kills && Number(kills[1]) >= 1, `oom_kill counted in ${ev}`);
    const d = await s.delete(id);
    assert.equal(d.code, 0, out(d));
    assert.deepEqual(cgroupDirsFor(id), [], 'cgroup removed by delete');
  });
});

describe('lifecycle: create, state, start, exec, ps, pause, resume, kill, delete', () => {
  forEachRuntime('lifecycle', async (rt, s, t) => {
    const id = newId(rt);
    const dir = bundleFor(t, s, id, { args: ['sleep', '1000'], hostname: 'tsc-it-life' });

    const c = await s.create(dir, id);
    assert.equal(c.code, 0, out(c));
    const created = await s.state(id);
    validateState(created);
    assert.equal(created.status, 'created');
    assert.equal(created.id, id);
    assert.equal(path.resolve(created.bundle), dir);
    const pid = created.pid;
    assert.ok(typeof pid === 'number' && pid > 0, `created state has a pid: ${JSON.stringify(created)}`);
    assert.ok(fs.existsSync(`/proc/${pid}`), 'the init process exists');
    if (CGROUP_V1) {
      const procs = fs.readFileSync(`/sys/fs/cgroup/pids/${id}/cgroup.procs`, 'utf8');
      assert.ok(lines(procs).includes(String(pid)), `pid ${pid} in /sys/fs/cgroup/pids/${id}`);
    }
    // The container's mounts are in its own namespace, not the host's.
    assert.deepEqual(mountsUnder(dir), []);

    const st = await s.start(id);
    assert.equal(st.code, 0, out(st));
    const running = await s.state(id);
    validateState(running);
    assert.equal(running.status, 'running');
    assert.equal(running.pid, pid);
    assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^sleep\u00001000/);

    const ex = await s.execIn(id, ['hostname']);
    assert.equal(ex.code, 0, out(ex));
    assert.equal(ex.stdout, 'tsc-it-life\n');
    const ex2 = await s.execIn(id, ['sh', '-c', 'exit 3']);
    assert.equal(ex2.code, 3, 'exec passes on the exit status');

    const ps = await s.ps(id);
    assert.equal(ps.code, 0, out(ps));
    const pids = JSON.parse(ps.stdout) as number[];
    assert.ok(Array.isArray(pids) && pids.includes(pid), `ps lists ${pid}: ${ps.stdout}`);

    const pa = await s.pause(id);
    assert.equal(pa.code, 0, out(pa));
    assert.equal((await s.state(id)).status, 'paused');
    const re = await s.resume(id);
    assert.equal(re.code, 0, out(re));
    assert.equal((await s.state(id)).status, 'running');

    const k = await s.kill(id, 'KILL');
    assert.equal(k.code, 0, out(k));
    const stopped = await s.waitStatus(id, ['stopped']);
    validateState(stopped);

    const d = await s.delete(id);
    assert.equal(d.code, 0, out(d));
    const gone = await s.stateRaw(id);
    assert.notEqual(gone.code, 0, 'state fails after delete');
    assert.ok(!fs.existsSync(path.join(rt.rootDir, id)), `state dir ${path.join(rt.rootDir, id)} removed`);
    assert.deepEqual(cgroupDirsFor(id), [], 'no cgroup dir left');
    assert.ok(!fs.existsSync(`/proc/${pid}`) || !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 'process gone');
    assert.deepEqual(processesUnder(dir), [], 'no process from the bundle');
    assert.deepEqual(mountsUnder(dir), [], 'no mount under the bundle');
  });
});

describe('kill: SIGTERM reaches a pid 1 that handles it', () => {
  forEachRuntime('term', async (rt, s, t) => {
    const id = newId(rt);
    const dir = bundleFor(t, s, id, { args: sh('trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done') });
    const c = await s.create(dir, id);
    assert.equal(c.code, 0, out(c));
    assert.equal((await s.start(id)).code, 0);
    const deadline = Date.now() + 10_000;
    while (!fs.readFileSync(c.stdoutFile, 'utf8').includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const k = await s.kill(id, 'TERM');
    assert.equal(k.code, 0, out(k));
    await s.waitStatus(id, ['stopped']);
    assert.match(fs.readFileSync(c.stdoutFile, 'utf8'), /got-term/);
    assert.equal((await s.delete(id)).code, 0);
  });
});

// ---------------------------------------------------------------------------

test('teardown: no mount, cgroup dir or process of ours left', { timeout: 120_000 }, async (t) => {
  if (!isRoot) return t.skip(ROOT_SKIP);
  const failedDeletes: string[] = [];
  for (const s of sessions.values()) failedDeletes.push(...(await s.cleanup()));
  const left = findLeftovers(TMP, `tsc-it-${TAG}-`, baselineCgroups);
  // Clean up what is left (so the machine is usable), then fail.
  for (const p of left.processes) {
    const pid = Number(p.split(' ')[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const m of [...left.mounts].reverse()) spawnSync('umount', ['-l', m]);
  await new Promise((r) => setTimeout(r, 200));
  for (const cg of [...left.cgroups].reverse()) {
    try {
      fs.rmdirSync(cg);
    } catch {
      // still busy
    }
  }
  if (left.otherNewCgroups.length) {
    t.diagnostic(`new tscompose*/tsc-* cgroup dirs not from this suite (another suite running?): ${left.otherNewCgroups.join(', ')}`);
  }
  assert.deepEqual(failedDeletes, [], 'every container force-deleted');
  assert.equal(describeLeftovers(left), '', 'nothing left behind');
  // Each runtime's state root holds no container any more.
  for (const rt of runtimes) {
    if (!fs.existsSync(rt.rootDir)) continue;
    const entries = fs.readdirSync(rt.rootDir).filter((e) => e.startsWith('tsc-it-'));
    assert.deepEqual(entries, [], `${rt.name} state dirs left in ${rt.rootDir}`);
  }
});
