/**
 * One reader over both cgroup versions: a container's CPU, memory, block I/O
 * and pids numbers, already in the stats body's units and shapes. The mount
 * root is passed in (normally /sys/fs/cgroup, or TSCOMPOSE_CGROUP_ROOT as the
 * runtime reads it) so tests can point it at a fake tree. The version is
 * told as the runtime tells it: a root with cgroup.controllers is the
 * unified (v2) hierarchy; anything else, hybrid hosts included, is v1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCgroupV1 } from './stats-cgroup-v1.js';
import { readCgroupV2 } from './stats-cgroup-v2.js';
import type { BlkioStats, CpuUsage, MemoryStats, PidsStats, ThrottlingData } from './stats-types.js';

/** What one sample of a cgroup says; a part is absent when its controller or files are. */
export interface CgroupSample {
  cpu?: { usage: CpuUsage; throttling: ThrottlingData };
  /** `limit` as the cgroup has it (2^64-1 or 0x7ffffffffffff000 for none): the collector caps it at the host's memory. */
  memory?: MemoryStats;
  blkio?: BlkioStats;
  pids?: PidsStats;
}

export type CgroupVersion = 1 | 2;

export function cgroupVersionAt(root: string): CgroupVersion {
  return fs.existsSync(path.join(root, 'cgroup.controllers')) ? 2 : 1;
}

/** The container's cgroup numbers; undefined when it has no cgroup (any more). */
export function readCgroupStats(root: string, cgroupPath: string, version: CgroupVersion = cgroupVersionAt(root)): CgroupSample | undefined {
  return version === 2 ? readCgroupV2(root, cgroupPath) : readCgroupV1(root, cgroupPath);
}
