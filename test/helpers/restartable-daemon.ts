/**
 * An engine daemon on a fixed root and socket, so a test can kill it (even
 * with SIGKILL) and start it again on the same state — what the live-restore,
 * crash and restart tests need. The caller owns the directories.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DAEMON_ENTRY, ping } from './daemon.js';
import { REPO_ROOT } from './paths.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RestartableDaemon {
  child: ChildProcess | undefined;
  readonly root: string;
  readonly socketPath: string;
  readonly #args: readonly string[];
  readonly #env: NodeJS.ProcessEnv;

  constructor(root: string, socketPath: string, opts: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {}) {
    this.root = root;
    this.socketPath = socketPath;
    this.#args = opts.args ?? [];
    this.#env = opts.env ?? {};
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [DAEMON_ENTRY, '--host', `unix://${this.socketPath}`, '--root', this.root, '--debug', ...this.#args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TSCOMPOSE_RUNTIME_DIR: path.join(REPO_ROOT, 'engine/runtime/build'), ...this.#env },
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 20_000;
    while (!(await ping(this.socketPath))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`engine did not start: ${stderr}\n${this.logTail()}`);
      await sleep(30);
    }
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await gone;
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.root, 'engine.log'), 'utf8');
    } catch {
      return '';
    }
  }

  logTail(n = 25): string {
    return this.log().trimEnd().split('\n').slice(-n).join('\n') || '(no log)';
  }
}
