/**
 * `GET /containers/{id}/archive`: a tar stream of a path in the container,
 * shaped as dockerd's TarResourceRebase makes it. The top entry is named by
 * the last element of the requested path (`/` for the root, `.` for `dir/.`),
 * whatever the resolved directory is really called; a directory comes with
 * everything under it, in name order, volumes and binds included where they
 * are mounted; a symlink is one entry (the link itself).
 *
 * Headers are encoded by node-tar (Header, Pax for long names) with what Go's
 * FileInfoHeader puts in them: permission and set-id bits, numeric owners
 * without names, mtime to the second, hard links as Link entries after the
 * first name. Files are read through O_NOFOLLOW fds (archive-scope.ts);
 * a file that changes while it is read is cut or zero-padded to the size its
 * header announced, as the archive must stay well-formed. What cannot be read
 * is left out and logged, as dockerd does.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Header, Pax } from 'tar';
import type { HeaderData } from 'tar';
import type { ContainerFs, DirHandle } from './archive-scope.js';
import { lstatTarget } from './archive-stat.js';
import type { StatTarget } from './archive-stat.js';

const fstat = promisify(fs.fstat) as (fd: number, opts: { bigint: true }) => Promise<fs.BigIntStats>;
const readFd = async (fd: number, buf: Buffer, off: number, len: number): Promise<number> => (await promisify(fs.read)(fd, buf, off, len, null)).bytesRead;

const BLOCK = 512;
const CHUNK = 64 * 1024;

/** One tar header (a PAX extended header first when a field does not fit ustar). */
export function tarHeader(h: HeaderData): Buffer {
  const header = new Header(h);
  const needPax = header.encode();
  const block = header.block as Buffer;
  if (!needPax) return block;
  const fields: HeaderData = {};
  for (const k of ['path', 'linkpath', 'size', 'uid', 'gid', 'mtime'] as const) if (h[k] !== undefined) Object.assign(fields, { [k]: h[k] });
  const pax = new Pax(fields).encode();
  return Buffer.concat([pax, block]);
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The end of an archive: two zero blocks, as Go's tar.Writer closes one. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** The archive name of `name` under a directory entry named `parent` (Docker's rebase of `/` drops it). */
export function childArchiveName(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export function headerData(archiveName: string, st: fs.BigIntStats): HeaderData {
  const mtime = new Date(Number(st.mtimeNs / 1_000_000_000n) * 1000);
  return { path: archiveName, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), size: 0, mtime };
}

const major = (rdev: bigint): number => Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
const minor = (rdev: bigint): number => Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));

interface Walk {
  cfs: ContainerFs;
  /** dev:ino → the archive name that carried the data (later names become Link entries). */
  seen: Map<string, string>;
  warn(message: string): void;
}

type At = { self: DirHandle } | { dir: DirHandle; name: string };

async function* fileContent(w: Walk, fd: number, size: number, logical: string): AsyncGenerator<Buffer> {
  let left = size;
  while (left > 0) {
    const buf = Buffer.alloc(Math.min(CHUNK, left));
    let n = 0;
    try {
      n = await readFd(fd, buf, 0, buf.length);
    } catch (e) {
      w.warn(`archive: ${logical}: ${(e as Error).message}`);
    }
    if (n === 0) {
      // Shrunk (or unreadable) after its header went out: zeros keep the archive in step.
      w.warn(`archive: ${logical} changed while it was read`);
      yield Buffer.alloc(left);
      return;
    }
    left -= n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}

async function* walkNode(w: Walk, name: string, logical: string, at: At, st: fs.BigIntStats): AsyncGenerator<Buffer> {
  const h = headerData(name, st);
  if (st.isDirectory()) {
    const arena = w.cfs.arena();
    try {
      let dir: DirHandle;
      if ('self' in at) dir = at.self;
      else {
        const node = await w.cfs.view(arena).lookup(at.dir, at.name, logical);
        if (node.kind !== 'dir') return w.warn(`archive: ${logical} changed while it was read`);
        dir = node.handle;
      }
      yield tarHeader({ ...h, path: name === '/' || name.endsWith('/') ? name : `${name}/`, type: 'Directory' });
      const names = (await fs.promises.readdir(w.cfs.proc(dir))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const child of names) {
        const childLogical = logical === '/' ? `/${child}` : `${logical}/${child}`;
        let cst: fs.BigIntStats;
        try {
          cst = await w.cfs.lstatAt(dir, child, childLogical);
        } catch (e) {
          w.warn(`archive: ${childLogical}: ${(e as Error).message}`);
          continue;
        }
        yield* walkNode(w, childArchiveName(name, child), childLogical, { dir, name: child }, cst);
      }
    } finally {
      await arena.close();
    }
    return;
  }
  if ('self' in at) return;
  const key = `${st.dev}:${st.ino}`;
  if (Number(st.nlink) > 1) {
    const first = w.seen.get(key);
    if (first !== undefined) {
      yield tarHeader({ ...h, type: 'Link', linkpath: first });
      return;
    }
  }
  if (st.isFile()) {
    let fd: number;
    try {
      fd = await w.cfs.openFileAt(at.dir, at.name, logical);
    } catch (e) {
      return w.warn(`archive: ${logical}: ${(e as Error).message}`);
    }
    try {
      const fst = await fstat(fd, { bigint: true });
      if (!fst.isFile()) return w.warn(`archive: ${logical} changed while it was read`);
      const size = Number(fst.size);
      if (Number(fst.nlink) > 1) w.seen.set(`${fst.dev}:${fst.ino}`, name);
      yield tarHeader({ ...headerData(name, fst), type: 'File', size });
      yield* fileContent(w, fd, size, logical);
      yield padding(size);
    } finally {
      await w.cfs.closeFd(fd);
    }
    return;
  }
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = await w.cfs.readlinkAt(at.dir, at.name);
    } catch (e) {
      return w.warn(`archive: ${logical}: ${(e as Error).message}`);
    }
    if (Number(st.nlink) > 1) w.seen.set(key, name);
    yield tarHeader({ ...h, type: 'SymbolicLink', linkpath: target });
    return;
  }
  const special = st.isCharacterDevice() ? 'CharacterDevice' : st.isBlockDevice() ? 'BlockDevice' : st.isFIFO() ? 'FIFO' : undefined;
  if (special === undefined) return w.warn(`archive: ${logical}: sockets not supported`);
  if (Number(st.nlink) > 1) w.seen.set(key, name);
  yield tarHeader({ ...h, type: special, devmaj: major(st.rdev), devmin: minor(st.rdev) });
}

async function* archive(cfs: ContainerFs, target: StatTarget, name: string, warn: (m: string) => void, withEnd: boolean): AsyncGenerator<Buffer> {
  const w: Walk = { cfs, seen: new Map(), warn };
  const st = await lstatTarget(cfs, target);
  const at: At =
    target.kind === 'dir'
      ? { self: target.frames[target.frames.length - 1]?.handle as DirHandle }
      : { dir: target.parent[target.parent.length - 1]?.handle as DirHandle, name: target.base };
  yield* walkNode(w, name, target.logical, at, st);
  if (withEnd) yield TAR_END;
}

/**
 * The archive of a resolved target (statPath's), named `name` at the top.
 * The stream only reads through `cfs`; its owner closes that once the stream
 * ends or is destroyed. With `withEnd: false` the closing blocks (TAR_END)
 * are left for the caller to send: a client has the whole archive only then.
 */
export function archiveStream(cfs: ContainerFs, target: StatTarget, name: string, warn: (message: string) => void, opts: { withEnd?: boolean } = {}): Readable {
  return Readable.from(archive(cfs, target, name, warn, opts.withEnd !== false), { objectMode: false, highWaterMark: CHUNK });
}
