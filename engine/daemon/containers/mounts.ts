/**
 * The container's mounts as dockerd lays them out (daemon WithMounts,
 * volume/mounts linuxParser, moby/sys/mount MergeTmpfsOptions):
 *
 * - Binds `src:dst[:mode]` — mode is a comma list of at most one of rw/ro,
 *   one of z/Z, one propagation ([r]private, [r]shared, [r]slave), nocopy.
 *   An absolute src is a bind (`rbind`, default propagation `rprivate`);
 *   otherwise a named volume (`rbind`, no propagation).
 * - Mounts: bind (NonRecursive → `bind`), volume (Subpath), tmpfs (size with
 *   a g/m/k suffix when exact, mode in octal, Options).
 * - Tmpfs map and tmpfs Mounts: `noexec,nosuid,nodev,rprivate` then the
 *   user's options, deduplicated keeping the last of each flag/key.
 * - /etc/resolv.conf, /etc/hostname, /etc/hosts: binds of the engine's files
 *   (`rbind,rprivate`, `ro` with a read-only rootfs); a user mount on one of
 *   them replaces the source.
 * - Read-only: `rro` when the runtime supports recursive read-only, else `ro`.
 *
 * Defaults (proc, /dev, …) under a user mount's destination are dropped, and
 * everything under /dev when the user mounts /dev; user mounts are ordered by
 * path depth (stable), after the defaults.
 */
import path from 'node:path';
import { BadRequestError } from '../errors.js';
import type { HostConfig, MountRequest, OciMount, SpecContext } from './types.js';

/** A user mount before it becomes an OCI mount (dockerd's container.Mount). */
export interface UserMount {
  destination: string;
  source: string;
  kind: 'bind' | 'tmpfs';
  writable: boolean;
  /** '' = none */
  propagation: string;
  nonRecursive: boolean;
  readOnlyNonRecursive: boolean;
  /** tmpfs data (comma-separated options) */
  data: string;
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const DEFAULT_PROPAGATION = 'rprivate';
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const invalidSpec = (raw: string): BadRequestError => new BadRequestError(`invalid volume specification: '${raw}'`);

function validMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, propagation: 0, copy: 0 };
  for (const o of mode.split(',')) {
    if (o === 'rw' || o === 'ro') counts.rw++;
    else if (o === 'z' || o === 'Z') counts.label++;
    else if (PROPAGATIONS.includes(o)) counts.propagation++;
    else if (o === 'nocopy') counts.copy++;
    else return false;
  }
  return counts.rw <= 1 && counts.label <= 1 && counts.propagation <= 1 && counts.copy <= 1;
}

function checkTarget(target: string, raw: string, type: string): string {
  if (!target.startsWith('/')) {
    throw new BadRequestError(`${raw ? `invalid volume specification: '${raw}': ` : ''}invalid mount config for type "${type}": invalid mount path: '${target}' mount path must be absolute`);
  }
  const clean = path.posix.normalize(target);
  const dest = clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
  if (dest === '/') throw new BadRequestError(`invalid specification: destination can't be '/'`);
  return dest;
}

function volumeSource(name: string, raw: string, ctx: SpecContext, destination: string): string {
  if (name === '') {
    if (!ctx.anonymousVolumePath) throw new BadRequestError(`anonymous volume for ${destination} needs the engine (SpecContext.anonymousVolumePath)`);
    return ctx.anonymousVolumePath(destination);
  }
  if (!VOLUME_NAME.test(name)) {
    throw new BadRequestError(
      `${raw ? `invalid volume specification: '${raw}': ` : ''}"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  return ctx.volumePath(name);
}

/** One HostConfig.Binds entry. */
export function parseBind(raw: string, ctx: SpecContext): UserMount {
  const arr = raw.split(':');
  if (arr[0] === '' || arr.length > 3) throw invalidSpec(raw);
  let source = '';
  let target: string;
  let mode = '';
  if (arr.length === 1) {
    target = arr[0] as string;
  } else if (arr.length === 2) {
    if (validMode(arr[1] as string)) throw invalidSpec(raw);
    source = arr[0] as string;
    target = arr[1] as string;
  } else {
    source = arr[0] as string;
    target = arr[1] as string;
    mode = arr[2] as string;
  }
  if (!validMode(mode)) throw new BadRequestError(`invalid mode: ${mode}`);
  const opts = mode === '' ? [] : mode.split(',');
  const isBind = source.startsWith('/');
  const propagation = opts.find((o) => PROPAGATIONS.includes(o));
  if (!isBind && propagation) {
    throw new BadRequestError(`invalid volume specification: '${raw}': invalid mount config for type "volume": field BindOptions must not be specified`);
  }
  const destination = checkTarget(target, raw, isBind ? 'bind' : 'volume');
  return {
    destination,
    source: isBind ? path.posix.normalize(source) : volumeSource(source, raw, ctx, destination),
    kind: 'bind',
    writable: !opts.includes('ro'),
    propagation: isBind ? (propagation ?? DEFAULT_PROPAGATION) : '',
    nonRecursive: false,
    readOnlyNonRecursive: false,
    data: '',
  };
}

/** Docker's size for TmpfsOptions.SizeBytes: the largest of g/m/k dividing it exactly. */
function tmpfsSize(bytes: number): string {
  for (const [suffix, div] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
    if (bytes % div === 0) return `size=${bytes / div}${suffix}`;
  }
  return `size=${bytes}`;
}

/** One HostConfig.Mounts entry. */
export function parseMount(m: MountRequest, ctx: SpecContext): UserMount {
  const type = m.Type ?? '';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') {
    throw new BadRequestError(`mount type ${JSON.stringify(type)} is not supported by this engine`);
  }
  const destination = checkTarget(m.Target ?? '', '', type);
  const base = { destination, writable: !m.ReadOnly, nonRecursive: false, readOnlyNonRecursive: false, data: '', propagation: '' };
  if (type === 'tmpfs') {
    if (m.Source) throw new BadRequestError(`invalid mount config for type "tmpfs": field Source must not be specified`);
    const raw: string[] = [];
    if (m.ReadOnly) raw.push('ro');
    const t = m.TmpfsOptions;
    if (t?.Mode) raw.push(`mode=${t.Mode.toString(8)}`);
    if (t?.SizeBytes) raw.push(tmpfsSize(t.SizeBytes));
    for (const o of t?.Options ?? []) raw.push(o.length === 2 ? `${o[0]}=${o[1]}` : (o[0] ?? ''));
    return { ...base, kind: 'tmpfs', source: 'tmpfs', writable: true, data: raw.join(',') };
  }
  if (type === 'bind') {
    const src = m.Source ?? '';
    if (!src.startsWith('/')) throw new BadRequestError(`invalid mount config for type "bind": invalid mount path: '${src}' mount path must be absolute`);
    if (m.VolumeOptions) throw new BadRequestError(`invalid mount config for type "bind": field VolumeOptions must not be specified`);
    return {
      ...base,
      kind: 'bind',
      source: path.posix.normalize(src),
      propagation: m.BindOptions?.Propagation || DEFAULT_PROPAGATION,
      nonRecursive: m.BindOptions?.NonRecursive === true,
      readOnlyNonRecursive: m.BindOptions?.ReadOnlyNonRecursive === true,
    };
  }
  if (m.BindOptions) throw new BadRequestError(`invalid mount config for type "volume": field BindOptions must not be specified`);
  let source = volumeSource(m.Source ?? '', '', ctx, destination);
  const sub = m.VolumeOptions?.Subpath;
  if (sub) {
    const clean = path.posix.normalize(sub);
    if (clean.startsWith('/') || clean === '..' || clean.startsWith('../')) {
      throw new BadRequestError(`invalid mount config for type "volume": subpath must be a relative path within the volume`);
    }
    source = path.posix.join(source, clean);
  }
  return { ...base, kind: 'bind', source };
}

// ---------------------------------------------------------------------------
// tmpfs options

/** Flags by the MS_* bit they set or clear; same key = the later one wins. */
const TMPFS_FLAG_KEYS: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly', suid: 'nosuid', nosuid: 'nosuid', dev: 'nodev', nodev: 'nodev', exec: 'noexec', noexec: 'noexec',
  sync: 'sync', async: 'sync', dirsync: 'dirsync', remount: 'remount', mand: 'mand', nomand: 'mand',
  atime: 'noatime', noatime: 'noatime', diratime: 'nodiratime', nodiratime: 'nodiratime', bind: 'bind', rbind: 'rbind',
  relatime: 'relatime', norelatime: 'relatime', strictatime: 'strictatime', nostrictatime: 'strictatime',
  unbindable: 'propagation', runbindable: 'propagation', private: 'propagation', rprivate: 'propagation',
  shared: 'propagation', rshared: 'propagation', slave: 'propagation', rslave: 'propagation',
};
const TMPFS_DATA_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** moby/sys/mount MergeTmpfsOptions: later options win, order otherwise kept. */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seenFlags = new Set<string>();
  const seenData = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i] as string;
    if (o === 'defaults') continue;
    const flagKey = TMPFS_FLAG_KEYS[o];
    if (flagKey !== undefined) {
      if (!seenFlags.has(flagKey)) {
        out.unshift(o);
        seenFlags.add(flagKey);
      }
      continue;
    }
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    if (eq < 0 || !TMPFS_DATA_KEYS.has(key)) {
      throw new BadRequestError(`Invalid tmpfs option ${JSON.stringify(eq < 0 ? [o] : [key, o.slice(eq + 1)])}`);
    }
    if (!seenData.has(key)) {
      out.unshift(o);
      seenData.add(key);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Assembly

const depth = (p: string): number => (path.posix.normalize(p).match(/\//g) ?? []).length;

export interface MountsInput {
  hostConfig: HostConfig;
  ctx: SpecContext;
  /** The defaults (with /dev/shm sized), plus the init bind if any, in order. */
  defaults: OciMount[];
  /** Image VOLUME destinations. */
  imageVolumes: readonly string[];
  /** IpcMode decides /dev/shm: private → the default tmpfs; none → no /dev/shm; host/shareable/container → a bind. */
  shm: { kind: 'tmpfs' } | { kind: 'none' } | { kind: 'bind'; source: string };
}

export interface MountsResult {
  mounts: OciMount[];
  rootfsPropagation?: string;
}

/** The OCI mounts list and rootfs propagation for a request. */
export function buildMounts(input: MountsInput): MountsResult {
  const { hostConfig: hc, ctx } = input;
  const readonlyRoot = hc.ReadonlyRootfs === true;

  const volumeMounts: UserMount[] = [];
  for (const b of hc.Binds ?? []) volumeMounts.push(parseBind(b, ctx));
  for (const m of hc.Mounts ?? []) volumeMounts.push(parseMount(m, ctx));
  const seen = new Set<string>();
  for (const m of volumeMounts) {
    if (seen.has(m.destination)) throw new BadRequestError(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  const tmpfsFromMounts = volumeMounts.filter((m) => m.kind === 'tmpfs');
  const binds = volumeMounts.filter((m) => m.kind === 'bind');
  for (const dest of Object.keys(hc.Tmpfs ?? {})) {
    if (seen.has(path.posix.normalize(dest))) throw new BadRequestError(`Duplicate mount point: ${dest}`);
  }

  // Image volumes nothing else covers become anonymous volumes.
  const covered = new Set([...seen, ...Object.keys(hc.Tmpfs ?? {}).map((d) => path.posix.normalize(d))]);
  for (const v of input.imageVolumes) {
    const dest = path.posix.normalize(v);
    if (covered.has(dest) || !ctx.anonymousVolumePath) continue;
    binds.push({ destination: dest, source: ctx.anonymousVolumePath(dest), kind: 'bind', writable: true, propagation: '', nonRecursive: false, readOnlyNonRecursive: false, data: '' });
  }

  // The network files; a user mount at one of them supplies the source.
  const networkFiles: [string, string][] = [
    ['/etc/resolv.conf', ctx.resolvConfPath],
    ['/etc/hostname', ctx.hostnamePath],
    ['/etc/hosts', ctx.hostsPath],
  ];
  const userBinds: UserMount[] = [];
  const overrides = new Map<string, UserMount>();
  for (const m of binds) {
    if (networkFiles.some(([d]) => d === m.destination)) overrides.set(m.destination, m);
    else userBinds.push(m);
  }
  const stable = <T extends { destination: string }>(list: T[]): T[] =>
    list.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map((x) => x.m);

  const ms: UserMount[] = stable(userBinds);
  for (const [dest, src] of networkFiles) {
    const o = overrides.get(dest);
    ms.push({
      destination: dest,
      source: o ? o.source : src,
      kind: 'bind',
      writable: o ? o.writable : !readonlyRoot,
      propagation: DEFAULT_PROPAGATION,
      nonRecursive: false,
      readOnlyNonRecursive: false,
      data: '',
    });
  }
  if (input.shm.kind === 'bind') {
    ms.push({ destination: '/dev/shm', source: input.shm.source, kind: 'bind', writable: true, propagation: DEFAULT_PROPAGATION, nonRecursive: false, readOnlyNonRecursive: false, data: '' });
  }
  for (const [dest, data] of Object.entries(hc.Tmpfs ?? {})) {
    ms.push({ destination: path.posix.normalize(dest), source: 'tmpfs', kind: 'tmpfs', writable: true, propagation: '', nonRecursive: false, readOnlyNonRecursive: false, data });
  }
  ms.push(...tmpfsFromMounts);
  const ordered = stable(ms);

  const userDests = new Set(ordered.map((m) => m.destination));
  const mountDev = userDests.has('/dev');
  const out: OciMount[] = [];
  for (const d of input.defaults) {
    if (userDests.has(d.destination)) continue;
    if (mountDev && d.destination.startsWith('/dev/')) continue;
    if (d.destination === '/dev/shm' && input.shm.kind === 'none') continue;
    out.push({ ...d, ...(d.options ? { options: [...d.options] } : {}) });
  }

  let rootfsPropagation: string | undefined;
  for (const m of ordered) {
    if (m.kind === 'tmpfs') {
      const opts = ['noexec', 'nosuid', 'nodev', DEFAULT_PROPAGATION, ...(m.data ? m.data.split(',') : [])];
      out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(opts) });
      continue;
    }
    if (m.propagation === 'shared' || m.propagation === 'rshared') {
      if (rootfsPropagation !== 'shared' && rootfsPropagation !== 'rshared') rootfsPropagation = 'shared';
    } else if (m.propagation === 'slave' || m.propagation === 'rslave') {
      if (rootfsPropagation === undefined || rootfsPropagation === 'private' || rootfsPropagation === 'rprivate') rootfsPropagation = 'rslave';
    }
    const opts = [m.nonRecursive ? 'bind' : 'rbind'];
    if (!m.writable) opts.push(ctx.recursiveReadOnly && !m.readOnlyNonRecursive ? 'rro' : 'ro');
    if (m.propagation) opts.push(m.propagation);
    out.push({ destination: m.destination, type: 'bind', source: m.source, options: opts });
  }

  if (readonlyRoot) {
    const keepRw = new Set(['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev']);
    for (const m of out) {
      if (keepRw.has(m.destination) || userDests.has(m.destination)) continue;
      const options = m.options ?? [];
      if (!options.includes('ro')) m.options = [...options, 'ro'];
    }
  }
  return rootfsPropagation === undefined ? { mounts: out } : { mounts: out, rootfsPropagation };
}
