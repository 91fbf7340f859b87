/**
 * Typed casts applied right after interpolation, as compose-go's
 * interpolateTypeCastMapping (loader/interpolate.go) does: every string at one of
 * these paths, whether or not it held a `${...}`, is turned into the int, float or
 * boolean the schema and the model expect (`replicas: "$N"` → 3). Values that are
 * not strings are left alone; so is everything off these paths (ports' `published`
 * stays a string, sizes and durations are parsed later by the model).
 *
 * `configs[].mode` / `secrets[].mode` are deliberately not cast: the spec reads them
 * as octal strings ("0440"), which a decimal cast would corrupt; newer compose-go
 * dropped them from the table for that reason.
 */
import { ComposeError } from '../model/errors.js';
import type { Mapping, Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import { formatPath } from '../model/tree-path.js';
import type { Segment } from '../model/tree-path.js';
import type { LoadContext } from './context.js';

/** A cast returns the typed value, or throws a CastError with Go's wording. */
type Cast = (value: string, warn: (message: string) => void) => Value;

class CastError extends Error {}

/** What castTypes needs from the load context; all optional so tests can cast a bare tree. */
export type CastContext = Partial<Pick<LoadContext, 'warn' | 'sources'>>;

// Go's strconv bounds for int / int64 on 64-bit platforms.
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseGoInt(fn: string, value: string): number {
  // strconv with base 10: optional sign, ASCII digits, nothing else (no spaces, no `_`).
  if (!/^[+-]?[0-9]+$/.test(value)) throw new CastError(`${fn}: parsing ${goQuote(value)}: invalid syntax`);
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX) throw new CastError(`${fn}: parsing ${goQuote(value)}: value out of range`);
  return Number(n);
}

const toInt: Cast = (v) => parseGoInt('strconv.Atoi', v);
const toInt64: Cast = (v) => parseGoInt('strconv.ParseInt', v);

const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/;

/**
 * strconv.ParseFloat: decimal and hex-float syntax. Infinity and NaN, which Go
 * accepts, are refused: they could not be rendered as JSON or sent to the engine.
 */
function parseGoFloat(value: string, bits: 32 | 64): number {
  let f: number;
  const hex = HEX_FLOAT.exec(value);
  if (DECIMAL_FLOAT.test(value)) {
    f = Number(value);
  } else if (hex && ((hex[2] ?? '') !== '' || (hex[3] ?? '') !== '')) {
    const mantissa = Number.parseInt(`${hex[2] ?? ''}${hex[3] ?? ''}` || '0', 16);
    const exp = Number(hex[4]) - 4 * (hex[3] ?? '').length;
    f = (hex[1] === '-' ? -1 : 1) * mantissa * 2 ** exp;
  } else {
    throw new CastError(`strconv.ParseFloat: parsing ${goQuote(value)}: invalid syntax`);
  }
  const limit = bits === 32 ? Math.fround(3.4028234663852886e38) : Number.MAX_VALUE;
  if (!Number.isFinite(f) || Math.abs(f) > limit) {
    throw new CastError(`strconv.ParseFloat: parsing ${goQuote(value)}: value out of range`);
  }
  return f;
}

const toFloat: Cast = (v) => parseGoFloat(v, 64);
// The float64 reading is kept: JSON output of Go's float32 prints the short form
// ("0.1"), which Math.fround(0.1) would not.
const toFloat32: Cast = (v) => parseGoFloat(v, 32);

/** compose-go's toBoolean: YAML 1.1 spellings still read, with a warning. */
const toBoolean: Cast = (value, warn) => {
  switch (value.toLowerCase()) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'y':
    case 'yes':
    case 'on':
      warn(`${goQuote(value)} for boolean is not supported by YAML 1.2, please use \`true\``);
      return true;
    case 'n':
    case 'no':
    case 'off':
      warn(`${goQuote(value)} for boolean is not supported by YAML 1.2, please use \`false\``);
      return false;
    default:
      throw new CastError(`invalid boolean: ${value}`);
  }
};

/** Go's %q for the strings we print (ASCII-printable in practice). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

const SERVICE_CASTS: Record<string, Cast> = {
  cpu_count: toInt64,
  cpu_percent: toFloat,
  cpu_period: toInt64,
  cpu_quota: toInt64,
  cpu_rt_period: toInt64,
  cpu_rt_runtime: toInt64,
  cpus: toFloat32,
  cpu_shares: toInt64,
  init: toBoolean,
  oom_kill_disable: toBoolean,
  oom_score_adj: toInt64,
  pids_limit: toInt64,
  privileged: toBoolean,
  read_only: toBoolean,
  'ulimits.*': toInt,
  'ulimits.*.hard': toInt,
  'ulimits.*.soft': toInt,
  'volumes.[].read_only': toBoolean,
  'volumes.[].volume.nocopy': toBoolean,
  'depends_on.*.required': toBoolean,
  'depends_on.*.restart': toBoolean,
  'healthcheck.retries': toInt,
  'healthcheck.disable': toBoolean,
  'ports.[].target': toInt,
  stdin_open: toBoolean,
  tty: toBoolean,
  'deploy.replicas': toInt,
  'deploy.update_config.parallelism': toInt,
  'deploy.update_config.max_failure_ratio': toFloat,
  'deploy.rollback_config.parallelism': toInt,
  'deploy.rollback_config.max_failure_ratio': toFloat,
  'deploy.restart_policy.max_attempts': toInt,
  'deploy.placement.max_replicas_per_node': toInt,
  scale: toInt,
};

const TOP_LEVEL_CASTS: Record<string, Cast> = {
  'networks.*.external': toBoolean,
  'networks.*.internal': toBoolean,
  'networks.*.attachable': toBoolean,
  'networks.*.enable_ipv4': toBoolean,
  'networks.*.enable_ipv6': toBoolean,
  'volumes.*.external': toBoolean,
  'secrets.*.external': toBoolean,
  'configs.*.external': toBoolean,
};

/**
 * The rules as a trie over path segments: the walk only descends where some rule
 * can still match, so the bulk of a model (environment, labels, …) is never visited
 * and is shared, unchanged, with the input.
 */
interface Node {
  cast?: Cast;
  keys: Map<string, Node>;
  /** `*`: any mapping key. */
  anyKey?: Node;
  /** `[]`: any list index. */
  anyIndex?: Node;
}

function newNode(): Node {
  return { keys: new Map() };
}

const ROOT = newNode();

function addRule(pattern: string, cast: Cast): void {
  let node = ROOT;
  for (const part of pattern.split('.')) {
    if (part === '*') node = node.anyKey ??= newNode();
    else if (part === '[]') node = node.anyIndex ??= newNode();
    else {
      let next = node.keys.get(part);
      if (!next) node.keys.set(part, (next = newNode()));
      node = next;
    }
  }
  node.cast = cast;
}

for (const [p, cast] of Object.entries(SERVICE_CASTS)) addRule(`services.*.${p}`, cast);
for (const [p, cast] of Object.entries(TOP_LEVEL_CASTS)) addRule(p, cast);

/**
 * Return a copy of `tree` with the typed paths cast. An uncastable value is a
 * ComposeError naming the path, in compose-go's words:
 * `error while interpolating services.web.privileged: failed to cast to expected type: invalid boolean: maybe`.
 */
export function castTypes(tree: Mapping, ctx?: CastContext): Mapping {
  const warn = ctx?.warn?.bind(ctx) ?? (() => undefined);
  return walk(tree, ROOT, [], warn, ctx) as Mapping;
}

function walk(v: Value, node: Node, segments: Segment[], warn: (m: string) => void, ctx: CastContext | undefined): Value {
  if (typeof v === 'string') return node.cast ? apply(node.cast, v, segments, warn, ctx) : v;
  if (Array.isArray(v)) {
    const child = node.anyIndex;
    if (!child) return v;
    return v.map((item, i) => walk(item, child, [...segments, i], warn, ctx));
  }
  if (isMapping(v)) {
    let out: Mapping | undefined;
    for (const [k, value] of Object.entries(v)) {
      const child = node.keys.get(k) ?? node.anyKey;
      if (!child) continue;
      const next = walk(value, child, [...segments, k], warn, ctx);
      if (next !== value) (out ??= { ...v })[k] = next;
    }
    return out ?? v;
  }
  return v;
}

function apply(cast: Cast, v: string, segments: Segment[], warn: (m: string) => void, ctx: CastContext | undefined): Value {
  try {
    return cast(v, warn);
  } catch (e) {
    if (!(e instanceof CastError)) throw e;
    const path = formatPath(segments);
    const where = ctx?.sources?.locate(path) ?? { path };
    throw new ComposeError(
      'E_INTERPOLATION',
      `error while interpolating ${path}: failed to cast to expected type: ${e.message}`,
      where,
    );
  }
}
