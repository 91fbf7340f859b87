/**
 * A container's numbers from cgroup v1, as containerd's cgroup1 stats and
 * dockerd's statsV1 (daemon/daemon_unix.go) turn them into the stats body:
 *
 * - cpuacct: usage (total ns), usage_percpu, stat (user/system in USER_HZ
 *   ticks, 100 a second, turned into ns); cpu: cpu.stat throttling
 *   (nr_periods, nr_throttled, throttled_time in ns).
 * - memory: memory.stat under Docker's 32 keys, usage_in_bytes,
 *   max_usage_in_bytes, failcnt, limit_in_bytes.
 * - blkio: the CFQ *_recursive files when the kernel has them, else the
 *   throttle.io_service_bytes_recursive / throttle.io_serviced_recursive
 *   ones (a kernel without CFQ has only those). Every list present, `[]`
 *   when empty, as dockerd copies them.
 * - pids: pids.current, pids.max (`max` → 0, "no limit").
 *
 * Each controller lives at <root>/<controller><cgroup path>; a hierarchy
 * mounted with several controllers (cpu,cpuacct) is found by its name when
 * the per-controller symlink is missing. parseCgroupV1 is pure; readCgroupV1
 * reads the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupSample } from './stats-cgroup.js';
import { parseFlatKeyed, parsePids, parseU64, parseU64List, pickSorted } from './stats-cgroup-parse.js';
import type { BlkioStatEntry, BlkioStats, MemoryStats } from './stats-types.js';

/** Docker's memory_stats.stats keys on cgroup v1. */
export const V1_MEMORY_KEYS = [
  'cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable',
  'hierarchical_memory_limit', 'hierarchical_memsw_limit',
  'total_cache', 'total_rss', 'total_rss_huge', 'total_mapped_file', 'total_dirty', 'total_writeback',
  'total_pgpgin', 'total_pgpgout', 'total_pgfault', 'total_pgmajfault',
  'total_inactive_anon', 'total_active_anon', 'total_inactive_file', 'total_active_file', 'total_unevictable',
] as const;

/** USER_HZ: cpuacct.stat counts in these (constant on Linux, as containerd assumes). */
const CLOCK_TICKS = 100n;
const NS_PER_SECOND = 1_000_000_000n;

/** The CFQ files, in the blkio_stats field each fills (time_recursive is io_time_recursive). */
const CFQ_FILES: ReadonlyArray<[keyof BlkioStats, string]> = [
  ['io_service_bytes_recursive', 'blkio.io_service_bytes_recursive'],
  ['io_serviced_recursive', 'blkio.io_serviced_recursive'],
  ['io_queue_recursive', 'blkio.io_queued_recursive'],
  ['io_service_time_recursive', 'blkio.io_service_time_recursive'],
  ['io_wait_time_recursive', 'blkio.io_wait_time_recursive'],
  ['io_merged_recursive', 'blkio.io_merged_recursive'],
  ['io_time_recursive', 'blkio.time_recursive'],
  ['sectors_recursive', 'blkio.sectors_recursive'],
];

/** The files' text, undefined where a file (or its controller) is missing. */
export interface V1Files {
  cpuacctUsage?: string;
  cpuacctPercpu?: string;
  cpuacctStat?: string;
  cpuStat?: string;
  memoryStat?: string;
  memoryUsage?: string;
  memoryMaxUsage?: string;
  memoryFailcnt?: string;
  memoryLimit?: string;
  /** By blkio_stats field: the CFQ files when present, else the two throttle files. */
  blkio?: Partial<Record<keyof BlkioStats, string>>;
  pidsCurrent?: string;
  pidsMax?: string;
}

/**
 * A blkio file: "MAJ:MIN Op value" lines (or "MAJ:MIN value" for sectors and
 * time), ending with a "Total value" line that is skipped.
 */
export function parseBlkioV1(text: string | undefined): BlkioStatEntry[] {
  const out: BlkioStatEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/[\s:]+/);
    if (f.length < 3) continue;
    const [maj, min] = [Number(f[0]), Number(f[1])];
    if (!Number.isInteger(maj) || !Number.isInteger(min)) continue;
    const op = f.length >= 4 ? (f[2] ?? '') : '';
    const value = parseU64(f.length >= 4 ? f[3] : f[2]);
    if (value === undefined) continue;
    out.push({ major: maj, minor: min, op, value });
  }
  return out;
}

function memoryV1(files: V1Files): MemoryStats | undefined {
  if (files.memoryStat === undefined) return undefined;
  const out: MemoryStats = { stats: pickSorted(parseFlatKeyed(files.memoryStat), V1_MEMORY_KEYS) };
  const usage = parseU64(files.memoryUsage);
  const max = parseU64(files.memoryMaxUsage);
  const failcnt = parseU64(files.memoryFailcnt);
  const limit = parseU64(files.memoryLimit);
  if (usage) out.usage = usage;
  if (max) out.max_usage = max;
  if (failcnt) out.failcnt = failcnt;
  if (limit) out.limit = limit;
  return out;
}

function blkioV1(files: Partial<Record<keyof BlkioStats, string>> | undefined): BlkioStats | undefined {
  if (files === undefined) return undefined;
  const list = (k: keyof BlkioStats): BlkioStatEntry[] => parseBlkioV1(files[k]);
  return {
    io_service_bytes_recursive: list('io_service_bytes_recursive'),
    io_serviced_recursive: list('io_serviced_recursive'),
    io_queue_recursive: list('io_queue_recursive'),
    io_service_time_recursive: list('io_service_time_recursive'),
    io_wait_time_recursive: list('io_wait_time_recursive'),
    io_merged_recursive: list('io_merged_recursive'),
    io_time_recursive: list('io_time_recursive'),
    sectors_recursive: list('sectors_recursive'),
  };
}

export function parseCgroupV1(files: V1Files): CgroupSample {
  const sample: CgroupSample = {};
  const total = parseU64(files.cpuacctUsage);
  if (total !== undefined || files.cpuStat !== undefined) {
    const ticks = parseFlatKeyed(files.cpuacctStat);
    const throttle = parseFlatKeyed(files.cpuStat);
    const percpu = parseU64List(files.cpuacctPercpu);
    sample.cpu = {
      usage: {
        total_usage: total ?? 0n,
        ...(percpu.length > 0 ? { percpu_usage: percpu } : {}),
        usage_in_kernelmode: ((ticks.get('system') ?? 0n) * NS_PER_SECOND) / CLOCK_TICKS,
        usage_in_usermode: ((ticks.get('user') ?? 0n) * NS_PER_SECOND) / CLOCK_TICKS,
      },
      throttling: {
        periods: throttle.get('nr_periods') ?? 0n,
        throttled_periods: throttle.get('nr_throttled') ?? 0n,
        throttled_time: throttle.get('throttled_time') ?? 0n,
      },
    };
  }
  const memory = memoryV1(files);
  if (memory) sample.memory = memory;
  const blkio = blkioV1(files.blkio);
  if (blkio) sample.blkio = blkio;
  const pids = parsePids(files.pidsCurrent, files.pidsMax);
  if (pids) sample.pids = pids;
  return sample;
}

// ---- reading the files -------------------------------------------------

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The hierarchy serving `controller` under `root`: <root>/<controller>, or a comma-joined mount (cpu,cpuacct). */
export function v1ControllerDir(root: string, controller: string): string | undefined {
  const direct = path.join(root, controller);
  if (fs.existsSync(direct)) return direct;
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return undefined;
  }
  const hit = entries.find((e) => e.split(',').includes(controller));
  return hit === undefined ? undefined : path.join(root, hit);
}

/** The container's cgroup dir for `controller`, undefined when there is none. */
function cgroupDir(root: string, controller: string, cgroupPath: string): string | undefined {
  const base = v1ControllerDir(root, controller);
  if (base === undefined) return undefined;
  const dir = path.join(base, cgroupPath);
  return fs.existsSync(dir) ? dir : undefined;
}

/** The raw files of a v1 cgroup; undefined when no controller has the cgroup (the container is gone). */
export function readV1Files(root: string, cgroupPath: string): V1Files | undefined {
  const cpuacct = cgroupDir(root, 'cpuacct', cgroupPath);
  const cpu = cgroupDir(root, 'cpu', cgroupPath);
  const memory = cgroupDir(root, 'memory', cgroupPath);
  const blkio = cgroupDir(root, 'blkio', cgroupPath);
  const pids = cgroupDir(root, 'pids', cgroupPath);
  if (!cpuacct && !cpu && !memory && !blkio && !pids) return undefined;
  const files: V1Files = {};
  const set = <K extends keyof V1Files>(key: K, value: V1Files[K] | undefined): void => {
    if (value !== undefined) files[key] = value;
  };
  if (cpuacct) {
    set('cpuacctUsage', readText(path.join(cpuacct, 'cpuacct.usage')));
    set('cpuacctPercpu', readText(path.join(cpuacct, 'cpuacct.usage_percpu')));
    set('cpuacctStat', readText(path.join(cpuacct, 'cpuacct.stat')));
  }
  if (cpu) set('cpuStat', readText(path.join(cpu, 'cpu.stat')));
  if (memory) {
    set('memoryStat', readText(path.join(memory, 'memory.stat')));
    set('memoryUsage', readText(path.join(memory, 'memory.usage_in_bytes')));
    set('memoryMaxUsage', readText(path.join(memory, 'memory.max_usage_in_bytes')));
    set('memoryFailcnt', readText(path.join(memory, 'memory.failcnt')));
    set('memoryLimit', readText(path.join(memory, 'memory.limit_in_bytes')));
  }
  if (blkio) {
    const out: Partial<Record<keyof BlkioStats, string>> = {};
    // containerd: the CFQ files when the kernel has them and they list something, else the throttle ones.
    let listed = 0;
    if (fs.existsSync(path.join(blkio, 'blkio.io_serviced_recursive'))) {
      for (const [field, file] of CFQ_FILES) {
        const text = readText(path.join(blkio, file));
        if (text === undefined) continue;
        out[field] = text;
        listed += parseBlkioV1(text).length;
      }
    }
    if (listed === 0) {
      for (const k of Object.keys(out) as Array<keyof BlkioStats>) delete out[k];
      const bytes = readText(path.join(blkio, 'blkio.throttle.io_service_bytes_recursive'));
      const ios = readText(path.join(blkio, 'blkio.throttle.io_serviced_recursive'));
      if (bytes !== undefined) out.io_service_bytes_recursive = bytes;
      if (ios !== undefined) out.io_serviced_recursive = ios;
    }
    files.blkio = out;
  }
  if (pids) {
    set('pidsCurrent', readText(path.join(pids, 'pids.current')));
    set('pidsMax', readText(path.join(pids, 'pids.max')));
  }
  return files;
}

export function readCgroupV1(root: string, cgroupPath: string): CgroupSample | undefined {
  const files = readV1Files(root, cgroupPath);
  return files === undefined ? undefined : parseCgroupV1(files);
}
