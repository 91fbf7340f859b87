/**
 * The container's filesystem as `docker cp` sees it, reached through
 * directory file descriptors: the rootfs (the overlay's merged dir) with the
 * container's volume and bind mounts at their destinations, as dockerd's
 * container view has them.
 *
 * Every step opens one name in a directory we already hold, as
 * `/proc/<pid>/fd/<dirfd>/<name>` (the kernel resolves the fd link to that
 * very directory, then the one name), with O_NOFOLLOW. Symlinks are read
 * and handed to the in-scope walk (archive-resolve.ts), never followed by the
 * kernel, so a running container that swaps a directory for a symlink to `/`
 * between two steps gets an error, not the host: the race that
 * CVE-2018-15664 exploited in dockerd's path-based resolution has no window
 * here. Mount sources are host paths the daemon chose; they are opened as they
 * are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiError } from '../errors.js';
import { logicalPath, walkInScope } from './archive-resolve.js';
import type { Frame, ScopeFs, ScopeNode } from './archive-resolve.js';

const openFd = promisify(fs.open) as (p: string, flags: number, mode?: number) => Promise<number>;
const closeFd = promisify(fs.close);

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
export const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/** A volume or bind mount of the container, as its record lists it. */
export interface ScopeMount {
  /** Absolute, clean, inside the container. */
  destination: string;
  /** The host path mounted there. */
  source: string;
  rw: boolean;
}

export interface DirHandle {
  fd: number;
  /** The mount this directory is in; undefined for the rootfs. Decides whether it may be written. */
  within: ScopeMount | undefined;
}

/** The fds one piece of work opened, closed together when it is done. */
export class FdArena {
  readonly #fds: number[] = [];
  readonly #owner: ContainerFs;

  constructor(owner: ContainerFs) {
    this.#owner = owner;
  }

  add(fd: number): number {
    this.#fds.push(fd);
    return fd;
  }

  async close(): Promise<void> {
    for (const fd of this.#fds.splice(0)) await this.#owner.closeFd(fd);
  }
}

const retryable = new Set(['ELOOP', 'ENOTDIR', 'ENOENT', 'EINVAL']);
const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

export class ContainerFs {
  readonly rootFd: number;
  readonly rootReadOnly: boolean;
  readonly #mounts = new Map<string, ScopeMount>();
  /** Every fd open on this view, so close() leaves none behind whatever went wrong. */
  readonly #open = new Set<number>();

  private constructor(rootFd: number, rootReadOnly: boolean) {
    this.rootFd = rootFd;
    this.rootReadOnly = rootReadOnly;
    this.#open.add(rootFd);
  }

  /**
   * Opens the view over `rootDir` (the mounted rootfs). Each mount is placed
   * where the runtime put it: its destination resolved in the rootfs (the
   * runtime opens mount targets with RESOLVE_IN_ROOT), so a volume on
   * `/var/run` is found at `/run` when that is what `/var/run` links to.
   */
  static async open(rootDir: string, opts: { readOnlyRootfs: boolean; mounts: readonly ScopeMount[] }): Promise<ContainerFs> {
    const view = new ContainerFs(await openFd(rootDir, O_RDONLY | O_DIRECTORY), opts.readOnlyRootfs);
    const arena = view.arena();
    try {
      // Shallow ones first: a mount inside another is resolved through it.
      for (const m of [...opts.mounts].sort((a, b) => a.destination.length - b.destination.length)) {
        let at = m.destination;
        try {
          at = logicalPath(await walkInScope(view.view(arena), [view.root], m.destination, 'lexical'));
        } catch {
          // A destination that cannot be walked (a loop): kept by name.
        }
        view.#mounts.set(at, { ...m, destination: at });
      }
    } catch (e) {
      await view.close();
      throw e;
    } finally {
      await arena.close();
    }
    return view;
  }

  get root(): Frame<DirHandle> {
    return { name: '', handle: { fd: this.rootFd, within: undefined } };
  }

  /** The path that names `name` inside the directory `dir` holds (or that directory). */
  proc(dir: DirHandle, name?: string): string {
    const base = `/proc/${process.pid}/fd/${dir.fd}`;
    return name === undefined ? base : `${base}/${name}`;
  }

  /** The mount whose destination is exactly `logical`. */
  mountAt(logical: string): ScopeMount | undefined {
    return this.#mounts.get(logical);
  }

  /** Whether a mount lies strictly below `logical` (such a directory cannot be removed). */
  hasMountBelow(logical: string): boolean {
    const prefix = logical === '/' ? '/' : `${logical}/`;
    for (const d of this.#mounts.keys()) if (d.startsWith(prefix)) return true;
    return false;
  }

  /** A ScopeFs whose opened directories belong to `arena`. */
  view(arena: FdArena): ScopeFs<DirHandle> {
    return {
      lookup: (dir, name, logical) => this.lookup(arena, dir, name, logical),
      mkdir: (dir, name, logical) => this.mkdirIn(arena, dir, name, logical),
    };
  }

  arena(): FdArena {
    return new FdArena(this);
  }

  async openTracked(p: string, flags: number, mode?: number): Promise<number> {
    const fd = await openFd(p, flags, mode);
    this.#open.add(fd);
    return fd;
  }

  async closeFd(fd: number): Promise<void> {
    if (!this.#open.delete(fd)) return;
    await closeFd(fd).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const fd of [...this.#open]) await this.closeFd(fd);
  }

  /** Docker's refusals for a write into a read-only mount or into the rootfs of a --read-only container. */
  assertWritable(dir: DirHandle): void {
    if (dir.within ? !dir.within.rw : this.rootReadOnly) {
      throw new ReadOnlyError(dir.within ? 'mounted volume is marked read-only' : 'container rootfs is marked read-only');
    }
  }

  /** lstat of `name` in `dir`; a mount point answers with its source (what the container sees there). */
  async lstatAt(dir: DirHandle, name: string, logical: string): Promise<fs.BigIntStats> {
    const m = this.#mounts.get(logical);
    if (m) return fs.promises.stat(m.source, { bigint: true });
    return fs.promises.lstat(this.proc(dir, name), { bigint: true });
  }

  /** Opens the file `name` in `dir` for reading, never through a symlink and never blocking on a FIFO swapped in. */
  openFileAt(dir: DirHandle, name: string, logical: string): Promise<number> {
    const m = this.#mounts.get(logical);
    if (m) return this.openTracked(m.source, O_RDONLY | O_NONBLOCK);
    return this.openTracked(this.proc(dir, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  }

  readlinkAt(dir: DirHandle, name: string): Promise<string> {
    return fs.promises.readlink(this.proc(dir, name));
  }

  async lookup(arena: FdArena, dir: DirHandle, name: string, logical: string): Promise<ScopeNode<DirHandle>> {
    const m = this.#mounts.get(logical);
    if (m) return this.#lookupMount(arena, m);
    const p = this.proc(dir, name);
    // Each answer is re-checked by the call that acts on it; a name that changes under us is looked at again.
    for (let attempt = 0; attempt < 16; attempt++) {
      let st: fs.Stats;
      try {
        st = await fs.promises.lstat(p);
      } catch (e) {
        if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return { kind: 'missing' };
        throw e;
      }
      if (st.isSymbolicLink()) {
        try {
          return { kind: 'symlink', target: await fs.promises.readlink(p) };
        } catch (e) {
          if (retryable.has(errnoOf(e) ?? '')) continue;
          throw e;
        }
      }
      if (!st.isDirectory()) return { kind: 'other' };
      try {
        const fd = arena.add(await this.openTracked(p, DIR_FLAGS));
        return { kind: 'dir', handle: { fd, within: dir.within } };
      } catch (e) {
        if (retryable.has(errnoOf(e) ?? '')) continue;
        throw e;
      }
    }
    throw new Error(`${logical} keeps changing while it is looked up`);
  }

  async #lookupMount(arena: FdArena, m: ScopeMount): Promise<ScopeNode<DirHandle>> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(m.source);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return { kind: 'missing' };
      throw e;
    }
    if (!st.isDirectory()) return { kind: 'other' };
    const fd = arena.add(await this.openTracked(m.source, O_RDONLY | O_DIRECTORY));
    return { kind: 'dir', handle: { fd, within: m } };
  }

  /** mkdir of an implied parent (0755, owned by root as Docker makes them), then its handle. */
  async mkdirIn(arena: FdArena, dir: DirHandle, name: string, logical: string): Promise<ScopeNode<DirHandle>> {
    this.assertWritable(dir);
    try {
      await fs.promises.mkdir(this.proc(dir, name), 0o755);
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') throw e;
    }
    return this.lookup(arena, dir, name, logical);
  }
}

/** Docker's refusals of a write into a read-only mount or a read-only rootfs: 403, as the API documents it. */
export class ReadOnlyError extends ApiError {
  constructor(message: string) {
    super(403, message);
  }
}

/** Mount destinations as the table wants them: absolute and clean. */
export function cleanDestination(d: string): string {
  return path.posix.normalize(`/${d}`).replace(/\/+$/, '') || '/';
}
