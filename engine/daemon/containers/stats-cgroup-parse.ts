/**
 * Parsers shared by the cgroup v1 and v2 stats readers: single numbers,
 * "max", pids.current/pids.max, flat-keyed files ("key value" per line: memory.stat, cpu.stat,
 * cpuacct.stat, memory.events) and space-separated lists. All pure; a value
 * that does not parse reads as absent, as containerd's readers ignore what
 * they cannot use rather than fail the whole sample.
 */
import type { PidsStats } from './stats-types.js';

/** 2^64-1: what containerd reports for an unlimited "max" (the collector caps it at the host's memory). */
export const U64_MAX = 18446744073709551615n;

export function parseU64(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d+$/.test(t) ? BigInt(t) : undefined;
}

/** A limit file (memory.max, pids.max …): a number, or `max` for none. */
export function parseLimit(text: string | undefined): bigint | 'max' | undefined {
  if (text === undefined) return undefined;
  return text.trim() === 'max' ? 'max' : parseU64(text);
}

/** "key value" lines; lines that are not a key and one unsigned integer are skipped. */
export function parseFlatKeyed(text: string | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], BigInt(m[2]));
  }
  return out;
}

/** cpuacct.usage_percpu: one number per possible CPU, space separated. */
export function parseU64List(text: string | undefined): bigint[] {
  return (text ?? '')
    .trim()
    .split(/\s+/)
    .filter((f) => /^\d+$/.test(f))
    .map((f) => BigInt(f));
}

/** Docker's memory_stats.stats: exactly `keys` (0 when the file lacks one), sorted as Go writes a map. */
export function pickSorted(values: ReadonlyMap<string, bigint>, keys: readonly string[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const k of [...keys].sort()) out[k] = values.get(k) ?? 0n;
  return out;
}

/** pids.current and pids.max (`max`, no limit, is reported as 0 and so left out). */
export function parsePids(current: string | undefined, max: string | undefined): PidsStats | undefined {
  const c = parseU64(current);
  if (c === undefined) return undefined;
  const limit = parseLimit(max);
  const out: PidsStats = {};
  if (c > 0n) out.current = c;
  if (typeof limit === 'bigint' && limit > 0n) out.limit = limit;
  return out;
}
