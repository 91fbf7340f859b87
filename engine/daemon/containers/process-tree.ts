/**
 * A process and everything it started, from /proc: killing an exec's process
 * alone would leave its children running in the container (a health check's
 * `sh -c 'curl …'` that timed out, a shell's pipeline). The tree is read once,
 * before any signal, so children reparented by the first kill are still found.
 */
import fs from 'node:fs';
import path from 'node:path';

/** pid → parent pid of every process in `procDir`. */
export function readParents(procDir = '/proc'): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of fs.readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(path.join(procDir, name, 'stat'), 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const ppid = parentOfStat(stat);
    if (ppid !== undefined) out.set(Number(name), ppid);
  }
  return out;
}

/** The parent pid in a /proc/PID/stat line: "pid (comm) state ppid …"; comm may hold spaces and parentheses. */
export function parentOfStat(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const ppid = Number(stat.slice(close + 1).trim().split(/\s+/)[1]);
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : undefined;
}

/** Every descendant of `root`, parents before their children. */
export function descendants(root: number, parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  const out: number[] = [];
  const seen = new Set<number>([root]);
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Signals `pid` and its descendants; processes already gone are skipped. */
export function killTree(pid: number, signal: NodeJS.Signals, procDir = '/proc'): void {
  let tree: number[] = [];
  try {
    tree = descendants(pid, readParents(procDir));
  } catch {
    // No /proc to read: the process itself still gets the signal.
  }
  for (const p of [pid, ...tree]) {
    try {
      process.kill(p, signal);
    } catch {
      // Already gone.
    }
  }
}
