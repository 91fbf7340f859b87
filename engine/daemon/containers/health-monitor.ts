/**
 * Per-container health monitors: a timer, a probe, the state machine
 * (health-schedule.ts), State.Health written back and persisted, and
 * `health_status` events — dockerd's monitor goroutine, one per running
 * container with a CMD / CMD-SHELL healthcheck.
 *
 * Lifecycle, as dockerd's hooks: start() on every start, restart or restore
 * of a running container (initHealthMonitor: "starting", streak 0); stop()
 * on exit and pause (CloseMonitorChannel: "unhealthy", a running probe is
 * killed and its result dropped); resume() on unpause (the monitor runs again,
 * the status untouched); close() when the daemon stops (nothing recorded:
 * the containers live on and are restored).
 */
import type { EventSink } from '../events/bus.js';
import type { Logger } from '../server/logger.js';
import type { ContainerHandle } from './handle.js';
import { healthPlan } from './health-config.js';
import type { HealthConfig, HealthPlan } from './health-config.js';
import { runProbe } from './health-probe.js';
import type { ProbeOutcome, ProbeRequest } from './health-probe.js';
import { applyProbeResult, healthOf, nextDelay, setHealth, startingHealth, stoppedHealth } from './health-schedule.js';
import type { ContainerRecord } from './records.js';
import { rfc3339Nano } from './records.js';

export interface HealthMonitorDeps {
  record(id: string): ContainerRecord | undefined;
  handle(id: string): ContainerHandle;
  persist(rec: ContainerRecord): Promise<void>;
  events(): EventSink;
  logger: Logger;
  /** Runs one probe (health-probe.ts runProbe; a fake in tests). */
  probe?: (req: ProbeRequest) => Promise<ProbeOutcome>;
  now?: () => number;
}

/** One monitor's life: replaced on every start, so late results of an old one are recognised and dropped. */
interface Run {
  plan: HealthPlan;
  timer?: NodeJS.Timeout | undefined;
  abort?: AbortController | undefined;
}

/** The probe plan of a container, or undefined when it has no healthcheck to run. */
export function planOf(rec: ContainerRecord): HealthPlan | undefined {
  const shell = rec.Config['Shell'];
  return healthPlan(rec.Config['Healthcheck'] as HealthConfig | null | undefined, Array.isArray(shell) ? (shell as string[]) : undefined);
}

export class HealthMonitor {
  readonly #d: HealthMonitorDeps;
  readonly #runs = new Map<string, Run>();
  readonly #probe: (req: ProbeRequest) => Promise<ProbeOutcome>;
  readonly #now: () => number;

  constructor(deps: HealthMonitorDeps) {
    this.#d = deps;
    this.#probe = deps.probe ?? ((req) => runProbe(req));
    this.#now = deps.now ?? (() => Date.now());
  }

  /** Whether a monitor runs for `id` now. */
  running(id: string): boolean {
    return this.#runs.has(id);
  }

  /** initHealthMonitor: a (re)started or restored container is "starting" again and probed. */
  start(rec: ContainerRecord): void {
    const plan = planOf(rec);
    if (plan === undefined) return;
    this.#halt(rec.Id);
    setHealth(rec.State, startingHealth(healthOf(rec.State)));
    this.#begin(rec, plan);
  }

  /** updateHealthMonitor after unpause: probing goes on; the status waits for the next result. */
  resume(rec: ContainerRecord): void {
    const plan = planOf(rec);
    if (plan === undefined || healthOf(rec.State) === undefined || this.#runs.has(rec.Id)) return;
    this.#begin(rec, plan);
  }

  /** stopHealthchecks: the monitor ends; a container that had one is "unhealthy" until it runs again. */
  stop(rec: ContainerRecord): void {
    if (!this.#halt(rec.Id)) return;
    const h = healthOf(rec.State);
    if (h !== undefined) setHealth(rec.State, stoppedHealth(h));
  }

  /** The container is gone: its monitor too, nothing recorded. */
  forget(id: string): void {
    this.#halt(id);
  }

  /** The daemon stops: every monitor and running probe ends; the records keep their last state. */
  close(): void {
    for (const id of [...this.#runs.keys()]) this.#halt(id);
  }

  #halt(id: string): boolean {
    const run = this.#runs.get(id);
    if (run === undefined) return false;
    this.#runs.delete(id);
    if (run.timer !== undefined) clearTimeout(run.timer);
    run.abort?.abort();
    return true;
  }

  #begin(rec: ContainerRecord, plan: HealthPlan): void {
    const run: Run = { plan };
    this.#runs.set(rec.Id, run);
    this.#schedule(rec, run);
  }

  #schedule(rec: ContainerRecord, run: Run): void {
    const elapsed = this.#now() - Date.parse(rec.State.StartedAt);
    const status = healthOf(rec.State)?.Status ?? 'starting';
    const delay = nextDelay(run.plan, Number.isFinite(elapsed) ? elapsed : Number.POSITIVE_INFINITY, status);
    run.timer = setTimeout(() => {
      run.timer = undefined;
      void this.#tick(rec.Id, run).catch((e: unknown) => this.#d.logger.error(`container ${rec.Id}: health check: ${(e as Error).message}`));
    }, delay);
    run.timer.unref();
  }

  async #tick(id: string, run: Run): Promise<void> {
    const rec = this.#d.record(id);
    if (this.#runs.get(id) !== run || rec === undefined) return;
    const startMs = this.#now();
    run.abort = new AbortController();
    const events = this.#d.events();
    let outcome: ProbeOutcome;
    try {
      outcome = await this.#probe({
        handle: this.#d.handle(id),
        argv: run.plan.argv,
        timeoutMs: run.plan.timeoutMs,
        signal: run.abort.signal,
        events: (action, extra) => events.container(rec, action, extra),
      });
    } catch (e) {
      outcome = { exitCode: -1, output: (e as Error).message, endMs: this.#now() };
    }
    // Stopped (or restarted) while probing: dockerd drops the result.
    if (this.#runs.get(id) !== run || this.#d.record(id) !== rec) return;
    run.abort = undefined;
    const prev = healthOf(rec.State) ?? startingHealth(undefined);
    const t = applyProbeResult(
      prev,
      { startMs, endMs: outcome.endMs, exitCode: outcome.exitCode, output: outcome.output },
      { retries: run.plan.retries, startPeriodMs: run.plan.startPeriodMs, startedAtMs: Date.parse(rec.State.StartedAt) },
      (ms) => rfc3339Nano(new Date(ms)),
    );
    setHealth(rec.State, t.health);
    this.#d.persist(rec).catch((e: unknown) => this.#d.logger.warn(`container ${id}: saving health: ${(e as Error).message}`));
    if (t.event !== undefined) events.container(rec, `health_status: ${t.event}`);
    this.#d.logger.debug(`container ${id}: health check exit ${outcome.exitCode} → ${t.health.Status} (streak ${t.health.FailingStreak})`);
    this.#schedule(rec, run);
  }
}
