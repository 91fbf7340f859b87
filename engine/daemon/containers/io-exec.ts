/**
 * Exec instances (`docker exec`): a record made by POST /containers/{id}/exec,
 * run by POST /exec/{id}/start through the runtime's `exec` verb, inspected
 * for Running/ExitCode/Pid by GET /exec/{id}/json — which is how the docker
 * CLI learns the exit code after the stream ends.
 *
 * The process is described to the runtime with `--process FILE`: the
 * container's own process (bundle/config.json: env, capabilities, rlimits,
 * apparmor…) with the exec's args, env overrides, cwd and user, the user
 * resolved against the container's /etc/passwd as at create. The runtime is
 * always run in the foreground, even for a detached exec, so the engine sees
 * the exit code; `--pid-file` gives the process's pid (inspect's Pid, and the
 * process to kill when the caller's abort signal fires).
 *
 * A TTY exec's terminal is made inside the container by the runtime, which
 * hands the pty master over a console socket with SCM_RIGHTS — something Node
 * cannot receive. tscompose-exec-pty (engine/runtime/src/exec-pty.c) takes it
 * instead and relays it as plain streams: its stdin to the terminal, the
 * terminal to its stdout (raw: a TTY has no stdout/stderr split), and
 * `resize ROWS COLS` lines on its fd 3 to the window size. The initial size
 * (ConsoleSize, or a resize that came before the start) goes in the process's
 * consoleSize, so the process sees it from its first instruction.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import type { ContainerHandle, ContainerLookup } from './handle.js';
import { killTree } from './process-tree.js';
import { findRuntimeBins } from './runtime-bins.js';
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
  /** [height, width] of a TTY exec's terminal. */
  ConsoleSize?: unknown;
}

/** A terminal size, as the API sends it: [height, width]. */
export type ConsoleSize = readonly [number, number];

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
  /** TTY only: the size to start with (create's ConsoleSize, or a resize before the start). */
  consoleSize?: ConsoleSize;
}

export interface ExecIo {
  /** Client input (AttachStdin); its end closes the process's stdin (a TTY's input just stops). */
  stdin?: Readable | undefined;
  /** Output; a TTY exec's terminal output comes as 'stdout', messages of the runtime as 'stderr'. */
  onOutput?: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  /** TTY only: the terminal's initial size (ExecStart's ConsoleSize), over the record's. */
  consoleSize?: ConsoleSize | undefined;
  /**
   * When aborted, the exec'd process (and what it started) is killed with
   * SIGKILL; start() still resolves with the exit code the runtime reports (137).
   */
  signal?: AbortSignal | undefined;
}

/** Spawns the runtime; replaced in tests. */
export type RuntimeSpawner = typeof spawn;

export interface ExecStoreOptions {
  /** tscompose-exec-pty, for TTY execs; found with the other engine binaries when not given. */
  ptyHelper?: string;
  /** Kills a process and its descendants (killTree); replaced in tests. */
  kill?: (pid: number) => void;
}

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

/** ConsoleSize from a request body: absent/null, or [height, width] of non-negative integers. */
export function parseConsoleSize(value: unknown): ConsoleSize | undefined {
  if (value === undefined || value === null) return undefined;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!Array.isArray(value) || value.length !== 2 || !ok(value[0]) || !ok(value[1])) {
    throw new BadRequestError(`invalid ConsoleSize ${JSON.stringify(value)}: want [height, width]`);
  }
  return [value[0], value[1]];
}

/**
 * The OCI process for an exec: the container's, with the exec's settings.
 * A TTY exec gets consoleSize when a size is known (the container's own is
 * never reused: it is another terminal).
 */
export function execProcess(handle: ContainerHandle, rec: ExecRecord, consoleSize?: ConsoleSize): Record<string, unknown> {
  const bundle = JSON.parse(fs.readFileSync(path.join(handle.bundleDir, 'config.json'), 'utf8')) as BundleConfig;
  const base = bundle.process ?? {};
  const proc: Record<string, unknown> = { ...base, args: rec.cmd, terminal: rec.tty, env: mergeEnv(base.env ?? [], rec.env) };
  delete proc['consoleSize'];
  if (rec.tty && consoleSize !== undefined) proc['consoleSize'] = { height: consoleSize[0], width: consoleSize[1] };
  if (rec.workingDir !== '') proc['cwd'] = rec.workingDir;
  if (rec.user !== '') {
    const rootPath = bundle.root?.path ?? 'rootfs';
    proc['user'] = resolveUser(path.resolve(handle.bundleDir, rootPath), rec.user);
  }
  return proc;
}

/** How one exec is launched: the runtime itself, or the pty helper for a TTY. */
interface Launch {
  bin: string;
  args: string[];
  /** The helper's fd 3: resize lines. */
  ctl: boolean;
}

export class ExecStore {
  readonly #execs = new Map<string, ExecRecord>();
  /** Running TTY execs: where their resize lines go. */
  readonly #resizers = new Map<string, (size: ConsoleSize) => void>();
  readonly #lookup: ContainerLookup;
  readonly #spawn: RuntimeSpawner;
  readonly #options: ExecStoreOptions;

  constructor(lookup: ContainerLookup, spawner: RuntimeSpawner = spawn, options: ExecStoreOptions = {}) {
    this.#lookup = lookup;
    this.#spawn = spawner;
    this.#options = options;
  }

  create(idOrName: string, config: ExecCreateConfig): ExecRecord {
    this.#prune();
    const handle = this.#lookup.handle(idOrName);
    const cmd = config.Cmd ?? [];
    if (cmd.length === 0) throw new BadRequestError('No exec command specified');
    const consoleSize = parseConsoleSize(config.ConsoleSize);
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
      ...(consoleSize !== undefined && config.Tty === true ? { consoleSize } : {}),
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
   * POST /exec/{id}/resize. A TTY exec that runs gets the size now; one not
   * started yet starts with it (the docker CLI may resize before its start
   * has reached us). Without a TTY, or once ended, there is nothing to resize.
   */
  resize(id: string, height: number, width: number): void {
    const rec = this.get(id);
    if (!rec.tty) return;
    const resizer = this.#resizers.get(id);
    if (resizer !== undefined) resizer([height, width]);
    else if (!rec.started) rec.consoleSize = [height, width];
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
      const size = io.consoleSize ?? rec.consoleSize;
      const processFile = path.join(dir, 'process.json');
      fs.writeFileSync(processFile, JSON.stringify(execProcess(handle, rec, size)), { mode: 0o600 });
      const pidFile = path.join(dir, 'pid');
      const launch: Launch = rec.tty
        ? {
            bin: this.#options.ptyHelper ?? findRuntimeBins().execPty,
            // The console socket sits in our own temp dir: short enough for a socket path, private to this exec.
            args: ['--runtime', handle.runtime.bin, '--runtime-root', handle.runtime.root, '--console-socket', path.join(dir, 'console.sock'),
              '--process', processFile, '--pid-file', pidFile, '--ctl-fd', '3', handle.id],
            ctl: true,
          }
        : { bin: handle.runtime.bin, args: ['--root', handle.runtime.root, 'exec', '--process', processFile, '--pid-file', pidFile, handle.id], ctl: false };
      const code = await this.#run(rec, launch, pidFile, io, size);
      rec.exitCode = code;
      return code;
    } finally {
      rec.running = false;
      rec.endedAt = Date.now();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  #run(rec: ExecRecord, launch: Launch, pidFile: string, io: ExecIo, size: ConsoleSize | undefined): Promise<number> {
    const kill = this.#options.kill ?? ((pid: number) => killTree(pid, 'SIGKILL'));
    return new Promise<number>((resolve) => {
      const stdio: ('pipe' | 'ignore')[] = [io.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'];
      if (launch.ctl) stdio.push('pipe');
      const child = this.#spawn(launch.bin, launch.args, { stdio });
      let ended = false;
      // Aborted before the pid was known: kill as soon as it is.
      let killWanted = false;
      const killNow = (): void => {
        if (ended) return;
        if (rec.pid > 0) kill(rec.pid);
        else killWanted = true;
      };
      child.stdout?.on('data', (c: Buffer) => io.onOutput?.('stdout', c));
      child.stderr?.on('data', (c: Buffer) => io.onOutput?.('stderr', c));
      if (io.stdin !== undefined && child.stdin !== null) {
        child.stdin.on('error', () => {
          // The process closed its stdin early: the rest of the input has nowhere to go.
        });
        io.stdin.pipe(child.stdin);
      }
      const ctl = launch.ctl ? (child.stdio[3] as Writable | null | undefined) : undefined;
      if (ctl) {
        ctl.on('error', () => {
          // The helper has gone: its exit is reported by 'close'.
        });
        const send = (s: ConsoleSize): void => {
          if (!ctl.destroyed && ctl.writable) ctl.write(`resize ${s[0]} ${s[1]}\n`);
        };
        // consoleSize already sets it with our runtime; the line covers runtimes that ignore it.
        if (size !== undefined) send(size);
        this.#resizers.set(rec.id, send);
      }
      const readPid = (): void => {
        try {
          rec.pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || 0;
        } catch {
          // Not written yet.
        }
      };
      const pidTimer = setInterval(() => {
        readPid();
        if (rec.pid > 0) {
          clearInterval(pidTimer);
          if (killWanted) killNow();
        }
      }, 20);
      io.signal?.addEventListener('abort', killNow, { once: true });
      if (io.signal?.aborted === true) killNow();
      const finish = (code: number): void => {
        if (ended) return;
        ended = true;
        clearInterval(pidTimer);
        if (rec.pid === 0) readPid(); // an exec quicker than the poll still reports its Pid
        io.signal?.removeEventListener('abort', killNow);
        this.#resizers.delete(rec.id);
        if (ctl && !ctl.destroyed) ctl.end();
        resolve(code);
      };
      child.on('error', (e) => {
        io.onOutput?.('stderr', Buffer.from(`exec: cannot run ${launch.ctl ? 'the pty helper' : 'the runtime'}: ${e.message}\n`));
        finish(126);
      });
      // 'close', not 'exit': all of the output has been read by then.
      child.on('close', (status, signal) => {
        if (io.stdin !== undefined && child.stdin !== null) io.stdin.unpipe(child.stdin);
        finish(status ?? 128 + (signal !== null ? (os.constants.signals[signal] ?? 0) : 0));
      });
    });
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
