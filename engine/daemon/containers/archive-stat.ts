/**
 * `HEAD /containers/{id}/archive`: what is at a path in the container, as
 * the `X-Docker-Container-Path-Stat` header carries it (base64 of Docker's
 * ContainerPathStat JSON). The path is resolved as dockerd's ResolvePath
 * does: the directory part with every symlink followed, the last element as
 * it is, so a symlink is reported as a symlink (with its target resolved in
 * the container as `linkTarget`, which `docker cp -L` follows).
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import { ScopeError, logicalPath, splitForResolve, walkInScope } from './archive-resolve.js';
import type { Frame } from './archive-resolve.js';
import type { ContainerFs, DirHandle, FdArena } from './archive-scope.js';

const fstat = promisify(fs.fstat) as (fd: number, opts: { bigint: true }) => Promise<fs.BigIntStats>;

/** Docker's ContainerPathStat (api/types/container.PathStat). */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits (FileModeOf). */
  mode: number;
  /** RFC 3339 with nanoseconds, as Go encodes a time.Time. */
  mtime: string;
  linkTarget: string;
}

/** Where a resolved path is: a directory we hold (`dir/`, `dir/.`, `/`), or a name in one. */
export type StatTarget =
  | { kind: 'dir'; frames: Frame<DirHandle>[]; logical: string }
  | { kind: 'entry'; parent: Frame<DirHandle>[]; base: string; logical: string };

// Go's os.FileMode type bits (io/fs).
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
const GO_MODE_DEVICE = 2 ** 26;
const GO_MODE_NAMED_PIPE = 2 ** 25;
const GO_MODE_SOCKET = 2 ** 24;
const GO_MODE_SETUID = 2 ** 23;
const GO_MODE_SETGID = 2 ** 22;
const GO_MODE_CHAR_DEVICE = 2 ** 21;
const GO_MODE_STICKY = 2 ** 20;

const S_IFMT = 0o170000;

/** Go's os.FileMode of a stat(2) st_mode (syscall.fillFileStatFromSys). */
export function goFileMode(stMode: number): number {
  let mode = stMode & 0o777;
  switch (stMode & S_IFMT) {
    case 0o060000:
      mode += GO_MODE_DEVICE;
      break;
    case 0o020000:
      mode += GO_MODE_DEVICE + GO_MODE_CHAR_DEVICE;
      break;
    case 0o040000:
      mode += GO_MODE_DIR;
      break;
    case 0o010000:
      mode += GO_MODE_NAMED_PIPE;
      break;
    case 0o120000:
      mode += GO_MODE_SYMLINK;
      break;
    case 0o140000:
      mode += GO_MODE_SOCKET;
      break;
  }
  if (stMode & 0o4000) mode += GO_MODE_SETUID;
  if (stMode & 0o2000) mode += GO_MODE_SETGID;
  if (stMode & 0o1000) mode += GO_MODE_STICKY;
  return mode;
}

/** A time in nanoseconds since the epoch as Go's time.Time marshals it in UTC (RFC3339Nano: trailing zeros dropped). */
export function goTimeJson(ns: bigint): string {
  const secs = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  const frac = ns - secs * 1_000_000_000n;
  const base = new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  const digits = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${digits}Z`;
}

export function pathStatHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

export function toPathStat(name: string, st: fs.BigIntStats, linkTarget: string): PathStat {
  return { name, size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime: goTimeJson(st.mtimeNs), linkTarget };
}

/** lstat of a resolved target (a mount point answers with its source). */
export function lstatTarget(cfs: ContainerFs, t: StatTarget): Promise<fs.BigIntStats> {
  if (t.kind === 'dir') return fstat((t.frames[t.frames.length - 1]?.handle as DirHandle).fd, { bigint: true });
  return cfs.lstatAt(t.parent[t.parent.length - 1]?.handle as DirHandle, t.base, t.logical);
}

/**
 * Resolves `requested` in the container. The directories it opens belong to
 * `arena`. Throws ScopeError (ENOENT: the path is not there; ENOTDIR, ELOOP)
 * or the lstat's errno error.
 */
export async function resolveTarget(cfs: ContainerFs, arena: FdArena, requested: string): Promise<{ target: StatTarget; name: string; abs: string }> {
  const { abs, dir, base, name } = splitForResolve(requested);
  const frames = await walkInScope(cfs.view(arena), [cfs.root], dir, 'error');
  if (base === undefined) return { target: { kind: 'dir', frames, logical: logicalPath(frames) }, name, abs };
  const parentPath = logicalPath(frames);
  const logical = parentPath === '/' ? `/${base}` : `${parentPath}/${base}`;
  return { target: { kind: 'entry', parent: frames, base, logical }, name, abs };
}

/** The stat dockerd reports for `requested`, and where it is (for the archive). */
export async function statPath(cfs: ContainerFs, arena: FdArena, requested: string): Promise<{ stat: PathStat; target: StatTarget }> {
  const { target, name, abs } = await resolveTarget(cfs, arena, requested);
  let st: fs.BigIntStats;
  try {
    st = await lstatTarget(cfs, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScopeError('ENOENT', target.logical);
    if (code === 'ENOTDIR') throw new ScopeError('ENOTDIR', abs);
    throw e;
  }
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    // Followed all the way in the container; a dangling link still names where it points.
    linkTarget = logicalPath(await walkInScope(cfs.view(arena), [cfs.root], abs, 'lexical'));
  }
  return { stat: toPathStat(name, st, linkTarget), target };
}
