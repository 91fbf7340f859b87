/**
 * Exec instances (`docker exec`): a record made by POST /containers/{id}/exec,
 * run by POST /exec/{id}/start through the runtime's `exec` verb, inspected
 * for Running/ExitCode by GET /exec/{id}/json — which is how the docker CLI
 * learns the exit code after the stream ends.
 *
 * The process is described to the runtime with `--process FILE`: the
 * container's own process (bundle/config.json: env, capabilities, rlimits,
 * apparmor…) with the exec's args, env overrides, cwd and user, the user
 * resolved against the container's /etc/passwd as at create. The runtime is
 * always run in the foreground, even for a detached exec, so the engine sees
 * the exit code.
 *
 * A TTY exec needs a pty master received over a console socket, and Node
 * cannot receive file descriptors: until a helper does that, Tty execs are
 * refused with 501 rather than run without a terminal.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import type { ContainerHandle, ContainerLookup } from './handle.js';
import { resolveUser } from './user.js';

/** POST /containers/{id}/exec body, as far as we use it. */
export interface ExecCreateConfig {
  Cmd?: string[] | null;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Privileged?: boolean;
  DetachKeys?: string;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  detachKeys: string;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  /** Date.now() when it ended (for pruning). */
  endedAt?: number;
}

export interface ExecIo {
  /** Client input (AttachStdin); its end closes the process's stdin. */
  stdin?: Readable | undefined;
  onOutput?: (stream: 'stdout' | 'stderr', data: Buffer) => void;
}

/** Spawns the runtime; replaced in tests. */
export type RuntimeSpawner = typeof spawn;

/** Ended execs are forgotten after this long, as dockerd's exec GC does. */
const KEEP_ENDED_MS = 5 * 60 * 1000;

export function notImplemented(message: string): ApiError {
  return new ApiError(501, message);
}

interface BundleConfig {
  root?: { path?: string };
  process?: Record<string, unknown> & { env?: string[] };
}

/** `K=V` lists merged by key, later ones winning, order of first appearance kept. */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of [...base, ...overrides]) {
    const eq = kv.indexOf('=');
    out.set(eq < 0 ? kv : kv.slice(0, eq), kv);
  }
  return [...out.values()];
}

/** The OCI process for an exec: the container's, with the exec's settings. */
export function execProcess(handle: ContainerHandle, rec: ExecRecord): Record<string, unknown> {
  const bundle = JSON.parse(fs.readFileSync(path.join(handle.bundleDir, 'config.json'), 'utf8')) as BundleConfig;
  const base = bundle.process ?? {};
  const proc: Record<string, unknown> = { ...base, args: rec.cmd, terminal: rec.tty, env: mergeEnv(base.env ?? [], rec.env) };
  delete proc['consoleSize'];
  if (rec.workingDir !== '') proc['cwd'] = rec.workingDir;
  if (rec.user !== '') {
    const rootPath = bundle.root?.path ?? 'rootfs';
    proc['user'] = resolveUser(path.resolve(handle.bundleDir, rootPath), rec.user);
  }
  return proc;
}

export class ExecStore {
  readonly #execs = new Map<string, ExecRecord>();
  readonly #lookup: ContainerLookup;
  readonly #spawn: RuntimeSpawner;

  constructor(lookup: ContainerLookup, spawner: RuntimeSpawner = spawn) {
    this.#lookup = lookup;
    this.#spawn = spawner;
  }

  create(idOrName: string, config: ExecCreateConfig): ExecRecord {
    this.#prune();
    const handle = this.#lookup.handle(idOrName);
    const cmd = config.Cmd ?? [];
    if (cmd.length === 0) throw new BadRequestError('No exec command specified');
    if (config.Tty === true) {
      throw notImplemented('exec with a TTY (-t) is not supported by this engine yet; run it without -t');
    }
    if (!this.#lookup.isRunning(handle.id)) throw new ConflictError(`container ${handle.id} is not running`);
    const rec: ExecRecord = {
      id: randomBytes(32).toString('hex'),
      containerId: handle.id,
      cmd,
      env: config.Env ?? [],
      user: config.User ?? '',
      workingDir: config.WorkingDir ?? '',
      tty: config.Tty ?? false,
      attachStdin: config.AttachStdin ?? false,
      attachStdout: config.AttachStdout ?? false,
      attachStderr: config.AttachStderr ?? false,
      privileged: config.Privileged ?? false,
      detachKeys: config.DetachKeys ?? '',
      started: false,
      running: false,
      exitCode: null,
      pid: 0,
    };
    this.#execs.set(rec.id, rec);
    return rec;
  }

  get(id: string): ExecRecord {
    const rec = this.#execs.get(id);
    if (rec === undefined) throw new NotFoundError(`No such exec instance: ${id}`);
    return rec;
  }

  /** Checks that `id` can start now (before a route commits to a hijacked stream). */
  checkStartable(id: string): { rec: ExecRecord; handle: ContainerHandle } {
    const rec = this.get(id);
    if (rec.running) throw new ConflictError(`Exec command ${id} is already running`);
    if (rec.started) throw new ConflictError(`Exec command ${id} has already run`);
    const handle = this.#lookup.handle(rec.containerId);
    if (!this.#lookup.isRunning(handle.id)) throw new ConflictError(`container ${handle.id} is not running`);
    return { rec, handle };
  }

  /**
   * Runs the exec to its end; resolves with the exit code (also recorded).
   * Output goes to io.onOutput (dropped without it, as for a detached exec).
   */
  async start(id: string, io: ExecIo = {}): Promise<number> {
    const { rec, handle } = this.checkStartable(id);
    rec.started = true;
    rec.running = true;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-exec-'));
    try {
      const processFile = path.join(dir, 'process.json');
      fs.writeFileSync(processFile, JSON.stringify(execProcess(handle, rec)), { mode: 0o600 });
      const pidFile = path.join(dir, 'pid');
      const args = ['--root', handle.runtime.root, 'exec', '--process', processFile, '--pid-file', pidFile, handle.id];
      const code = await new Promise<number>((resolve) => {
        const child = this.#spawn(handle.runtime.bin, args, { stdio: [io.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
        child.stdout?.on('data', (c: Buffer) => io.onOutput?.('stdout', c));
        child.stderr?.on('data', (c: Buffer) => io.onOutput?.('stderr', c));
        if (io.stdin !== undefined && child.stdin !== null) {
          child.stdin.on('error', () => {
            // The process closed its stdin early: the rest of the input has nowhere to go.
          });
          io.stdin.pipe(child.stdin);
        }
        const pidTimer = setInterval(() => {
          try {
            rec.pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || 0;
            if (rec.pid > 0) clearInterval(pidTimer);
          } catch {
            // Not written yet.
          }
        }, 20);
        child.on('error', (e) => {
          clearInterval(pidTimer);
          io.onOutput?.('stderr', Buffer.from(`exec: cannot run the runtime: ${e.message}\n`));
          resolve(126);
        });
        // 'close', not 'exit': all of the output has been read by then.
        child.on('close', (status, signal) => {
          clearInterval(pidTimer);
          if (io.stdin !== undefined && child.stdin !== null) io.stdin.unpipe(child.stdin);
          resolve(status ?? 128 + (signal !== null ? (os.constants.signals[signal] ?? 0) : 0));
        });
      });
      rec.exitCode = code;
      return code;
    } finally {
      rec.running = false;
      rec.endedAt = Date.now();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** GET /exec/{id}/json. */
  inspect(id: string): Record<string, unknown> {
    const rec = this.get(id);
    return {
      ID: rec.id,
      Running: rec.running,
      ExitCode: rec.exitCode,
      ProcessConfig: {
        tty: rec.tty,
        entrypoint: rec.cmd[0] ?? '',
        arguments: rec.cmd.slice(1),
        privileged: rec.privileged,
        ...(rec.user !== '' ? { user: rec.user } : {}),
      },
      OpenStdin: rec.attachStdin,
      OpenStderr: rec.attachStderr,
      OpenStdout: rec.attachStdout,
      CanRemove: false,
      ContainerID: rec.containerId,
      DetachKeys: rec.detachKeys,
      Pid: rec.pid,
    };
  }

  /** Exec ids of a container (for its inspect's ExecIDs). */
  idsOf(containerId: string): string[] {
    return [...this.#execs.values()].filter((r) => r.containerId === containerId).map((r) => r.id);
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, r] of this.#execs) if (r.endedAt !== undefined && now - r.endedAt > KEEP_ENDED_MS) this.#execs.delete(id);
  }
}
