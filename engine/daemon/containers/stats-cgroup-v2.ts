/**
 * A container's numbers from cgroup v2 (one directory, <root><cgroup path>),
 * as containerd's cgroup2 stats and dockerd's statsV2 turn them into the
 * stats body. What v2 cannot say stays out, as with dockerd: no percpu_usage,
 * no max_usage, and only io_service_bytes_recursive of the blkio lists.
 *
 * - cpu.stat: usage_usec, user_usec, system_usec, nr_periods, nr_throttled,
 *   throttled_usec (microseconds, reported in ns).
 * - memory.current, memory.max (`max` → unlimited), memory.stat under
 *   Docker's 31 v2 keys, memory.events `oom` as failcnt.
 * - io.stat: per device "MAJ:MIN rbytes=… wbytes=… …" → a Read and a Write
 *   entry (dockerd spells them "read"/"write").
 * - pids.current, pids.max.
 *
 * parseCgroupV2 is pure; readCgroupV2 reads the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupSample } from './stats-cgroup.js';
import { U64_MAX, parseFlatKeyed, parseLimit, parsePids, parseU64, pickSorted } from './stats-cgroup-parse.js';
import type { BlkioStatEntry, MemoryStats } from './stats-types.js';
import { nullBlkioStats } from './stats-types.js';

/** Docker's memory_stats.stats keys on cgroup v2 (incompatible with v1's: no total_*). */
export const V2_MEMORY_KEYS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim',
  'pgrefill', 'pgscan', 'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
] as const;

export interface V2Files {
  cpuStat?: string;
  memoryCurrent?: string;
  memoryMax?: string;
  memoryStat?: string;
  memoryEvents?: string;
  ioStat?: string;
  pidsCurrent?: string;
  pidsMax?: string;
}

/** io.stat: one line per device, "MAJ:MIN key=value …". */
export function parseIoStat(text: string | undefined): BlkioStatEntry[] {
  const out: BlkioStatEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = new Map<string, bigint>();
    for (const p of pairs) {
      const [k, v] = p.split('=');
      const n = parseU64(v);
      if (k !== undefined && n !== undefined) kv.set(k, n);
    }
    const major = Number(m[1]);
    const minor = Number(m[2]);
    out.push({ major, minor, op: 'read', value: kv.get('rbytes') ?? 0n }, { major, minor, op: 'write', value: kv.get('wbytes') ?? 0n });
  }
  return out;
}

const USEC_NS = 1000n;

export function parseCgroupV2(files: V2Files): CgroupSample {
  const sample: CgroupSample = {};
  if (files.cpuStat !== undefined) {
    const cpu = parseFlatKeyed(files.cpuStat);
    sample.cpu = {
      usage: {
        total_usage: (cpu.get('usage_usec') ?? 0n) * USEC_NS,
        usage_in_kernelmode: (cpu.get('system_usec') ?? 0n) * USEC_NS,
        usage_in_usermode: (cpu.get('user_usec') ?? 0n) * USEC_NS,
      },
      throttling: {
        periods: cpu.get('nr_periods') ?? 0n,
        throttled_periods: cpu.get('nr_throttled') ?? 0n,
        throttled_time: (cpu.get('throttled_usec') ?? 0n) * USEC_NS,
      },
    };
  }
  if (files.memoryCurrent !== undefined || files.memoryStat !== undefined) {
    const memory: MemoryStats = { stats: pickSorted(parseFlatKeyed(files.memoryStat), V2_MEMORY_KEYS) };
    const usage = parseU64(files.memoryCurrent);
    const max = parseLimit(files.memoryMax);
    const limit = max === 'max' ? U64_MAX : max;
    const oom = parseFlatKeyed(files.memoryEvents).get('oom');
    if (usage) memory.usage = usage;
    if (limit) memory.limit = limit;
    if (oom) memory.failcnt = oom;
    sample.memory = memory;
  }
  if (files.ioStat !== undefined) {
    const entries = parseIoStat(files.ioStat);
    // dockerd's list stays nil (JSON null) when io.stat names no device.
    sample.blkio = { ...nullBlkioStats(), io_service_bytes_recursive: entries.length > 0 ? entries : null };
  }
  const pids = parsePids(files.pidsCurrent, files.pidsMax);
  if (pids) sample.pids = pids;
  return sample;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const V2_FILE_NAMES: ReadonlyArray<[keyof V2Files, string]> = [
  ['cpuStat', 'cpu.stat'],
  ['memoryCurrent', 'memory.current'],
  ['memoryMax', 'memory.max'],
  ['memoryStat', 'memory.stat'],
  ['memoryEvents', 'memory.events'],
  ['ioStat', 'io.stat'],
  ['pidsCurrent', 'pids.current'],
  ['pidsMax', 'pids.max'],
];

/** The raw files of a v2 cgroup; undefined when its directory is gone. */
export function readV2Files(root: string, cgroupPath: string): V2Files | undefined {
  const dir = path.join(root, cgroupPath);
  if (!fs.existsSync(dir)) return undefined;
  const files: V2Files = {};
  for (const [key, name] of V2_FILE_NAMES) {
    const text = readText(path.join(dir, name));
    if (text !== undefined) files[key] = text;
  }
  return files;
}

export function readCgroupV2(root: string, cgroupPath: string): CgroupSample | undefined {
  const files = readV2Files(root, cgroupPath);
  return files === undefined ? undefined : parseCgroupV2(files);
}
