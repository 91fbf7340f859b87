/**
 * One stats sample of a container in dockerd's shape: its cgroup's numbers
 * (stats-cgroup.ts), the host's CPU time and CPU count sampled right after
 * them (so the two deltas a client divides cover the same interval), and
 * the interfaces of its network namespace. A container that is not running,
 * or whose cgroup is gone, gets dockerd's zeroed body with only its name and
 * id. precpu_stats and preread are left zero: the response stream fills them
 * in (stats-stream.ts).
 */
import path from 'node:path';
import { rfc3339Nano } from './records.js';
import type { ContainerRecord } from './records.js';
import { cgroupVersionAt, readCgroupStats } from './stats-cgroup.js';
import type { CgroupVersion } from './stats-cgroup.js';
import { readHostCpu, readNetworks } from './stats-proc.js';
import { nullBlkioStats, zeroCpuStats, zeroStats, ZERO_STATS_TIME } from './stats-types.js';
import type { CpuStats, MemoryStats, StatsResponse } from './stats-types.js';

/** Where a sample reads from; every part a seam for tests. */
export interface StatsHost {
  /** The cgroup mount root (/sys/fs/cgroup). */
  cgroupRoot: string;
  /** The cgroup version under it (default: told from the root). */
  cgroupVersion?: CgroupVersion;
  /** The procfs root (/proc). */
  procRoot: string;
  /** The host's memory in bytes: what a container without a memory limit reports as its limit. */
  machineMemory: bigint;
  now: () => Date;
}

/** The real host: the cgroup root the runtime uses (TSCOMPOSE_CGROUP_ROOT or /sys/fs/cgroup). */
export function defaultStatsHost(memTotal: number, env: NodeJS.ProcessEnv = process.env): StatsHost {
  const cgroupRoot = env['TSCOMPOSE_CGROUP_ROOT'] || '/sys/fs/cgroup';
  return { cgroupRoot, cgroupVersion: cgroupVersionAt(cgroupRoot), procRoot: '/proc', machineMemory: BigInt(Math.max(0, Math.floor(memTotal))), now: () => new Date() };
}

/** What a sample needs of a container. */
export interface StatsTarget {
  id: string;
  /** With its leading slash. */
  name: string;
  /** Running or paused: its cgroup holds its processes (a paused one is only frozen). */
  live: boolean;
  /** The init's host pid, for its network namespace. */
  pid: number;
  /** Below the cgroup root, e.g. /tscompose/<id>. */
  cgroupPath: string;
  /** Host networking: the namespace's interfaces are the host's, which dockerd does not report. */
  hostNetwork: boolean;
}

/**
 * The container's cgroup as the manager hands it to the monitor and runtime
 * (lifecycle.ts cgroupPath): <CgroupParent>/<id>, or /tscompose/<id>. A
 * relative parent is relative to the hierarchy root, as the runtime reads it.
 */
export function containerCgroupPath(rec: Pick<ContainerRecord, 'Id' | 'HostConfig'>): string {
  const parent = rec.HostConfig.CgroupParent;
  if (!parent) return `/tscompose/${rec.Id}`;
  return path.posix.join('/', parent, rec.Id);
}

export function statsTarget(rec: ContainerRecord): StatsTarget {
  return {
    id: rec.Id,
    name: rec.Name,
    live: rec.State.Status === 'running' || rec.State.Status === 'paused',
    pid: rec.State.Pid,
    cgroupPath: containerCgroupPath(rec),
    hostNetwork: rec.HostConfig.NetworkMode === 'host',
  };
}

/** memory_stats in Go's field order, the limit capped at the host's memory as dockerd caps it. */
function memoryStats(m: MemoryStats | undefined, machineMemory: bigint): MemoryStats {
  if (m === undefined) return {};
  let limit = m.limit;
  if (limit !== undefined && machineMemory > 0n && limit > machineMemory) limit = machineMemory;
  const out: MemoryStats = {};
  if (m.usage) out.usage = m.usage;
  if (m.max_usage) out.max_usage = m.max_usage;
  if (m.stats && Object.keys(m.stats).length > 0) out.stats = m.stats;
  if (m.failcnt) out.failcnt = m.failcnt;
  if (limit) out.limit = limit;
  return out;
}

export function sampleStats(t: StatsTarget, host: StatsHost): StatsResponse {
  if (!t.live) return zeroStats(t.name, t.id);
  const cg = readCgroupStats(host.cgroupRoot, t.cgroupPath, host.cgroupVersion ?? cgroupVersionAt(host.cgroupRoot));
  // No cgroup: the container exited between the state check and the read.
  if (cg === undefined) return zeroStats(t.name, t.id);
  const read = rfc3339Nano(host.now());
  const hostCpu = readHostCpu(host.procRoot);
  const zero = zeroCpuStats();
  // Field order as Go writes CPUStats; the host's numbers omitted when /proc/stat could not be read.
  const cpu: CpuStats = {
    cpu_usage: cg.cpu?.usage ?? zero.cpu_usage,
    ...(hostCpu?.systemUsage ? { system_cpu_usage: hostCpu.systemUsage } : {}),
    ...(hostCpu?.onlineCpus ? { online_cpus: hostCpu.onlineCpus } : {}),
    throttling_data: cg.cpu?.throttling ?? zero.throttling_data,
  };
  const out: StatsResponse = {
    read,
    preread: ZERO_STATS_TIME,
    pids_stats: cg.pids ?? {},
    blkio_stats: cg.blkio ?? nullBlkioStats(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: zeroCpuStats(),
    memory_stats: memoryStats(cg.memory, host.machineMemory),
    name: t.name,
    id: t.id,
  };
  if (!t.hostNetwork) {
    const networks = readNetworks(host.procRoot, t.pid);
    if (Object.keys(networks).length > 0) out.networks = networks;
  }
  return out;
}
