/**
 * The per-path merge rules of compose-go's override package (merge.go, as of
 * the v2.13 line Docker Compose v5 ships), plus the two Go behaviours the
 * rules depend on and that JavaScript does not give for free:
 *
 * - compose-go paths are dot-joined strings (`tree.Path`) that are split on
 *   `.` again when matched. A key holding a dot (a service named `web.v2`)
 *   therefore adds segments and no longer matches `services.*.environment`.
 *   We keep paths as Go strings so that quirk is reproduced, not fixed.
 * - `fmt.Sprintf("%s=%v", key, value)` turns mapping entries into `KEY=VALUE`
 *   strings; `goFormat` renders values the way Go's fmt does so the strings
 *   (and the unicity keys computed from them) are the same.
 *
 * The mergers work in place on trees the caller has already deep-cloned, the
 * way the Go code mutates its maps: `ipam.config` merging in particular only
 * gives compose-go's results if the aliasing between entries is the same.
 */
import { ComposeError } from '../model/errors.js';
import { isMapping, type Mapping, type Value } from '../model/tree.js';
import { PathRules } from '../model/tree-path.js';

// ---------------------------------------------------------------------------
// Go-shaped paths

/** compose-go `tree.Path.Next`. */
export function goNext(path: string, part: string): string {
  return path === '' ? part : `${path}.${part}`;
}

/** The segments compose-go matches against: the path split on every dot. */
export function goParts(path: string): string[] {
  return path.split('.');
}

/** compose-go `tree.Path.Matches`: same length, `*` in the pattern matches any part. */
export function goMatches(path: string, pattern: string): boolean {
  const parts = goParts(path);
  const want = goParts(pattern);
  if (parts.length !== want.length) return false;
  return parts.every((p, i) => want[i] === '*' || want[i] === p);
}

/** A Go path as our messages write paths: `services.web.ports.[1]` -> `services.web.ports[1]`. */
export function displayPath(path: string): string {
  return path.replaceAll('.[', '[');
}

/** A ComposeError for a merge/unicity failure, carrying the model path. */
export function mergeError(message: string, path: string): ComposeError {
  return new ComposeError('E_INVALID', message, { path: displayPath(path) });
}

// ---------------------------------------------------------------------------
// Go fmt, for the value shapes a parsed YAML tree holds

/** Go's dynamic type name (`%T`) of a decoded YAML value. */
export function goTypeName(v: Value | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isGoInt(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** yaml.v3 decodes integers that fit int64 as int, everything else numeric as float64. */
function isGoInt(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/** Go `%v` of a float64: shortest digits, exponent form below 1e-4 or from 1e6 (`%g`). */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant = '', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(n);
}

function goNumber(n: number): string {
  if (isGoInt(n)) return BigInt(n).toString();
  return goFloat(n);
}

/**
 * Go's fmt verbs `%v`, `%s` and `%d` applied to a decoded YAML value. A verb
 * that does not fit the type renders as Go does (`%!s(int=80)`), which matters
 * because compose-go builds identity keys with such format strings.
 */
export function goFormat(v: Value | undefined, verb: 'v' | 's' | 'd'): string {
  if (Array.isArray(v)) return `[${v.map((e) => goFormat(e, verb)).join(' ')}]`;
  if (isMapping(v)) {
    // fmt prints maps with their keys sorted.
    const keys = Object.keys(v).sort(goCompare);
    return `map[${keys.map((k) => `${goFormat(k, verb)}:${goFormat(v[k], verb)}`).join(' ')}]`;
  }
  const plain = goPlain(v);
  const fits =
    verb === 'v' ||
    (verb === 's' && typeof v === 'string') ||
    (verb === 'd' && typeof v === 'number' && isGoInt(v));
  if (fits) return plain;
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${plain})`;
}

function goPlain(v: Value | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** Go string ordering: by UTF-8 bytes, not UTF-16 code units. */
export function goCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go `==` on two interface values holding scalars (maps/slices never compare equal here). */
export function goEqual(a: Value | undefined, b: Value | undefined): boolean {
  const an = a === undefined ? null : a;
  const bn = b === undefined ? null : b;
  if (typeof an === 'number' && typeof bn === 'number') return an === bn && isGoInt(an) === isGoInt(bn);
  if (typeof an === 'object' && an !== null) return false;
  return an === bn;
}

/** Sets an own key, also for the one name (`__proto__`) plain assignment would not store. */
export function setKey(m: Mapping, key: string, value: Value): void {
  if (key === '__proto__') {
    Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    m[key] = value;
  }
}

// ---------------------------------------------------------------------------
// Conversions shared by the rules

/**
 * compose-go `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE`
 * strings (`KEY` alone for null, one entry per item for a list value), a
 * string a one-item list, a list stays; anything else gives nothing.
 */
export function convertIntoSequence(value: Value): Value[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [value];
  if (!isMapping(value)) return [];
  const seq: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === null) seq.push(k);
    else if (Array.isArray(v)) for (const item of v) seq.push(`${k}=${goFormat(item, 'v')}`);
    else seq.push(`${k}=${goFormat(v, 'v')}`);
  }
  return seq.sort(goCompare);
}

/**
 * compose-go `convertIntoMapping`: a list of names becomes a mapping of each
 * name to a copy of `defaults` (or null); a mapping is used as is (same
 * object, as Go shares the map). Anything else yields null (a nil map).
 */
export function convertIntoMapping(value: Value, defaults: Mapping | null, path: string): Mapping | null {
  if (isMapping(value)) return value;
  if (!Array.isArray(value)) return null;
  const out: Mapping = {};
  for (const item of value) {
    // Go panics here (a later compose-go turns it into this error).
    if (typeof item !== 'string') {
      throw mergeError(`${path}: cannot use ${goTypeName(item)} as a mapping key`, path);
    }
    setKey(out, item, defaults === null ? null : { ...defaults });
  }
  return out;
}

// ---------------------------------------------------------------------------
// The rules

/** Recursive mapping merge, handed to the rules so this file needs no import cycle. */
export type MergeMappings = (base: Mapping | null, override: Mapping | null, path: string) => Mapping | null;
export type Merger = (base: Value, override: Value, path: string, mergeMappings: MergeMappings) => Value;

/** `command`, `entrypoint`, `healthcheck.test`: the later file wins outright. */
const replace: Merger = (_base, override) => override;

/** Both sides as `KEY=VALUE` lists, appended; EnforceUnicity then keeps the last per key. */
const toSequence: Merger = (base, override) => [...convertIntoSequence(base), ...convertIntoSequence(override)];

/** As toSequence, but an override entry already present verbatim in the base is not repeated. */
const extraHosts: Merger = (base, override) => {
  const right = convertIntoSequence(base);
  const left = convertIntoSequence(override).filter((v) => !right.some((r) => goEqual(r, v)));
  return [...right, ...left];
};

/** `build: ./dir` is `{context: ./dir}`; then the two mappings merge. */
const build: Merger = (base, override, path, mergeMappings) => {
  const toBuild = (v: Value): Mapping | null => (typeof v === 'string' ? { context: v } : isMapping(v) ? v : null);
  return mergeMappings(toBuild(base), toBuild(override), path);
};

/** Short-syntax `depends_on` entries get compose's defaults before the mappings merge. */
const dependsOn: Merger = (base, override, path, mergeMappings) => {
  const defaults: Mapping = { condition: 'service_started', required: true };
  return mergeMappings(convertIntoMapping(base, defaults, path), convertIntoMapping(override, defaults, path), path);
};

/** Service `networks` and `models`: a list of names is a mapping of names to null. */
const namesToMapping: Merger = (base, override, path, mergeMappings) =>
  mergeMappings(convertIntoMapping(base, null, path), convertIntoMapping(override, null, path), path);

/** Options only make sense for one driver: merge when the drivers agree (or one is unset), else replace. */
const logging: Merger = (base, override, path, mergeMappings) => {
  if (!isMapping(base) || !isMapping(override)) {
    // Go panics on a non-mapping here; say what went wrong instead.
    const bad = isMapping(base) ? override : base;
    throw mergeError(`${path}: cannot merge logging: expected a mapping, got ${goTypeName(bad)}`, path);
  }
  const hasOver = Object.hasOwn(override, 'driver');
  const hasBase = Object.hasOwn(base, 'driver');
  if (goEqual(override['driver'], base['driver']) || !hasOver || !hasBase) {
    return mergeMappings(base, override, path);
  }
  return override;
};

/**
 * compose-go's ulimit rule merges the override with itself (it reads the
 * override twice), so the override entry always replaces the base one. The
 * conformance case cg-merge-mergeyamlulimits pins that result.
 */
const ulimit: Merger = (_base, override, path, mergeMappings) =>
  isMapping(override) ? mergeMappings(override, override, path) : override;

/**
 * `networks.*.ipam.config`, entries paired by `subnet` exactly as compose-go
 * pairs them: for every base entry, each override entry with another subnet
 * is added once; one with the same subnet (or whose subnet is already in the
 * result) is merged into the base entry, which replaces the result entry with
 * the merged subnet. Base entries no override entry pairs with are dropped.
 */
const ipamConfig: Merger = (base, override, path, mergeMappings) => {
  if (!Array.isArray(base)) throw mergeError(`${path}: unexpected type ${goTypeName(base)}`, path);
  if (!Array.isArray(override)) throw mergeError(`${path}: unexpected type ${goTypeName(base)}`, path);
  const out: Array<Mapping | null> = [];
  const subnetOf = (m: Mapping | null): Value | undefined => (m === null ? null : m['subnet']);
  for (const original of base) {
    const right = convertIntoMapping(original, null, path);
    for (const entry of override) {
      const left = convertIntoMapping(entry, null, path);
      if (!goEqual(subnetOf(left), subnetOf(right))) {
        if (!out.some((c) => goEqual(subnetOf(c), subnetOf(left)))) {
          out.push(left);
          continue;
        }
      }
      const merged = mergeMappings(right, left, path);
      const at = out.findIndex((c) => goEqual(subnetOf(c), subnetOf(merged)));
      if (at >= 0) out[at] = merged;
      else out.push(merged);
    }
  }
  return out;
};

/** compose-go `mergeSpecials`, by path pattern. The patterns never overlap. */
export const MERGE_RULES = new PathRules<Merger>({
  'networks.*.ipam.config': ipamConfig,
  'networks.*.labels': toSequence,
  'volumes.*.labels': toSequence,
  'services.*.annotations': toSequence,
  'services.*.build': build,
  'services.*.build.args': toSequence,
  'services.*.build.additional_contexts': toSequence,
  'services.*.build.extra_hosts': extraHosts,
  'services.*.build.labels': toSequence,
  'services.*.command': replace,
  'services.*.depends_on': dependsOn,
  'services.*.deploy.labels': toSequence,
  'services.*.dns': toSequence,
  'services.*.dns_opt': toSequence,
  'services.*.dns_search': toSequence,
  'services.*.entrypoint': replace,
  'services.*.env_file': toSequence,
  'services.*.label_file': toSequence,
  'services.*.environment': toSequence,
  'services.*.extra_hosts': extraHosts,
  'services.*.healthcheck.test': replace,
  'services.*.labels': toSequence,
  // Never reached (service volumes are a list, not walked into), kept as compose-go has it.
  'services.*.volumes.*.volume.labels': toSequence,
  'services.*.logging': logging,
  'services.*.models': namesToMapping,
  'services.*.networks': namesToMapping,
  'services.*.sysctls': toSequence,
  'services.*.tmpfs': toSequence,
  'services.*.ulimits.*': ulimit,
});

/** The rule for a Go path, if any. */
export function mergeRuleFor(path: string): Merger | undefined {
  return MERGE_RULES.find(goParts(path));
}
