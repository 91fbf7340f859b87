/**
 * `tscompose config`: print a Project exactly as `docker compose config` does.
 *
 * Docker Compose prints compose-go's `Project.MarshalYAML` (go-yaml, indent 2)
 * or `Project.MarshalJSON` (encoding/json, MarshalIndent with two spaces, no
 * final newline), then doubles every `$` so the output can be fed back to
 * compose (docker/compose cmd/compose/config.go: escapeDollarSign, for both
 * formats, skipped with --no-interpolate). Byte-identical output needs Go's
 * rules, not JavaScript's, so this file reproduces them:
 *
 * - struct fields in Go declaration order, with `omitempty` and the custom
 *   marshallers of compose-go (tables in ../model/field-order.ts);
 * - Go maps sorted: encoding/json by bytes, go-yaml with its "natural" order
 *   (digit runs compare as numbers, letters before other characters);
 * - JSON strings escaped as Go does (`<`, `>`, `&` as \u003c…), float32 fields
 *   printed with float32 precision;
 * - YAML scalars quoted exactly when go-yaml's emitter (a libyaml port) would:
 *   plain, 'single', "double" or a `|` block. The `yaml` package cannot be
 *   told to make the same choices, so the emitter is written out here; it only
 *   has to handle what a Project holds (block mappings and sequences of
 *   scalars), which keeps it short.
 *
 * Differences between the formats, all from compose-go: JSON sorts the
 * top-level keys (it marshals a Go map) and leaves out `models` and every `x-*`
 * key below the top level; YAML keeps struct order and prints `x-*` keys
 * inline after each struct's fields; JSON prints `command`/`entrypoint` as
 * `null` when unset and struct values (`ipam`, `resources`, `placement`) as
 * `{}` when empty, YAML omits them.
 */
import { formatDuration } from '../loader/units.js';
import { STRUCTS } from '../model/field-order.js';
import type { FieldSpec, StructName } from '../model/field-order.js';
import type { FileObjectConfig, Project } from '../model/project.js';
import type { Mapping, Value } from '../model/tree.js';

export type RenderFormat = 'yaml' | 'json';

export interface RenderOptions {
  /** Double every `$` (docker compose does unless --no-interpolate). Default true. */
  escapeDollar?: boolean;
}

// ---- the marshalled form ------------------------------------------------------

/** A Go float, kept apart from integers because Go prints them differently. */
export interface GoFloat {
  readonly kind: 'float';
  readonly value: number;
  readonly bits: 32 | 64;
}

/** A JSON/YAML mapping with its keys already in print order. */
export interface GoMap {
  readonly kind: 'map';
  readonly entries: ReadonlyArray<readonly [string, GoNode]>;
}

/** What Go's marshallers see: plain numbers are integers. */
export type GoNode = null | boolean | number | string | GoFloat | GoMap | GoNode[];

function isGoMap(n: GoNode): n is GoMap {
  return typeof n === 'object' && n !== null && !Array.isArray(n) && n.kind === 'map';
}

function isGoFloat(n: GoNode): n is GoFloat {
  return typeof n === 'object' && n !== null && !Array.isArray(n) && n.kind === 'float';
}

// ---- public API -------------------------------------------------------------------

/** The `docker compose config` text of a project. */
export function renderConfig(p: Project, format: RenderFormat, options: RenderOptions = {}): string {
  const node = projectNode(p, format);
  const text = format === 'json' ? encodeGoJson(node, '  ') : emitYaml(node);
  return options.escapeDollar === false ? text : text.replaceAll('$', '$$$$');
}

/**
 * A loader tree printed the way `docker compose config --no-interpolate`
 * prints its untyped model (a Go `map[string]any`): keys sorted, values as
 * they are, no `$` escaping.
 */
export function renderModel(tree: Mapping, format: RenderFormat): string {
  const node = valueNode(tree, format);
  return format === 'json' ? encodeGoJson(node, '  ') : emitYaml(node);
}

/**
 * The project as the plain object `config --format json` prints (before `$`
 * escaping), for callers that inspect it rather than print it. JavaScript
 * objects put integer-like keys first, so print from `renderConfig`.
 */
export function toComposeObject(p: Project): Record<string, unknown> {
  const plain = toPlain(projectNode(p, 'json'));
  return isPlainRecord(plain) ? plain : {};
}

/** One struct of the model (`'service'`, `'network'`, …) as Go marshals it. */
export function structNode(value: object, struct: StructName, format: RenderFormat): GoMap {
  return marshalStruct(value, struct, format);
}

/** Go's encoding/json text of a node: compact when `indent` is empty (json.Marshal). */
export function encodeGoJson(node: GoNode, indent = ''): string {
  const out: string[] = [];
  writeJson(node, indent, '', out);
  return out.join('');
}

// ---- Project -> GoNode ------------------------------------------------------------

function projectNode(p: Project, format: RenderFormat): GoMap {
  const services = sortedMap(p.services, format, (s) => marshalStruct(s, 'service', format));
  const networks = sortedMap(p.networks, format, (n) => marshalStruct(n, 'network', format));
  const volumes = sortedMap(p.volumes, format, (v) => marshalStruct(v, 'volume', format));
  // compose-go never prints a secret's content (it may be sensitive)…
  const secrets = sortedMap(p.secrets, format, (s) => marshalStruct(withoutContent(s), 'fileObject', format));
  // …nor a config's content when it was read from the environment.
  const configs = sortedMap(p.configs, format, (c) =>
    marshalStruct(c.environment ? withoutContent(c) : c, 'fileObject', format),
  );
  const models = sortedMap(p.models, format, (m) => marshalStruct(m, 'model', format));
  const entries: Array<[string, GoNode]> = [];
  if (format === 'json') {
    // Project.MarshalJSON builds a map: name and services always, the rest
    // when not empty, models never (compose-go does not add them), keys sorted.
    entries.push(['name', p.name], ['services', services]);
    if (networks.entries.length > 0) entries.push(['networks', networks]);
    if (volumes.entries.length > 0) entries.push(['volumes', volumes]);
    if (secrets.entries.length > 0) entries.push(['secrets', secrets]);
    if (configs.entries.length > 0) entries.push(['configs', configs]);
    for (const [k, v] of Object.entries(p.extensions ?? {})) entries.push([k, valueNode(v, format)]);
    return { kind: 'map', entries: sortEntries(entries, format) };
  }
  if (p.name !== '') entries.push(['name', p.name]);
  entries.push(['services', services]);
  if (networks.entries.length > 0) entries.push(['networks', networks]);
  if (volumes.entries.length > 0) entries.push(['volumes', volumes]);
  if (secrets.entries.length > 0) entries.push(['secrets', secrets]);
  if (configs.entries.length > 0) entries.push(['configs', configs]);
  if (models.entries.length > 0) entries.push(['models', models]);
  entries.push(...extensionEntries(p.extensions, format));
  return { kind: 'map', entries };
}

function withoutContent(o: FileObjectConfig): FileObjectConfig {
  const { content: _content, ...rest } = o;
  return rest;
}

function sortedMap<T>(m: Record<string, T> | undefined, format: RenderFormat, f: (v: T) => GoNode): GoMap {
  const entries: Array<[string, GoNode]> = [];
  for (const [k, v] of Object.entries(m ?? {})) entries.push([k, f(v)]);
  return { kind: 'map', entries: sortEntries(entries, format) };
}

function extensionEntries(ext: Record<string, Value> | undefined, format: RenderFormat): Array<[string, GoNode]> {
  if (format === 'json' || ext === undefined) return [];
  const entries: Array<[string, GoNode]> = Object.entries(ext).map(([k, v]) => [k, valueNode(v, format)]);
  return sortEntries(entries, format);
}

/** An untyped value (`x-*` content, the --no-interpolate model), as Go marshals `any`. */
function valueNode(v: Value, format: RenderFormat): GoNode {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : { kind: 'float', value: v, bits: 64 };
  if (Array.isArray(v)) return v.map((e) => valueNode(e, format));
  const entries: Array<[string, GoNode]> = Object.entries(v).map(([k, e]) => [k, valueNode(e, format)]);
  return { kind: 'map', entries: sortEntries(entries, format) };
}

function marshalStruct(value: object, struct: StructName, format: RenderFormat): GoMap {
  const spec = STRUCTS[struct];
  const rec = value as Record<string, unknown>;
  const entries: Array<[string, GoNode]> = [];
  for (const field of spec.fields) {
    const node = fieldNode(rec[field.field], field, format);
    if (node === OMIT) continue;
    const key = format === 'yaml' && field.yamlKey !== undefined ? field.yamlKey : field.key;
    entries.push([key, node]);
  }
  if (spec.extensions) entries.push(...extensionEntries(rec['extensions'] as Record<string, Value> | undefined, format));
  return { kind: 'map', entries };
}

const OMIT = Symbol('omit');

/** One struct field as Go marshals it, or OMIT when `omitempty` drops it. */
function fieldNode(v: unknown, field: FieldSpec, format: RenderFormat): GoNode | typeof OMIT {
  const yaml = format === 'yaml';
  switch (field.kind) {
    case 'string':
      return typeof v === 'string' && v !== '' ? v : OMIT;
    case 'rawString':
      return typeof v === 'string' ? v : '';
    case 'bool':
      return v === true ? true : OMIT;
    case 'rawBool':
      return v === true;
    case 'ptrBool':
      return typeof v === 'boolean' ? v : OMIT;
    case 'int':
      return typeof v === 'number' && v !== 0 ? Math.trunc(v) : OMIT;
    case 'rawInt':
      return typeof v === 'number' ? Math.trunc(v) : 0;
    case 'ptrInt':
      return typeof v === 'number' ? Math.trunc(v) : OMIT;
    case 'float32':
      return typeof v === 'number' && v !== 0 ? { kind: 'float', value: v, bits: 32 } : OMIT;
    case 'bytes':
      // UnitBytes marshals as a decimal string in both formats.
      return typeof v === 'number' && v !== 0 ? String(Math.trunc(v)) : OMIT;
    case 'rawBytes':
      return String(typeof v === 'number' ? Math.trunc(v) : 0);
    case 'duration':
      return typeof v === 'number' && v !== 0 ? formatDuration(v) : OMIT;
    case 'ptrDuration':
      return typeof v === 'number' ? formatDuration(v) : OMIT;
    case 'strings':
      return Array.isArray(v) && v.length > 0 ? v.map(String) : OMIT;
    case 'command':
      // ShellCommand: JSON has no omitempty (nil prints null); YAML omits only nil.
      if (Array.isArray(v)) return v.map(String);
      return yaml ? OMIT : null;
    case 'strMap':
    case 'nullMap':
      return nonEmpty(v) ? mapOf(v, format, (e) => (e === null && field.kind === 'nullMap' ? null : String(e ?? ''))) : OMIT;
    case 'multiMap':
      return nonEmpty(v) ? mapOf(v, format, (e) => (Array.isArray(e) ? e.map(String) : [String(e)])) : OMIT;
    case 'hosts':
      // HostsList marshals as `host=ip` strings in sort.Strings order.
      return Array.isArray(v) && v.length > 0 ? v.map(String).sort(compareBytes) : OMIT;
    case 'ssh':
      return Array.isArray(v) && v.length > 0 ? v.map((k) => sshKey(k as { id: string; path?: string }, yaml)) : OMIT;
    case 'fileMode':
      return typeof v === 'number' ? `0${Math.trunc(v).toString(8)}` : OMIT;
    case 'optOut':
      // OptOut defaults to true and is only printed when false.
      return v === false ? false : OMIT;
    case 'ulimits':
      return nonEmpty(v) ? mapOf(v, format, (u) => ulimitNode(u, yaml)) : OMIT;
    case 'ptr':
      return isObject(v) ? marshalStruct(v, structOf(field), format) : OMIT;
    case 'value': {
      // A struct value: encoding/json ignores omitempty on structs, go-yaml
      // omits a struct whose fields are all zero.
      const struct = structOf(field);
      const obj = isObject(v) ? v : {};
      if (yaml && isZeroStruct(obj, struct)) return OMIT;
      return marshalStruct(obj, struct, format);
    }
    case 'list':
      return Array.isArray(v) && v.length > 0 ? v.map((e) => marshalStruct(e as object, structOf(field), format)) : OMIT;
    case 'map':
      return nonEmpty(v) ? mapOf(v, format, (e) => marshalStruct(e as object, structOf(field), format)) : OMIT;
    case 'ptrMap':
      return nonEmpty(v) ? mapOf(v, format, (e) => (isObject(e) ? marshalStruct(e, structOf(field), format) : null)) : OMIT;
  }
}

function structOf(field: FieldSpec): StructName {
  if (field.struct === undefined) throw new Error(`field-order: ${field.key} has no struct`);
  return field.struct;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is Record<string, unknown> {
  return isObject(v) && Object.keys(v).length > 0;
}

function mapOf(v: Record<string, unknown>, format: RenderFormat, f: (e: unknown) => GoNode): GoMap {
  const entries: Array<[string, GoNode]> = Object.entries(v).map(([k, e]) => [k, f(e)]);
  return { kind: 'map', entries: sortEntries(entries, format) };
}

/** go-yaml's isZero for a struct: every field zero (IsZero() where the type has it). */
function isZeroStruct(obj: object, struct: StructName): boolean {
  const rec = obj as Record<string, unknown>;
  const spec = STRUCTS[struct];
  if (spec.extensions && nonEmpty(rec['extensions'])) return false;
  return spec.fields.every((field) => {
    const v = rec[field.field];
    if (v === undefined || v === null) return true;
    switch (field.kind) {
      case 'optOut':
        return v !== false;
      case 'value':
        return isObject(v) && isZeroStruct(v, structOf(field));
      case 'rawString':
        return v === '';
      case 'rawBool':
        return v === false;
      case 'rawInt':
      case 'rawBytes':
        return v === 0;
      case 'command':
        return false;
      default:
        return fieldNode(v, field, 'yaml') === OMIT;
    }
  });
}

/** UlimitsConfig: one number, or soft/hard (JSON omits zeros, YAML prints both). */
function ulimitNode(u: unknown, yaml: boolean): GoNode {
  const lim = (isObject(u) ? u : {}) as { single?: number; soft?: number; hard?: number };
  if (lim.single) return Math.trunc(lim.single);
  const soft = Math.trunc(lim.soft ?? 0);
  const hard = Math.trunc(lim.hard ?? 0);
  if (yaml) return { kind: 'map', entries: [['soft', soft], ['hard', hard]] };
  const entries: Array<[string, GoNode]> = [];
  if (soft !== 0) entries.push(['soft', soft]);
  if (hard !== 0) entries.push(['hard', hard]);
  return { kind: 'map', entries };
}

/**
 * SSHKey: `id` or `id: path` in YAML. compose-go's MarshalJSON writes
 * `"id": path` inside the array, which encoding/json rejects; `id=path` (the
 * short syntax compose reads back) is printed instead.
 */
function sshKey(k: { id: string; path?: string }, yaml: boolean): string {
  if (k.path === undefined || k.path === '') return k.id;
  return yaml ? `${k.id}: ${k.path}` : `${k.id}=${k.path}`;
}

// ---- key order ----------------------------------------------------------------------

function sortEntries<T>(entries: Array<[string, T]>, format: RenderFormat): Array<[string, T]> {
  const cmp = format === 'json' ? compareBytes : compareYamlKeys;
  return entries.sort((a, b) => cmp(a[0], b[0]));
}

/** Go's string order: UTF-8 bytes, i.e. code points (not UTF-16 units). */
export function compareBytes(a: string, b: string): number {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i]!.codePointAt(0)!;
    const y = br[i]!.codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ar.length - br.length;
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/**
 * go-yaml's map key order (sorter.go keyList.Less): runs of digits compare as
 * numbers (`x9` < `x10`), and at the first difference a letter sorts after a
 * non-letter unless the common prefix ends in a digit.
 */
export function compareYamlKeys(a: string, b: string): number {
  if (a === b) return 0;
  return yamlKeyLess(a, b) ? -1 : 1;
}

function yamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  const isDigit = (c: string | undefined): boolean => c !== undefined && DIGIT.test(c);
  const digitValue = (c: string): bigint => BigInt(c.codePointAt(0)! - 48);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i]!;
    const y = br[i]!;
    if (x === y) {
      digits = isDigit(x);
      continue;
    }
    const xl = LETTER.test(x);
    const yl = LETTER.test(y);
    if (xl && yl) return x.codePointAt(0)! < y.codePointAt(0)!;
    if (xl || yl) return digits ? xl : yl;
    let an = 0n;
    let bn = 0n;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + digitValue(ar[ai]!);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + digitValue(br[bi]!);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return x.codePointAt(0)! < y.codePointAt(0)!;
  }
  return ar.length < br.length;
}

// ---- numbers as Go prints them -----------------------------------------------------

/** The shortest decimal that reads back as the same float32 (Go's FormatFloat bits=32). */
function float32Value(v: number): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return n;
  }
  return f;
}

/** Shortest digits and decimal point position: value = 0.DIGITS × 10^dp. */
function decimalDigits(v: number): { digits: string; dp: number } {
  const [mant = '0', exp = '0'] = Math.abs(v).toExponential().split('e');
  return { digits: mant.replace('.', ''), dp: Number(exp) + 1 };
}

function formatE(digits: string, dp: number, neg: boolean): string {
  const exp = dp - 1;
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${mant}e${exp < 0 ? '-' : '+'}${e}`;
}

function formatF(digits: string, dp: number, neg: boolean): string {
  let s: string;
  if (dp <= 0) s = `0.${'0'.repeat(-dp)}${digits}`;
  else if (dp >= digits.length) s = digits + '0'.repeat(dp - digits.length);
  else s = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
  return neg ? `-${s}` : s;
}

/** strconv.FormatFloat(v, 'g', -1, bits), as go-yaml prints floats. */
function formatFloatYaml(f: GoFloat): string {
  const v = f.bits === 32 ? float32Value(f.value) : f.value;
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { digits, dp } = decimalDigits(v);
  const exp = dp - 1;
  // Shortest %g switches to an exponent below 1e-4 and from 1e6 (eprec 6).
  return exp < -4 || exp >= 6 ? formatE(digits, dp, v < 0) : formatF(digits, dp, v < 0);
}

/** encoding/json's float format: %f, or %e (exponent without leading zero) outside [1e-6, 1e21). */
function formatFloatJson(f: GoFloat): string {
  const v = f.bits === 32 ? float32Value(f.value) : f.value;
  if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`);
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { digits, dp } = decimalDigits(v);
  const abs = Math.abs(v);
  if (abs < 1e-6 || abs >= 1e21) return formatE(digits, dp, v < 0).replace(/e([+-])0(\d)$/, 'e$1$2');
  return formatF(digits, dp, v < 0);
}

// ---- JSON (encoding/json) --------------------------------------------------------------

function writeJson(node: GoNode, indent: string, prefix: string, out: string[]): void {
  if (node === null) out.push('null');
  else if (typeof node === 'boolean') out.push(node ? 'true' : 'false');
  else if (typeof node === 'number') out.push(String(Math.trunc(node)));
  else if (typeof node === 'string') out.push(goJsonString(node));
  else if (Array.isArray(node)) {
    if (node.length === 0) {
      out.push('[]');
      return;
    }
    const inner = prefix + indent;
    out.push('[');
    node.forEach((e, i) => {
      if (i > 0) out.push(',');
      if (indent !== '') out.push('\n', inner);
      writeJson(e, indent, inner, out);
    });
    if (indent !== '') out.push('\n', prefix);
    out.push(']');
  } else if (isGoFloat(node)) out.push(formatFloatJson(node));
  else {
    if (node.entries.length === 0) {
      out.push('{}');
      return;
    }
    const inner = prefix + indent;
    out.push('{');
    node.entries.forEach(([k, v], i) => {
      if (i > 0) out.push(',');
      if (indent !== '') out.push('\n', inner);
      out.push(goJsonString(k), indent !== '' ? ': ' : ':');
      writeJson(v, indent, inner, out);
    });
    if (indent !== '') out.push('\n', prefix);
    out.push('}');
  }
}

const JSON_SHORT: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** encoding/json string escaping with HTML escaping on (json.Marshal's default). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const short = JSON_SHORT[ch];
    if (short !== undefined) out += short;
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd'; // a lone surrogate is invalid UTF-8 for Go
    } else out += ch;
  }
  return `${out}"`;
}

// ---- YAML (go-yaml emitter, block style, indent 2) -------------------------------------

const INDENT = 2;

function emitYaml(root: GoNode): string {
  const lines: string[] = [];
  if (isGoMap(root) && root.entries.length > 0) emitMapping(root, 0, lines);
  else if (Array.isArray(root) && root.length > 0) emitSequence(root, 0, lines);
  else lines.push(inlineScalar(root, false));
  return `${lines.join('\n')}\n`;
}

function emitMapping(m: GoMap, indent: number, lines: string[]): void {
  for (const [k, v] of m.entries) emitValue(`${' '.repeat(indent)}${inlineScalar(k, true)}:`, v, indent, lines);
}

function emitSequence(items: readonly GoNode[], indent: number, lines: string[]): void {
  const dash = `${' '.repeat(indent)}- `;
  for (const item of items) {
    if ((isGoMap(item) && item.entries.length > 0) || (Array.isArray(item) && item.length > 0)) {
      // The first line of a nested block shares the dash's line.
      const inner: string[] = [];
      if (Array.isArray(item)) emitSequence(item, indent + INDENT, inner);
      else emitMapping(item as GoMap, indent + INDENT, inner);
      inner[0] = dash + (inner[0] ?? '').slice(indent + INDENT);
      lines.push(...inner);
    } else {
      emitValue(`${' '.repeat(indent)}-`, item, indent, lines);
    }
  }
}

/** `head` is `key:` or `-`; block values go below it, scalars after a space. */
function emitValue(head: string, v: GoNode, indent: number, lines: string[]): void {
  if (isGoMap(v) && v.entries.length > 0) {
    lines.push(head);
    emitMapping(v, indent + INDENT, lines);
  } else if (Array.isArray(v) && v.length > 0) {
    lines.push(head);
    emitSequence(v, indent + INDENT, lines);
  } else if (typeof v === 'string' && scalarStyle(v, false) === 'literal') {
    lines.push(`${head} ${literalHeader(v)}`, ...literalBody(v, indent + INDENT));
  } else {
    lines.push(`${head} ${inlineScalar(v, false)}`);
  }
}

function inlineScalar(v: GoNode, isKey: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(Math.trunc(v));
  if (typeof v === 'string') {
    const style = scalarStyle(v, isKey);
    if (style === 'plain') return v;
    if (style === 'single') return `'${v.replaceAll("'", "''")}'`;
    return doubleQuoted(v);
  }
  if (isGoFloat(v)) return formatFloatYaml(v);
  return isGoMap(v) ? '{}' : '[]';
}

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

/** go-yaml stringv (the style asked for) then the emitter's select_scalar_style. */
function scalarStyle(s: string, isKey: boolean): ScalarStyle {
  let style: ScalarStyle;
  if (s.includes('\n')) style = shouldUseLiteral(s) ? 'literal' : 'double';
  else style = resolvesToString(s) && !isBase60Float(s) && !OLD_BOOLS.has(s) && s !== '<<' ? 'plain' : 'double';
  const a = analyzeScalar(s);
  if (isKey && a.multiline) return 'double';
  if (style === 'plain' && (!a.blockPlain || (s === '' && isKey))) style = 'single';
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || isKey)) style = 'double';
  return style;
}

function shouldUseLiteral(s: string): boolean {
  return s.length >= 2 && /\S/u.test(s);
}

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

const RESOLVE_MAP = new Set([
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
  '-0', '-0.0', '<<',
]);

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]| +)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?$/;

/** go-yaml resolve(""): would this text, unquoted, read back as a string? */
function resolvesToString(s: string): boolean {
  if (RESOLVE_MAP.has(s)) return false;
  const c = s[0];
  if (c === '.') return !/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if (c === undefined || !(c === '+' || c === '-' || (c >= '0' && c <= '9'))) return true;
  if (TIMESTAMP.test(s)) return false;
  const plain = s.replaceAll('_', '');
  if (isGoInt(plain)) return false;
  if (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain))) return false;
  return true;
}

/** strconv.ParseInt(s, 0, 64) or ParseUint succeeds. */
function isGoInt(s: string): boolean {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return false;
  const body = m[2]!;
  let n: bigint;
  if (/^0[0-7]+$/.test(body)) n = BigInt(`0o${body.slice(1)}`);
  else n = BigInt(body);
  if (m[1] === '-') return n <= 1n << 63n;
  return n <= (1n << 64n) - 1n;
}

function isBase60Float(s: string): boolean {
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s);
}

interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

const isBreak = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x09;

/** libyaml's is_printable, in code points. */
function isPrintable(c: number): boolean {
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)
  );
}

/** yaml_emitter_analyze_scalar, block context (the flow-only flags are not needed). */
function analyzeScalar(s: string): Analysis {
  const cps = Array.from(s, (ch) => ch.codePointAt(0)!);
  if (cps.length === 0) return { multiline: false, blockPlain: true, singleQuoted: true, block: false };
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWhitespace = true;
  cps.forEach((c, i) => {
    const next = cps[i + 1];
    const followedByWhitespace = next === undefined || isBlank(next);
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else if ((ch === ':' && followedByWhitespace) || (ch === '#' && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (c === 0x09) tabs = true;
    else if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c);
  });
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || tabs || special) blockPlain = singleQuoted = false;
  if (spaceBreak || special) block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { multiline: lineBreaks, blockPlain, singleQuoted, block };
}

const DOUBLE_ESCAPES: Readonly<Record<number, string>> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

/** yaml_emitter_write_double_quoted_scalar without line folding (go-yaml sets no width). */
function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (!isPrintable(c) || c === 0xfeff || isBreak(c) || c === 0x22 || c === 0x5c) {
      const short = DOUBLE_ESCAPES[c];
      if (short !== undefined) out += `\\${short}`;
      else if (c <= 0xff) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
      else if (c <= 0xffff) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
      else out += `\\U${c.toString(16).toUpperCase().padStart(8, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** `|` plus libyaml's hints: an indentation digit when the text starts with a space, chomping. */
function literalHeader(s: string): string {
  let header = '|';
  if (s.startsWith(' ') || s.startsWith('\n')) header += String(INDENT);
  if (!s.endsWith('\n')) header += '-';
  else if (s.length === 1 || s.endsWith('\n\n')) header += '+';
  return header;
}

/** Body lines of a literal block; empty lines carry no indentation. */
function literalBody(s: string, indent: number): string[] {
  const text = s.endsWith('\n') ? s.slice(0, -1) : s;
  return text.split('\n').map((line) => (line === '' ? '' : ' '.repeat(indent) + line));
}

// ---- plain objects --------------------------------------------------------------------

function toPlain(node: GoNode): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(toPlain);
  if (isGoFloat(node)) return node.bits === 32 ? float32Value(node.value) : node.value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of node.entries) out[k] = toPlain(v);
  return out;
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
