/**
 * Copying a directory tree from one ContainerFs (archive-scope.ts) into
 * another, as containerd's continuity fs.CopyDir does for dockerd's volume
 * copy-up: owners, permission and set-id bits, access and modification times
 * (to the microsecond Node passes), symlinks as symlinks, hard links as hard
 * links (by device and inode of the source), and the top directory's own
 * owner, mode and times onto the destination directory.
 *
 * Both sides are reached through directory fds, one name at a time, with
 * O_NOFOLLOW: a symlink in the image is read and recreated, never followed,
 * and a container that shares the destination volume and swaps a directory
 * we just made for a symlink makes the copy fail instead of writing through
 * it. Metadata goes through the fds we hold (fchown, fchmod, futimes), or,
 * for a symlink, through calls that never follow one (lchown, lutimes).
 *
 * Not copied: extended attributes (Node has no xattr API, and the image store
 * applies none from layers, so a rootfs has none to give), device nodes,
 * FIFOs and sockets (Node cannot make them; they are skipped with a warning).
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import type { ContainerFs, DirHandle } from './archive-scope.js';

const fstat = promisify(fs.fstat) as (fd: number, opts: { bigint: true }) => Promise<fs.BigIntStats>;
const fchown = promisify(fs.fchown);
const fchmod = promisify(fs.fchmod);
const futimes = promisify(fs.futimes);
const readFd = promisify(fs.read);
const writeFd = promisify(fs.write);

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const CHUNK = 1024 * 1024;

export interface CopyWarn {
  (message: string): void;
}

interface Copy {
  src: ContainerFs;
  dst: ContainerFs;
  /** Source dev:ino of a file with more than one link → its copy, as names from the destination's top. */
  links: Map<string, string[]>;
  warn: CopyWarn;
}

const seconds = (ns: bigint): number => Number(ns / 1000n) / 1e6;
const child = (logical: string, name: string): string => (logical === '/' ? `/${name}` : `${logical}/${name}`);

/** Owner first: chown clears set-id bits, the mode put back after it restores them. */
async function applyMetaFd(fd: number, st: fs.BigIntStats): Promise<void> {
  await fchown(fd, Number(st.uid), Number(st.gid));
  await fchmod(fd, Number(st.mode) & 0o7777);
  await futimes(fd, seconds(st.atimeNs), seconds(st.mtimeNs));
}

async function copyContent(from: number, to: number, size: number): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (;;) {
    const { bytesRead } = await readFd(from, buf, 0, buf.length, null);
    if (bytesRead === 0) return;
    let off = 0;
    while (off < bytesRead) off += (await writeFd(to, buf, off, bytesRead - off)).bytesWritten;
  }
}

/** Opens the destination directory `names` (from the top) one name at a time, never through a symlink. */
async function openDstDir(c: Copy, top: DirHandle, names: readonly string[], arena: ReturnType<ContainerFs['arena']>): Promise<DirHandle> {
  let dir = top;
  let logical = '/';
  for (const name of names) {
    logical = child(logical, name);
    const node = await c.dst.lookup(arena, dir, name, logical);
    if (node.kind !== 'dir') throw new Error(`volume copy: ${logical} changed while it was copied`);
    dir = node.handle;
  }
  return dir;
}

async function copyFile(c: Copy, srcDir: DirHandle, dstDir: DirHandle, name: string, logical: string, top: DirHandle, rel: readonly string[]): Promise<void> {
  const sfd = await c.src.openFileAt(srcDir, name, logical);
  let dfd: number | undefined;
  try {
    const st = await fstat(sfd, { bigint: true });
    if (!st.isFile()) return c.warn(`volume copy: ${logical} changed while it was copied`);
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? c.links.get(key) : undefined;
    if (first !== undefined) {
      const arena = c.dst.arena();
      try {
        const parent = await openDstDir(c, top, first.slice(0, -1), arena);
        await fs.promises.link(c.dst.proc(parent, first[first.length - 1] as string), c.dst.proc(dstDir, name));
      } finally {
        await arena.close();
      }
      return;
    }
    dfd = await c.dst.openTracked(c.dst.proc(dstDir, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    await copyContent(sfd, dfd, Number(st.size));
    await applyMetaFd(dfd, st);
    if (st.nlink > 1n) c.links.set(key, [...rel, name]);
  } finally {
    await c.src.closeFd(sfd);
    if (dfd !== undefined) await c.dst.closeFd(dfd);
  }
}

async function copySymlink(c: Copy, srcDir: DirHandle, dstDir: DirHandle, name: string, st: fs.BigIntStats): Promise<void> {
  const target = await c.src.readlinkAt(srcDir, name);
  const at = c.dst.proc(dstDir, name);
  await fs.promises.symlink(target, at);
  await fs.promises.lchown(at, Number(st.uid), Number(st.gid));
  await fs.promises.lutimes(at, seconds(st.atimeNs), seconds(st.mtimeNs));
}

async function copyEntries(c: Copy, srcDir: DirHandle, srcLogical: string, dstDir: DirHandle, top: DirHandle, rel: readonly string[]): Promise<void> {
  const names = (await fs.promises.readdir(c.src.proc(srcDir))).sort();
  for (const name of names) {
    const logical = child(srcLogical, name);
    let st: fs.BigIntStats;
    try {
      st = await c.src.lstatAt(srcDir, name, logical);
    } catch (e) {
      c.warn(`volume copy: ${logical}: ${(e as Error).message}`);
      continue;
    }
    if (st.isDirectory()) {
      const arena = c.src.arena();
      try {
        const from = await c.src.lookup(arena, srcDir, name, logical);
        if (from.kind !== 'dir') {
          c.warn(`volume copy: ${logical} changed while it was copied`);
          continue;
        }
        await fs.promises.mkdir(c.dst.proc(dstDir, name), 0o700);
        const to = await c.dst.lookup(arena, dstDir, name, logical);
        if (to.kind !== 'dir') throw new Error(`volume copy: ${logical} changed while it was copied`);
        await copyEntries(c, from.handle, logical, to.handle, top, [...rel, name]);
        // Last: making its entries changed the directory's times.
        await applyMetaFd(to.handle.fd, await fstat(from.handle.fd, { bigint: true }));
      } finally {
        await arena.close();
      }
    } else if (st.isFile()) {
      await copyFile(c, srcDir, dstDir, name, logical, top, rel);
    } else if (st.isSymbolicLink()) {
      await copySymlink(c, srcDir, dstDir, name, st);
    } else {
      c.warn(`volume copy: ${logical}: ${st.isSocket() ? 'socket' : st.isFIFO() ? 'FIFO' : 'device node'} not copied`);
    }
  }
}

/**
 * Copies everything in `srcDir` (at `srcLogical` in `src`) into `dstDir` of
 * `dst`, which the caller found empty, then gives `dstDir` the source
 * directory's owner, mode and times.
 */
export async function copyTree(src: ContainerFs, srcDir: DirHandle, srcLogical: string, dst: ContainerFs, dstDir: DirHandle, warn: CopyWarn): Promise<void> {
  const c: Copy = { src, dst, links: new Map(), warn };
  await copyEntries(c, srcDir, srcLogical, dstDir, dstDir, []);
  await applyMetaFd(dstDir.fd, await fstat(srcDir.fd, { bigint: true }));
}
