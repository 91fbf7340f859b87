/**
 * HostConfig resources → linux.resources, process.rlimits, linux.sysctl, as
 * dockerd converts them (daemon_unix.go getMemoryResources, getCPUResources,
 * getPidsLimit, verifyPlatformContainerResources, adaptContainerSettings;
 * WithResources, WithRlimits, WithSysctls):
 *
 * - Memory, MemoryReservation: bytes when > 0; Memory ≥ 6 MB.
 * - MemorySwap: 0 with a Memory limit → twice Memory; -1 → unlimited (no
 *   swap field); otherwise the memory+swap total, ≥ Memory.
 * - NanoCpus → quota = NanoCpus × 100000 / 1e9 over period 100000 µs;
 *   conflicts with CpuPeriod/CpuQuota. CpuShares, CpusetCpus/Mems, realtime.
 * - PidsLimit: null → none; ≤ 0 → -1 (unlimited); else the limit.
 * - BlkioWeight: 10–1000 when set.
 * - OomKillDisable, MemorySwappiness: kept on cgroup v1; cgroup v2 has no
 *   such knobs and Docker discards them there.
 * - Ulimits (merged over the daemon's defaults by name) → RLIMIT_<NAME>.
 */
import { BadRequestError } from '../errors.js';
import type { HostConfig, OciCpu, OciMemory, OciResources, OciRlimit, Ulimit } from './types.js';

const MIN_MEMORY = 6 * 1024 * 1024;
const CFS_PERIOD = 100000;

/** Docker's create-time validation of the resources (the errors it answers 400 with). */
export function validateResources(hc: HostConfig): void {
  const memory = hc.Memory ?? 0;
  const swap = hc.MemorySwap ?? 0;
  const reservation = hc.MemoryReservation ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new BadRequestError('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) throw new BadRequestError('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0) throw new BadRequestError('You should always set the Memory limit when using Memoryswap limit, see usage');
  const swappiness = hc.MemorySwappiness;
  if (swappiness !== undefined && swappiness !== null && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw new BadRequestError(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  if (reservation > 0 && reservation < MIN_MEMORY) throw new BadRequestError('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw new BadRequestError('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  const nano = hc.NanoCpus ?? 0;
  if (nano > 0 && (hc.CpuPeriod ?? 0) > 0) throw new BadRequestError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (hc.CpuQuota ?? 0) > 0) throw new BadRequestError('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0) throw new BadRequestError('range of CPUs is from 0.01 to the number of CPUs available');
  const period = hc.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1000000)) {
    throw new BadRequestError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  const quota = hc.CpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw new BadRequestError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if ((hc.CpuShares ?? 0) < 0) throw new BadRequestError(`invalid CPU shares (${hc.CpuShares}): value must be a positive integer`);
  const weight = hc.BlkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) throw new BadRequestError('Range of blkio weight is from 10 to 1000');
  if ((hc.OomScoreAdj ?? 0) < -1000 || (hc.OomScoreAdj ?? 0) > 1000) {
    throw new BadRequestError(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
}

export function memoryResources(hc: HostConfig, cgroupVersion: 1 | 2): OciMemory | undefined {
  const m: OciMemory = {};
  const memory = hc.Memory ?? 0;
  let swap = hc.MemorySwap ?? 0;
  if (memory > 0 && swap === 0) swap = memory * 2;
  if (memory > 0) m.limit = memory;
  if ((hc.MemoryReservation ?? 0) > 0) m.reservation = hc.MemoryReservation as number;
  if (swap > 0) m.swap = swap;
  if (cgroupVersion === 1) {
    const swappiness = hc.MemorySwappiness;
    if (swappiness !== undefined && swappiness !== null && swappiness !== -1) m.swappiness = swappiness;
    if (hc.OomKillDisable !== undefined && hc.OomKillDisable !== null) m.disableOOMKiller = hc.OomKillDisable;
  }
  return Object.keys(m).length > 0 ? m : undefined;
}

export function cpuResources(hc: HostConfig): OciCpu | undefined {
  const c: OciCpu = {};
  if ((hc.CpuShares ?? 0) > 0) c.shares = hc.CpuShares as number;
  if (hc.CpusetCpus) c.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) c.mems = hc.CpusetMems;
  const nano = hc.NanoCpus ?? 0;
  if (nano > 0) {
    c.period = CFS_PERIOD;
    c.quota = Math.trunc((nano * CFS_PERIOD) / 1e9);
  }
  if ((hc.CpuPeriod ?? 0) !== 0) c.period = hc.CpuPeriod as number;
  if ((hc.CpuQuota ?? 0) !== 0) c.quota = hc.CpuQuota as number;
  if ((hc.CpuRealtimePeriod ?? 0) !== 0) c.realtimePeriod = hc.CpuRealtimePeriod as number;
  if ((hc.CpuRealtimeRuntime ?? 0) !== 0) c.realtimeRuntime = hc.CpuRealtimeRuntime as number;
  return Object.keys(c).length > 0 ? c : undefined;
}

export function pidsResources(hc: HostConfig): { limit: number } | undefined {
  const l = hc.PidsLimit;
  if (l === undefined || l === null) return undefined;
  return { limit: l <= 0 ? -1 : l };
}

/** linux.resources without devices (devices.ts adds those). */
export function buildResources(hc: HostConfig, cgroupVersion: 1 | 2): OciResources {
  const r: OciResources = {};
  const memory = memoryResources(hc, cgroupVersion);
  if (memory) r.memory = memory;
  const cpu = cpuResources(hc);
  if (cpu) r.cpu = cpu;
  r.blockIO = (hc.BlkioWeight ?? 0) !== 0 ? { weight: hc.BlkioWeight as number } : {};
  const pids = pidsResources(hc);
  if (pids) r.pids = pids;
  return r;
}

/** process.rlimits: the container's ulimits, then the daemon's defaults for names it does not set. */
export function buildRlimits(ulimits: readonly Ulimit[] | null | undefined, defaults: readonly Ulimit[] = []): OciRlimit[] {
  const own = ulimits ?? [];
  const merged = [...own, ...defaults.filter((d) => !own.some((u) => u.Name === d.Name))];
  return merged.map((u) => ({ type: `RLIMIT_${u.Name.toUpperCase()}`, hard: u.Hard, soft: u.Soft }));
}
