/**
 * Docker's stdcopy framing, used on logs and attach/exec streams when the
 * container has no TTY: each chunk is prefixed with 8 bytes
 * `[stream, 0, 0, 0, size (uint32 big-endian)]`, stream 0 stdin, 1 stdout,
 * 2 stderr (3 is the "systemerr" stream dockerd uses for in-band errors).
 * With a TTY there is one stream and no framing: the raw bytes go through.
 */

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;
export type StreamId = typeof STDIN | typeof STDOUT | typeof STDERR | typeof SYSTEMERR;

export const MULTIPLEXED_CONTENT_TYPE = 'application/vnd.docker.multiplexed-stream';
export const RAW_CONTENT_TYPE = 'application/vnd.docker.raw-stream';

const HEADER = 8;
/** Payloads are split so one frame never needs a huge single allocation on the client. */
const MAX_FRAME = 1 << 20;

/** The frame(s) for one chunk; an empty chunk gives no frame (clients would read it as nothing anyway). */
export function frame(stream: StreamId, payload: Buffer): Buffer {
  if (payload.length <= MAX_FRAME) return frameOne(stream, payload);
  const parts: Buffer[] = [];
  for (let off = 0; off < payload.length; off += MAX_FRAME) parts.push(frameOne(stream, payload.subarray(off, off + MAX_FRAME)));
  return Buffer.concat(parts);
}

function frameOne(stream: StreamId, payload: Buffer): Buffer {
  if (payload.length === 0) return Buffer.alloc(0);
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32BE(0, 0);
  out[0] = stream;
  out.writeUInt32BE(payload.length, 4);
  payload.copy(out, HEADER);
  return out;
}

export interface Frame {
  stream: number;
  payload: Buffer;
}

/** Incremental reader of framed streams (tests, and anything in the engine that consumes its own output). */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Frame[] = [];
    while (this.#pending.length >= HEADER) {
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < HEADER + size) break;
      frames.push({ stream: this.#pending[0] ?? 0, payload: this.#pending.subarray(HEADER, HEADER + size) });
      this.#pending = this.#pending.subarray(HEADER + size);
    }
    return frames;
  }

  /** Bytes of an unfinished frame (a stream that ends mid-frame was cut short). */
  get pendingBytes(): number {
    return this.#pending.length;
  }
}

/** Splits a whole framed buffer into stdout and stderr text. */
export function demultiplex(data: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const f of new FrameReader().push(data)) (f.stream === STDERR ? err : out).push(f.payload);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}
