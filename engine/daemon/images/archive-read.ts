/**
 * Staging of a `docker load` archive: the outer tar is read once with
 * node-tar's Parser and every regular file is copied to
 * <staging>/f<n> under a name of our own (so archive paths never become
 * filesystem paths), hashed on the way. Symlinks and hardlinks inside the
 * archive are kept as a map and resolved by us, never by the filesystem,
 * and only ever to other members of the same archive.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import posix from 'node:path/posix';
import type { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { BadRequestError } from '../errors.js';
import { decompressed } from './compression.js';
import { normalizeEntryPath } from './layer-policy.js';

export interface StagedFile {
  /** Path of the member in the archive (after link resolution). */
  member: string;
  file: string;
  digest: string;
  size: number;
}

const MAX_JSON = 32 * 1024 * 1024;
const BLOB_PATH_RE = /^blobs\/sha256\/([a-f0-9]{64})$/;

export class StagedArchive {
  private readonly files = new Map<string, StagedFile>();
  private readonly symlinks = new Map<string, string>();

  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async stage(src: Readable, dir: string): Promise<StagedArchive> {
    const archive = new StagedArchive(dir);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const raw = await decompressed(src, 'image archive');
    let n = 0;
    const writes: Array<Promise<void>> = [];
    let refused: Error | undefined;
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      if (refused) {
        entry.resume();
        return;
      }
      try {
        const p = normalizeEntryPath(entry.path, entry.path);
        switch (entry.type) {
          case 'File':
          case 'OldFile':
          case 'ContiguousFile': {
            const file = path.join(dir, `f${n++}`);
            writes.push(archive.copy(entry, p, file));
            return;
          }
          case 'Directory':
            break;
          case 'SymbolicLink':
            archive.symlinks.set(p, String(entry.linkpath ?? ''));
            archive.files.delete(p);
            break;
          case 'Link': {
            const target = archive.files.get(normalizeEntryPath(String(entry.linkpath ?? ''), entry.path, 'hardlink target'));
            if (!target) throw new BadRequestError(`image archive: hardlink "${entry.path}" names "${entry.linkpath}", which is not an earlier file`);
            // Same object: its digest is filled in when the copy finishes.
            archive.symlinks.delete(p);
            archive.files.set(p, target);
            break;
          }
          default:
            throw new BadRequestError(`image archive: entry "${entry.path}" has unsupported type ${entry.type}`);
        }
      } catch (err) {
        refused = err instanceof BadRequestError ? err : new BadRequestError(`image archive: ${(err as Error).message}`);
      }
      entry.resume();
    });
    await new Promise<void>((resolve, reject) => {
      raw.on('error', reject);
      parser.on('error', reject);
      parser.on('end', () => resolve());
      raw.pipe(parser as unknown as NodeJS.WritableStream);
    }).catch((err: unknown) => {
      throw err instanceof BadRequestError ? err : new BadRequestError(`image archive: ${(err as Error).message}`, { cause: err });
    });
    await Promise.all(writes);
    if (refused) throw refused;
    return archive;
  }

  private copy(entry: ReadEntry, member: string, file: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const hash = createHash('sha256');
      const staged: StagedFile = { member, file, digest: '', size: 0 };
      // Registered now so a later hardlink entry can name it; completed on close.
      this.symlinks.delete(member);
      this.files.set(member, staged);
      const ws = createWriteStream(file, { flags: 'wx', mode: 0o600 });
      ws.on('error', reject);
      ws.on('close', () => {
        staged.digest = 'sha256:' + hash.digest('hex');
        resolve();
      });
      // One consumer (minipass flushes buffered data to whoever attaches first).
      entry.on('data', (c: Buffer) => {
        hash.update(c);
        staged.size += c.length;
        if (!ws.write(c)) {
          entry.pause();
          ws.once('drain', () => entry.resume());
        }
      });
      entry.on('end', () => ws.end());
    });
  }

  has(member: string): boolean {
    try {
      return this.files.has(this.resolvePath(normalizeEntryPath(member)));
    } catch {
      return false;
    }
  }

  /** Follow in-archive symlinks (never leaving the archive) to the member's path. */
  private resolvePath(p: string, hops = 0): string {
    const parts = p.split('/');
    for (let i = 0; i < parts.length; i++) {
      const key = parts.slice(0, i + 1).join('/');
      const link = this.symlinks.get(key);
      if (link === undefined) continue;
      if (hops > 40) throw new BadRequestError(`image archive: too many levels of symlinks at "${key}"`);
      if (link.startsWith('/')) throw new BadRequestError(`image archive: "${key}" is a symlink to absolute path "${link}"`);
      const joined = posix.normalize(posix.join(posix.dirname(key), link));
      if (joined === '..' || joined.startsWith('../')) {
        throw new BadRequestError(`image archive: "${key}" is a symlink pointing outside the archive ("${link}")`);
      }
      const rest = [joined, ...parts.slice(i + 1)].filter((x) => x !== '' && x !== '.').join('/');
      return this.resolvePath(rest, hops + 1);
    }
    return p;
  }

  /** The staged file for an archive path named by a manifest; refuses anything outside the archive. */
  get(member: string, namedBy: string): StagedFile {
    let p: string;
    try {
      p = normalizeEntryPath(member, member);
    } catch {
      throw new BadRequestError(`image archive: ${namedBy} names "${member}", a path outside the archive`);
    }
    const resolved = this.resolvePath(p);
    const f = this.files.get(resolved);
    if (!f) throw new BadRequestError(`image archive: ${namedBy} names "${member}", which is not in the archive`);
    for (const name of [p, resolved]) {
      const m = BLOB_PATH_RE.exec(name);
      if (m && f.digest !== `sha256:${m[1] as string}`) {
        throw new BadRequestError(`image archive: blob "${name}" does not match its digest (content hashes to ${f.digest})`);
      }
    }
    return f;
  }

  async readBytes(member: string, namedBy: string): Promise<Buffer> {
    const f = this.get(member, namedBy);
    if (f.size > MAX_JSON) throw new BadRequestError(`image archive: "${member}" is too large (${f.size} bytes) for a metadata file`);
    return fs.readFile(f.file);
  }

  async readJson(member: string, namedBy: string): Promise<unknown> {
    const bytes = await this.readBytes(member, namedBy);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (err) {
      throw new BadRequestError(`image archive: "${member}" is not valid JSON: ${(err as Error).message}`);
    }
  }

  open(f: StagedFile): Readable {
    return createReadStream(f.file);
  }
}
