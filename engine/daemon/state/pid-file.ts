/**
 * The daemon's pid file (ROOT/engine.pid) and the checks around it, shared by
 * the daemon (refuse a second daemon on the same root) and `tscompose engine
 * stop|status`. A pid is only trusted when the process still runs our daemon:
 * pids are reused, and signalling a stranger would be a bad bug.
 */
import fs from 'node:fs';
import path from 'node:path';

export const pidFileOf = (root: string): string => path.join(root, 'engine.pid');

/** The recorded pid, or undefined when there is no readable pid file. */
export function readPid(root: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pidFileOf(root), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it just isn't ours to signal.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is alive and runs the daemon entry (engine/daemon/main.js). */
export function isEngineProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').some((arg) => /engine[/\\]daemon[/\\]main\.js$/.test(arg));
  } catch {
    // No /proc (or hidepid): trust liveness alone.
    return true;
  }
}

/** The pid of the engine running on `root`, if one does. */
export function runningEnginePid(root: string): number | undefined {
  const pid = readPid(root);
  return pid !== undefined && isEngineProcess(pid) ? pid : undefined;
}
