/**
 * Resolving a path inside a container the way the container itself would:
 * symlinks are followed, but an absolute target starts again at the
 * container's root and `..` never climbs above it (Docker's
 * FollowSymlinkInScope, securejoin's SecureJoin). The walk is pure: it asks a
 * ScopeFs about one name in one directory at a time, so the real side can
 * answer with directory file descriptors (nothing a running container swaps
 * in between two steps can make it leave the root) and tests can answer from
 * a map.
 *
 * Also here: the path arithmetic of Go's path/filepath and Docker's archive
 * package that decides what `docker cp` means by `dir`, `dir/` and `dir/.`.
 */

/** What a ScopeFs knows of one name in a directory, without following it. */
export type ScopeNode<H> =
  | { kind: 'dir'; handle: H }
  | { kind: 'symlink'; target: string }
  | { kind: 'other' }
  | { kind: 'missing' };

export interface ScopeFs<H> {
  /**
   * `name` in the directory `dir`, not followed. `logical` is its absolute
   * path inside the container: a mount point is known by it (the mount then
   * answers instead of what lies under it).
   */
  lookup(dir: H, name: string, logical: string): Promise<ScopeNode<H>>;
  /** Makes the missing directory `name` in `dir` (the walk's `create` mode). */
  mkdir?(dir: H, name: string, logical: string): Promise<ScopeNode<H>>;
}

/**
 * One step of a resolved path. frames[0] is the root (name ''); a frame
 * without a handle does not exist (the `lexical` mode carries on past a
 * missing name, as FollowSymlinkInScope does).
 */
export interface Frame<H> {
  name: string;
  handle: H | undefined;
}

/** What to do with a name that does not exist: fail, make it a directory, or go on by name alone. */
export type MissingMode = 'error' | 'create' | 'lexical';

/** Linux gives up after 40 links; Go's FollowSymlinkInScope after 255. */
export const MAX_SYMLINKS = 255;

const MESSAGES = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
} as const;

/** A failed walk, with the errno a syscall would have given and the in-container path it stopped at. */
export class ScopeError extends Error {
  readonly code: keyof typeof MESSAGES;
  readonly logical: string;
  constructor(code: keyof typeof MESSAGES, logical: string) {
    super(`${logical}: ${MESSAGES[code]}`);
    this.name = 'ScopeError';
    this.code = code;
    this.logical = logical;
  }
}

/** The absolute in-container path of a resolved stack. */
export function logicalPath(frames: readonly Frame<unknown>[]): string {
  return `/${frames
    .slice(1)
    .map((f) => f.name)
    .join('/')}`;
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Walks `path` (absolute from the root, or relative to the last frame of
 * `start`) and returns the frames of the directory it names. Every symlink on
 * the way is followed, the last one too; what is not a directory ends the
 * walk with ENOTDIR (in `lexical` mode, only when more follows). `start` is
 * not changed.
 */
export async function walkInScope<H>(fsys: ScopeFs<H>, start: readonly Frame<H>[], path: string, missing: MissingMode): Promise<Frame<H>[]> {
  if (start.length === 0) throw new Error('walkInScope: no root frame');
  const frames = path.startsWith('/') ? start.slice(0, 1) : [...start];
  const todo = components(path);
  let links = 0;
  while (todo.length > 0) {
    const name = todo.shift() as string;
    if (name === '..') {
      // In scope, the root is its own parent.
      if (frames.length > 1) frames.pop();
      continue;
    }
    const top = frames[frames.length - 1] as Frame<H>;
    const logical = logicalPath(frames) === '/' ? `/${name}` : `${logicalPath(frames)}/${name}`;
    if (top.handle === undefined) {
      frames.push({ name, handle: undefined });
      continue;
    }
    let node = await fsys.lookup(top.handle, name, logical);
    if (node.kind === 'missing' && missing === 'create') {
      if (!fsys.mkdir) throw new Error('walkInScope: create mode needs ScopeFs.mkdir');
      node = await fsys.mkdir(top.handle, name, logical);
    }
    switch (node.kind) {
      case 'dir':
        frames.push({ name, handle: node.handle });
        break;
      case 'symlink':
        if (++links > MAX_SYMLINKS) throw new ScopeError('ELOOP', logical);
        // Resolved where the link is: an absolute target from the container's root.
        if (node.target.startsWith('/')) frames.length = 1;
        todo.unshift(...components(node.target));
        break;
      case 'other':
        // By name alone, a file may end the path (a link to a file has a target too).
        if (missing !== 'lexical' || todo.length > 0) throw new ScopeError('ENOTDIR', logical);
        frames.push({ name, handle: undefined });
        break;
      case 'missing':
        if (missing !== 'lexical') throw new ScopeError('ENOENT', logical);
        frames.push({ name, handle: undefined });
        break;
    }
  }
  return frames;
}

// ---- Go's path/filepath and Docker's archive path rules ---------------------

/** Go's filepath.Clean for slash paths. */
export function goClean(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(c);
  }
  const s = (abs ? '/' : '') + out.join('/');
  return s === '' ? (abs ? '/' : '.') : s;
}

/** Go's filepath.Base: the last element, trailing slashes ignored; `/` for the root, `.` for nothing. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's filepath.Split: everything up to the last slash (kept), and the rest. */
export function goSplit(p: string): { dir: string; file: string } {
  const i = p.lastIndexOf('/');
  return { dir: p.slice(0, i + 1), file: p.slice(i + 1) };
}

const specifiesCurrentDir = (p: string): boolean => goBase(p) === '.';
const hasTrailingSeparator = (p: string): boolean => p.endsWith('/');

/** Docker's archive.PreserveTrailingDotOrSeparator: `dir/` and `dir/.` keep what cleaning took away. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** The request's `path` as an absolute container path, as dockerd reads it (relative paths start at `/`). */
export function containerAbsPath(requested: string): string {
  return preserveTrailingDotOrSeparator(goClean(`/${requested}`), requested);
}

/**
 * Docker's ResolvePath split: the directory part is resolved with every
 * symlink followed; the last element is looked at as it is (a symlink stays
 * a symlink) unless it is empty (`dir/`) or `.` (`dir/.`), in which case the
 * directory itself is meant. `name` is what stat reports and what the
 * archive's top entry is called.
 */
export function splitForResolve(requested: string): { abs: string; dir: string; base: string | undefined; name: string } {
  const abs = containerAbsPath(requested);
  const { dir, file } = goSplit(abs);
  return { abs, dir, base: file === '' || file === '.' ? undefined : file, name: goBase(abs) };
}
