/**
 * Layer and archive compression: gzip is undone with node:zlib; the other
 * formats Docker can meet are named and refused (Node 20 has no zstd).
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BadRequestError } from '../errors.js';

export type Compression = 'none' | 'gzip';

const MAGIC: Array<[string, number[]]> = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

/**
 * Peek at the first bytes of `src` and return the uncompressed stream.
 * `what` names the thing in errors ("layer 2 of busybox:latest").
 */
export async function decompressed(src: Readable, what: string): Promise<Readable> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 6 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else head = Buffer.concat([head, Buffer.from(r.value)]);
  }
  for (const [name, bytes] of MAGIC) {
    if (startsWith(head, bytes)) {
      await it.return?.();
      throw new BadRequestError(`${what} is ${name}-compressed; only uncompressed and gzip tar are supported`);
    }
  }
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value);
    }
  }
  const raw = Readable.from(replay(), { objectMode: false });
  if (!startsWith(head, [0x1f, 0x8b])) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', () => raw.destroy());
  return raw.pipe(gunzip);
}
