/**
 * Durations and byte sizes as compose-go reads and prints them.
 *
 * - Durations are parsed like compose-go `types.Duration` (str2duration: Go's
 *   time.ParseDuration plus `d` and `w` units) and printed like Go's
 *   time.Duration.String(), which is what `docker compose config` shows
 *   (`90s` -> `1m30s`, `60s` -> `1m0s`).
 * - Byte sizes are parsed like compose-go `types.UnitBytes` (docker/go-units
 *   RAMInBytes: binary multipliers, case-insensitive, optional `b`/`ib`).
 *
 * Durations are nanoseconds in a JS number: exact up to 2^53 ns (~104 days),
 * which covers every realistic compose value. Parsing works on BigInt so the
 * overflow checks match Go's int64 limits.
 *
 * Stage order (compose-go loader, for context): per file interpolate ->
 * include -> extends -> merge -> schema -> canonical; then defaults ->
 * validate -> paths -> normalize -> typed model. These helpers are used by the
 * typed-model stage, not by the tree stages.
 */
import { ComposeError } from '../model/errors.js';

const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const SEC = 1000n * MS;
const MIN = 60n * SEC;
const HOUR = 60n * MIN;
const DAY = 24n * HOUR;
const WEEK = 7n * DAY;

const INT64_MAX = (1n << 63n) - 1n;

// str2duration's unit table: Go's, plus days and weeks.
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', NS],
  ['us', US],
  ['\u00b5s', US], // micro sign
  ['\u03bcs', US], // Greek mu
  ['ms', MS],
  ['s', SEC],
  ['m', MIN],
  ['h', HOUR],
  ['d', DAY],
  ['w', WEEK],
]);

function durationError(message: string): ComposeError {
  return new ComposeError('E_INVALID', message);
}

/**
 * Parse a compose duration into nanoseconds. Numbers go through their decimal
 * text like compose-go's `fmt.Sprint(value)`, so only `0` is accepted without
 * a unit (Go: `time: missing unit in duration "10"`).
 */
export function parseDuration(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value;
  return Number(parseDurationBig(text));
}

function parseDurationBig(orig: string): bigint {
  const quoted = JSON.stringify(orig);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw durationError(`time: invalid duration ${quoted}`);

  let total = 0n;
  while (s !== '') {
    // The next character must be [0-9.]
    if (!(s[0] === '.' || isDigit(s[0]))) throw durationError(`time: invalid duration ${quoted}`);
    const intMatch = /^[0-9]*/.exec(s)?.[0] ?? '';
    s = s.slice(intMatch.length);
    const pre = intMatch !== '';
    let fracDigits = '';
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      fracDigits = /^[0-9]*/.exec(s)?.[0] ?? '';
      s = s.slice(fracDigits.length);
      post = fracDigits !== '';
    }
    if (!pre && !post) throw durationError(`time: invalid duration ${quoted}`);

    const unitText = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    s = s.slice(unitText.length);
    if (unitText === '') throw durationError(`time: missing unit in duration ${quoted}`);
    const unit = UNITS.get(unitText);
    if (unit === undefined) {
      throw durationError(`time: unknown unit ${JSON.stringify(unitText)} in duration ${quoted}`);
    }

    const whole = intMatch === '' ? 0n : BigInt(intMatch);
    if (whole > INT64_MAX / unit) throw durationError(`time: invalid duration ${quoted}`);
    let v = whole * unit;
    if (fracDigits !== '') {
      // Go keeps at most what fits in an int64 and scales with float64;
      // this is the same computation with the same rounding (truncation).
      const f = Number(fracDigits.slice(0, 18));
      const scale = 10 ** Math.min(fracDigits.length, 18);
      v += BigInt(Math.trunc(f * (Number(unit) / scale)));
      if (v > INT64_MAX) throw durationError(`time: invalid duration ${quoted}`);
    }
    total += v;
    if (total > INT64_MAX) throw durationError(`time: invalid duration ${quoted}`);
  }
  return neg ? -total : total;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Go's time.Duration.String() for a nanosecond count. */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) throw durationError(`invalid duration ${ns}`);
  let d = BigInt(Math.trunc(ns));
  if (d === 0n) return '0s';
  const neg = d < 0n;
  if (neg) d = -d;

  let out: string;
  if (d < SEC) {
    // Sub-second: one unit with a fraction (`1.5ms`, `500ns`, `2µs`).
    if (d < US) out = `${d}ns`;
    else if (d < MS) out = `${fraction(d, US)}\u00b5s`;
    else out = `${fraction(d, MS)}ms`;
  } else {
    const hours = d / HOUR;
    const rest = d % HOUR;
    const minutes = rest / MIN;
    const secs = rest % MIN;
    out = `${fraction(secs, SEC)}s`;
    if (hours > 0n) out = `${hours}h${minutes}m${out}`;
    else if (minutes > 0n) out = `${minutes}m${out}`;
  }
  return neg ? `-${out}` : out;
}

/** `v / unit` as a decimal with trailing zeros removed (`1.5`, `2`). */
function fraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const frac = v % unit;
  if (frac === 0n) return whole.toString();
  const width = unit.toString().length - 1;
  const digits = frac.toString().padStart(width, '0').replace(/0+$/, '');
  return `${whole}.${digits}`;
}

const BINARY: Readonly<Record<string, number>> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Parse a byte size like compose-go UnitBytes: integers pass through (even
 * negative ones, e.g. `memswap_limit: -1`), strings are docker units with
 * binary multipliers (`1kb` = 1024, `2g` = 2147483648, `512` = 512).
 */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ComposeError('E_INVALID', `invalid size: '${value}'`);
    return Math.trunc(value);
  }
  const sizeStr = value;
  // go-units splits at the last digit, dot or space: number before, suffix after.
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    const c = sizeStr[i];
    if (c === ' ' || c === '.' || isDigit(c)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new ComposeError('E_INVALID', `invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] === ' ' ? sizeStr.slice(0, sep) : sizeStr.slice(0, sep + 1);
  let sfx = sizeStr.slice(sep + 1);

  // strconv.ParseFloat accepts plain decimals with an optional exponent.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) {
    throw new ComposeError('E_INVALID', `invalid size: '${sizeStr}'`);
  }
  let size = Number(num);
  if (size < 0) throw new ComposeError('E_INVALID', `invalid size: '${sizeStr}'`);
  if (sfx === '') return Math.trunc(size);

  const badSuffix = (): ComposeError => new ComposeError('E_INVALID', `invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const mul = BINARY[sfx[0] ?? ''];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if (sfx.length === 2 && sfx[1] !== 'b') throw badSuffix();
  if (sfx.length === 3 && sfx.slice(1) !== 'ib') throw badSuffix();
  return Math.trunc(size);
}
