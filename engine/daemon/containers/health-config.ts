/**
 * A container's healthcheck configuration, as dockerd reads it (moby
 * daemon/health.go, daemon/commit.go merge, daemon/container.go
 * validateHealthCheck): pure functions, no host access.
 *
 * - Config.Healthcheck = { Test, Interval, Timeout, StartPeriod,
 *   StartInterval (durations in ns), Retries }. Test is ["CMD", arg…],
 *   ["CMD-SHELL", "cmd"], ["NONE"], or empty (inherit the image's).
 * - At create the request's value is merged over the image's field by field:
 *   an empty Test and zero numbers take the image's.
 * - A zero duration or retry count means Docker's default at run time.
 */
import { BadRequestError } from '../errors.js';

export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** Docker's defaults (moby daemon/health.go), in ms. */
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_START_PERIOD_MS = 0;
export const DEFAULT_START_INTERVAL_MS = 5_000;
export const DEFAULT_RETRIES = 3;

/** containertypes.MinimumDuration: 1 ms. */
const MINIMUM_DURATION_NS = 1_000_000;

/** dockerd's create-time checks (validateHealthCheck); the message, or undefined when valid. */
export function validateHealthcheck(hc: HealthConfig | null | undefined): string | undefined {
  if (hc === null || hc === undefined) return undefined;
  const tooShort = (v: number | undefined): boolean => v !== undefined && v !== 0 && v < MINIMUM_DURATION_NS;
  if (tooShort(hc.Interval)) return 'Interval in Healthcheck cannot be less than 1ms';
  if (tooShort(hc.Timeout)) return 'Timeout in Healthcheck cannot be less than 1ms';
  if (hc.Retries !== undefined && hc.Retries < 0) return 'Retries in Healthcheck cannot be negative';
  if (tooShort(hc.StartPeriod)) return 'StartPeriod in Healthcheck cannot be less than 1ms';
  if (tooShort(hc.StartInterval)) return 'StartInterval in Healthcheck cannot be less than 1ms';
  return undefined;
}

/** Throws dockerd's 400 for an invalid request healthcheck. */
export function checkHealthcheck(hc: unknown): void {
  if (hc === undefined || hc === null) return;
  if (typeof hc !== 'object' || Array.isArray(hc)) throw new BadRequestError('Healthcheck must be an object');
  const problem = validateHealthcheck(hc as HealthConfig);
  if (problem !== undefined) throw new BadRequestError(problem);
}

/**
 * dockerd's merge at create: no request healthcheck → the image's; otherwise
 * the request's, its empty Test and zero fields filled from the image's.
 */
export function mergeHealthcheck(user: HealthConfig | null | undefined, image: HealthConfig | null | undefined): HealthConfig | undefined {
  const u = user ?? undefined;
  const i = image ?? undefined;
  if (i === undefined) return u === undefined ? undefined : { ...u };
  if (u === undefined) return { ...i };
  const out: HealthConfig = { ...u };
  if ((out.Test ?? []).length === 0 && i.Test !== undefined) out.Test = i.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    const iv = i[k];
    if (!out[k] && iv !== undefined) out[k] = iv;
  }
  return out;
}

/** The create record's Config with the merged healthcheck (the key dropped when there is none). */
export function withMergedHealthcheck<C extends Record<string, unknown>>(config: C, image: HealthConfig | null | undefined): C {
  const merged = mergeHealthcheck(config['Healthcheck'] as HealthConfig | null | undefined, image);
  const out: Record<string, unknown> = { ...config };
  if (merged === undefined) delete out['Healthcheck'];
  else out['Healthcheck'] = merged;
  return out as C;
}

/** What the monitor runs: the probe's argv and the timings, defaults applied (ms). */
export interface HealthPlan {
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

const ms = (ns: number | undefined, dflt: number): number => (ns === undefined || ns === 0 ? dflt : ns / 1_000_000);

/**
 * The probe to run, or undefined when there is none (no healthcheck, NONE, an
 * empty or unknown Test: dockerd's getProbe returns nil for those, and the
 * container gets no State.Health at all). CMD-SHELL runs under the
 * container's Shell, else /bin/sh -c.
 */
export function healthPlan(hc: HealthConfig | null | undefined, shell?: readonly string[] | null): HealthPlan | undefined {
  const test = hc?.Test ?? [];
  const kind = test[0];
  if (hc === null || hc === undefined || (kind !== 'CMD' && kind !== 'CMD-SHELL')) return undefined;
  const args = test.slice(1);
  const argv = kind === 'CMD-SHELL' ? [...(shell && shell.length > 0 ? shell : ['/bin/sh', '-c']), ...args] : args;
  return {
    argv,
    intervalMs: ms(hc.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(hc.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(hc.StartPeriod, DEFAULT_START_PERIOD_MS),
    startIntervalMs: ms(hc.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: hc.Retries !== undefined && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES,
  };
}

/**
 * Go's time.Duration.String() for a duration in ms ("500ms", "30s", "1m30s",
 * "1.5s"): the timeout message quotes it as dockerd prints it.
 */
export function goDuration(msValue: number): string {
  let ns = Math.round(msValue * 1_000_000);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  if (neg) ns = -ns;
  const frac = (v: number, unit: number): string => {
    const whole = Math.floor(v / unit);
    const rest = v % unit;
    if (rest === 0) return String(whole);
    const digits = String(unit).length - 1;
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  let out: string;
  if (ns < 1_000) out = `${ns}ns`;
  else if (ns < 1_000_000) out = `${frac(ns, 1_000)}µs`;
  else if (ns < 1_000_000_000) out = `${frac(ns, 1_000_000)}ms`;
  else {
    const h = Math.floor(ns / 3_600_000_000_000);
    const m = Math.floor((ns % 3_600_000_000_000) / 60_000_000_000);
    const s = frac(ns % 60_000_000_000, 1_000_000_000);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}
