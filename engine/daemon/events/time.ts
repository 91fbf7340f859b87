/**
 * `since`/`until` of /events as dockerd parses them (moby
 * api/types/time.ParseTimestamps): "SECONDS[.FRACTION]" — the docker CLI
 * turns durations and RFC 3339 dates into that before sending. Empty means
 * unbounded (0).
 */
import { BadRequestError } from '../errors.js';

export function parseEventTime(value: string | null): bigint {
  if (value === null || value.trim() === '') return 0n;
  const m = /^(-?\d+)(?:\.(\d{1,9})\d*)?$/.exec(value.trim());
  if (!m) throw new BadRequestError(`failed to parse value as time or duration: "${value}"`);
  const seconds = BigInt(m[1] ?? '0');
  const frac = BigInt((m[2] ?? '').padEnd(9, '0') || '0');
  return seconds * 1_000_000_000n + (seconds < 0n ? -frac : frac);
}
