/**
 * The body of GET /containers/{id}/stats, in dockerd's JSON shape (moby
 * api/types/container/stats.go, StatsResponse): the field names, their order
 * and which of them Go's `omitempty` drops when zero. Go's uint64 counters
 * are `bigint` here: memory limits (0x7ffffffffffff000 for "none" on cgroup
 * v1) and host CPU nanoseconds outgrow a double's 53 bits, and the client
 * decodes exact integers. stats-json.ts writes them out.
 */
import { ZERO_TIME } from './records.js';

export interface CpuUsage {
  /** Nanoseconds of CPU time used by the cgroup. */
  total_usage: bigint;
  /** Per CPU, cgroup v1 only; omitted when empty. */
  percpu_usage?: bigint[];
  usage_in_kernelmode: bigint;
  usage_in_usermode: bigint;
}

export interface ThrottlingData {
  periods: bigint;
  throttled_periods: bigint;
  /** Nanoseconds. */
  throttled_time: bigint;
}

export interface CpuStats {
  cpu_usage: CpuUsage;
  /** The host's CPU time in nanoseconds (/proc/stat); omitted when zero. */
  system_cpu_usage?: bigint;
  /** omitted when zero. */
  online_cpus?: number;
  throttling_data: ThrottlingData;
}

/** Every field omitted when zero (Go omitempty), `stats` when empty. */
export interface MemoryStats {
  usage?: bigint;
  max_usage?: bigint;
  /** memory.stat, Docker's fixed key set per cgroup version, keys sorted as Go writes a map. */
  stats?: Record<string, bigint>;
  failcnt?: bigint;
  limit?: bigint;
}

export interface BlkioStatEntry {
  major: number;
  minor: number;
  op: string;
  value: bigint;
}

/** `null` where dockerd has no slice at all; `[]` where it made an empty one. */
export interface BlkioStats {
  io_service_bytes_recursive: BlkioStatEntry[] | null;
  io_serviced_recursive: BlkioStatEntry[] | null;
  io_queue_recursive: BlkioStatEntry[] | null;
  io_service_time_recursive: BlkioStatEntry[] | null;
  io_wait_time_recursive: BlkioStatEntry[] | null;
  io_merged_recursive: BlkioStatEntry[] | null;
  io_time_recursive: BlkioStatEntry[] | null;
  sectors_recursive: BlkioStatEntry[] | null;
}

export interface NetworkStats {
  rx_bytes: bigint;
  rx_packets: bigint;
  rx_errors: bigint;
  rx_dropped: bigint;
  tx_bytes: bigint;
  tx_packets: bigint;
  tx_errors: bigint;
  tx_dropped: bigint;
}

/** Both omitted when zero; a limit of 0 means none. */
export interface PidsStats {
  current?: bigint;
  limit?: bigint;
}

export interface StatsResponse {
  /** RFC3339Nano time of the sample; Go's zero time when there is none. */
  read: string;
  /** `read` of the previous sample of this response stream. */
  preread: string;
  pids_stats: PidsStats;
  blkio_stats: BlkioStats;
  /** Windows only: always 0. */
  num_procs: number;
  /** Windows only: always empty. */
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: MemoryStats;
  /** With its leading slash, as inspect shows it. */
  name: string;
  id: string;
  /** By interface name inside the container; omitted when there is none (host, none, loopback only). */
  networks?: Record<string, NetworkStats>;
}

export const ZERO_STATS_TIME = ZERO_TIME;

export function zeroCpuStats(): CpuStats {
  return {
    cpu_usage: { total_usage: 0n, usage_in_kernelmode: 0n, usage_in_usermode: 0n },
    throttling_data: { periods: 0n, throttled_periods: 0n, throttled_time: 0n },
  };
}

export function nullBlkioStats(): BlkioStats {
  return {
    io_service_bytes_recursive: null,
    io_serviced_recursive: null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
}

/**
 * What dockerd answers for a container it has no numbers for (not running,
 * restarting, or its cgroup gone): every field zero but the name and id.
 */
export function zeroStats(name: string, id: string): StatsResponse {
  return {
    read: ZERO_STATS_TIME,
    preread: ZERO_STATS_TIME,
    pids_stats: {},
    blkio_stats: nullBlkioStats(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: zeroCpuStats(),
    precpu_stats: zeroCpuStats(),
    memory_stats: {},
    name,
    id,
  };
}
