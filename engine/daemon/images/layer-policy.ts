/**
 * The safety policy for unpacking one layer. It models the tree the layer
 * builds, entry by entry in archive order, and refuses any entry that could
 * make extraction touch something outside the layer directory:
 *
 *  - absolute paths and `..` components (after normalisation);
 *  - writing beneath a symlink (or beneath a file or a whiteout) created by
 *    an earlier entry — symlinks are kept as data, never followed;
 *  - hardlinks whose target is absolute, uses `..`, goes through a symlink,
 *    or is not a regular file this same archive already created (so never a
 *    symlink, even one that later replaces the target);
 *  - device nodes, FIFOs and unknown entry types (this engine's policy);
 *  - whiteouts naming `.`/`..`/nothing, or colliding with real entries.
 *
 * Because every parent of every written path is then a directory this
 * archive made (or the layer root), no syscall made by the extractor can
 * resolve outside the layer. The policy is pure (no I/O) so it can be
 * tested on its own and so the extractor's fix-up pass can reuse its model.
 */
import { BadRequestError } from '../errors.js';

export type NodeKind = 'dir' | 'file' | 'symlink' | 'whiteout';

export interface EntryInfo {
  path: string;
  type: string;
  linkpath?: string | undefined;
  mode?: number | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  mtime?: Date | undefined;
  atime?: Date | undefined;
  size?: number | undefined;
}

/** Attributes the extractor re-applies after node-tar is done (owner, setuid bits, times). */
export interface NodeAttrs {
  kind: NodeKind;
  /** Absent for implicit parents and hardlinks (which share their target's inode). */
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  atime?: Date;
  /** A symlink's target, verbatim (it is resolved inside the container, never by us). */
  linkpath?: string;
}

export type Verdict =
  | { action: 'extract'; path: string }
  | { action: 'whiteout'; path: string }
  | { action: 'opaque'; dir: string }
  | { action: 'skip' };

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** aufs bookkeeping (`.wh..wh.plnk`, …): meaningless outside aufs, ignored as Docker does. */
const WHITEOUT_META_PREFIX = '.wh..wh.';

export class HostileEntryError extends BadRequestError {}

function refuse(entryPath: string, why: string): HostileEntryError {
  return new HostileEntryError(`refusing layer archive: entry "${entryPath}": ${why}`);
}

/**
 * Normalise an archive path to `a/b/c` relative to the layer root ('' is the
 * root itself). Throws on anything that is not plainly inside.
 */
export function normalizeEntryPath(raw: string, entryPath = raw, what = 'path'): string {
  if (raw.includes('\0')) throw refuse(entryPath, `${what} contains a NUL byte`);
  if (raw.startsWith('/')) throw refuse(entryPath, `absolute ${what} "${raw}"`);
  const parts: string[] = [];
  for (const p of raw.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw refuse(entryPath, `${what} "${raw}" contains '..'`);
    parts.push(p);
  }
  return parts.join('/');
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const DIR_TYPES = new Set(['Directory', 'GNUDumpDir']);

export class LayerPolicy {
  /** Final state of every path the layer defines, in first-seen order. */
  readonly nodes = new Map<string, NodeAttrs>();
  readonly whiteouts: string[] = [];
  readonly opaque: string[] = [];
  /** Sum of regular file sizes (what Docker reports as a layer's size). */
  size = 0;
  root: NodeAttrs | undefined;

  /** Judge one entry; throws HostileEntryError when the whole archive must be refused. */
  check(e: EntryInfo): Verdict {
    const p = normalizeEntryPath(e.path, e.path);
    if (p === '') {
      if (!DIR_TYPES.has(e.type)) throw refuse(e.path, `the layer root must be a directory, not ${e.type}`);
      this.root = attrs('dir', e);
      return { action: 'extract', path: p };
    }
    const parts = p.split('/');
    const base = parts[parts.length - 1] as string;
    const parent = parts.slice(0, -1).join('/');
    this.checkParents(e.path, parts.slice(0, -1));

    if (base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(e, parent, base);

    const existing = this.nodes.get(p);
    if (existing?.kind === 'whiteout') throw refuse(e.path, 'collides with a whiteout in the same layer');
    if (FILE_TYPES.has(e.type)) {
      if (existing?.kind === 'dir') throw refuse(e.path, 'replaces a directory with a file');
      this.size += e.size ?? 0;
      this.nodes.set(p, attrs('file', e));
    } else if (DIR_TYPES.has(e.type)) {
      this.nodes.set(p, attrs('dir', e));
    } else if (e.type === 'SymbolicLink') {
      if (!e.linkpath) throw refuse(e.path, 'symlink without a target');
      if (e.linkpath.includes('\0')) throw refuse(e.path, 'symlink target contains a NUL byte');
      if (existing?.kind === 'dir') throw refuse(e.path, 'replaces a directory with a symlink');
      // The target may be anything (it is resolved inside the container);
      // what matters is that nothing is ever written through it.
      this.nodes.set(p, { ...attrs('symlink', e), linkpath: e.linkpath });
    } else if (e.type === 'Link') {
      if (!e.linkpath) throw refuse(e.path, 'hardlink without a target');
      const target = normalizeEntryPath(e.linkpath, e.path, 'hardlink target');
      if (target === '') throw refuse(e.path, 'hardlink to the layer root');
      const tparts = target.split('/');
      this.checkParents(e.path, tparts.slice(0, -1), 'hardlink target');
      const t = this.nodes.get(target);
      if (t?.kind !== 'file') {
        throw refuse(e.path, `hardlink to "${e.linkpath}", which is ${t ? `a ${t.kind}` : 'not a file earlier in this archive'}`);
      }
      if (existing?.kind === 'dir') throw refuse(e.path, 'replaces a directory with a hardlink');
      this.nodes.set(p, { kind: 'file' });
    } else if (e.type === 'CharacterDevice' || e.type === 'BlockDevice') {
      throw refuse(e.path, `device nodes are not allowed in image layers (${e.type === 'CharacterDevice' ? 'character' : 'block'} device)`);
    } else if (e.type === 'FIFO') {
      throw refuse(e.path, 'FIFOs are not allowed in image layers');
    } else {
      throw refuse(e.path, `unsupported entry type ${e.type}`);
    }
    return { action: 'extract', path: p };
  }

  /** Every parent must be a directory this layer made (or will make implicitly) — never a symlink. */
  private checkParents(entryPath: string, parents: string[], what = 'path'): void {
    let prefix = '';
    for (const part of parents) {
      prefix = prefix ? `${prefix}/${part}` : part;
      const n = this.nodes.get(prefix);
      if (n === undefined) {
        this.nodes.set(prefix, { kind: 'dir' });
      } else if (n.kind === 'symlink') {
        throw refuse(entryPath, `${what} goes through the symlink "${prefix}" (writing through symlinks is not allowed)`);
      } else if (n.kind !== 'dir') {
        throw refuse(entryPath, `${what} goes through "${prefix}", which is a ${n.kind}, not a directory`);
      }
    }
  }

  private whiteout(e: EntryInfo, parent: string, base: string): Verdict {
    if (base === OPAQUE_MARKER) {
      if (!this.opaque.includes(parent)) this.opaque.push(parent);
      return { action: 'opaque', dir: parent };
    }
    if (base.startsWith(WHITEOUT_META_PREFIX)) return { action: 'skip' };
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw refuse(e.path, `whiteout names "${name}"`);
    const target = parent ? `${parent}/${name}` : name;
    const existing = this.nodes.get(target);
    if (existing?.kind === 'whiteout') return { action: 'skip' };
    if (existing) throw refuse(e.path, `whiteout for "${target}", which this same layer also creates`);
    this.nodes.set(target, { kind: 'whiteout' });
    this.whiteouts.push(target);
    return { action: 'whiteout', path: target };
  }
}

function attrs(kind: NodeKind, e: EntryInfo): NodeAttrs {
  const a: NodeAttrs = { kind };
  if (typeof e.mode === 'number') a.mode = e.mode & 0o7777;
  if (typeof e.uid === 'number') a.uid = e.uid;
  if (typeof e.gid === 'number') a.gid = e.gid;
  if (e.mtime) a.mtime = e.mtime;
  if (e.atime) a.atime = e.atime;
  return a;
}
