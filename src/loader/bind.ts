/**
 * Stage 17 — bind. The canonical, normalized tree becomes the typed `Project`
 * (compose-go decodes its map into `types.Project` at the same point). Byte
 * sizes and durations are parsed here, so the model holds numbers.
 *
 * The binding is driven by the same tables the renderer uses
 * (../model/field-order.ts): a tree key binds to the field that prints under
 * it, so reading and printing cannot drift apart. The canonical stage has
 * already turned short syntax into long syntax; the few short forms a tree can
 * still hold (`--no-interpolate` leaves some alone, `--no-normalize` skips
 * defaults) are read where compose-go's own decoders accept them, and values
 * that fit no field are dropped rather than failing the whole load.
 */
import { ComposeError } from '../model/errors.js';
import { STRUCTS } from '../model/field-order.js';
import type { FieldSpec, StructName } from '../model/field-order.js';
import type {
  ConfigObjConfig,
  Extensions,
  ModelConfig,
  NetworkConfig,
  Project,
  SecretConfig,
  ServiceConfig,
  VolumeConfig,
} from '../model/project.js';
import { formatPath } from '../model/tree-path.js';
import type { Segment } from '../model/tree-path.js';
import type { Mapping, Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import { splitShellwords } from './canonical-shellwords.js';
import { parseBytes, parseDuration } from './units.js';

export interface BindContext {
  /** Normalized project name, used when the tree has no `name`. */
  projectName: string;
  /** Absolute project directory. */
  workingDir: string;
}

export function bindProject(tree: Mapping, ctx: BindContext): Project {
  const name = typeof tree['name'] === 'string' && tree['name'] !== '' ? tree['name'] : ctx.projectName;
  const services: Record<string, ServiceConfig> = {};
  for (const [key, svc] of entries(tree['services'])) {
    const s = bindStruct(isMapping(svc) ? svc : {}, 'service', ['services', key]) as unknown as ServiceConfig;
    s.name = key;
    services[key] = s;
  }
  const project: Project = {
    name,
    workingDir: ctx.workingDir,
    services,
    networks: bindAll<NetworkConfig>(tree['networks'], 'network', 'networks'),
    volumes: bindAll<VolumeConfig>(tree['volumes'], 'volume', 'volumes'),
    secrets: bindAll<SecretConfig>(tree['secrets'], 'fileObject', 'secrets'),
    configs: bindAll<ConfigObjConfig>(tree['configs'], 'fileObject', 'configs'),
    models: bindAll<ModelConfig>(tree['models'], 'model', 'models'),
  };
  const ext = extensionsOf(tree);
  if (ext) project.extensions = ext;
  return project;
}

function entries(v: Value | undefined): Array<[string, Value]> {
  return isMapping(v) ? Object.entries(v) : [];
}

function bindAll<T>(v: Value | undefined, struct: StructName, top: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, e] of entries(v)) out[key] = bindStruct(isMapping(e) ? e : {}, struct, [top, key]) as T;
  return out;
}

function extensionsOf(m: Mapping): Extensions | undefined {
  let ext: Extensions | undefined;
  for (const [k, v] of Object.entries(m)) {
    if (k.startsWith('x-')) (ext ??= {})[k] = v;
  }
  return ext;
}

/** A tree mapping into the struct the tables describe; unset fields stay absent. */
function bindStruct(m: Mapping, struct: StructName, path: Segment[]): Record<string, unknown> {
  const spec = STRUCTS[struct];
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const key = field.key in m ? field.key : field.yamlKey;
    if (key === undefined || !(key in m)) continue;
    const v = bindField(m[key] ?? null, field, [...path, key]);
    if (v !== undefined) out[field.field] = v;
  }
  if (spec.extensions) {
    const ext = extensionsOf(m);
    if (ext) out['extensions'] = ext;
  }
  // compose-go's defaults for values its decoders fill in.
  if (struct === 'dependency' && out['required'] === undefined) out['required'] = true;
  if (struct === 'trigger') {
    out['path'] ??= '';
    out['action'] ??= '';
  }
  if (struct === 'discreteResource') {
    out['kind'] ??= '';
    out['value'] ??= 0;
  }
  if (struct === 'weightDevice' || struct === 'throttleDevice') out['path'] ??= '';
  if (struct === 'weightDevice') out['weight'] ??= 0;
  if (struct === 'throttleDevice') out['rate'] ??= 0;
  return out;
}

function bindField(v: Value, field: FieldSpec, path: Segment[]): unknown {
  switch (field.kind) {
    case 'string':
    case 'rawString':
      return str(v);
    case 'bool':
    case 'rawBool':
    case 'ptrBool':
    case 'optOut':
      // `external: {name: x}` is the legacy spelling of `external: true`.
      if (field.key === 'external' && isMapping(v)) return true;
      return bool(v);
    case 'int':
    case 'rawInt':
    case 'ptrInt':
      // DeviceCount reads `all` as -1.
      if (typeof v === 'string' && v.toLowerCase() === 'all') return -1;
      return int(v);
    case 'float32':
      return num(v);
    case 'bytes':
    case 'rawBytes': {
      const size = v;
      return typeof size === 'string' || typeof size === 'number' ? guard(path, () => parseBytes(size)) : undefined;
    }
    case 'duration':
    case 'ptrDuration': {
      const d = v;
      return typeof d === 'string' || typeof d === 'number' ? guard(path, () => parseDuration(d)) : undefined;
    }
    case 'strings':
      return strList(v);
    case 'command': {
      const line = v;
      if (typeof line === 'string') return guard(path, () => splitShellwords(line));
      return Array.isArray(v) ? v.map(goString) : undefined;
    }
    case 'strMap':
      return strMap(v, '');
    case 'nullMap':
      return strMap(v, null);
    case 'multiMap':
      return multiMap(v);
    case 'hosts':
      return hosts(v);
    case 'ssh':
      return sshKeys(v);
    case 'fileMode':
      return fileMode(v);
    case 'ulimits':
      return ulimits(v);
    case 'ptr':
    case 'value':
      return isMapping(v) ? bindStruct(v, structOf(field), path) : shortStruct(v, structOf(field), path);
    case 'list':
      if (!Array.isArray(v)) return undefined;
      return v.flatMap((e, i) => {
        const item = isMapping(e) ? bindStruct(e, structOf(field), [...path, i]) : shortStruct(e, structOf(field), path);
        return item === undefined ? [] : [item];
      });
    case 'map':
    case 'ptrMap': {
      if (Array.isArray(v)) v = Object.fromEntries(v.map((e) => [goString(e), null]));
      if (!isMapping(v)) return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) {
        if (e === null && field.kind === 'ptrMap') out[k] = null;
        else out[k] = bindStruct(isMapping(e) ? e : {}, structOf(field), [...path, k]);
      }
      return out;
    }
  }
}

/** The short forms compose-go's UnmarshalYAML methods accept for a struct. */
function shortStruct(v: Value, struct: StructName, path: Segment[]): Record<string, unknown> | undefined {
  if (typeof v !== 'string') return undefined;
  switch (struct) {
    case 'build':
      return { context: v };
    case 'extends':
      return { service: v };
    case 'fileReference':
      // ServiceSecretConfig (service and build secrets) defaults its target.
      return path.at(-1) === 'secrets' ? { source: v, target: `/run/secrets/${v}` } : { source: v };
    case 'envFile':
      return { path: v };
    case 'deviceMapping': {
      const [source = '', target = source, permissions = 'rwm'] = v.split(':');
      return { source, target, permissions };
    }
    default:
      return undefined;
  }
}

function structOf(field: FieldSpec): StructName {
  if (field.struct === undefined) throw new Error(`field-order: ${field.key} has no struct`);
  return field.struct;
}

/** Unit parse errors name the model path. */
function guard<T>(path: Segment[], f: () => T): T {
  try {
    return f();
  } catch (e) {
    const p = formatPath(path);
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof ComposeError) throw new ComposeError(e.code, `${p}: ${message}`, { ...e.where, path: p });
    throw new ComposeError('E_INVALID', `${p}: ${message}`, { path: p });
  }
}

/** Go's fmt.Sprint for tree scalars. */
function goString(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function str(v: Value): string | undefined {
  if (v === null || Array.isArray(v) || isMapping(v)) return undefined;
  return goString(v);
}

function bool(v: Value): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  return undefined;
}

function num(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function int(v: Value): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.trunc(n);
}

function strList(v: Value): string[] | undefined {
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (!Array.isArray(v)) return undefined;
  return v.filter((e) => e !== null).map(goString);
}

/** Mapping, or a `KEY=VAL` list; a bare key gets `bare` (`""` for labels, null for environment). */
function strMap<B extends string | null>(v: Value, bare: B): Record<string, string | B> | undefined {
  const out: Record<string, string | B> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = goString(item);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = bare;
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  if (!isMapping(v)) return undefined;
  for (const [k, e] of Object.entries(v)) out[k] = e === null ? bare : goString(e);
  return out;
}

function multiMap(v: Value): Record<string, string[]> | undefined {
  if (!isMapping(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, e] of Object.entries(v)) out[k] = Array.isArray(e) ? e.map(goString) : [goString(e)];
  return out;
}

/** `host=ip` entries; a mapping (host: ip | [ips]) or `host:ip` items are accepted too. */
function hosts(v: Value): string[] | undefined {
  if (Array.isArray(v)) {
    return v.map((e) => {
      const s = goString(e);
      return s.includes('=') || !s.includes(':') ? s : s.replace(':', '=');
    });
  }
  if (!isMapping(v)) return undefined;
  const out: string[] = [];
  for (const [host, ips] of Object.entries(v)) {
    for (const ip of Array.isArray(ips) ? ips : [ips]) out.push(`${host}=${goString(ip)}`);
  }
  return out;
}

function sshKeys(v: Value): Array<{ id: string; path?: string }> | undefined {
  const key = (id: string, path: Value | undefined): { id: string; path?: string } =>
    typeof path === 'string' && path !== '' ? { id, path } : { id };
  if (isMapping(v)) return Object.entries(v).map(([id, path]) => key(id, path));
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  return list?.map((e) => {
    const s = goString(e);
    const eq = s.indexOf('=');
    return eq < 0 ? key(s, undefined) : key(s.slice(0, eq), s.slice(eq + 1));
  });
}

/** FileMode: an int as written, or an octal string (`"0440"`). */
function fileMode(v: Value): number | undefined {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^[0-7]+$/.test(v)) return parseInt(v, 8);
  return undefined;
}

function ulimits(v: Value): Record<string, { single?: number; soft?: number; hard?: number }> | undefined {
  if (!isMapping(v)) return undefined;
  const out: Record<string, { single?: number; soft?: number; hard?: number }> = {};
  for (const [k, e] of Object.entries(v)) {
    if (isMapping(e)) {
      const lim: { soft?: number; hard?: number } = {};
      const soft = int(e['soft'] ?? null);
      const hard = int(e['hard'] ?? null);
      if (soft !== undefined) lim.soft = soft;
      if (hard !== undefined) lim.hard = hard;
      out[k] = lim;
    } else {
      const single = int(e);
      out[k] = single === undefined ? {} : { single };
    }
  }
  return out;
}
