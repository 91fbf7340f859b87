/**
 * The OCI runtimes under test: ours (engine/runtime/build/tscompose-runtime)
 * and the references crun and runc, each with a state root of its own under
 * the suite's temp dir. A RuntimeSession records every container id it used so
 * cleanup() can force-delete them all, and findLeftovers() reports what a
 * suite left behind (mounts under its temp dir, cgroup dirs, processes).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

export type RuntimeName = 'runc' | 'crun' | 'tscompose-runtime';

export interface Runtime {
  name: RuntimeName;
  bin: string;
  rootDir: string;
  /** Why the runtime is not under test (binary missing, cgroup layout it refuses...). */
  skip?: string;
}

export const TSCOMPOSE_RUNTIME_BIN = path.join(REPO_ROOT, 'engine', 'runtime', 'build', 'tscompose-runtime');

function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** runc first: it is the reference the others' exact outputs are compared to. */
export function discoverRuntimes(stateBase: string): Runtime[] {
  const out: Runtime[] = [];
  for (const name of ['runc', 'crun'] as const) {
    const bin = which(name);
    const rt: Runtime = { name, bin: bin ?? name, rootDir: path.join(stateBase, `state-${name}`) };
    if (!bin) rt.skip = `${name} not found in PATH`;
    out.push(rt);
  }
  const ours: Runtime = { name: 'tscompose-runtime', bin: TSCOMPOSE_RUNTIME_BIN, rootDir: path.join(stateBase, 'state-tscompose-runtime') };
  try {
    fs.accessSync(TSCOMPOSE_RUNTIME_BIN, fs.constants.X_OK);
  } catch {
    ours.skip = `${TSCOMPOSE_RUNTIME_BIN} not built (make -C engine/runtime)`;
  }
  out.push(ours);
  return out;
}

// ---------------------------------------------------------------------------
// crun and the hybrid cgroup layout

const CGROUP_ROOT = '/sys/fs/cgroup';
const HUGETLB_V1 = path.join(CGROUP_ROOT, 'hugetlb');

function unifiedControllers(): string {
  try {
    return fs.readFileSync(path.join(CGROUP_ROOT, 'unified', 'cgroup.controllers'), 'utf8').trim();
  } catch {
    return '';
  }
}

function isMountPoint(p: string): boolean {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === p);
}

/** Every cgroup dir below root (not root itself), parents before children. */
function cgroupTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      out.push(p);
      walk(p);
    }
  };
  walk(root);
  return out;
}

export interface CgroupFix {
  /** Set when crun cannot run here; crun is then skipped with this reason. */
  crunSkip?: string;
  /** Undoes what prepareCrunCgroups() changed (idempotent; no-op if it changed nothing). */
  undo(): void;
}

/**
 * crun 1.8 refuses a hybrid layout whose cgroup2 (unified) mount still has
 * controllers ("cgroups in hybrid mode not supported, drop all controllers from
 * cgroupv2"). Mounting the one controller left on v2 (hugetlb here) as v1 moves
 * it off the unified hierarchy. Done only when needed, undone by undo().
 */
export function prepareCrunCgroups(): CgroupFix {
  const noop: CgroupFix = { undo() {} };
  if (!fs.existsSync(path.join(CGROUP_ROOT, 'unified', 'cgroup.controllers'))) return noop; // not hybrid
  // Controllers cgroup2 could hold that no mounted v1 hierarchy holds. Not only
  // cgroup.controllers: an unmounted v1 hierarchy lives on while it has child
  // cgroups and hands its controller back to cgroup2 when they go, which can be
  // in the middle of the run. Mounting it pins it for the run.
  const onV1 = new Set<string>();
  for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = (l.split(' - ')[1] ?? '').split(' ');
    if (f[0] === 'cgroup') for (const o of (f[2] ?? '').split(',')) onV1.add(o);
  }
  const onV2 = new Set(
    fs
      .readFileSync('/proc/cgroups', 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t'))
      .filter((f) => f[3] === '1')
      .map((f) => f[0] ?? '')
      // only those cgroup2 can hold (net_cls, perf_event... are v1-only)
      .filter((c) => ['cpuset', 'cpu', 'blkio', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'].includes(c))
      .filter((c) => !onV1.has(c)),
  );
  for (const c of unifiedControllers().split(/\s+/).filter(Boolean)) onV2.add(c);
  if (onV2.size === 0) return noop;
  if ([...onV2].some((n) => n !== 'hugetlb')) {
    return { crunSkip: `crun refuses the hybrid cgroup layout and cgroup2 holds controllers other than hugetlb (${[...onV2].join(' ')})`, undo() {} };
  }
  let madeDir = false;
  try {
    if (!fs.existsSync(HUGETLB_V1)) {
      fs.mkdirSync(HUGETLB_V1);
      madeDir = true;
    }
    const r = spawnSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', HUGETLB_V1], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr.trim() || `mount exited ${r.status}`);
  } catch (e) {
    if (madeDir) fs.rmSync(HUGETLB_V1, { recursive: false, force: true });
    return { crunSkip: `crun refuses the hybrid cgroup layout and hugetlb could not be mounted as v1: ${(e as Error).message}`, undo() {} };
  }
  console.log(`# mounted hugetlb as cgroup v1 at ${HUGETLB_V1} so crun accepts the layout (undone in teardown)`);
  const before = new Set(cgroupTree(HUGETLB_V1));
  let undone = false;
  return {
    undo() {
      if (undone) return;
      undone = true;
      // Runtimes running meanwhile (ours, or other suites') made hugetlb cgroups
      // in this hierarchy; an unmounted hierarchy with children stays alive,
      // hidden, and keeps hugetlb off cgroup2. Remove the empty ones (deepest
      // first); if one is still in use, leave the mount so it stays reachable.
      const busy: string[] = [];
      for (const dir of cgroupTree(HUGETLB_V1).filter((d) => !before.has(d)).reverse()) {
        try {
          fs.rmdirSync(dir);
          console.log(`# removed ${dir} (made while hugetlb was mounted as v1)`);
        } catch (e) {
          busy.push(`${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      if (busy.length) {
        console.log(`# leaving ${HUGETLB_V1} mounted: cgroups in use in it: ${busy.join(', ')}`);
        return;
      }
      if (isMountPoint(HUGETLB_V1)) {
        const r = spawnSync('umount', [HUGETLB_V1], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`umount ${HUGETLB_V1}: ${r.stderr.trim()}`);
      }
      if (madeDir) fs.rmdirSync(HUGETLB_V1);
      // The kernel hands hugetlb back to cgroup2 once the v1 root is released;
      // wait briefly so the host is left as it was found.
      const deadline = Date.now() + 3000;
      while (!unifiedControllers().split(/\s+/).includes('hugetlb') && Date.now() < deadline) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Running runtime commands

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit status; 128+n when the runtime itself died of signal n. */
  code: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Spawns bin with args, collects output; kills it (and reports) after timeoutMs. */
export function exec(bin: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd ?? '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[harness] ${bin} ${args.join(' ')} timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`;
      const sig = signal ? (({ SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 }) as Record<string, number>)[signal] ?? 0 : 0;
      resolve({ stdout, stderr, code: code ?? 128 + sig });
    });
  });
}

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  [k: string]: unknown;
}

export class RuntimeSession {
  readonly used = new Set<string>();

  readonly rt: Runtime;

  constructor(rt: Runtime) {
    this.rt = rt;
  }

  private cmd(args: string[], timeoutMs?: number): Promise<RunResult> {
    fs.mkdirSync(this.rt.rootDir, { recursive: true, mode: 0o700 });
    return exec(this.rt.bin, ['--root', this.rt.rootDir, ...args], timeoutMs === undefined ? {} : { timeoutMs });
  }

  /** `run` in the foreground: the container's stdout/stderr are the runtime's. */
  async run(bundleDir: string, id: string, timeoutMs?: number): Promise<RunResult> {
    this.used.add(id);
    return this.cmd(['run', '--bundle', bundleDir, id], timeoutMs);
  }

  /**
   * `create` (extraArgs go before the id, e.g. `--console-socket PATH`): the container's stdio (and the runtime's own messages) go to
   * files in the bundle, since the container keeps them open after create exits.
   */
  async create(bundleDir: string, id: string, extraArgs: readonly string[] = []): Promise<RunResult & { stdoutFile: string; stderrFile: string }> {
    this.used.add(id);
    fs.mkdirSync(this.rt.rootDir, { recursive: true, mode: 0o700 });
    const stdoutFile = path.join(bundleDir, `${id}.stdout`);
    const stderrFile = path.join(bundleDir, `${id}.stderr`);
    const out = fs.openSync(stdoutFile, 'w');
    const err = fs.openSync(stderrFile, 'w');
    try {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(this.rt.bin, ['--root', this.rt.rootDir, 'create', '--bundle', bundleDir, ...extraArgs, id], {
          cwd: '/',
          stdio: ['ignore', out, err],
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), DEFAULT_TIMEOUT_MS);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('exit', (c, s) => {
          clearTimeout(timer);
          resolve(c ?? (s === 'SIGKILL' ? 137 : 128));
        });
      });
      return {
        code,
        stdout: fs.readFileSync(stdoutFile, 'utf8'),
        stderr: fs.readFileSync(stderrFile, 'utf8'),
        stdoutFile,
        stderrFile,
      };
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
  }

  start(id: string): Promise<RunResult> {
    return this.cmd(['start', id]);
  }

  async state(id: string): Promise<ContainerState> {
    const r = await this.cmd(['state', id]);
    if (r.code !== 0) throw new Error(`${this.rt.name} state ${id} exited ${r.code}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as ContainerState;
  }

  /** `state` exit status only (after delete it must fail). */
  stateRaw(id: string): Promise<RunResult> {
    return this.cmd(['state', id]);
  }

  kill(id: string, signal = 'KILL'): Promise<RunResult> {
    return this.cmd(['kill', id, signal]);
  }

  delete(id: string, force = false): Promise<RunResult> {
    return this.cmd(force ? ['delete', '--force', id] : ['delete', id]);
  }

  execIn(id: string, args: string[]): Promise<RunResult> {
    return this.cmd(['exec', id, ...args]);
  }

  pause(id: string): Promise<RunResult> {
    return this.cmd(['pause', id]);
  }

  resume(id: string): Promise<RunResult> {
    return this.cmd(['resume', id]);
  }

  ps(id: string): Promise<RunResult> {
    return this.cmd(['ps', '--format', 'json', id]);
  }

  /** Polls `state` until status is one of `want` (or throws after timeoutMs). */
  async waitStatus(id: string, want: string[], timeoutMs = 15_000): Promise<ContainerState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const st = await this.state(id);
      if (want.includes(st.status)) return st;
      if (Date.now() > deadline) throw new Error(`${this.rt.name}: ${id} still ${st.status} after ${timeoutMs} ms (want ${want.join('|')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Force-deletes every id this session used (ignoring "does not exist"); the
   * container's own processes die with it. Returns what could not be deleted.
   */
  async cleanup(): Promise<string[]> {
    const failed: string[] = [];
    if (!fs.existsSync(this.rt.rootDir)) return failed;
    for (const id of this.used) {
      const st = await this.cmd(['state', id], 10_000).catch(() => undefined);
      if (!st || st.code !== 0) continue; // gone already
      const r = await this.cmd(['delete', '--force', id], 15_000).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
      if (r.code !== 0) {
        // A paused container cannot be killed by some runtimes: resume, then retry.
        await this.cmd(['resume', id], 5000).catch(() => undefined);
        const r2 = await this.cmd(['delete', '--force', id], 15_000).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
        if (r2.code !== 0) failed.push(`${this.rt.name} ${id}: ${r2.stderr.trim()}`);
      }
    }
    return failed;
  }
}

// ---------------------------------------------------------------------------
// What a suite left behind

const CGROUP_NAME = /^(tscompose|tsc-)/;

/**
 * Cgroup dirs named tscompose*|tsc-* in any hierarchy under /sys/fs/cgroup,
 * down to three levels (so /tscompose/<id> style layouts are found too).
 */
export function listOurCgroupDirs(): string[] {
  const found: string[] = [];
  let hierarchies: string[] = [];
  try {
    hierarchies = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return found;
  }
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (CGROUP_NAME.test(e.name)) found.push(p);
      if (depth > 1) walk(p, depth - 1);
    }
  };
  for (const h of hierarchies) walk(path.join(CGROUP_ROOT, h), 3);
  return found.sort();
}

/** Host mount points under dir (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
}

/** Processes whose root, cwd, executable or command line lies under dir (container processes and runtime helpers). */
export function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const base = `/proc/${pid}`;
    const hits: string[] = [];
    for (const link of ['root', 'cwd', 'exe']) {
      try {
        const t = fs.readlinkSync(`${base}/${link}`);
        if (t === dir || t.startsWith(`${dir}/`)) hits.push(`${link}=${t}`);
      } catch {
        // gone or kernel thread
      }
    }
    let cmd = '';
    try {
      cmd = fs.readFileSync(`${base}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      // gone
    }
    if (cmd.includes(dir)) hits.push('cmdline');
    if (hits.length > 0) found.push(`${pid} (${cmd || '?'}) ${hits.join(' ')}`);
  }
  return found;
}

// ---------------------------------------------------------------------------
// Named network namespaces (`ip netns`), for tests that join one by path

export const NETNS_DIR = '/var/run/netns';

function runIp(args: string[]): RunResult {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

/** Named network namespaces whose name contains marker. */
export function listNetns(marker: string): string[] {
  try {
    return fs.readdirSync(NETNS_DIR).filter((n) => n.includes(marker)).sort();
  } catch {
    return [];
  }
}

/**
 * `ip netns add name`, then, inside it, a dummy link (a bridge where the kernel
 * has no dummy driver): the marker a container joining it should see. Nothing is configured that could send traffic. The
 * first `ip netns add` on a host makes /var/run/netns a mount point of its
 * own; netnsDirState()/restoreNetnsDir() put that back.
 */
export function netnsAdd(name: string, markerLink: string): void {
  const add = runIp(['netns', 'add', name]);
  if (add.code !== 0) throw new Error(`ip netns add ${name}: ${add.stderr.trim()}`);
  let link = runIp(['-n', name, 'link', 'add', markerLink, 'type', 'dummy']);
  // Kernels without the dummy driver: a bridge with no ports, left down, is as inert.
  if (link.code !== 0 && /Unknown device type/i.test(link.stderr)) link = runIp(['-n', name, 'link', 'add', markerLink, 'type', 'bridge']);
  if (link.code !== 0) throw new Error(`ip -n ${name} link add ${markerLink} type dummy|bridge: ${link.stderr.trim()}`);
}

/** Removes the dummy link and the namespace (each if present); returns what failed. */
export function netnsDelete(name: string, markerLink: string): string[] {
  const errors: string[] = [];
  if (!fs.existsSync(path.join(NETNS_DIR, name))) return errors;
  const show = runIp(['-n', name, 'link', 'show', markerLink]);
  if (show.code === 0) {
    const del = runIp(['-n', name, 'link', 'del', markerLink]);
    if (del.code !== 0) errors.push(`ip -n ${name} link del ${markerLink}: ${del.stderr.trim()}`);
  }
  const r = runIp(['netns', 'del', name]);
  if (r.code !== 0) errors.push(`ip netns del ${name}: ${r.stderr.trim()}`);
  return errors;
}

export interface NetnsDirState {
  existed: boolean;
  mounted: boolean;
}

export function netnsDirState(): NetnsDirState {
  return { existed: fs.existsSync(NETNS_DIR), mounted: fs.existsSync(NETNS_DIR) && isMountPoint(fs.realpathSync(NETNS_DIR)) };
}

/**
 * Undoes what `ip netns add` did to /var/run/netns (its self bind mount, the
 * dir) if it was not so before and no namespace is left in it.
 */
export function restoreNetnsDir(before: NetnsDirState): void {
  if (!fs.existsSync(NETNS_DIR)) return;
  if (fs.readdirSync(NETNS_DIR).length > 0) return; // someone else's namespaces
  const real = fs.realpathSync(NETNS_DIR);
  if (!before.mounted) {
    // ip mounts it twice at most (bind onto itself, then --make-shared on the same mount)
    for (let i = 0; i < 4 && isMountPoint(real); i++) {
      const r = spawnSync('umount', [real], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`umount ${real}: ${r.stderr.trim()}`);
    }
  }
  if (!before.existed) fs.rmdirSync(real);
}

// ---------------------------------------------------------------------------
// What a suite left behind (continued)

export interface Leftovers {
  /** Named network namespaces (`ip netns`) whose name contains the marker. */
  netns: string[];
  mounts: string[];
  /** Cgroup dirs whose path names one of our containers (contains `marker`). */
  cgroups: string[];
  processes: string[];
  /**
   * Other tscompose*|tsc-* cgroup dirs that appeared since the baseline: not
   * attributable to this suite (other suites may run at the same time), so
   * reported, not failed on.
   */
  otherNewCgroups: string[];
}

/**
 * What is left under tmpDir, and cgroup dirs whose path contains `marker`
 * (the suite's id prefix, e.g. tsc-it-<tag>), wherever the runtime put them.
 */
export function findLeftovers(tmpDir: string, marker: string, baselineCgroups: readonly string[]): Leftovers {
  const base = new Set(baselineCgroups);
  const all = listOurCgroupDirs();
  const ours = all.filter((c) => c.includes(marker));
  // A parent dir holding only our containers (e.g. /tscompose) is not flagged by name.
  return {
    netns: listNetns(marker),
    mounts: mountsUnder(tmpDir),
    cgroups: ours,
    processes: processesUnder(tmpDir),
    otherNewCgroups: all.filter((c) => !base.has(c) && !c.includes(marker)),
  };
}

export function describeLeftovers(l: Leftovers): string {
  const parts: string[] = [];
  if (l.netns.length) parts.push(`network namespaces: ${l.netns.join(', ')}`);
  if (l.mounts.length) parts.push(`mounts: ${l.mounts.join(', ')}`);
  if (l.cgroups.length) parts.push(`cgroups: ${l.cgroups.join(', ')}`);
  if (l.processes.length) parts.push(`processes: ${l.processes.join('; ')}`);
  // otherNewCgroups deliberately not included: see Leftovers.
  return parts.join('\n');
}
