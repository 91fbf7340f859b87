/**
 * Canonical stage: short syntax -> long syntax, so later stages (defaults,
 * paths, normalize, the typed model, merging of the next file) see one shape
 * per attribute. Mirrors compose-go transform.Canonical plus the short-form
 * decoding compose-go does when it binds the tree to its Go types (ShellCommand,
 * MappingWithEquals, Labels, HostsList, StringList...), because in tscompose the
 * tree itself is what `config` prints.
 *
 * Stage order in compose-go (loader/loader.go, v2 map pipeline), which the
 * orchestrating load.ts should follow:
 *   per file:  parse -> interpolate -> include -> extends -> merge into the
 *              accumulated tree -> unicity -> JSON-schema validate (drop
 *              `version`) -> **canonical** -> omit-empty -> unicity again
 *   then once: **setDefaults** -> semantic validate -> **resolvePaths** (when
 *              ResolvePaths) -> resolveEnvironment (bare `environment` list
 *              items, secret/config `environment`) -> set top-level `name` ->
 *              **normalize** (unless --no-normalize) -> typed model -> profiles
 *              -> consistency check -> service selection -> env_file / label_file
 *              resolution.
 *
 * Canonical shapes produced here (what the typed-model stage can rely on):
 * - ports: `[{mode, host_ip?, target: number, published?: string, protocol}]`
 *   (mode/protocol defaults for long syntax come from setDefaults);
 * - volumes: `{type, source?, target, read_only?, bind?, volume?, tmpfs?...}`;
 * - environment, build.args, hooks' environment: map, bare key -> null, other
 *   values -> strings;
 * - labels (service, build, deploy, networks, volumes, secrets, configs),
 *   annotations, sysctls: map of strings (bare key / null -> "");
 * - driver_opts, logging.options, storage_opt: map of strings;
 * - extra_hosts (service and build): sorted list of `host=ip` strings (one per
 *   IP; compose-go's HostsList JSON form);
 * - depends_on: map `{condition, required, restart?}`; service networks and
 *   models: map (list items -> null);
 * - build: mapping; extends: `{service, file?}`; include entries: `{path, ...}`;
 * - env_file: `[{path, required, format?}]`; label_file, dns, dns_search,
 *   tmpfs, build cache_from/cache_to/tags/platforms/no_cache_filter,
 *   develop.watch ignore/include: lists; expose: list of strings;
 * - command / entrypoint (and hook commands): lists (go-shellwords split);
 * - healthcheck.test: list (`CMD-SHELL` for a string);
 * - secrets / configs / build.secrets / devices: long-syntax mappings;
 * - build.ssh: map id -> path (or null for `default`); gpus: list;
 * - ulimits: number or `{soft, hard}` (numbers);
 * - top-level resources: `external: {name}` -> `external: true` + `name`.
 */
import { ComposeError } from '../model/errors.js';
import { formatPath, type Segment } from '../model/tree-path.js';
import { isMapping, type Mapping, type Value } from '../model/tree.js';
import type { LoadContext } from './context.js';
import { canonicalPortEntry, parsePortSpec } from './canonical-ports.js';
import { splitShellwords } from './canonical-shellwords.js';
import { parseVolumeSpec } from './canonical-volumes.js';
import { RuleTree } from './canonical-walk.js';

type Rule = (value: Value, path: readonly Segment[], ctx: LoadContext) => Value;

/** Convert a tree to canonical (long) syntax. Pure: returns a new tree. */
export function canonical(tree: Mapping, ctx: LoadContext): Mapping {
  return RULES.apply(tree, ctx);
}

function fail(ctx: LoadContext, path: readonly Segment[], message: string): ComposeError {
  const p = formatPath(path);
  return new ComposeError('E_INVALID', `${p}: ${message}`, ctx.sources.locate(p));
}

/** Go's fmt.Sprint for the scalars a YAML tree holds. */
function goString(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function typeName(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'mapping';
  return typeof v;
}

// ---- generic shapes -------------------------------------------------------

/** `KEY=VAL` list or map -> map; bare key -> null; values -> strings (MappingWithEquals). */
const mappingWithEquals: Rule = (v) => {
  if (Array.isArray(v)) {
    const out: Mapping = {};
    for (const item of v) {
      const s = goString(item);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = null;
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [k, e] of Object.entries(v)) out[k] = e === null ? null : goString(e);
    return out;
  }
  return v;
};

/** `KEY=VAL` list or map -> map of strings; bare key or null -> "" (Labels, Mapping). */
const stringMapping: Rule = (v) => {
  if (Array.isArray(v)) {
    const out: Mapping = {};
    for (const item of v) {
      const s = goString(item);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = '';
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [k, e] of Object.entries(v)) out[k] = e === null ? '' : goString(e);
    return out;
  }
  return v;
};

/** `KEY=VAL` list -> map, `=` required (build.additional_contexts). */
const keyValue: Rule = (v, path, ctx) => {
  if (isMapping(v)) return v;
  if (Array.isArray(v)) {
    const out: Mapping = {};
    for (const item of v) {
      const s = goString(item);
      const eq = s.indexOf('=');
      if (eq < 0) throw fail(ctx, path, `invalid value ${s}, expected key=value`);
      out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  throw fail(ctx, path, `invalid type ${typeName(v)}`);
};

/** A string alone stands for a one-item list. */
const stringOrList: Rule = (v) => (typeof v === 'string' ? [v] : v);

/** Like stringOrList, numbers become strings (`expose`). */
const stringOrNumberList: Rule = (v) => {
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.map((e) => (e === null ? e : goString(e)));
  return v;
};

/** List of names -> map with null values (service networks, models). */
const stringSliceToMap: Rule = (v, path, ctx) => {
  if (!Array.isArray(v)) return v;
  const out: Mapping = {};
  for (const item of v) {
    if (typeof item !== 'string') throw fail(ctx, path, `invalid entry ${goString(item)}: expected a name`);
    out[item] = null;
  }
  return out;
};

/** String-only maps (driver_opts, logging.options, storage_opt): scalars -> strings. */
const options: Rule = (v) => {
  if (!isMapping(v)) return v;
  const out: Mapping = {};
  for (const [k, e] of Object.entries(v)) {
    out[k] = e === null ? '' : Array.isArray(e) || isMapping(e) ? e : goString(e);
  }
  return out;
};

/** Short-syntax command string -> argument list (go-shellwords). */
const shellCommand: Rule = (v, path, ctx) => {
  if (typeof v === 'string') {
    try {
      return splitShellwords(v);
    } catch (e) {
      throw fail(ctx, path, e instanceof Error ? e.message : String(e));
    }
  }
  if (Array.isArray(v)) return v.map((e) => (e === null ? e : goString(e)));
  return v;
};

// ---- attribute rules ------------------------------------------------------

const build: Rule = (v, path, ctx) => {
  if (typeof v === 'string') return { context: v };
  if (isMapping(v)) return v;
  throw fail(ctx, path, `invalid type ${typeName(v)} for build`);
};

const extendsRule: Rule = (v, path, ctx) => {
  if (typeof v === 'string') return { service: v };
  if (isMapping(v)) return v;
  throw fail(ctx, path, `invalid type ${typeName(v)} for extends`);
};

const include: Rule = (v, path, ctx) => {
  if (typeof v === 'string') return { path: v };
  if (isMapping(v)) return v;
  throw fail(ctx, path, `invalid type ${typeName(v)} for include`);
};

const dependsOn: Rule = (v, path, ctx) => {
  if (Array.isArray(v)) {
    const out: Mapping = {};
    for (const item of v) {
      if (typeof item !== 'string') throw fail(ctx, path, `invalid entry ${goString(item)}: expected a service name`);
      out[item] = { condition: 'service_started', required: true };
    }
    return out;
  }
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [name, dep] of Object.entries(v)) {
      if (dep !== null && !isMapping(dep)) throw fail(ctx, [...path, name], `unsupported value ${goString(dep)}`);
      const d: Mapping = { ...(dep ?? {}) };
      if (!('condition' in d)) d['condition'] = 'service_started';
      if (!('required' in d)) d['required'] = true;
      out[name] = d;
    }
    return out;
  }
  throw fail(ctx, path, `invalid type ${typeName(v)} for depends_on`);
};

const envFile: Rule = (v, path, ctx) => {
  const entry = (e: Value): Value => {
    if (typeof e === 'string') return { path: e, required: true };
    if (isMapping(e)) return 'required' in e ? e : { ...e, required: true };
    return null;
  };
  if (typeof v === 'string') return [entry(v)];
  if (Array.isArray(v)) return v.map(entry);
  throw fail(ctx, path, `invalid type ${typeName(v)} for env_file`);
};

const ports: Rule = (v, path, ctx) => {
  if (!Array.isArray(v)) throw fail(ctx, path, `invalid type ${typeName(v)} for port`);
  const out: Value[] = [];
  for (const entry of v) {
    if (typeof entry === 'number') {
      out.push({ target: entry });
    } else if (typeof entry === 'string') {
      let parsed: Mapping[];
      try {
        parsed = parsePortSpec(entry);
      } catch (e) {
        // Left uninterpolated (`--no-interpolate`): keep what was written.
        if (!ctx.options.interpolate) return v;
        throw fail(ctx, path, e instanceof Error ? e.message : String(e));
      }
      out.push(...parsed);
    } else if (isMapping(entry)) {
      out.push(canonicalPortEntry(entry));
    } else {
      throw fail(ctx, path, `invalid type ${typeName(entry)} for port`);
    }
  }
  return out;
};

const volumeMount: Rule = (v, path, ctx) => {
  if (isMapping(v)) return v;
  if (typeof v === 'string') {
    try {
      return parseVolumeSpec(v);
    } catch (e) {
      if (!ctx.options.interpolate) return v;
      throw fail(ctx, path, e instanceof Error ? e.message : String(e));
    }
  }
  throw fail(ctx, path, `invalid type ${typeName(v)} for service volume mount`);
};

/** `src[:dst[:perms]]` -> `{source, target, permissions}` (permissions default `rwm`). */
const deviceMapping: Rule = (v, path, ctx) => {
  if (isMapping(v)) return v;
  if (typeof v === 'string') {
    const parts = v.split(':');
    if (parts.length > 3) {
      if (!ctx.options.interpolate) return v;
      throw fail(ctx, path, `confusing device mapping, please use long syntax: ${v}`);
    }
    const [source = '', target = '', permissions = 'rwm'] = parts;
    return { source, target: target === '' ? source : target, permissions };
  }
  throw fail(ctx, path, `invalid type ${typeName(v)} for device mapping`);
};

/** secrets / configs / build.secrets entries: a name stands for `{source: name}`. */
const fileMount: Rule = (v, path, ctx) => {
  if (isMapping(v)) return v;
  if (typeof v === 'string') return { source: v };
  throw fail(ctx, path, `unsupported type ${typeName(v)}`);
};

const ulimits: Rule = (v, path, ctx) => {
  const num = (e: Value): Value => (typeof e === 'string' && /^-?[0-9]+$/.test(e) ? Number(e) : e);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return Number(v);
  if (isMapping(v)) {
    const out: Mapping = { ...v };
    if ('soft' in out) out['soft'] = num(out['soft'] ?? null);
    if ('hard' in out) out['hard'] = num(out['hard'] ?? null);
    return out;
  }
  throw fail(ctx, path, `invalid type ${typeName(v)} for ulimits`);
};

const gpus: Rule = (v, path, ctx) => {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [{ count: 'all' }];
  throw fail(ctx, path, `invalid type ${typeName(v)} for gpus`);
};

/** `["default", "id=path"]` -> `{default: null, id: path}`. */
const ssh: Rule = (v, path, ctx) => {
  if (isMapping(v)) return v;
  if (Array.isArray(v)) {
    const out: Mapping = {};
    for (const e of v) {
      if (typeof e !== 'string') throw fail(ctx, path, `invalid ssh key type ${typeName(e)}`);
      const eq = e.indexOf('=');
      if (eq < 0) {
        if (e !== 'default') throw fail(ctx, path, `invalid ssh key ${JSON.stringify(e)}`);
        out[e] = null;
      } else {
        out[e.slice(0, eq)] = e.slice(eq + 1);
      }
    }
    return out;
  }
  if (typeof v === 'string') return ssh([v], path, ctx);
  throw fail(ctx, path, `invalid type ${typeName(v)} for ssh`);
};

/** `extra_hosts`: list (`host=ip`, `host:ip`, `host=ip1,ip2`) or map -> sorted `host=ip` list. */
const extraHosts: Rule = (v, path, ctx) => {
  const entries: Array<[string, string]> = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = goString(item);
      const sep = s.includes('=') ? '=' : s.includes(':') ? ':' : undefined;
      if (sep === undefined) throw fail(ctx, path, `invalid additional host, missing IP: ${s}`);
      const i = s.indexOf(sep);
      for (const ip of s.slice(i + 1).split(',')) entries.push([s.slice(0, i), ip]);
    }
  } else if (isMapping(v)) {
    for (const [host, e] of Object.entries(v)) {
      if (Array.isArray(e)) for (const ip of e) entries.push([host, goString(ip)]);
      else entries.push([host, e === null ? '' : goString(e)]);
    }
  } else {
    throw fail(ctx, path, `invalid type ${typeName(v)} for extra_hosts`);
  }
  const out: string[] = [];
  for (const [host, rawIp] of entries) {
    if (host === '' || host.includes(':') || host.includes('=')) throw fail(ctx, path, `bad host name '${host}'`);
    const ip = rawIp.length > 2 && rawIp.startsWith('[') && rawIp.endsWith(']') ? rawIp.slice(1, -1) : rawIp;
    out.push(`${host}=${ip}`);
  }
  return out.sort();
};

const healthcheckTest: Rule = (v) => {
  if (typeof v === 'string') return ['CMD-SHELL', v];
  if (Array.isArray(v)) return v.map((e) => (e === null ? e : goString(e)));
  return v;
};

/** `develop.watch`: an entry whose `path` is a list becomes one entry per path. */
const watch: Rule = (v) => {
  if (!Array.isArray(v)) return v;
  const out: Value[] = [];
  for (const w of v) {
    const p = isMapping(w) ? w['path'] : undefined;
    if (isMapping(w) && Array.isArray(p)) {
      for (const one of p) out.push({ ...w, path: one });
    } else {
      out.push(w);
    }
  }
  return out;
};

/** build.provenance / build.sbom: a boolean or number is kept as its text. */
const stringOrX: Rule = (v) => (typeof v === 'string' || v === null ? v : goString(v));

/** Top-level volume/network/secret/config: the deprecated `external: {name}` form. */
const maybeExternal: Rule = (v, path, ctx) => {
  if (!isMapping(v)) return v;
  const ext = v['external'];
  if (!isMapping(ext)) return v;
  const out: Mapping = { ...v, external: true };
  if ('name' in ext) {
    ctx.warn(`${formatPath(path)}: external.name is deprecated. Please set name and external: true`);
    const extName = ext['name'] ?? null;
    if ('name' in v && v['name'] !== extName) {
      throw fail(ctx, path, 'name and external.name conflict; only use name');
    }
    out['name'] = extName;
  }
  return out;
};

// ---- the table ------------------------------------------------------------

/** Rules shared by a service and anything else declaring a container (pre_start hooks). */
function containerRules(prefix: string): Record<string, Rule> {
  return {
    [`${prefix}.environment`]: mappingWithEquals,
    [`${prefix}.env_file`]: envFile,
    [`${prefix}.label_file`]: stringOrList,
    [`${prefix}.labels`]: stringMapping,
    [`${prefix}.annotations`]: stringMapping,
    [`${prefix}.sysctls`]: stringMapping,
    [`${prefix}.storage_opt`]: options,
    [`${prefix}.logging.options`]: options,
    [`${prefix}.extra_hosts`]: extraHosts,
    [`${prefix}.gpus`]: gpus,
    [`${prefix}.networks`]: stringSliceToMap,
    [`${prefix}.networks.*.driver_opts`]: options,
    [`${prefix}.models`]: stringSliceToMap,
    [`${prefix}.volumes.*`]: volumeMount,
    [`${prefix}.dns`]: stringOrList,
    [`${prefix}.dns_search`]: stringOrList,
    [`${prefix}.tmpfs`]: stringOrList,
    [`${prefix}.expose`]: stringOrNumberList,
    [`${prefix}.devices.*`]: deviceMapping,
    [`${prefix}.secrets.*`]: fileMount,
    [`${prefix}.configs.*`]: fileMount,
    [`${prefix}.ulimits.*`]: ulimits,
    [`${prefix}.command`]: shellCommand,
    [`${prefix}.entrypoint`]: shellCommand,
  };
}

const RULE_TABLE: Record<string, Rule> = {
  ...containerRules('services.*'),
  ...containerRules('services.*.pre_start.*'),
  'services.*.build': build,
  'services.*.build.args': mappingWithEquals,
  'services.*.build.labels': stringMapping,
  'services.*.build.additional_contexts': keyValue,
  'services.*.build.ssh': ssh,
  'services.*.build.secrets.*': fileMount,
  'services.*.build.ulimits.*': ulimits,
  'services.*.build.extra_hosts': extraHosts,
  'services.*.build.cache_from': stringOrList,
  'services.*.build.cache_to': stringOrList,
  'services.*.build.tags': stringOrList,
  'services.*.build.platforms': stringOrList,
  'services.*.build.no_cache_filter': stringOrList,
  'services.*.build.provenance': stringOrX,
  'services.*.build.sbom': stringOrX,
  'services.*.depends_on': dependsOn,
  'services.*.extends': extendsRule,
  'services.*.ports': ports,
  'services.*.deploy.labels': stringMapping,
  'services.*.healthcheck.test': healthcheckTest,
  'services.*.post_start.*.command': shellCommand,
  'services.*.post_start.*.environment': mappingWithEquals,
  'services.*.pre_stop.*.command': shellCommand,
  'services.*.pre_stop.*.environment': mappingWithEquals,
  'services.*.develop.watch': watch,
  'services.*.develop.watch.*.ignore': stringOrList,
  'services.*.develop.watch.*.include': stringOrList,
  'volumes.*': maybeExternal,
  'networks.*': maybeExternal,
  'secrets.*': maybeExternal,
  'configs.*': maybeExternal,
  'volumes.*.labels': stringMapping,
  'networks.*.labels': stringMapping,
  'secrets.*.labels': stringMapping,
  'configs.*.labels': stringMapping,
  'volumes.*.driver_opts': options,
  'networks.*.driver_opts': options,
  'secrets.*.driver_opts': options,
  'configs.*.driver_opts': options,
  'include.*': include,
};

// null (`key:` with no value) is left for the schema and later stages to judge.
const RULES = new RuleTree<LoadContext>(
  Object.fromEntries(
    Object.entries(RULE_TABLE).map(([pattern, rule]): [string, Rule] => [
      pattern,
      (v, path, ctx) => (v === null ? v : rule(v, path, ctx)),
    ]),
  ),
  { descend: true },
);
