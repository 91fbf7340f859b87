/**
 * compose-go's validation.Validate: checks the schema cannot express, run on the
 * canonical merged model before paths and normalization. They apply whatever
 * `--no-consistency` says; the checks that flag skips (image or build, references,
 * scale, mounts, …) are compose-go's checkConsistency, in consistency.ts.
 *
 * Messages are compose-go's, with its path notation (`[]` for any list item):
 *   volumes.data: conflicting parameters "external" and "driver" specified
 *   configs.app: one of file|environment|content must be set
 *   services.web.ports.[]: invalid ip address: 1.2.3
 * The error's `where` names the actual item (`services.web.ports[1]`).
 */
import { isIP } from 'node:net';
import { ComposeError } from '../model/errors.js';
import type { Mapping, Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import { formatPath } from '../model/tree-path.js';
import type { Segment } from '../model/tree-path.js';
import type { LoadContext } from './context.js';

/** A check returns compose-go's message (without the path) or undefined. */
type Check = (value: Value) => string | undefined;

/**
 * Patterns as compose-go's tree.Path matches them: `*` is any one key or list
 * item. The walk stops at the first pattern that matches a node, as compose-go's
 * does, so nothing below a checked node is visited.
 */
const CHECKS: ReadonlyArray<[string, Check]> = [
  ['volumes.*', checkVolume],
  ['configs.*', checkFileObject(['file', 'environment', 'content'])],
  ['secrets.*', checkFileObject(['file', 'environment'])],
  ['services.*.ports.*', checkIPAddress],
  ['services.*.develop.watch.*.path', checkPath],
  ['services.*.deploy.resources.reservations.devices.*', checkDeviceRequest],
  ['services.*.gpus.*', checkDeviceRequest],
];

/**
 * The patterns as a trie, so the walk only visits nodes some pattern can reach
 * (not environment, labels, …): with `*` for any key or item, at most one check
 * applies to a node.
 */
interface Node {
  check?: Check;
  keys: Map<string, Node>;
  any?: Node;
}

const ROOT: Node = { keys: new Map() };
for (const [pattern, check] of CHECKS) {
  let node = ROOT;
  for (const part of pattern.split('.')) {
    if (part === '*') node = node.any ??= { keys: new Map() };
    else {
      let next = node.keys.get(part);
      if (!next) node.keys.set(part, (next = { keys: new Map() }));
      node = next;
    }
  }
  node.check = check;
}

/** Throws ComposeError('E_INVALID') on the first failing check, in file order. */
export function validateModel(tree: Mapping, ctx: LoadContext): void {
  walk(tree, ROOT, [], ctx);
}

function walk(value: Value, node: Node, segments: Segment[], ctx: LoadContext): void {
  if (node.check) {
    // As in compose-go, a matched node is checked and not descended into.
    const problem = node.check(value);
    if (problem !== undefined) {
      throw new ComposeError('E_INVALID', `${goPath(segments)}: ${problem}`, ctx.sources.locate(formatPath(segments)));
    }
    return;
  }
  if (Array.isArray(value)) {
    const child = node.any;
    if (child) value.forEach((item, i) => walk(item, child, [...segments, i], ctx));
  } else if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) {
      const child = node.keys.get(k) ?? node.any;
      if (child) walk(v, child, [...segments, k], ctx);
    }
  }
}

/** compose-go's tree.Path rendering: keys joined by dots, list items as `[]`. */
function goPath(segments: readonly Segment[]): string {
  return segments.map((s) => (typeof s === 'number' ? '[]' : s)).join('.');
}

function checkVolume(value: Value): string | undefined {
  // `volumes: {data:}` is the usual way to declare a volume with defaults.
  if (value === null) return undefined;
  if (!isMapping(value)) return `expected volume, got ${Array.isArray(value) ? 'sequence' : 'scalar'}`;
  return checkExternal(value);
}

/** An external resource is only looked up, so attributes that would create it are errors. */
function checkExternal(v: Mapping): string | undefined {
  if (v['external'] !== true) return undefined;
  for (const k of Object.keys(v)) {
    if (k === 'name' || k === 'external' || k === '#extensions' || k.startsWith('x-')) continue;
    return `conflicting parameters "external" and ${JSON.stringify(k)} specified`;
  }
  return undefined;
}

function checkFileObject(keys: readonly string[]): Check {
  return (value) => {
    const v = isMapping(value) ? value : {};
    const count = keys.filter((k) => k in v).length;
    if (count > 1) return `${keys.join('|')} attributes are mutually exclusive`;
    // A custom driver may have its own way to provide the content.
    if (count === 0 && !('driver' in v) && !('external' in v)) return `one of ${keys.join('|')} must be set`;
    return undefined;
  };
}

function checkPath(value: Value): string | undefined {
  return typeof value !== 'string' || value === '' ? "value can't be blank" : undefined;
}

function checkDeviceRequest(value: Value): string | undefined {
  if (!isMapping(value)) return undefined;
  return 'count' in value && 'device_ids' in value ? '"count" and "device_ids" attributes are exclusive' : undefined;
}

function checkIPAddress(value: Value): string | undefined {
  if (!isMapping(value) || !('host_ip' in value)) return undefined;
  const ip = value['host_ip'];
  const text = typeof ip === 'string' ? ip : String(ip);
  return parseIP(text) ? undefined : `invalid ip address: ${text}`;
}

/** Go's net.ParseIP: a plain IPv4 or IPv6 address, no zone, no brackets. */
function parseIP(s: string): boolean {
  if (s.includes('%')) return false;
  if (isIP(s) === 4) return !/(^|\.)0\d/.test(s);
  return isIP(s) === 6;
}
