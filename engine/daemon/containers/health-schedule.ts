/**
 * The health state machine of dockerd (moby daemon/health.go
 * handleProbeResult, monitor's getInterval, initHealthMonitor and
 * CloseMonitorChannel), as pure functions over State.Health:
 *
 * - (re)start or restore: Status "starting", FailingStreak 0, the Log kept;
 * - a probe with exit 0: FailingStreak 0, "healthy";
 * - any other result: FailingStreak + 1 and "unhealthy" once it reaches
 *   Retries — except while still "starting" and the probe began inside the
 *   start period, where the failure is not counted at all;
 * - the last 5 results are kept in Log;
 * - a `health_status: <status>` event only when the status changes;
 * - the monitor stopping (exit, pause) leaves "unhealthy", without an event;
 * - the delay before each probe: the interval once the start period is over;
 *   inside it, what remains of it when that is shorter than the interval,
 *   else the start interval while "starting", else the interval.
 */
import type { ContainerState } from './records.js';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe result as inspect shows it (times RFC3339Nano). */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export const MAX_LOG_ENTRIES = 5;
/** Longest probe output kept (bytes); longer output is cut and marked with "...". */
export const MAX_OUTPUT_BYTES = 4096;

/**
 * State.Health lives in the container record's State, which records.ts does
 * not type: these two accessors are the only place that knows the key.
 */
export function healthOf(state: ContainerState): HealthState | undefined {
  return (state as ContainerState & { Health?: HealthState }).Health;
}

export function setHealth(state: ContainerState, health: HealthState): void {
  (state as ContainerState & { Health?: HealthState }).Health = health;
}

/** initHealthMonitor: a fresh run starts over as "starting"; the Log of earlier runs stays. */
export function startingHealth(prev: HealthState | undefined): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: prev ? [...prev.Log] : [] };
}

/** CloseMonitorChannel: a stopped monitor reports "unhealthy" (for compatibility, dockerd says). */
export function stoppedHealth(prev: HealthState): HealthState {
  return { ...prev, Status: 'unhealthy', Log: [...prev.Log] };
}

/** Docker's probe output: at most 4096 bytes, "..." appended when more came. */
export function trimOutput(raw: Buffer): string {
  if (raw.length <= MAX_OUTPUT_BYTES) return raw.toString('utf8');
  return `${raw.subarray(0, MAX_OUTPUT_BYTES).toString('utf8')}...`;
}

export interface ProbeResult {
  /** When the probe began/ended (ms since the epoch). */
  startMs: number;
  endMs: number;
  exitCode: number;
  output: string;
}

export interface ResultRules {
  retries: number;
  startPeriodMs: number;
  /** State.StartedAt of the run being probed (ms since the epoch). */
  startedAtMs: number;
}

export interface Transition {
  health: HealthState;
  /** The status to announce (`health_status: <status>`), when it changed. */
  event?: HealthStatus;
}

/** handleProbeResult: the next State.Health after one probe. */
export function applyProbeResult(prev: HealthState, r: ProbeResult, rules: ResultRules, iso: (ms: number) => string): Transition {
  const entry: HealthLogEntry = { Start: iso(r.startMs), End: iso(r.endMs), ExitCode: r.exitCode, Output: r.output };
  const log = [...prev.Log, entry].slice(-MAX_LOG_ENTRIES);
  let status = prev.Status;
  let streak = prev.FailingStreak;
  if (r.exitCode === 0) {
    streak = 0;
    status = 'healthy';
  } else {
    const inStartPeriod = prev.Status === 'starting' && r.startMs - rules.startedAtMs < rules.startPeriodMs;
    if (!inStartPeriod) {
      streak++;
      if (streak >= rules.retries) status = 'unhealthy';
    }
  }
  const health: HealthState = { Status: status, FailingStreak: streak, Log: log };
  return status !== prev.Status ? { health, event: status } : { health };
}

export interface Timing {
  intervalMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

/** getInterval: the wait before the next probe, `elapsedMs` after the run started. */
export function nextDelay(t: Timing, elapsedMs: number, status: HealthStatus): number {
  if (elapsedMs >= t.startPeriodMs) return t.intervalMs;
  const remaining = t.startPeriodMs - elapsedMs;
  if (remaining < t.intervalMs) return remaining;
  return status === 'starting' ? t.startIntervalMs : t.intervalMs;
}

/** Docker's `docker ps` words for a health state ("health: starting", "healthy", "unhealthy"). */
export function healthWords(h: HealthState): string {
  return h.Status === 'starting' ? 'health: starting' : h.Status || 'unhealthy';
}

/** The value the `health` list filter compares: the status, or "none" without a healthcheck. */
export function healthFilterValue(h: HealthState | undefined): string {
  if (h === undefined) return 'none';
  return h.Status || 'unhealthy';
}

export const HEALTH_FILTER_VALUES = ['starting', 'healthy', 'unhealthy', 'none'] as const;
