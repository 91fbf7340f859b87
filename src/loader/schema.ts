/**
 * The Compose-spec JSON Schema, compiled once per process.
 *
 * The schema comes from the `dclint` package at run time (we ship no copy of it).
 * Compiling it with ajv costs ~100 ms plus ~25 ms to load ajv itself, which is most
 * of the budget of a `config` run; ajv's standalone output of the same schema loads
 * in ~8 ms. So the first run compiles and writes the standalone module to a cache
 * directory keyed by a hash of everything that shapes the generated code, and later
 * runs evaluate that module without ever loading ajv. A build step can fill the
 * cache ahead of time with `precompileSchema()`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** One ajv error object, as both ajv and its standalone output produce it. */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A compiled validator: true when valid, `errors` set after a failure. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** How the validator of this process was obtained, for benchmarks and `--verbose`. */
export interface SchemaLoadStats {
  source: 'cache' | 'compiled';
  /** Milliseconds spent getting a usable validator (read + compile or evaluate). */
  ms: number;
  cacheFile?: string;
}

const require = createRequire(import.meta.url);

/**
 * Bumped whenever the way we generate or evaluate the cached module changes, so an
 * old cache entry is never evaluated by code that expects another shape.
 */
const CACHE_FORMAT = '1';

/**
 * ajv options. allErrors: compose-go's validator (santhosh-tekuri/jsonschema) reports
 * every failure and picks the most specific; we need the same set to pick the same
 * one. It costs nothing on valid files, which are the common case.
 * validateFormats off: the Compose schema uses no `format` keyword, and formats would
 * have to be wired into the standalone module by hand.
 */
const AJV_OPTIONS = {
  strict: false,
  allErrors: true,
  validateSchema: false,
  validateFormats: false,
  logger: false,
} as const;

/**
 * dclint's copy of the schema trails the upstream compose-spec one by three
 * properties; without them valid files (`develop.watch[].initial_sync`,
 * `build.provenance`, `build.sbom`) would be rejected as having unknown keys.
 * `pre_start` is newer than both (Docker Compose v5 has it).
 * Each is added only when absent, so a newer dclint that has them wins.
 */
interface OverlayEntry {
  /** JSON-pointer-like path to the `properties` object to extend. */
  at: readonly string[];
  name: string;
  schema: Record<string, unknown>;
}

const OVERLAY: readonly OverlayEntry[] = [
  {
    // Docker Compose v5 runs pre_start hooks (label com.docker.compose.hook=pre_start)
    // and compose-go normalizes them; the published schema has only post_start/pre_stop.
    at: ['definitions', 'service', 'properties'],
    name: 'pre_start',
    // Items are post_start hooks plus `image` (a pre_start hook runs in its own container).
    schema: {
      type: 'array',
      items: { $ref: '#/definitions/pre_start_hook' },
      description: 'Commands to run before the container starts, in a container of the service image',
    },
  },
  {
    at: ['definitions'],
    name: 'pre_start_hook',
    schema: {},
  },
  {
    at: ['definitions', 'development', 'properties', 'watch', 'items', 'properties'],
    name: 'initial_sync',
    schema: {
      type: 'boolean',
      description: 'Ensure that an initial synchronization is done before starting watch mode for sync+x triggers',
    },
  },
  {
    at: ['definitions', 'service', 'properties', 'build', 'oneOf', '1', 'properties'],
    name: 'provenance',
    schema: { type: ['string', 'boolean'], description: 'Add a provenance attestation' },
  },
  {
    at: ['definitions', 'service', 'properties', 'build', 'oneOf', '1', 'properties'],
    name: 'sbom',
    schema: { type: ['string', 'boolean'], description: 'Add a SBOM attestation' },
  },
];

/** Absolute path of the Compose-spec schema shipped by dclint. */
export function composeSchemaPath(): string {
  // dclint's `exports` does not list the schema, so go through its package.json.
  const pkg = require.resolve('dclint/package.json');
  return path.join(path.dirname(pkg), 'schemas', 'compose.schema.json');
}

let rawSchemaText: string | undefined;
function readRawSchema(): string {
  rawSchemaText ??= fs.readFileSync(composeSchemaPath(), 'utf8');
  return rawSchemaText;
}

let schemaObject: Record<string, unknown> | undefined;

/** The schema with the overlay applied (parsed once; callers must not mutate it). */
export function composeSchema(): Record<string, unknown> {
  if (schemaObject) return schemaObject;
  const schema = JSON.parse(readRawSchema()) as Record<string, unknown>;
  applyOverlay(schema);
  schemaObject = schema;
  return schema;
}

function applyOverlay(schema: Record<string, unknown>): void {
  for (const entry of OVERLAY) {
    let node: unknown = schema;
    for (const key of entry.at) {
      if (typeof node !== 'object' || node === null) break;
      node = (node as Record<string, unknown>)[key];
    }
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    const props = node as Record<string, unknown>;
    if (!(entry.name in props)) props[entry.name] = entry.schema;
  }
  completePreStartHook(schema);
  allowNullModelReferences(schema);
}

/** `pre_start_hook` = the published `service_hook` with an `image` property. */
function completePreStartHook(schema: Record<string, unknown>): void {
  const defs = dig(schema, ['definitions']) as Record<string, unknown> | undefined;
  const hook = defs?.['service_hook'];
  if (!defs || typeof hook !== 'object' || hook === null) return;
  const target = defs['pre_start_hook'] as Record<string, unknown> | undefined;
  if (!target || Object.keys(target).length > 0) return;
  const copy = structuredClone(hook) as Record<string, unknown>;
  const props = (copy['properties'] ?? {}) as Record<string, unknown>;
  props['image'] = { type: 'string', description: 'Image of the hook container (default: the service image)' };
  copy['properties'] = props;
  Object.assign(target, copy);
}

/**
 * `services.*.models: [llm]` is canonicalized to `{llm: null}` after the first
 * file, and the next file's validation sees that form: a reference without
 * options must stay valid then, as compose-go's own merged fixtures show.
 */
function allowNullModelReferences(schema: Record<string, unknown>): void {
  const models = dig(schema, ['definitions', 'service', 'properties', 'models', 'oneOf']);
  if (!Array.isArray(models)) return;
  for (const alt of models) {
    const patterns = dig(alt, ['patternProperties']);
    if (typeof patterns !== 'object' || patterns === null) continue;
    for (const entry of Object.values(patterns as Record<string, unknown>)) {
      const e = entry as Record<string, unknown>;
      if (e['type'] === 'object') e['type'] = ['object', 'null'];
    }
  }
}

function dig(node: unknown, keys: readonly string[]): unknown {
  let n = node;
  for (const k of keys) {
    if (typeof n !== 'object' || n === null) return undefined;
    n = (n as Record<string, unknown>)[k];
  }
  return n;
}

function ajvVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(require.resolve('ajv/package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Hash of everything the generated module depends on. */
function cacheKey(): string {
  const h = createHash('sha256');
  h.update(CACHE_FORMAT);
  h.update('\0');
  h.update(ajvVersion());
  h.update('\0');
  h.update(JSON.stringify(AJV_OPTIONS));
  h.update('\0');
  h.update(JSON.stringify(OVERLAY));
  h.update('\0nullable-model-refs-1');
  h.update('\0');
  h.update(readRawSchema());
  return h.digest('hex').slice(0, 24);
}

/**
 * Where cached modules may live, in order of preference:
 * TSCOMPOSE_SCHEMA_CACHE (a directory, or `0`/`off` to disable), then
 * node_modules/.cache/tscompose (goes away with a reinstall, same trust as the
 * installed code), then the user's cache directory. Never a shared temp dir: the
 * file is evaluated as code.
 */
export function schemaCacheDirs(): string[] {
  const env = process.env['TSCOMPOSE_SCHEMA_CACHE'];
  if (env !== undefined && env !== '') {
    if (env === '0' || env.toLowerCase() === 'off' || env.toLowerCase() === 'false') return [];
    return [path.resolve(env)];
  }
  const dirs: string[] = [];
  try {
    const nodeModules = path.resolve(path.dirname(require.resolve('ajv/package.json')), '..');
    dirs.push(path.join(nodeModules, '.cache', 'tscompose'));
  } catch {
    // ajv not resolvable: nothing to cache next to.
  }
  const xdg = process.env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache');
  dirs.push(path.join(base, 'tscompose'));
  return dirs;
}

function cacheFileName(key: string): string {
  return `compose-schema-${key}.cjs`;
}

/** Evaluate a standalone CommonJS module; its `require` resolves from here, wherever the file is. */
function evaluateModule(code: string, filename: string): SchemaValidator {
  const mod: { exports: unknown } = { exports: {} };
  // The cache file sits outside our package tree, so `require("ajv/dist/runtime/...")`
  // in it must resolve from this module, not from the file's own directory.
  const fn = new Function('require', 'module', 'exports', `${code}\n//# sourceURL=${filename}`) as (
    r: NodeJS.Require,
    m: { exports: unknown },
    e: unknown,
  ) => void;
  fn(require, mod, mod.exports);
  const exported = mod.exports as { default?: unknown } | SchemaValidator;
  const v = typeof exported === 'function' ? exported : exported.default;
  if (typeof v !== 'function') throw new Error(`${filename}: not a validator module`);
  return v as SchemaValidator;
}

function readCached(key: string): { validator: SchemaValidator; file: string } | undefined {
  for (const dir of schemaCacheDirs()) {
    const file = path.join(dir, cacheFileName(key));
    let code: string;
    try {
      code = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    try {
      return { validator: evaluateModule(code, file), file };
    } catch {
      // A truncated or foreign file: ignore it, compiling again rewrites it.
    }
  }
  return undefined;
}

function writeCached(key: string, code: string): string | undefined {
  for (const dir of schemaCacheDirs()) {
    const file = path.join(dir, cacheFileName(key));
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Write then rename, so a concurrent run never evaluates half a file.
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      fs.writeFileSync(tmp, code, { mode: 0o600 });
      fs.renameSync(tmp, file);
      return file;
    } catch {
      // Read-only install or home: try the next place, else run without a cache.
    }
  }
  return undefined;
}

interface AjvInstance {
  compile(schema: unknown): SchemaValidator;
}
type AjvClass = new (opts: Record<string, unknown>) => AjvInstance;
type StandaloneFn = (ajv: AjvInstance, validate: SchemaValidator) => string;

/** Compile with ajv (loaded only here, so cached runs never pay for it). */
function compileWithAjv(withSource: boolean): { validator: SchemaValidator; code?: string } {
  const ajvModule = require('ajv') as { default?: AjvClass } & AjvClass;
  const Ajv: AjvClass = ajvModule.default ?? ajvModule;
  const opts: Record<string, unknown> = { ...AJV_OPTIONS };
  if (withSource) opts['code'] = { source: true, esm: false };
  const ajv = new Ajv(opts);
  const validator = ajv.compile(composeSchema());
  if (!withSource) return { validator };
  const sa = require('ajv/dist/standalone') as { default?: StandaloneFn } & StandaloneFn;
  const standalone: StandaloneFn = sa.default ?? sa;
  return { validator, code: standalone(ajv, validator) };
}

let validator: SchemaValidator | undefined;
let stats: SchemaLoadStats | undefined;

/** The compiled Compose-spec validator, built (or read from the cache) on first use. */
export function schemaValidator(): SchemaValidator {
  if (validator) return validator;
  const t0 = performance.now();
  const cacheWanted = schemaCacheDirs().length > 0;
  let key: string | undefined;
  if (cacheWanted) {
    key = cacheKey();
    const hit = readCached(key);
    if (hit) {
      validator = hit.validator;
      stats = { source: 'cache', ms: performance.now() - t0, cacheFile: hit.file };
      return validator;
    }
  }
  const { validator: v, code } = compileWithAjv(cacheWanted);
  validator = v;
  const s: SchemaLoadStats = { source: 'compiled', ms: performance.now() - t0 };
  if (key !== undefined && code !== undefined) {
    const file = writeCached(key, code);
    if (file !== undefined) s.cacheFile = file;
  }
  stats = s;
  return validator;
}

/** How this process got its validator (undefined before first use). */
export function schemaLoadStats(): SchemaLoadStats | undefined {
  return stats;
}

/**
 * Fill the cache ahead of time (for a build or postinstall step). Returns the file
 * written, or undefined when no cache directory is writable.
 */
export function precompileSchema(): string | undefined {
  const key = cacheKey();
  const { code } = compileWithAjv(true);
  if (code === undefined) return undefined;
  return writeCached(key, code);
}

/** Forget the memoized validator (tests measure cold and cached loads). */
export function resetSchemaForTests(): void {
  validator = undefined;
  stats = undefined;
  schemaObject = undefined;
  rawSchemaText = undefined;
}
