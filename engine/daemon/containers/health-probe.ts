/**
 * One health probe, run as dockerd's cmdProbe does: an exec in the container
 * (`RUNTIME --root R exec --process FILE --pid-file P ID`) of the
 * container's own process with the probe's argv, stdout and stderr captured
 * together (the first 4096 bytes kept), and the exec_create / exec_start /
 * exec_die events an exec makes.
 *
 * Two clocks, as dockerd has: starting the exec may take up to 30 s (that
 * time is not the probe's), then the probe's timeout runs from the moment the
 * process is in the container (its pid file is written). On timeout the
 * probe's process is SIGKILLed inside the container, and the runtime with it
 * if it lingers; the result is exit -1 with "Health check exceeded timeout
 * (<duration>)". Spawning and killing go through a small seam for tests.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerHandle } from './handle.js';
import { goDuration } from './health-config.js';
import { MAX_OUTPUT_BYTES } from './health-schedule.js';
import { execProcess } from './io-exec.js';
import type { ExecRecord, RuntimeSpawner } from './io-exec.js';

/** dockerd gives a wedged exec start this long before calling the probe failed. */
export const EXEC_START_TIMEOUT_MS = 30_000;
/** After SIGKILLing the probe, how long the runtime may take to report it. */
const REAP_GRACE_MS = 2_000;
const PID_POLL_MS = 10;
/** How long output may still come after the runtime exited (dockerd's StreamConfig.Wait). */
const STREAM_GRACE_MS = 2_000;

export interface ProbeHost {
  spawn: RuntimeSpawner;
  kill(pid: number, signal: NodeJS.Signals): void;
  now(): number;
}

export const realProbeHost: ProbeHost = {
  spawn,
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  },
  now: () => Date.now(),
};

/** The exec events of a probe, published by the caller with the container's attributes. */
export interface ProbeEventSink {
  (action: string, extra: Record<string, string>): void;
}

export interface ProbeRequest {
  handle: ContainerHandle;
  argv: readonly string[];
  timeoutMs: number;
  /** Aborted when the monitor stops while the probe runs: the probe is killed. */
  signal?: AbortSignal;
  events?: ProbeEventSink;
}

export interface ProbeOutcome {
  exitCode: number;
  output: string;
  endMs: number;
}

/** stdout and stderr in arrival order, up to 4096 bytes; "..." marks a cut. */
class LimitedOutput {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;

  write(data: Buffer): void {
    const keep = Math.min(MAX_OUTPUT_BYTES - this.#size, data.length);
    if (keep > 0) {
      this.#chunks.push(data.subarray(0, keep));
      this.#size += keep;
    }
    if (keep < data.length) this.#truncated = true;
  }

  toString(): string {
    const out = Buffer.concat(this.#chunks).toString('utf8');
    return this.#truncated ? `${out}...` : out;
  }
}

function probeExecRecord(containerId: string, argv: readonly string[]): ExecRecord {
  // The container's own user, working dir and environment (the bundle's process) apply:
  // dockerd runs the probe with Config.User and Config.WorkingDir, which is what that process has.
  return {
    id: randomBytes(32).toString('hex'),
    containerId,
    cmd: [...argv],
    env: [],
    user: '',
    workingDir: '',
    tty: false,
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    privileged: false,
    detachKeys: '',
    started: false,
    running: false,
    exitCode: null,
    pid: 0,
  };
}

function readPid(file: string): number {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Runs one probe to its end (or its timeout); never throws: a failure to run is a failed probe (-1). */
export async function runProbe(req: ProbeRequest, host: ProbeHost = realProbeHost): Promise<ProbeOutcome> {
  const { handle } = req;
  if (req.argv.length === 0) return { exitCode: -1, output: 'health check has no command', endMs: host.now() };
  const rec = probeExecRecord(handle.id, req.argv);
  const detail = `${req.argv[0] ?? ''} ${req.argv.slice(1).join(' ')}`;
  let dir: string | undefined;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-health-'));
    const processFile = path.join(dir, 'process.json');
    fs.writeFileSync(processFile, JSON.stringify(execProcess(handle, rec)), { mode: 0o600 });
    const pidFile = path.join(dir, 'pid');
    req.events?.(`exec_create: ${detail}`, { execID: rec.id });
    req.events?.(`exec_start: ${detail}`, { execID: rec.id });
    const args = ['--root', handle.runtime.root, 'exec', '--process', processFile, '--pid-file', pidFile, handle.id];
    const result = await execWithTimeout(host, handle.runtime.bin, args, pidFile, req);
    req.events?.('exec_die', { execID: rec.id, exitCode: String(result.runtimeCode) });
    if (result.startTimedOut) return { exitCode: -1, output: `timed out starting health check for container ${handle.id}`, endMs: host.now() };
    if (result.timedOut) {
      const out = result.output;
      const msg = `Health check exceeded timeout (${goDuration(req.timeoutMs)})`;
      return { exitCode: -1, output: out !== '' ? `${msg}: ${out}` : msg, endMs: host.now() };
    }
    return { exitCode: result.runtimeCode, output: result.output, endMs: host.now() };
  } catch (e) {
    return { exitCode: -1, output: (e as Error).message, endMs: host.now() };
  } finally {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface ExecResult {
  runtimeCode: number;
  output: string;
  timedOut: boolean;
  startTimedOut: boolean;
}

function execWithTimeout(host: ProbeHost, bin: string, args: string[], pidFile: string, req: ProbeRequest): Promise<ExecResult> {
  return new Promise((resolve) => {
    const output = new LimitedOutput();
    let pid = 0;
    let timedOut = false;
    let startTimedOut = false;
    let closed = false;
    let exited = false;
    let killing = false;
    const timers: NodeJS.Timeout[] = [];
    const child = host.spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => output.write(c));
    child.stderr?.on('data', (c: Buffer) => output.write(c));

    const killAll = (): void => {
      if (killing) return;
      killing = true;
      if (pid > 0) host.kill(pid, 'SIGKILL');
      // The runtime reports the kill and exits; one that does not is killed too.
      const reap = setTimeout(() => {
        if (!exited && child.pid !== undefined) host.kill(child.pid, 'SIGKILL');
      }, REAP_GRACE_MS);
      timers.push(reap);
    };
    const onAbort = (): void => killAll();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted) killAll();

    const startTimer = setTimeout(() => {
      startTimedOut = true;
      killAll();
    }, EXEC_START_TIMEOUT_MS);
    timers.push(startTimer);
    // The probe's own clock starts once its process is in the container.
    const pidPoll = setInterval(() => {
      if (pid > 0) return;
      pid = readPid(pidFile);
      if (pid === 0) return;
      clearInterval(pidPoll);
      clearTimeout(startTimer);
      // Killed before its pid was known (aborted while starting): now it can be.
      if (killing) {
        host.kill(pid, 'SIGKILL');
        return;
      }
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killAll();
        }, req.timeoutMs),
      );
    }, PID_POLL_MS);

    const finish = (code: number): void => {
      if (closed) return;
      closed = true;
      clearInterval(pidPoll);
      for (const t of timers) clearTimeout(t);
      req.signal?.removeEventListener('abort', onAbort);
      // Pipes a leftover process still holds are not ours to wait on.
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ runtimeCode: code, output: output.toString(), timedOut, startTimedOut });
    };
    const codeOf = (status: number | null, sig: NodeJS.Signals | null): number => status ?? 128 + (sig !== null ? (os.constants.signals[sig] ?? 0) : 0);
    child.on('error', (e) => {
      output.write(Buffer.from(`cannot run the runtime: ${e.message}`));
      finish(126);
    });
    // 'close' normally (all output read by then); but a process the probe left behind may hold
    // the pipes open, so after the exit the output gets dockerd's 2 s, no more.
    child.on('exit', (status, sig) => {
      exited = true;
      if (!closed) timers.push(setTimeout(() => finish(codeOf(status, sig)), STREAM_GRACE_MS));
    });
    child.on('close', (status, sig) => finish(codeOf(status, sig)));
  });
}
