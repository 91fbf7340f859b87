/**
 * The service environment as `docker compose config` prints it: compose-go's
 * Project.WithServicesEnvironmentResolved and WithServicesLabelsResolved, run
 * with "discard env files" as docker compose does. env_file and label_file are
 * read here, merged under `environment` / `labels`, and dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ComposeError } from '../model/errors.js';
import type { Mapping, Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import type { LoadContext } from './context.js';
import { parseDotenv, parseRawEnv } from './dotenv.js';
import type { DotenvOptions } from './dotenv.js';

export interface ResolveEnvironmentOptions {
  /** Drop env_file / label_file once read (docker compose always does). Default true. */
  discardFiles?: boolean;
}

interface EnvFileRef {
  path: string;
  required: boolean;
  format: string | undefined;
}

/**
 * services.*.environment of a canonical tree: env_file entries (long form [{path: abs, required: boolean, format?: 'raw'}])
 * read and merged under `environment` (environment wins; later env_file wins over earlier), bare keys (value null) taken
 * from ctx.environment when set; env_file values interpolated against the project environment first, as compose-go
 * WithServicesEnvironmentResolved; missing required file → E_NOT_FOUND; then env_file is dropped from the service, as
 * docker compose config does (WithDiscardEnvFile). Same for label_file into labels. Returns a new tree.
 *
 * With ctx.options.resolveEnvironment off (`--no-env-resolution`) environment and env_file are left as they are;
 * label files are still read, as compose-go does.
 */
export function resolveServiceEnvironment(
  tree: Mapping,
  ctx: LoadContext,
  opts: ResolveEnvironmentOptions = {},
): Mapping {
  const discard = opts.discardFiles ?? true;
  const services = tree['services'];
  if (!isMapping(services)) return tree;

  const newServices: Mapping = {};
  for (const [name, service] of Object.entries(services)) {
    if (!isMapping(service)) {
      newServices[name] = service;
      continue;
    }
    let s: Mapping = { ...service };
    if (ctx.options.resolveEnvironment) s = resolveEnvironment(s, name, ctx, discard);
    s = resolveLabels(s, name, ctx, discard);
    newServices[name] = s;
  }
  return { ...tree, services: newServices };
}

function resolveEnvironment(service: Mapping, name: string, ctx: LoadContext, discard: boolean): Mapping {
  const project = projectLookup(ctx);
  const declared = service['environment'];
  const files = envFileRefs(service['env_file'], name, ctx.workingDir);

  // Bare keys take the project value when there is one, else stay null.
  const environment = new Map<string, string | null>();
  if (isMapping(declared)) {
    for (const [k, v] of Object.entries(declared)) {
      const value = scalarString(v);
      environment.set(k, value ?? project(k) ?? null);
    }
  }

  // Files are parsed into one map that starts from the service's own values:
  // interpolation sees the project environment, then `environment:`, then what
  // was parsed so far (compose-go passes that map to every file).
  const vars = new Map<string, string>();
  for (const [k, v] of environment) if (v !== null) vars.set(k, v);
  const lookup = (k: string): string | undefined => {
    const p = project(k);
    if (p !== undefined) return p;
    const e = environment.get(k);
    return e === null ? undefined : e;
  };
  for (const ref of files) {
    const content = readMappingFile(ref.path, ref.required, 'env file', `services.${name}.env_file`, ctx);
    if (content === undefined) continue;
    const dotenvOpts: DotenvOptions = { lookup, file: ref.path, into: vars, warn: (m) => ctx.warn(m) };
    switch (ref.format) {
      case undefined:
      case '':
      case '.env':
        parseDotenv(content, dotenvOpts);
        break;
      case 'raw':
        parseRawEnv(content, dotenvOpts);
        break;
      default:
        throw new ComposeError('E_INVALID', `unsupported env_file format ${JSON.stringify(ref.format)}`, {
          path: `services.${name}.env_file`,
        });
    }
  }

  // `environment:` wins over every file, an unresolved bare key included (it stays null).
  const merged: Mapping = {};
  for (const [k, v] of vars) merged[k] = v;
  for (const [k, v] of environment) merged[k] = v;

  const out: Mapping = { ...service };
  if (declared !== undefined || Object.keys(merged).length > 0) out['environment'] = merged;
  if (discard) delete out['env_file'];
  return out;
}

function resolveLabels(service: Mapping, name: string, ctx: LoadContext, discard: boolean): Mapping {
  const files = labelFilePaths(service['label_file'], name, ctx.workingDir);
  if (files.length === 0) {
    if (!discard || !('label_file' in service)) return service;
    const out = { ...service };
    delete out['label_file'];
    return out;
  }

  // Label files see only labels of earlier label files (then their own), never the environment.
  const labels = new Map<string, string>();
  const earlier = (k: string): string | undefined => labels.get(k);
  for (const file of files) {
    const content = readMappingFile(file, true, 'label file', `services.${name}.label_file`, ctx);
    if (content === undefined) continue;
    const parsed = parseDotenv(content, { lookup: earlier, file, warn: (m) => ctx.warn(m) });
    for (const [k, v] of parsed) labels.set(k, v);
  }

  const merged: Mapping = {};
  for (const [k, v] of labels) merged[k] = v;
  const declared = service['labels'];
  if (isMapping(declared)) {
    for (const [k, v] of Object.entries(declared)) merged[k] = scalarString(v) ?? '';
  }

  const out: Mapping = { ...service };
  if (Object.keys(merged).length > 0) out['labels'] = merged;
  if (discard) delete out['label_file'];
  return out;
}

function projectLookup(ctx: LoadContext): (k: string) => string | undefined {
  return (k) => (Object.hasOwn(ctx.environment, k) ? ctx.environment[k] : undefined);
}

/** The file's text; undefined for a missing optional file. */
function readMappingFile(
  file: string,
  required: boolean,
  what: string,
  modelPath: string,
  ctx: LoadContext,
): string | undefined {
  // The error points at the compose file line that names the missing file.
  if (!fs.existsSync(file)) {
    if (!required) return undefined;
    throw new ComposeError(
      'E_NOT_FOUND',
      `${what} ${file} not found: stat ${file}: no such file or directory`,
      ctx.sources.locate(modelPath),
    );
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ComposeError('E_NOT_FOUND', `failed to load ${file}: ${reason}`, ctx.sources.locate(modelPath));
  }
}

/** The long form is expected; strings (short form) are accepted too, required as compose defaults. */
function envFileRefs(v: Value | undefined, name: string, workingDir: string): EnvFileRef[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item, i) => {
    if (typeof item === 'string') return { path: path.resolve(workingDir, item), required: true, format: undefined };
    if (isMapping(item) && typeof item['path'] === 'string') {
      const format = item['format'];
      return {
        path: path.resolve(workingDir, item['path']),
        required: item['required'] !== false,
        format: typeof format === 'string' ? format : undefined,
      };
    }
    throw new ComposeError('E_INVALID', 'env_file entry must be a path or {path, required, format}', {
      path: `services.${name}.env_file[${i}]`,
    });
  });
}

function labelFilePaths(v: Value | undefined, name: string, workingDir: string): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item, i) => {
    if (typeof item === 'string') return path.resolve(workingDir, item);
    throw new ComposeError('E_INVALID', 'label_file entry must be a path', {
      path: `services.${name}.label_file[${i}]`,
    });
  });
}

/** Values of environment/labels as compose-go prints them (numbers and booleans as text); null stays null. */
function scalarString(v: Value | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
