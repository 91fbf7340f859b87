/**
 * The daemon's log (ROOT/engine.log): one line per event, RFC3339 timestamp,
 * level and message, like dockerd's text log. Errors and warnings always;
 * debug (one line per request) only when asked. Appends synchronously: the
 * volume is low, and a line written just before a crash must not be lost.
 */
import fs from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  readonly debugEnabled: boolean;
}

export interface FileLoggerOptions {
  file: string;
  debug: boolean;
  /** Copy lines to stderr too (foreground runs). */
  stderr: boolean;
}

export function fileLogger(opts: FileLoggerOptions): Logger {
  let fd: number | undefined = fs.openSync(opts.file, 'a', 0o600);
  const write = (level: LogLevel, msg: string): void => {
    const line = `time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`;
    if (fd !== undefined) {
      try {
        fs.writeSync(fd, line);
      } catch {
        // Disk full or the file went away: keep serving rather than die on a log line.
        fd = undefined;
      }
    }
    if (opts.stderr) process.stderr.write(line);
  };
  return {
    debugEnabled: opts.debug,
    debug: (m) => {
      if (opts.debug) write('debug', m);
    },
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = {
  debugEnabled: false,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
