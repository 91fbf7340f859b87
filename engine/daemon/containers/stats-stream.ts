/**
 * The samples one stats response sends, in dockerd's order (daemon/stats.go):
 *
 * - stream: a sample now, then one every interval until the client goes or
 *   the container is removed. Each carries the previous one's cpu_stats as
 *   precpu_stats and its `read` as `preread` (zero on the first), so a client
 *   can turn two counters into a percentage.
 * - stream=false: a first sample only primes precpu_stats; the second, one
 *   interval later, is the answer (`docker stats --no-stream` shows a real
 *   CPU % this way).
 * - one-shot (stream=false only): the first sample as is, precpu empty.
 *
 * The sampler returns undefined once the container is gone, which ends the
 * response, as dockerd's collector closes its subscribers on removal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuStats, StatsResponse } from './stats-types.js';
import { zeroCpuStats, ZERO_STATS_TIME } from './stats-types.js';

/** dockerd's collector interval. */
export const STATS_INTERVAL_MS = 1000;

export interface FrameOptions {
  stream: boolean;
  oneShot: boolean;
  /** Between samples (default STATS_INTERVAL_MS). */
  intervalMs?: number;
  /** Aborted when the client goes. */
  signal?: AbortSignal;
}

export async function* statsFrames(sample: () => StatsResponse | undefined, opts: FrameOptions): AsyncGenerator<StatsResponse> {
  const interval = opts.intervalMs ?? STATS_INTERVAL_MS;
  if (opts.oneShot && !opts.stream) {
    const only = sample();
    if (only) yield only;
    return;
  }
  let preCpu: CpuStats = zeroCpuStats();
  let preRead = ZERO_STATS_TIME;
  let primed = opts.stream;
  for (;;) {
    if (opts.signal?.aborted) return;
    const s = sample();
    if (s === undefined) return;
    s.precpu_stats = preCpu;
    s.preread = preRead;
    preCpu = s.cpu_stats;
    preRead = s.read;
    if (primed) {
      yield s;
      if (!opts.stream) return;
    }
    primed = true;
    try {
      await sleep(interval, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      // Aborted: the client is gone.
      return;
    }
  }
}
