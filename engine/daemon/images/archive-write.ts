/**
 * A streaming tar writer for `save`: headers are encoded by node-tar's
 * Header class, bodies are streamed straight from the blob store with the
 * writer's backpressure respected, so a save never holds a layer in memory.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { Header } from 'tar';

const BLOCK = 512;
/** Fixed times make repeated saves of one image byte-identical. */
const EPOCH = new Date(0);

export class TarWriter {
  private readonly out: Writable;

  constructor(out: Writable) {
    this.out = out;
  }

  private async write(buf: Buffer): Promise<void> {
    if (this.out.destroyed) throw new Error('save: output closed');
    if (!this.out.write(buf)) {
      await Promise.race([once(this.out, 'drain'), once(this.out, 'close').then(() => { throw new Error('save: output closed'); })]);
    }
  }

  private header(path: string, type: 'File' | 'Directory', size: number): Buffer {
    const h = new Header({ path, mode: type === 'Directory' ? 0o755 : 0o644, uid: 0, gid: 0, size, mtime: EPOCH, type, uname: '', gname: '' });
    const buf = Buffer.alloc(BLOCK);
    if (h.encode(buf, 0)) throw new Error(`save: path "${path}" needs a pax header`);
    return buf;
  }

  async dir(path: string): Promise<void> {
    await this.write(this.header(path.endsWith('/') ? path : `${path}/`, 'Directory', 0));
  }

  async bytes(path: string, data: Buffer): Promise<void> {
    await this.write(this.header(path, 'File', data.length));
    await this.write(data);
    await this.pad(data.length);
  }

  async stream(path: string, size: number, src: Readable): Promise<void> {
    await this.write(this.header(path, 'File', size));
    let n = 0;
    for await (const chunk of src) {
      const c = chunk as Buffer;
      n += c.length;
      if (n > size) throw new Error(`save: "${path}" grew while being written`);
      await this.write(c);
    }
    if (n !== size) throw new Error(`save: "${path}" is ${n} bytes, expected ${size}`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const rem = size % BLOCK;
    if (rem !== 0) await this.write(Buffer.alloc(BLOCK - rem));
  }

  /** Two zero blocks end a tar archive. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
  }
}
