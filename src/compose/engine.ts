/**
 * `tscompose engine start|stop|status`: runs the built-in engine daemon
 * (engine/daemon/main.js) detached, stops it through its pid file, and reports
 * whether it answers. The daemon is a separate process so that it outlives the
 * command that started it, as dockerd outlives `systemctl start docker`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findUp, resolveHostAndRoot } from '../../engine/daemon/config.js';
import { engineVersion, pingSocket } from '../../engine/daemon/server/probe.js';
import { isEngineProcess, pidFileOf, readPid, runningEnginePid } from '../../engine/daemon/state/pid-file.js';

export interface EngineIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

export interface EngineFlags {
  host?: string;
  root?: string;
  foreground?: boolean;
  debug?: boolean;
  /** Seconds to wait for the engine to answer (start) or exit (stop). */
  timeout?: string;
  format?: string;
}

const DAEMON_ENTRY = path.join('engine', 'daemon', 'main.js');

/**
 * The daemon's compiled entry. The CLI runs as dist/tscompose.mjs (bundle),
 * dist/src/cli/main.js, or a build elsewhere; the entry sits at
 * <dir>/engine/daemon/main.js or <dir>/dist/engine/daemon/main.js above all of them.
 */
export function daemonEntry(env: Readonly<Record<string, string | undefined>>): string {
  const override = env['TSCOMPOSE_ENGINE_ENTRY'];
  if (override) return path.resolve(override);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = (d: string): string[] => [path.join(d, DAEMON_ENTRY), path.join(d, 'dist', DAEMON_ENTRY)];
  const dir = findUp(here, (d) => candidates(d).some((c) => fs.existsSync(c)));
  const found = dir === undefined ? undefined : candidates(dir).find((c) => fs.existsSync(c));
  if (found === undefined) throw new Error(`cannot find the engine daemon (${DAEMON_ENTRY}) above ${here}; was the package built?`);
  return found;
}

function timeoutMs(flags: EngineFlags, defaultSeconds: number): number {
  if (flags.timeout === undefined) return defaultSeconds * 1000;
  const s = Number(flags.timeout);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`invalid --timeout ${JSON.stringify(flags.timeout)}: a number of seconds is expected`);
  return s * 1000;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last lines of the engine's log, for errors that need its side of the story. */
function logTail(root: string, lines = 15): string {
  try {
    const text = fs.readFileSync(path.join(root, 'engine.log'), 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function engineStart(flags: EngineFlags, io: EngineIo): Promise<number> {
  const { host, socketPath, root } = resolveHostAndRoot(flags, io.env);
  const wait = timeoutMs(flags, 20);
  if (await pingSocket(socketPath)) {
    const pid = runningEnginePid(root);
    io.stdout(`tscompose engine is already running on ${host}${pid === undefined ? '' : ` (pid ${pid})`}\n`);
    return 0;
  }
  const args = [daemonEntry(io.env), '--host', host, '--root', root];
  if (flags.debug) args.push('--debug');
  const env = { ...io.env } as NodeJS.ProcessEnv;

  if (flags.foreground) {
    args.push('--log-stderr');
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    // The daemon handles the signals itself; forward them so it stops gracefully.
    const forward = (sig: NodeJS.Signals): void => {
      child.kill(sig);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        resolve(code ?? (signal ? 128 : 1));
      });
    });
  }

  fs.mkdirSync(root, { recursive: true, mode: 0o710 });
  const logFile = path.join(root, 'engine.log');
  // The daemon's stdout/stderr go to its log too: a crash before its logger opens still leaves a trace.
  const fd = fs.openSync(logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env });
  } finally {
    fs.closeSync(fd);
  }
  let exit: string | undefined;
  child.on('exit', (code, signal) => {
    exit = signal ? `signal ${signal}` : `code ${code ?? '?'}`;
  });
  child.on('error', (e) => {
    exit = e.message;
  });
  child.unref();

  const deadline = Date.now() + wait;
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(`the engine exited (${exit}) before answering on ${socketPath}; last lines of ${logFile}:\n${logTail(root)}`);
    if (await pingSocket(socketPath, 500)) {
      io.stdout(`tscompose engine started (pid ${child.pid ?? '?'}) on ${host}, root ${root}\n`);
      return 0;
    }
    await sleep(50);
  }
  // Don't leave a half-started daemon behind.
  child.kill('SIGTERM');
  throw new Error(`the engine did not answer on ${socketPath} within ${wait / 1000}s; last lines of ${logFile}:\n${logTail(root)}`);
}

export async function engineStop(flags: EngineFlags, io: EngineIo): Promise<number> {
  const { socketPath, root } = resolveHostAndRoot(flags, io.env);
  const wait = timeoutMs(flags, 15);
  const pid = runningEnginePid(root);
  if (pid === undefined) {
    if (readPid(root) !== undefined) fs.rmSync(pidFileOf(root), { force: true });
    if (await pingSocket(socketPath)) {
      throw new Error(`an engine answers on ${socketPath}, but none is recorded as running on ${root} (wrong --root?)`);
    }
    io.stdout('tscompose engine is not running\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + wait;
  // isEngineProcess, not liveness alone: an unreaped zombie no longer runs the engine.
  while (isEngineProcess(pid)) {
    if (Date.now() >= deadline) throw new Error(`the engine (pid ${pid}) did not stop within ${wait / 1000}s`);
    await sleep(50);
  }
  io.stdout(`tscompose engine stopped (pid ${pid})\n`);
  return 0;
}

export async function engineStatus(flags: EngineFlags, io: EngineIo): Promise<number> {
  const { host, socketPath, root } = resolveHostAndRoot(flags, io.env);
  const ping = await pingSocket(socketPath);
  const pid = runningEnginePid(root);
  const ver = ping ? await engineVersion(socketPath) : undefined;
  const version = typeof ver?.['Version'] === 'string' ? ver['Version'] : undefined;
  const status = {
    running: ping !== undefined,
    pid: pid ?? null,
    host,
    socket: socketPath,
    root,
    version: version ?? null,
    apiVersion: ping?.apiVersion ?? null,
  };
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(status)}\n`);
  } else {
    const rows: [string, string][] = [
      ['Status', status.running ? 'running' : 'not running'],
      ['PID', pid === undefined ? '-' : String(pid)],
      ['Socket', socketPath],
      ['Root', root],
    ];
    if (status.running) rows.push(['Version', `${version ?? '?'} (API ${status.apiVersion ?? '?'})`]);
    io.stdout(`${rows.map(([k, v]) => `${`${k}:`.padEnd(9)}${v}`).join('\n')}\n`);
  }
  return status.running ? 0 : 1;
}
