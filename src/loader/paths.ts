/**
 * Paths stage: relative paths become absolute against the project working
 * directory (compose-go paths.ResolveRelativePaths). Runs only when
 * ctx.options.resolvePaths is on; load.ts decides, this function always
 * resolves when called.
 *
 * Stage order (compose-go loader): per file ... -> canonical; then defaults ->
 * validate -> **paths** -> normalize (see canonical.ts).
 *
 * What is resolved, and how (on the canonical tree):
 * - build.context, build.additional_contexts.*: unless a URL (`://`),
 *   `service:` reference, or git/http remote (`https://`, `http://`, `git://`,
 *   `ssh://`, `github.com/`, `git@`);
 * - build.ssh.* key paths, bind volume sources, configs/secrets `file`,
 *   local-driver volume `device` with `o: bind`: "maybe unix" paths: `~`
 *   expanded, then joined unless absolute on POSIX or Windows;
 * - env_file.*.path, label_file.*, include path/project_directory/env_file:
 *   `~` expanded, joined unless absolute;
 * - extends.file: same, unless a remote resource (`://`, `git@`);
 * - develop.watch.*.path: same, then a symbolic link is resolved.
 * `~` means HOME from the project environment (the OS environment wins there),
 * else the process' home directory. Joins clean the result like Go's
 * filepath.Join; a path already absolute is kept as written.
 */
import fs from 'node:fs';
import os from 'node:os';
import { ComposeError } from '../model/errors.js';
import { formatPath, type Segment } from '../model/tree-path.js';
import { isMapping, type Mapping, type Value } from '../model/tree.js';
import { joinPosix } from './canonical-path.js';
import { RuleTree } from './canonical-walk.js';
import type { LoadContext } from './context.js';

type Resolver = (value: Value, path: readonly Segment[], ctx: LoadContext) => Value;

export function resolvePaths(tree: Mapping, ctx: LoadContext): Mapping {
  return RESOLVERS.apply(tree, ctx);
}

function homeDir(ctx: LoadContext): string | undefined {
  const fromEnv = ctx.environment['HOME'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const h = os.homedir();
  return h === '' ? undefined : h;
}

/** `~` and `~/x` -> under the home directory (compose-go paths.ExpandUser). */
export function expandUser(p: string, ctx: LoadContext): string {
  if (!p.startsWith('~')) return p;
  const home = homeDir(ctx);
  if (home === undefined) {
    ctx.warn("cannot expand '~', because the environment lacks HOME");
    return p;
  }
  return joinPosix(home, p.slice(1));
}

function isWindowsAbs(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** compose-go absPath: strings, or lists of strings, made absolute. */
const absPath: Resolver = (v, path, ctx) => {
  if (Array.isArray(v)) return v.map((e, i) => absPath(e, [...path, i], ctx));
  if (typeof v !== 'string') return v;
  const p = expandUser(v, ctx);
  if (p.startsWith('/')) return p;
  return p === '' ? p : joinPosix(ctx.workingDir, p);
};

/** Paths the engine reads on a possibly different OS: Windows absolute paths stay. */
const maybeUnixPath: Resolver = (v, _path, ctx) => {
  if (typeof v !== 'string') return v;
  const p = expandUser(v, ctx);
  if (p.startsWith('/') || isWindowsAbs(p)) return p;
  return joinPosix(ctx.workingDir, p);
};

const REMOTE_CONTEXT_PREFIXES = ['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'];

const absContextPath: Resolver = (v, path, ctx) => {
  if (typeof v !== 'string') return v;
  if (v.includes('://') || v.startsWith('service:')) return v;
  if (REMOTE_CONTEXT_PREFIXES.some((prefix) => v.startsWith(prefix))) return v;
  return absPath(v, path, ctx);
};

const absExtendsPath: Resolver = (v, path, ctx) => {
  if (typeof v === 'string' && (v.includes('://') || v.startsWith('git@'))) return v;
  return absPath(v, path, ctx);
};

/** A watched path that is a symbolic link is watched at its target. */
const absSymbolicLink: Resolver = (v, path, ctx) => {
  const abs = absPath(v, path, ctx);
  if (typeof abs !== 'string') return abs;
  try {
    if (fs.lstatSync(abs).isSymbolicLink()) return fs.realpathSync(abs);
  } catch {
    // A path that does not exist (yet) is kept as written.
  }
  return abs;
};

const absVolumeMount: Resolver = (v, path, ctx) => {
  if (!isMapping(v) || v['type'] !== 'bind') return v;
  const source = v['source'];
  if (source === undefined) {
    const p = formatPath(path);
    throw new ComposeError(
      'E_INVALID',
      `${p}: invalid mount config for type "bind": field Source must not be empty`,
      ctx.sources.locate(p),
    );
  }
  return { ...v, source: maybeUnixPath(source, [...path, 'source'], ctx) };
};

/** A local volume with `o: bind` is a bind mount of `device`. */
const volumeDriverOpts: Resolver = (v, path, ctx) => {
  if (!isMapping(v) || v['driver'] !== 'local') return v;
  const opts = v['driver_opts'];
  if (!isMapping(opts) || opts['o'] !== 'bind' || !('device' in opts)) return v;
  const device = maybeUnixPath(opts['device'] ?? null, [...path, 'driver_opts', 'device'], ctx);
  return { ...v, driver_opts: { ...opts, device } };
};

function containerResolvers(prefix: string): Record<string, Resolver> {
  return {
    [`${prefix}.env_file.*.path`]: absPath,
    [`${prefix}.label_file.*`]: absPath,
    [`${prefix}.volumes.*`]: absVolumeMount,
  };
}

const RESOLVERS = new RuleTree<LoadContext>(
  {
    ...containerResolvers('services.*'),
    ...containerResolvers('services.*.pre_start.*'),
    'services.*.build.context': absContextPath,
    'services.*.build.additional_contexts.*': absContextPath,
    'services.*.build.ssh.*': maybeUnixPath,
    'services.*.extends.file': absExtendsPath,
    'services.*.develop.watch.*.path': absSymbolicLink,
    'configs.*.file': maybeUnixPath,
    'secrets.*.file': maybeUnixPath,
    'include.*.path': absPath,
    'include.*.project_directory': absPath,
    'include.*.env_file': absPath,
    'volumes.*': volumeDriverOpts,
  },
  { descend: false },
);
