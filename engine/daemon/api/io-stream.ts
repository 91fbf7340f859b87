/**
 * The response side of attach and exec start: a hijacked connection when the
 * client asked for `Upgrade: tcp` (output written raw, input read from the
 * same connection), else a plain streamed 200 (output only), which is what
 * dockerd falls back to for clients that do not upgrade. Output is framed
 * with stdcopy unless the stream is a TTY's.
 */
import type { Readable } from 'node:stream';
import { MULTIPLEXED_CONTENT_TYPE, RAW_CONTENT_TYPE, STDERR, STDOUT, frame } from '../containers/io-stdcopy.js';
import type { RequestContext } from '../server/router.js';

export interface OutputStream {
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** Ends the response (and the connection, for a hijack). */
  end(): void;
  /** Aborted when the client has gone. */
  readonly gone: AbortSignal;
  /** The client's input (hijacked connections only). */
  readonly input: Readable | undefined;
}

export function openOutputStream(ctx: RequestContext, tty: boolean): OutputStream {
  const contentType = tty ? RAW_CONTENT_TYPE : MULTIPLEXED_CONTENT_TYPE;
  const encode = (stream: 'stdout' | 'stderr', data: Buffer): Buffer => (tty ? data : frame(stream === 'stderr' ? STDERR : STDOUT, data));
  const gone = new AbortController();
  if (ctx.upgrade !== undefined) {
    const socket = ctx.upgrade.hijack(contentType);
    socket.once('close', () => gone.abort());
    return {
      write: (stream, data) => {
        if (!socket.destroyed && socket.writable) socket.write(encode(stream, data));
      },
      end: () => {
        if (!socket.destroyed) socket.end();
      },
      gone: gone.signal,
      input: socket,
    };
  }
  const { res } = ctx;
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  res.once('close', () => gone.abort());
  return {
    write: (stream, data) => {
      if (!res.writableEnded) res.write(encode(stream, data));
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
    gone: gone.signal,
    input: undefined,
  };
}
