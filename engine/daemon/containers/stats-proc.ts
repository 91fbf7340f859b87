/**
 * The host and network side of a stats sample, from procfs (its root passed
 * in, for tests):
 *
 * - /proc/stat: the host's CPU time as dockerd computes system_cpu_usage —
 *   the first seven fields of the `cpu` line (user nice system idle iowait
 *   irq softirq; steal and guest left out) in USER_HZ ticks, turned into
 *   nanoseconds — and online_cpus, the number of `cpuN` lines.
 * - /proc/<pid>/net/dev of the container's init: its network namespace's
 *   interfaces, loopback left out as libnetwork's sandbox statistics leave it
 *   out (so a container with only `lo` reports no networks at all).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NetworkStats } from './stats-types.js';

const CLOCK_TICKS = 100n;
const NS_PER_SECOND = 1_000_000_000n;

export interface HostCpu {
  /** Nanoseconds. */
  systemUsage: bigint;
  onlineCpus: number;
}

export function parseProcStat(text: string): HostCpu | undefined {
  let systemUsage: bigint | undefined;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    // The cpu lines come first (glibc's get_nprocs reads them the same way).
    if (!line.startsWith('cpu')) break;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'cpu') {
      const ticks = fields.slice(1, 8);
      if (ticks.length < 7 || !ticks.every((t) => /^\d+$/.test(t))) return undefined;
      systemUsage = (ticks.reduce((sum, t) => sum + BigInt(t), 0n) * NS_PER_SECOND) / CLOCK_TICKS;
    } else if (/^cpu\d+$/.test(fields[0] ?? '')) {
      onlineCpus++;
    }
  }
  return systemUsage === undefined ? undefined : { systemUsage, onlineCpus };
}

/**
 * /proc/net/dev: two header lines, then "name: rx(bytes packets errs drop
 * fifo frame compressed multicast) tx(bytes packets errs drop fifo colls
 * carrier compressed)". Interfaces sorted by name, as Go writes a map.
 */
export function parseNetDev(text: string): Record<string, NetworkStats> {
  const found: Array<[string, NetworkStats]> = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^\s:]+):\s*(.*)$/.exec(line);
    if (!m?.[1] || m[1] === 'lo') continue;
    const n = (m[2] ?? '').trim().split(/\s+/);
    if (n.length < 16 || !n.every((x) => /^\d+$/.test(x))) continue;
    const at = (i: number): bigint => BigInt(n[i] ?? '0');
    found.push([
      m[1],
      { rx_bytes: at(0), rx_packets: at(1), rx_errors: at(2), rx_dropped: at(3), tx_bytes: at(8), tx_packets: at(9), tx_errors: at(10), tx_dropped: at(11) },
    ]);
  }
  found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(found);
}

export function readHostCpu(procRoot: string): HostCpu | undefined {
  try {
    return parseProcStat(fs.readFileSync(path.join(procRoot, 'stat'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The interfaces in `pid`'s network namespace (loopback left out); empty when it cannot be read. */
export function readNetworks(procRoot: string, pid: number): Record<string, NetworkStats> {
  if (!Number.isInteger(pid) || pid <= 0) return {};
  try {
    return parseNetDev(fs.readFileSync(path.join(procRoot, String(pid), 'net', 'dev'), 'utf8'));
  } catch {
    return {};
  }
}
