/**
 * Restart policies as dockerd applies them, without I/O: create-time
 * validation (moby api/types/container RestartPolicy validation), the
 * restart manager's decision and back-off (moby restartmanager.go), the
 * daemon-start check (container.ShouldRestart on restore) and which user
 * signals cancel a pending restart (daemon/kill.go killWithSignal).
 *
 * dockerd semantics kept here:
 *  - no / "": never restarted;
 *  - always: restarted whatever the exit code, also after a manual stop
 *    when the daemon starts again; a user's stop/kill only cancels the
 *    restart of the current run (the manager's `cancelled`);
 *  - unless-stopped: as always, but never once manually stopped;
 *  - on-failure[:N]: non-zero exits only, while RestartCount < N (0 = no limit);
 *  - back-off: 100 ms, doubled per restart up to 1 min; back to 100 ms when
 *    the run lasted ≥ 10 s. The delay is computed on every exit handled by a
 *    policy, restart or not (as moby's ShouldRestart does).
 */

export const BACKOFF_INITIAL_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
export const BACKOFF_MULTIPLIER = 2;
/** A run at least this long resets the back-off. */
export const BACKOFF_RESET_RUN_MS = 10_000;

export interface RestartPolicy {
  Name?: string;
  MaximumRetryCount?: number;
}

export type PolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';

/** "" and absent mean "no" (API versions before 1.44 sent ""). */
export function policyName(p: RestartPolicy | undefined | null): PolicyName {
  const n = p?.Name ?? '';
  return n === '' ? 'no' : (n as PolicyName);
}

export function isNone(p: RestartPolicy | undefined | null): boolean {
  return policyName(p) === 'no';
}

/** dockerd's create-time checks: the message of a 400, or undefined when the policy is valid. */
export function validateRestartPolicy(p: RestartPolicy | undefined | null, autoRemove = false): string | undefined {
  if (!p) return undefined;
  if (autoRemove && !isNone(p)) return `can't create 'AutoRemove' container with restart policy`;
  const max = p.MaximumRetryCount ?? 0;
  switch (p.Name ?? '') {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (max !== 0) {
        return `invalid restart policy: maximum retry count can only be used with 'on-failure'${max < 0 ? ' and cannot be negative' : ''}`;
      }
      return undefined;
    case 'on-failure':
      if (max < 0) return 'invalid restart policy: maximum retry count cannot be negative';
      return undefined;
    case '':
      // Older clients sent an empty name with any count: accepted for backward compatibility.
      return undefined;
    default:
      return `invalid restart policy: unknown policy '${p.Name ?? ''}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`;
  }
}

/** The back-off after a run of `runMs`, given the previous delay (0: none yet). */
export function nextBackoff(previousMs: number, runMs: number): number {
  let t = runMs >= BACKOFF_RESET_RUN_MS ? 0 : previousMs;
  if (t === 0) t = BACKOFF_INITIAL_MS;
  else if (t < BACKOFF_MAX_MS) t *= BACKOFF_MULTIPLIER;
  return Math.min(t, BACKOFF_MAX_MS);
}

export interface ExitFacts {
  exitCode: number;
  /** RestartCount before this decision. */
  restartCount: number;
  /** HasBeenManuallyStopped (a user's stop/kill since the last user start), or the daemon shutting down. */
  manuallyStopped: boolean;
}

/** The policy's vote alone (moby ShouldRestart's switch). */
export function policyWantsRestart(p: RestartPolicy | undefined | null, f: ExitFacts): boolean {
  switch (policyName(p)) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !f.manuallyStopped;
    case 'on-failure': {
      const max = p?.MaximumRetryCount ?? 0;
      return (max <= 0 || f.restartCount < max) && f.exitCode !== 0;
    }
    default:
      return false;
  }
}

/** The in-memory restart manager of one container (reset on a user's start). */
export interface RestartTracker {
  /** The last back-off (0: none yet). */
  backoffMs: number;
  /** A user's stop/kill cancelled restarts for this run (moby ExitOnNext). */
  cancelled: boolean;
}

export function newTracker(): RestartTracker {
  return { backoffMs: 0, cancelled: false };
}

export interface RestartDecision {
  restart: boolean;
  /** Wait this long before starting again (when restart). */
  delayMs: number;
  /** The tracker's new state. */
  tracker: RestartTracker;
}

/** What to do when a container's process has exited on a daemon that keeps running. */
export function decideOnExit(p: RestartPolicy | undefined | null, tracker: RestartTracker, f: ExitFacts & { runMs: number }): RestartDecision {
  if (isNone(p) || tracker.cancelled) return { restart: false, delayMs: 0, tracker: { ...tracker } };
  const backoffMs = nextBackoff(tracker.backoffMs, f.runMs);
  const restart = policyWantsRestart(p, f);
  return { restart, delayMs: restart ? backoffMs : 0, tracker: { ...tracker, backoffMs } };
}

/**
 * Daemon start: a stopped container is started again (at once, with its
 * RestartCount reset, as a user's start) when its policy says so and it has
 * run before. `always` ignores a manual stop here (dockerd's documented
 * behaviour); `unless-stopped` does not.
 */
export function restartOnDaemonStart(p: RestartPolicy | undefined | null, f: ExitFacts & { startedBefore: boolean }): boolean {
  return f.startedBefore && !isNone(p) && policyWantsRestart(p, f);
}

/**
 * Whether a user's signal cancels restarts (moby killWithSignal): SIGKILL
 * always, the container's StopSignal when it has one, any signal when it has
 * none. `signal` and `stopSignal` are normalized names (SIGTERM).
 */
export function signalCancelsRestart(signal: string, stopSignal: string | undefined): boolean {
  if (signal === 'SIGKILL') return true;
  if (!stopSignal) return true;
  return signal === stopSignal;
}
