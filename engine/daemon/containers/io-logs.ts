/**
 * Reading a container's json-file log (written by tscompose-monitor, one
 * `{"log":…,"stream":…,"time":…}` object a line, rotated as LOG.1 … LOG.N
 * with LOG.1 the newest rotated file) the way `docker logs` wants it:
 *
 *  - tail N counts entries back from the end, reading files backwards in
 *    chunks, so a huge log costs only what is shown;
 *  - since/until filter by entry time after the tail is taken (as moby's
 *    jsonfilelog reader does): since keeps entries at or after it, the first
 *    entry after until ends the read;
 *  - follow keeps reading as the monitor appends, survives rotation (the
 *    file at LOG is replaced: the old one is drained first) and truncation
 *    (max-file 1), and ends once the caller says no more output will come.
 *
 * Changes are noticed through fs.watch on the log's directory, with a slow
 * poll as a backstop (inotify is not available everywhere, e.g. some
 * overlay or network file systems).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BadRequestError } from '../errors.js';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** The bytes as written (a trailing newline unless the entry is partial). */
  line: Buffer;
  /** Entry time, nanoseconds since the epoch. */
  timeNs: bigint;
}

export interface ReadLogsOptions {
  /** The current log file (rotated ones are `${path}.1`, `${path}.2`, …). */
  path: string;
  /** Entries from the end; undefined or negative: all. */
  tail?: number;
  /** Unset or 0n: no bound. */
  sinceNs?: bigint;
  untilNs?: bigint;
  follow?: boolean;
  /** With follow: resolves when no more output will come (the container stopped). */
  stopped?: Promise<void>;
  /** Ends the read early (client gone). */
  signal?: AbortSignal;
  /** Backstop poll interval while following. */
  pollMs?: number;
}

const CHUNK = 64 * 1024;
const MAX_ROTATED = 1000;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const NEWLINE = 0x0a;
const SEEN = 64;

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
const UNIX = /^(\d+)(?:\.(\d{1,9}))?$/;

function fractionNs(digits: string | undefined): bigint {
  return digits === undefined ? 0n : BigInt(digits.padEnd(9, '0'));
}

/** An RFC3339(Nano) time as nanoseconds since the epoch; undefined when it is not one. */
export function parseRfc3339Ns(value: string): bigint | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1] ?? ''}${(m[3] ?? 'Z').toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * NS_PER_MS + fractionNs(m[2]);
}

/**
 * The `since`/`until` query values: unix seconds with an optional fraction
 * (what the docker CLI sends, having turned `10m` or a date into one), or an
 * RFC3339 time. Empty: undefined (no bound); `0` is 0n, also no bound.
 */
export function parseTimeArg(name: string, value: string | null): bigint | undefined {
  if (value === null || value === '') return undefined;
  const u = UNIX.exec(value);
  if (u) return BigInt(u[1] ?? '0') * NS_PER_S + fractionNs(u[2]);
  const t = parseRfc3339Ns(value);
  if (t !== undefined) return t;
  throw new BadRequestError(`invalid value for "${name}": ${JSON.stringify(value)} is neither a unix timestamp nor an RFC3339 time`);
}

/** RFC3339Nano with all nine digits (moby's RFC3339NanoFixed), UTC: `2026-11-23T10:11:12.000000100Z`. */
export function formatTimestamp(ns: bigint): string {
  const secs = ns / NS_PER_S;
  const frac = ns % NS_PER_S;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}

/** One log line parsed; undefined for a line that is not an entry (torn write, foreign content). */
export function parseEntry(line: Buffer): LogEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { log?: unknown; stream?: unknown; time?: unknown };
  if (typeof o.log !== 'string' || typeof o.time !== 'string') return undefined;
  const timeNs = parseRfc3339Ns(o.time);
  if (timeNs === undefined) return undefined;
  return { stream: o.stream === 'stderr' ? 'stderr' : 'stdout', line: Buffer.from(o.log, 'utf8'), timeNs };
}

/** The log's files, oldest first: LOG.N … LOG.1, LOG (those that exist; LOG last even when missing). */
export function logFiles(logPath: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; i <= MAX_ROTATED && fs.existsSync(`${logPath}.${i}`); i++) rotated.push(`${logPath}.${i}`);
  return [...rotated.reverse(), logPath];
}

/**
 * Where the last `n` complete lines of the first `end` bytes of `fd` begin,
 * and how many there are (fewer than n when the file is short). Reads
 * backwards a chunk at a time.
 */
export function tailOffset(fd: number, end: number, n: number): { offset: number; found: number } {
  if (n <= 0 || end === 0) return { offset: end, found: 0 };
  const buf = Buffer.allocUnsafe(CHUNK);
  let found = 0;
  let pos = end;
  // The byte at end-1 is the last line's own newline: a boundary only before it.
  let first = true;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const len = pos - start;
    fs.readSync(fd, buf, 0, len, start);
    for (let i = len - 1; i >= 0; i--) {
      if (first) {
        first = false;
        continue;
      }
      if (buf[i] === NEWLINE) {
        found++;
        if (found === n) return { offset: start + i + 1, found };
      }
    }
    pos = start;
  }
  return { offset: 0, found: found + 1 };
}

/** A log file read forward from an offset, complete lines at a time. */
class LineFile {
  readonly fd: number;
  readonly ino: number;
  pos: number;
  #rest: Buffer = Buffer.alloc(0);
  /** The last bytes read (up to SEEN), to notice a rewrite in place. */
  #seen: Buffer = Buffer.alloc(0);

  constructor(file: string, pos: number) {
    this.fd = fs.openSync(file, 'r');
    this.ino = fs.fstatSync(this.fd).ino;
    this.pos = pos;
  }

  /** The complete lines appended since the last call (a torn last line waits for its end). */
  read(): Buffer[] {
    const lines: Buffer[] = [];
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = fs.readSync(this.fd, buf, 0, CHUNK, this.pos);
      if (n <= 0) break;
      this.pos += n;
      let data = Buffer.concat([this.#rest, buf.subarray(0, n)]);
      let nl: number;
      while ((nl = data.indexOf(NEWLINE)) >= 0) {
        lines.push(data.subarray(0, nl));
        data = data.subarray(nl + 1);
      }
      this.#rest = Buffer.from(data);
      const end = buf.subarray(0, n);
      this.#seen = end.length >= SEEN ? Buffer.from(end.subarray(end.length - SEEN)) : Buffer.concat([this.#seen, end]).subarray(-SEEN);
    }
    return lines;
  }

  /**
   * Whether the bytes before our position are still those we read: a file
   * truncated and rewritten to at least its old size is otherwise unnoticed.
   */
  intact(): boolean {
    if (this.#seen.length === 0) return true;
    const check = Buffer.alloc(this.#seen.length);
    const n = fs.readSync(this.fd, check, 0, check.length, this.pos - this.#seen.length);
    return n === check.length && check.equals(this.#seen);
  }

  /** Start over from the beginning (the file was truncated in place). */
  rewind(): void {
    this.pos = 0;
    this.#rest = Buffer.alloc(0);
    this.#seen = Buffer.alloc(0);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Where each file's read starts: all of every file, or only enough of the newest to make up the tail. */
function startPoints(files: string[], tail: number | undefined): { file: string; offset: number }[] {
  if (tail === undefined || tail < 0) return files.map((file) => ({ file, offset: 0 }));
  const points: { file: string; offset: number }[] = [];
  let want = tail;
  for (let i = files.length - 1; i >= 0 && want > 0; i--) {
    const file = files[i] ?? '';
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      continue;
    }
    try {
      const { offset, found } = tailOffset(fd, fs.fstatSync(fd).size, want);
      points.unshift({ file, offset });
      want -= found;
    } finally {
      fs.closeSync(fd);
    }
  }
  // With tail 0, a follow still starts at the current end of the newest file.
  const newest = files[files.length - 1] ?? '';
  if (!points.some((p) => p.file === newest)) points.push({ file: newest, offset: statOrUndefined(newest)?.size ?? 0 });
  return points;
}

/** Resolves on the first of: a change in the log's directory, the poll interval, `stopped`, or abort. */
function changeWaiter(logPath: string, pollMs: number, signal: AbortSignal | undefined): { wait(extra: Promise<void>[]): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let changed = false;
  const base = path.basename(logPath);
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(path.dirname(logPath), { persistent: false }, (_event, name) => {
      if (name === null || String(name).startsWith(base)) {
        changed = true;
        wake?.();
      }
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    wait(extra) {
      if (changed || signal?.aborted) {
        changed = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          changed = false;
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
        for (const p of extra) void p.then(done, done);
      });
    },
    close() {
      watcher?.close();
    },
  };
}

/** The log's entries per the options; with follow, keeps going until `stopped` (then drains) or abort. */
export async function* readLogs(opts: ReadLogsOptions): AsyncGenerator<LogEntry> {
  const since = opts.sinceNs ?? 0n;
  const until = opts.untilNs ?? 0n;
  // Yields the entries of some lines; false once an entry passes `until`.
  const emit = function* (lines: Buffer[]): Generator<LogEntry, boolean> {
    for (const line of lines) {
      const e = parseEntry(line);
      if (e === undefined) continue;
      if (until > 0n && e.timeNs > until) return false;
      if (e.timeNs < since) continue;
      yield e;
    }
    return true;
  };

  const points = startPoints(logFiles(opts.path), opts.tail);
  const last = points.length - 1;
  // Older files are complete: read them through.
  for (let i = 0; i < last; i++) {
    const p = points[i];
    if (p === undefined || opts.signal?.aborted) return;
    let f: LineFile;
    try {
      f = new LineFile(p.file, p.offset);
    } catch {
      continue; // rotated away meanwhile
    }
    try {
      if (!(yield* emit(f.read()))) return;
    } finally {
      f.close();
    }
  }

  const newest = points[last];
  if (newest === undefined) return;
  let current: LineFile | undefined;
  try {
    current = new LineFile(newest.file, newest.offset);
  } catch {
    current = undefined;
  }
  if (!opts.follow) {
    if (current !== undefined) {
      try {
        yield* emit(current.read());
      } finally {
        current.close();
      }
    }
    return;
  }

  let stopped = false;
  const stoppedP = (opts.stopped ?? new Promise<void>(() => {})).then(() => {
    stopped = true;
  });
  const waiter = changeWaiter(opts.path, opts.pollMs ?? 250, opts.signal);
  try {
    for (;;) {
      // Read `stopped` before draining: output written before the stop is then in the file.
      const finalRound = stopped;
      if (current !== undefined && !(yield* emit(current.read()))) return;
      const st = statOrUndefined(opts.path);
      if (st !== undefined && (current === undefined || st.ino !== current.ino)) {
        // Rotated (or created): what was appended to the old file before the rename comes first.
        if (current !== undefined) {
          const more = current.read();
          current.close();
          current = undefined;
          if (!(yield* emit(more))) return;
        }
        try {
          current = new LineFile(opts.path, 0);
        } catch {
          current = undefined;
        }
        continue;
      }
      if (st !== undefined && current !== undefined && (st.size < current.pos || !current.intact())) {
        current.rewind(); // truncated in place (max-file 1)
        continue;
      }
      if (finalRound || opts.signal?.aborted) return;
      await waiter.wait([stoppedP]);
    }
  } finally {
    waiter.close();
    current?.close();
  }
}
