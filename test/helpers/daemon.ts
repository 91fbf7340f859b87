/**
 * Starts the engine daemon for a test on a temp root and socket (no root
 * privileges needed), and makes sure it dies: `stop()` in teardown, plus an
 * exit hook that SIGKILLs whatever a crashed test left running.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEngineProcess, readPid } from '../../engine/daemon/state/pid-file.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The compiled tree this helper belongs to (dist/ or a build elsewhere). */
export const BUILD_DIR = path.resolve(HERE, '..', '..');
export const DAEMON_ENTRY = path.join(BUILD_DIR, 'engine', 'daemon', 'main.js');
const CLI_MAIN = path.join(BUILD_DIR, 'src', 'cli', 'main.js');

const leftovers = new Set<number>();
process.on('exit', () => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

export interface TestDaemon {
  dir: string;
  root: string;
  socketPath: string;
  host: string;
  /** Environment for clients: DOCKER_HOST and a private DOCKER_CONFIG. */
  env: NodeJS.ProcessEnv;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** A temp dir short enough for a unix socket path (108 bytes). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function clientEnv(dir: string, host: string): NodeJS.ProcessEnv {
  const dockerConfig = path.join(dir, 'docker-config');
  fs.mkdirSync(dockerConfig, { recursive: true });
  return { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: dockerConfig, DOCKER_CLI_HINTS: 'false' };
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 500, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function startTestDaemon(opts: { debug?: boolean } = {}): Promise<TestDaemon> {
  const dir = tempDir('tsc-eng-');
  const root = path.join(dir, 'root');
  const socketPath = path.join(dir, 'engine.sock');
  const host = `unix://${socketPath}`;
  const args = [DAEMON_ENTRY, '--host', host, '--root', root];
  if (opts.debug !== false) args.push('--debug');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid !== undefined) leftovers.add(child.pid);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const logFile = path.join(root, 'engine.log');

  const stop = async (): Promise<void> => {
    if (!(await waitExit(child, 0))) {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 5000))) {
        child.kill('SIGKILL');
        await waitExit(child, 2000);
      }
    }
    if (child.pid !== undefined) leftovers.delete(child.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = `engine did not start: ${stderr.trim()}\n${tail(logFile, 20)}`;
      await stop();
      throw new Error(why);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  return { dir, root, socketPath, host, env: clientEnv(dir, host), logTail: (n = 20) => tail(logFile, n), stop };
}

/** Runs the compiled tscompose CLI (this build's src/cli/main.js). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  // With -e, process.argv has no script path; 'tscompose' stands in for it, as commander expects one.
  const script = `const { main } = await import(${JSON.stringify(CLI_MAIN)}); process.exitCode = await main(process.argv);`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', 'tscompose', ...args], { env, encoding: 'utf8', timeout: 60_000 });
}

/** SIGKILLs an engine still recorded as running on `root` (a CLI-started daemon a failed test left). */
export function killEngineOn(root: string): void {
  const pid = readPid(root);
  if (pid !== undefined && isEngineProcess(pid)) process.kill(pid, 'SIGKILL');
}
