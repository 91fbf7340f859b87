/**
 * Content-addressed blobs: ROOT/blobs/sha256/<hex>. A blob is only ever
 * renamed into place after its bytes were hashed, so a name is a promise
 * about the content; reads of metadata blobs re-check that promise because
 * a disk or a hand edit can break it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { ApiError } from '../errors.js';
import { syncDir } from '../state/atomic.js';
import { digestHex, sha256 } from './digest.js';

export class BlobStore {
  readonly dir: string;
  private readonly tmpDir: string;

  constructor(root: string, tmpDir: string) {
    this.dir = path.join(root, 'blobs', 'sha256');
    this.tmpDir = tmpDir;
  }

  path(digest: string): string {
    return path.join(this.dir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      await fs.access(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number> {
    return (await fs.stat(this.path(digest))).size;
  }

  /** Store bytes under their own digest (idempotent). */
  async putBytes(data: Uint8Array): Promise<string> {
    const digest = sha256(data);
    if (await this.has(digest)) return digest;
    const tmp = this.tempPath();
    const fh = await fs.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.commit(tmp, digest);
    return digest;
  }

  /** A fresh temp file name inside the store (same filesystem, so rename is atomic). */
  tempPath(): string {
    return path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
  }

  /** Move an already-hashed temp file to its content address. */
  async commit(tmp: string, digest: string): Promise<void> {
    const dest = this.path(digest);
    if (await this.has(digest)) {
      await fs.rm(tmp, { force: true });
      return;
    }
    await fs.rename(tmp, dest);
    await syncDir(this.dir);
  }

  /** Read a (small) blob and check it still hashes to its name. */
  async readVerified(digest: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.path(digest));
    } catch (err) {
      throw new ApiError(500, `image store: blob ${digest} is missing`, { cause: err });
    }
    const actual = sha256(data);
    if (actual !== digest) throw new ApiError(500, `image store: blob ${digest} is corrupt (content hashes to ${actual})`);
    return data;
  }

  /**
   * Stream a blob, hashing as it goes; the stream errors at the end when the
   * content no longer matches its name, so a consumer never finishes with
   * silently corrupt data.
   */
  openVerified(digest: string): Readable {
    const h = createHash('sha256');
    const check = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        const actual = 'sha256:' + h.digest('hex');
        cb(actual === digest ? null : new ApiError(500, `image store: blob ${digest} is corrupt (content hashes to ${actual})`));
      },
    });
    const rs = createReadStream(this.path(digest));
    rs.on('error', (err) => check.destroy(err));
    return rs.pipe(check);
  }

  async remove(digest: string): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }
}
