/**
 * Everything the container manager does to the host, behind one seam so the
 * manager's logic runs in unit tests without root: overlay mounts, the
 * monitor and runtime processes, signals, pid checks and `ps`.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HostOps {
  mountOverlay(lowers: readonly string[], upper: string, work: string, merged: string): Promise<void>;
  unmount(target: string): Promise<void>;
  isMounted(target: string): boolean;
  /** Runs tscompose-monitor; it returns once the container started (0) or failed (1, message on stderr). */
  startMonitor(bin: string, args: readonly string[]): Promise<RunResult>;
  /** Runs the OCI runtime with `args` (global options included). */
  runtime(bin: string, args: readonly string[]): Promise<RunResult>;
  /** Host `ps` with the given options (Docker's `top` runs ps on the host too). */
  ps(args: readonly string[]): Promise<RunResult>;
  pidAlive(pid: number): boolean;
  kill(pid: number, signal: NodeJS.Signals | number): void;
}

function run(cmd: string, args: readonly string[], timeout = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code !== 0 && !stderr ? err.message : '') });
    });
  });
}

/** Octal escapes of /proc/self/mountinfo (space, tab, newline, backslash). */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function mountedTargets(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f[4] !== undefined) out.add(unescapeMountPath(f[4]));
  }
  return out;
}

export const realHostOps: HostOps = {
  async mountOverlay(lowers, upper, work, merged) {
    // index=off: the layers are shared by many containers and may be remounted with other uppers.
    const opts = `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work},index=off`;
    const r = await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, merged]);
    if (r.code !== 0) throw new Error(`mount overlay on ${merged}: ${r.stderr.trim() || `exit ${r.code}`}`);
  },
  async unmount(target) {
    const r = await run('umount', [target]);
    if (r.code === 0) return;
    // Busy (a process still has it open, e.g. a dying container): detach it lazily rather than leak it.
    const lazy = await run('umount', ['-l', target]);
    if (lazy.code !== 0) throw new Error(`umount ${target}: ${r.stderr.trim() || lazy.stderr.trim()}`);
  },
  isMounted(target) {
    try {
      return mountedTargets(fs.readFileSync('/proc/self/mountinfo', 'utf8')).has(target);
    } catch {
      return false;
    }
  },
  startMonitor(bin, args) {
    return new Promise((resolve) => {
      // The monitor detaches itself (setsid + double fork); this child only reports start-up.
      const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  },
  runtime: (bin, args) => run(bin, args),
  ps: (args) => run('ps', args),
  pidAlive(pid) {
    if (pid <= 0) return false;
    try {
      process.kill(pid, 0);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    // A zombie is dead for our purposes (its parent has not reaped it yet).
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  },
  kill(pid, signal) {
    process.kill(pid, signal);
  },
};
