/**
 * The engine's side of tscompose-monitor's attach socket
 * (MONITOR_DIR/attach.sock; protocol in engine/runtime/include/monitor.h):
 * frames `[tag 1B][length 4B BE][payload]` from the monitor (1 stdout,
 * 2 stderr, 3 exit with the exit.json document, then the monitor closes),
 * raw bytes to it for the container's stdin; shutting down our writing side
 * is the stdin EOF the monitor passes on with --stdin-once.
 *
 * The monitor only relays live output, so an attach made before the
 * container starts (`docker run` attaches first, then starts) must be
 * connected by the time the first bytes are read: waitForAttachSocket
 * watches the monitor's directory and connects as soon as the socket is
 * bound, which the monitor does before it creates the container.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';

export const TAG_STDOUT = 1;
export const TAG_STDERR = 2;
export const TAG_EXIT = 3;

const HEADER = 5;

export interface MonitorFrame {
  tag: number;
  payload: Buffer;
}

/** Incremental parser of the monitor's frames. */
export class MonitorFrameReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): MonitorFrame[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const out: MonitorFrame[] = [];
    while (this.#pending.length >= HEADER) {
      const len = this.#pending.readUInt32BE(1);
      if (this.#pending.length < HEADER + len) break;
      out.push({ tag: this.#pending[0] ?? 0, payload: this.#pending.subarray(HEADER, HEADER + len) });
      this.#pending = this.#pending.subarray(HEADER + len);
    }
    return out;
  }
}

/** Encodes a frame as the monitor sends it (for tests and fakes). */
export function encodeMonitorFrame(tag: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER);
  head[0] = tag;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** exit.json as the monitor writes it. */
export interface MonitorExit {
  exitCode: number;
  signal: number | null;
  oomKilled: boolean;
  finishedAt: string;
}

export function attachSocketPath(monitorDir: string): string {
  return path.join(monitorDir, 'attach.sock');
}

/** Identity of the socket file now there (a stale one from a dead monitor must not be mistaken for the next). */
export function socketIdentity(sockPath: string): string | undefined {
  try {
    const st = fs.statSync(sockPath, { bigint: true });
    return `${st.dev}:${st.ino}:${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}

export function connectUnix(sockPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: sockPath, allowHalfOpen: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

export interface WaitSocketOptions {
  /** A socket file with this identity is stale: wait for a new one. */
  skipIdentity?: string | undefined;
  signal?: AbortSignal;
  /** Backstop poll while waiting (the directory watch is the fast path). */
  pollMs?: number;
}

/**
 * Connects to the monitor's attach socket as soon as one accepts: now, or
 * when a monitor starts. Rejects on abort.
 */
export function waitForAttachSocket(monitorDir: string, opts: WaitSocketOptions = {}): Promise<net.Socket> {
  const sockPath = attachSocketPath(monitorDir);
  return new Promise((resolve, reject) => {
    let done = false;
    let trying = false;
    let again = false;
    let watchers: fs.FSWatcher[] = [];
    const finish = (err: Error | undefined, s?: net.Socket): void => {
      if (done) {
        s?.destroy();
        return;
      }
      done = true;
      clearInterval(timer);
      for (const w of watchers) w.close();
      opts.signal?.removeEventListener('abort', onAbort);
      if (s !== undefined) resolve(s);
      else reject(err ?? new Error('attach aborted'));
    };
    const attempt = (): void => {
      if (done) return;
      if (trying) {
        again = true;
        return;
      }
      const id = socketIdentity(sockPath);
      if (id === undefined || (opts.skipIdentity !== undefined && id === opts.skipIdentity)) return;
      trying = true;
      connectUnix(sockPath).then(
        (s) => finish(undefined, s),
        () => {
          trying = false;
          if (again) {
            again = false;
            attempt();
          }
        },
      );
    };
    const onAbort = (): void => finish(new Error('attach aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // The monitor dir may not exist yet, or be removed and made anew at start
    // (a watch on the old one then sees nothing): watch it and two ancestors,
    // and re-install the watches whenever an ancestor changes.
    const install = (): void => {
      for (const w of watchers) w.close();
      watchers = [];
      if (done) return;
      const dirs = [monitorDir, path.dirname(monitorDir), path.dirname(path.dirname(monitorDir))];
      dirs.forEach((dir, i) => {
        try {
          const w = fs.watch(dir, { persistent: false }, () => {
            if (i > 0) install();
            attempt();
          });
          w.on('error', () => w.close());
          watchers.push(w);
        } catch {
          // Not there (yet): an ancestor's watch or the poll covers it.
        }
      });
    };
    install();
    const timer = setInterval(attempt, opts.pollMs ?? 50);
    timer.unref();
    attempt();
  });
}

export interface AttachStreams {
  /** Container output, by stream (a TTY container's output all comes as stdout). */
  onOutput(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** Client input for the container's stdin; its end is sent on as EOF. */
  stdin?: Readable | undefined;
}

export interface AttachResult {
  /** Set when the monitor reported the exit; undefined when the connection ended without one. */
  exit?: MonitorExit;
}

/**
 * Relays one attach connection until the monitor closes it (container exit)
 * or `signal` aborts (client gone; the container carries on).
 */
export function relayAttach(sock: net.Socket, streams: AttachStreams, signal?: AbortSignal): Promise<AttachResult> {
  return new Promise((resolve) => {
    const reader = new MonitorFrameReader();
    const result: AttachResult = {};
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (streams.stdin !== undefined) streams.stdin.unpipe(sock);
      sock.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish();
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.tag === TAG_STDOUT) streams.onOutput('stdout', f.payload);
        else if (f.tag === TAG_STDERR) streams.onOutput('stderr', f.payload);
        else if (f.tag === TAG_EXIT) {
          try {
            result.exit = JSON.parse(f.payload.toString('utf8')) as MonitorExit;
          } catch {
            // A malformed exit frame still means the end.
          }
        }
      }
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
    if (streams.stdin !== undefined) {
      // pipe() half-closes the socket when stdin ends: the monitor's cue for EOF.
      streams.stdin.pipe(sock);
    }
  });
}
