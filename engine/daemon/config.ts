/**
 * The daemon's configuration: command-line flags, then TSCOMPOSE_HOST /
 * TSCOMPOSE_ROOT, then the defaults of ARCHITECTURE.md. Also the engine's
 * version constants and where the package's files (schemas, the daemon entry)
 * are found. Node builtins only: the CLI imports this file too.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Kept equal to package.json's version (a unit test checks). */
export const ENGINE_VERSION = '0.1.0';
/** The highest Engine API version we speak; clients negotiate down to it. */
export const API_VERSION = '1.47';
/** Docker's own minimum; older clients get 400. */
export const MIN_API_VERSION = '1.24';

export const DEFAULT_HOST = 'unix:///run/tscompose/engine.sock';
export const DEFAULT_ROOT = '/var/lib/tscompose';

export interface DaemonConfig {
  /** The host as given (`unix:///path`). */
  host: string;
  /** Filesystem path of the unix socket. */
  socketPath: string;
  /** State directory (images, volumes, containers, engine.log, engine.pid). */
  root: string;
  /** Log one line per request. */
  debug: boolean;
  /** Also copy log lines to stderr (foreground runs). */
  logToStderr: boolean;
  /** Where the embedded DNS forwards names it does not know (`IP[:port],…`); the host's resolv.conf when absent. */
  dnsUpstream?: string;
}

/** `unix:///path` (or a bare absolute path) → the socket path. Only unix sockets for now. */
export function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) {
    const p = host.slice('unix://'.length);
    if (p === '') throw new Error(`invalid host ${JSON.stringify(host)}: empty socket path`);
    return path.resolve(p);
  }
  if (host.startsWith('/')) return host;
  throw new Error(`unsupported host ${JSON.stringify(host)}: only unix:///path sockets are supported`);
}

/** The host and root a command means: flag, then environment, then default. */
export function resolveHostAndRoot(
  flags: { host?: string | undefined; root?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): { host: string; socketPath: string; root: string } {
  const host = nonEmpty(flags.host) ?? nonEmpty(env['TSCOMPOSE_HOST']) ?? DEFAULT_HOST;
  const root = path.resolve(nonEmpty(flags.root) ?? nonEmpty(env['TSCOMPOSE_ROOT']) ?? DEFAULT_ROOT);
  return { host, socketPath: socketPathOf(host), root };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

const USAGE = 'usage: main.js [--host unix:///path.sock] [--root DIR] [--dns-upstream IP[:PORT],...] [--debug] [--log-stderr]';

/** Parses the daemon's argv (without node and the script). Throws with a usage line on errors. */
export function parseDaemonArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DaemonConfig {
  const flags: { host?: string; root?: string } = {};
  let debug = env['TSCOMPOSE_ENGINE_DEBUG'] === '1' || env['TSCOMPOSE_ENGINE_DEBUG'] === 'true';
  let logToStderr = false;
  let dnsUpstream = nonEmpty(env['TSCOMPOSE_DNS_UPSTREAM']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
      return v;
    };
    switch (name) {
      case '--host':
      case '-H':
        flags.host = value();
        break;
      case '--root':
      case '--data-root':
        flags.root = value();
        break;
      case '--debug':
      case '-D':
        debug = true;
        break;
      case '--log-stderr':
        logToStderr = true;
        break;
      case '--dns-upstream':
        dnsUpstream = value();
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
    }
  }
  return { ...resolveHostAndRoot(flags, env), debug, logToStderr, ...(dnsUpstream !== undefined ? { dnsUpstream } : {}) };
}

/**
 * Walks up from `start` to the first directory for which `probe(dir)` is true.
 * The compiled files live at different depths (dist/…, a bundle in dist/, a
 * test build elsewhere), so fixed `../..` paths would break.
 */
export function findUp(start: string, probe: (dir: string) => boolean): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (probe(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The directory holding the API request schemas: schemas/api of the package
 * this file belongs to, else of TSCOMPOSE_REPO or the working directory (a
 * build outside the repository, as tests do).
 */
export function apiSchemaDir(fromDir: string, env: Readonly<Record<string, string | undefined>>): string {
  const has = (d: string): boolean => fs.existsSync(path.join(d, 'schemas', 'api'));
  const found = findUp(fromDir, has) ?? [env['TSCOMPOSE_REPO'], process.cwd()].find((d) => d !== undefined && has(d));
  if (found === undefined) throw new Error(`schemas/api not found above ${fromDir} (set TSCOMPOSE_REPO to the package directory)`);
  return path.join(found, 'schemas', 'api');
}
