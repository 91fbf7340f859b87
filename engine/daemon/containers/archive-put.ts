/**
 * `PUT /containers/{id}/archive`: a tar stream extracted into a directory of
 * the container, with the rules of dockerd's extractToDir and archive.Unpack:
 *
 *  - the destination is resolved with every symlink followed (a link to a
 *    directory is a fine destination) and must be a directory;
 *  - entry names are cleaned; one that climbs out of the destination
 *    (`../x`) refuses the archive, an absolute one counts from the
 *    destination; a symlink whose target, taken as a path next to it, climbs
 *    out is refused, and so is a hard link whose target does;
 *  - parents that do not exist are made (0755, root); what is in the way is
 *    removed unless both are directories (or, with noOverwriteDirNonDir, the
 *    archive is refused when a directory and a non-directory meet);
 *  - owners are the archive's, or the container user's with copyUIDGID;
 *    modes, then times (directories' last) are applied as the archive says.
 *
 * Every name is reached through the in-scope walk and directory fds
 * (archive-resolve.ts, archive-scope.ts): symlinks already in the container,
 * or made by earlier entries, are followed as the container would follow
 * them, inside its root; files are created O_EXCL|O_NOFOLLOW, owners and
 * modes set through fds or on names that are never followed. So no entry,
 * and nothing a running container does meanwhile, writes outside the root.
 * xattrs in the archive are not applied.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import { BadRequestError } from '../errors.js';
import { ScopeError, containerAbsPath, goClean, logicalPath, walkInScope } from './archive-resolve.js';
import type { Frame } from './archive-resolve.js';
import { DIR_FLAGS } from './archive-scope.js';
import type { ContainerFs, DirHandle, FdArena } from './archive-scope.js';

const writeFd = async (fd: number, buf: Buffer, off: number, len: number): Promise<number> => (await promisify(fs.write)(fd, buf, off, len, null)).bytesWritten;
const fchown = promisify(fs.fchown);
const fchmod = promisify(fs.fchmod);
const futimes = promisify(fs.futimes);
const fstat = promisify(fs.fstat);

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_NONBLOCK } = fs.constants;

export interface ExtractOptions {
  noOverwriteDirNonDir: boolean;
  /** copyUIDGID with a Config.User: every entry is owned by this uid/gid instead of the archive's. */
  owner?: { uid: number; gid: number };
}

type Kind = 'file' | 'dir' | 'symlink' | 'link' | 'special';

/** node-tar's entry types, as Go's reader and Unpack take them. */
export function entryKind(type: string): Kind | undefined {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'dir';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'link';
    case 'CharacterDevice':
    case 'BlockDevice':
    case 'FIFO':
      return 'special';
    default:
      return undefined;
  }
}

/** An entry name relative to the destination, as path components; refuses one that climbs out. */
export function entryComponents(raw: string, destLogical: string): string[] {
  const name = goClean(raw);
  if (name === '..' || name.startsWith('../')) throw new BadRequestError(`refusing archive: entry "${raw}" is outside of "${destLogical}"`);
  return name.split('/').filter((c) => c !== '' && c !== '.');
}

/** Docker's symlink check: the target, taken as a path next to the link, must stay inside the destination. */
export function symlinkStaysInside(parentRel: readonly string[], target: string): boolean {
  const joined = path.posix.join(parentRel.length > 0 ? parentRel.join('/') : '.', target);
  return joined !== '..' && !joined.startsWith('../');
}

/** Docker's hard link check: the target, from the destination, must stay inside it. Its components, or undefined. */
export function hardlinkComponents(target: string): string[] | undefined {
  const c = goClean(target);
  if (c === '..' || c.startsWith('../')) return undefined;
  const parts = c.split('/').filter((p) => p !== '' && p !== '.');
  return parts.length > 0 ? parts : undefined;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Entries of a tar stream (gzip too: node-tar detects it), one at a time, each body read before the next arrives. */
export async function* tarEntries(body: Readable): AsyncGenerator<ReadEntry> {
  const parser = new Parser({ strict: true });
  const queue: ReadEntry[] = [];
  let ended = false;
  let bodyEnded = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (e: Error): void => {
    failure ??= e;
    notify();
  };
  parser.on('entry', (e: ReadEntry) => {
    queue.push(e);
    notify();
  });
  let received = 0;
  parser.on('error', (e: Error) => {
    // An empty body is an empty archive to Go's tar reader (dockerd extracts nothing and says 200).
    if (received === 0 && (e as { tarCode?: string }).tarCode === 'TAR_BAD_ARCHIVE') {
      ended = true;
      notify();
      return;
    }
    fail(new BadRequestError(`invalid tar archive: ${e.message}`));
  });
  parser.on('end', () => {
    ended = true;
    notify();
  });
  body.on('error', fail);
  body.on('data', (c: Buffer) => (received += c.length));
  body.on('end', () => (bodyEnded = true));
  body.on('close', () => {
    if (!bodyEnded) fail(new BadRequestError('the archive was cut short'));
  });
  body.pipe(parser as unknown as NodeJS.WritableStream);
  try {
    for (;;) {
      if (failure) throw failure;
      const e = queue.shift();
      if (e) {
        yield e;
        // Whatever the consumer did not read is skipped, so the parser can go on.
        if (!e.emittedEnd) e.resume();
        continue;
      }
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    body.unpipe(parser as unknown as NodeJS.WritableStream);
  }
}

async function writeAll(fd: number, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += await writeFd(fd, chunk, off, chunk.length - off);
}

interface DirTimes {
  rel: string;
  atime: Date;
  mtime: Date;
}

class Extractor {
  readonly #cfs: ContainerFs;
  readonly #dest: Frame<DirHandle>[];
  readonly #destLogical: string;
  readonly #opts: ExtractOptions;
  readonly #dirs: DirTimes[] = [];
  /** The parent of the last entry: archives list a directory's entries together. */
  #cache: { key: string; frames: Frame<DirHandle>[]; arena: FdArena } | undefined;
  #stale = false;

  constructor(cfs: ContainerFs, dest: Frame<DirHandle>[], opts: ExtractOptions) {
    this.#cfs = cfs;
    this.#dest = dest;
    this.#destLogical = logicalPath(dest);
    this.#opts = opts;
  }

  async close(): Promise<void> {
    await this.#dropCache();
  }

  async #dropCache(): Promise<void> {
    const c = this.#cache;
    this.#cache = undefined;
    await c?.arena.close();
  }

  async #parent(parts: readonly string[]): Promise<Frame<DirHandle>[]> {
    const key = parts.join('/');
    if (key === '') return this.#dest;
    if (this.#cache?.key === key && !this.#stale) return this.#cache.frames;
    this.#stale = false;
    await this.#dropCache();
    const arena = this.#cfs.arena();
    try {
      const frames = await walkInScope(this.#cfs.view(arena), this.#dest, key, 'create');
      this.#cache = { key, frames, arena };
      return frames;
    } catch (e) {
      await arena.close();
      throw e;
    }
  }

  async entry(e: ReadEntry): Promise<void> {
    const kind = entryKind(e.type);
    if (kind === undefined) throw new BadRequestError(`refusing archive: entry "${e.path}": unhandled tar header type ${e.type}`);
    const parts = entryComponents(e.path, this.#destLogical);
    const base = parts.pop();
    if (base === undefined) {
      // The destination itself: a directory entry for it changes nothing (Docker skips `.`).
      if (kind === 'dir') return;
      throw new BadRequestError(`cannot overwrite directory "${this.#destLogical}" with non-directory "${e.path}"`);
    }
    const frames = await this.#parent(parts);
    const parent = frames[frames.length - 1]?.handle as DirHandle;
    const parentLogical = logicalPath(frames);
    const logical = parentLogical === '/' ? `/${base}` : `${parentLogical}/${base}`;
    this.#cfs.assertWritable(parent);

    const existing = await this.#existing(parent, base, logical);
    const merge = existing?.isDir === true && kind === 'dir';
    if (existing) {
      if (this.#opts.noOverwriteDirNonDir && existing.isDir && kind !== 'dir') {
        throw new BadRequestError(`cannot overwrite directory "${logical}" with non-directory "${this.#destLogical}"`);
      }
      if (this.#opts.noOverwriteDirNonDir && !existing.isDir && kind === 'dir') {
        throw new BadRequestError(`cannot overwrite non-directory "${logical}" with directory "${this.#destLogical}"`);
      }
      if (!merge) {
        if (existing.mount || this.#cfs.hasMountBelow(logical)) throw new BadRequestError(`cannot replace ${logical}: a volume or bind mount is there`);
        await removeAll(this.#cfs, parent, base);
        // The cached directory may have been inside what went; `parent` itself is still held.
        this.#stale = true;
      }
    }

    const mtime = e.mtime ?? new Date();
    const atime = e.atime && e.atime > mtime ? e.atime : mtime;
    const owner = this.#opts.owner ?? { uid: e.uid ?? 0, gid: e.gid ?? 0 };
    const mode = (e.mode ?? 0o644) & 0o7777;
    const at = this.#cfs.proc(parent, base);
    switch (kind) {
      case 'dir': {
        if (!merge) await fs.promises.mkdir(at, 0o700);
        const arena = this.#cfs.arena();
        try {
          const node = await this.#cfs.view(arena).lookup(parent, base, logical);
          if (node.kind !== 'dir') throw new BadRequestError(`${logical} changed while the archive was extracted`);
          if (isRoot()) await fchown(node.handle.fd, owner.uid, owner.gid);
          await fchmod(node.handle.fd, mode);
        } finally {
          await arena.close();
        }
        this.#dirs.push({ rel: [...parts, base].join('/'), atime, mtime });
        return;
      }
      case 'file': {
        const fd = await this.#cfs.openTracked(at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of e as AsyncIterable<Buffer>) await writeAll(fd, chunk);
          if (isRoot()) await fchown(fd, owner.uid, owner.gid);
          // After chown, which clears set-id bits.
          await fchmod(fd, mode);
          await futimes(fd, atime, mtime);
        } finally {
          await this.#cfs.closeFd(fd);
        }
        return;
      }
      case 'symlink': {
        const target = e.linkpath ?? '';
        if (!symlinkStaysInside(parts, target)) throw new BadRequestError(`refusing archive: invalid symlink "${logical}" -> "${target}"`);
        await fs.promises.symlink(target, at);
        if (isRoot()) await fs.promises.lchown(at, owner.uid, owner.gid);
        await fs.promises.lutimes(at, atime, mtime);
        return;
      }
      case 'link':
        await this.#hardlink(e, at, logical, { owner, mode, atime, mtime });
        return;
      case 'special': {
        const dev = e.header;
        const type = e.type === 'FIFO' ? ['p'] : [e.type === 'CharacterDevice' ? 'c' : 'b', String(dev.devmaj ?? 0), String(dev.devmin ?? 0)];
        // mknod(1) reaches the directory through our fd (the name itself is never followed by mknod).
        await promisify(execFile)('mknod', ['-m', (mode & 0o777).toString(8), '--', at, ...type]);
        if (isRoot()) await fs.promises.lchown(at, owner.uid, owner.gid);
        await fs.promises.lutimes(at, atime, mtime);
        return;
      }
    }
  }

  async #existing(parent: DirHandle, base: string, logical: string): Promise<{ isDir: boolean; mount: boolean } | undefined> {
    const m = this.#cfs.mountAt(logical);
    try {
      if (m) return { isDir: (await fs.promises.stat(m.source)).isDirectory(), mount: true };
      return { isDir: (await fs.promises.lstat(this.#cfs.proc(parent, base))).isDirectory(), mount: false };
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  async #hardlink(e: ReadEntry, at: string, logical: string, a: { owner: { uid: number; gid: number }; mode: number; atime: Date; mtime: Date }): Promise<void> {
    const target = e.linkpath ?? '';
    const tparts = hardlinkComponents(target);
    if (!tparts) throw new BadRequestError(`refusing archive: invalid hardlink "${logical}" -> "${target}"`);
    const tbase = tparts.pop() as string;
    const arena = this.#cfs.arena();
    try {
      const tframes = await walkInScope(this.#cfs.view(arena), this.#dest, tparts.join('/'), 'error').catch((err: unknown) => {
        throw err instanceof ScopeError ? new BadRequestError(`cannot link "${logical}" to "${target}": ${err.message}`) : err;
      });
      const tparentLogical = logicalPath(tframes);
      const tlogical = tparentLogical === '/' ? `/${tbase}` : `${tparentLogical}/${tbase}`;
      if (this.#cfs.mountAt(tlogical)) throw new BadRequestError(`refusing archive: invalid hardlink "${logical}" -> "${target}": a mount point`);
      // link(2) does not follow the old name either: a link to a symlink is a link to the symlink.
      await fs.promises.link(this.#cfs.proc(tframes[tframes.length - 1]?.handle as DirHandle, tbase), at).catch((err: unknown) => {
        throw new BadRequestError(`cannot link "${logical}" to "${target}": ${errno(err) ?? (err as Error).message}`);
      });
    } finally {
      await arena.close();
    }
    if (isRoot()) await fs.promises.lchown(at, a.owner.uid, a.owner.gid);
    const st = await fs.promises.lstat(at);
    if (!st.isFile()) return;
    const fd = await this.#cfs.openTracked(at, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    try {
      if ((await fstat(fd)).ino !== st.ino) return;
      await fchmod(fd, a.mode);
      await futimes(fd, a.atime, a.mtime);
    } finally {
      await this.#cfs.closeFd(fd);
    }
  }

  /** Directory times last: making their entries changed them. */
  async finish(): Promise<void> {
    await this.#dropCache();
    for (const d of this.#dirs) {
      const arena = this.#cfs.arena();
      try {
        const frames = await walkInScope(this.#cfs.view(arena), this.#dest, d.rel, 'error');
        await futimes((frames[frames.length - 1]?.handle as DirHandle).fd, d.atime, d.mtime);
      } catch (e) {
        // Replaced by a later entry: nothing to date.
        if (!(e instanceof ScopeError)) throw e;
      } finally {
        await arena.close();
      }
    }
  }
}

/** Removes `name` in `dir` and, for a directory, everything in it, each through the fd of its own directory. */
export async function removeAll(cfs: ContainerFs, dir: DirHandle, name: string): Promise<void> {
  const p = cfs.proc(dir, name);
  for (let attempt = 0; attempt < 16; attempt++) {
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(p);
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      throw e;
    }
    if (!st.isDirectory()) {
      try {
        await fs.promises.unlink(p);
        return;
      } catch (e) {
        if (errno(e) === 'ENOENT') return;
        if (errno(e) === 'EISDIR') continue;
        throw e;
      }
    }
    let fd: number;
    try {
      fd = await cfs.openTracked(p, DIR_FLAGS);
    } catch (e) {
      if (errno(e) === 'ELOOP' || errno(e) === 'ENOTDIR' || errno(e) === 'ENOENT') continue;
      throw e;
    }
    try {
      const h: DirHandle = { fd, within: dir.within };
      for (const child of await fs.promises.readdir(cfs.proc(h))) await removeAll(cfs, h, child);
    } finally {
      await cfs.closeFd(fd);
    }
    try {
      await fs.promises.rmdir(p);
      return;
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      if (errno(e) === 'ENOTEMPTY' || errno(e) === 'ENOTDIR') continue;
      throw e;
    }
  }
  throw new Error(`cannot remove ${name}: it keeps changing`);
}

/**
 * Extracts the tar `body` into the directory `requested` of the container.
 * Throws ScopeError ENOENT when that directory is not there, BadRequestError
 * when it is not a directory or the archive is refused, ReadOnlyError (403)
 * for a read-only rootfs or volume.
 */
export async function extractToDir(cfs: ContainerFs, requested: string, body: Readable, opts: ExtractOptions): Promise<void> {
  const destArena = cfs.arena();
  let x: Extractor | undefined;
  try {
    let dest: Frame<DirHandle>[];
    try {
      dest = await walkInScope(cfs.view(destArena), [cfs.root], containerAbsPath(requested), 'error');
    } catch (e) {
      if (e instanceof ScopeError && e.code === 'ENOTDIR') throw new BadRequestError('extraction point is not a directory');
      throw e;
    }
    cfs.assertWritable(dest[dest.length - 1]?.handle as DirHandle);
    x = new Extractor(cfs, dest, opts);
    for await (const entry of tarEntries(body)) await x.entry(entry);
    await x.finish();
  } finally {
    await x?.close();
    await destArena.close();
  }
}
