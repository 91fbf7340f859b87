/**
 * Volume copy-up, as dockerd does it (daemon populateVolumes, container
 * CopyImagePathContent): when a container is created, every volume it mounts
 * (named or anonymous, Binds or Mounts or an image VOLUME) gets what the
 * image has at the mount's destination, if
 *
 *  - the mount does not say `nocopy` (Binds mode) / VolumeOptions.NoCopy,
 *  - the destination exists in the image (resolved in the container's root:
 *    a symlink there leads to the image's own files, never the host's),
 *  - and the volume (or its VolumeOptions.Subpath) is empty at that moment.
 *
 * Only at create: a second container on the same volume, or a later start,
 * finds it filled and leaves it as it is. An image VOLUME over a file makes
 * the create fail, as in dockerd ("cannot mount volume over existing file");
 * a named volume over a file is left to the runtime.
 *
 * populateTargets (pure) decides what to copy; populateVolumes does it over
 * directory fds (archive-scope.ts, volume-copy.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../errors.js';
import type { Logger } from '../server/logger.js';
import { KeyedLock } from '../state/keyed-lock.js';
import { ScopeError, walkInScope } from './archive-resolve.js';
import { ContainerFs, cleanDestination } from './archive-scope.js';
import type { DirHandle } from './archive-scope.js';
import type { HostConfig, OciMount } from './types.js';
import { copyTree } from './volume-copy.js';

export interface PopulateTarget {
  /** Where the volume is mounted in the container (absolute, clean). */
  destination: string;
  volume: string;
  /** The volume's data dir on the host. */
  volumeDir: string;
  /** VolumeOptions.Subpath inside it ('' for the whole volume). */
  subpath: string;
  /** An image VOLUME's anonymous volume (no user mount at its destination). */
  fromImage: boolean;
}

export interface PopulatePlanInput {
  /** The spec's mounts: what is really mounted where. */
  mounts: readonly OciMount[];
  hostConfig: HostConfig;
  /** Image (and Config) VOLUME destinations. */
  imageVolumes: readonly string[];
  /** Every volume the container uses: name → data dir. */
  volumeDirs: ReadonlyMap<string, string>;
}

/** Destinations whose Binds entry or Mounts entry says not to copy. */
function noCopyDestinations(hc: HostConfig): Set<string> {
  const out = new Set<string>();
  for (const raw of hc.Binds ?? []) {
    const arr = raw.split(':');
    if (arr.length === 3 && (arr[2] as string).split(',').includes('nocopy')) out.add(cleanDestination(arr[1] as string));
  }
  for (const m of hc.Mounts ?? []) {
    if (m.Type === 'volume' && m.VolumeOptions?.NoCopy === true && m.Target) out.add(cleanDestination(m.Target));
  }
  return out;
}

/** Destinations the user mounted something at (an image VOLUME there is not the image's). */
function userDestinations(hc: HostConfig): Set<string> {
  const out = new Set<string>();
  for (const raw of hc.Binds ?? []) {
    const arr = raw.split(':');
    const dest = arr.length === 1 ? arr[0] : arr[1];
    if (dest) out.add(cleanDestination(dest));
  }
  for (const m of hc.Mounts ?? []) if (m.Target) out.add(cleanDestination(m.Target));
  for (const d of Object.keys(hc.Tmpfs ?? {})) out.add(cleanDestination(d));
  return out;
}

/** The volume mounts to fill, in mount order (a volume inside another comes after it). */
export function populateTargets(input: PopulatePlanInput): PopulateTarget[] {
  const noCopy = noCopyDestinations(input.hostConfig);
  const user = userDestinations(input.hostConfig);
  const image = new Set(input.imageVolumes.map(cleanDestination));
  const out: PopulateTarget[] = [];
  for (const m of input.mounts) {
    if (m.type !== 'bind' || m.source === undefined) continue;
    const destination = cleanDestination(m.destination);
    if (noCopy.has(destination)) continue;
    for (const [volume, dir] of input.volumeDirs) {
      if (m.source !== dir && !m.source.startsWith(`${dir}/`)) continue;
      out.push({
        destination,
        volume,
        volumeDir: dir,
        subpath: path.posix.relative(dir, m.source),
        fromImage: image.has(destination) && !user.has(destination),
      });
      break;
    }
  }
  return out;
}

const lock = new KeyedLock();

/** The directory `rel` names under `cfs`'s root, resolved in scope; undefined when it is missing or not a directory. */
async function dirInScope(cfs: ContainerFs, rel: string, arena: ReturnType<ContainerFs['arena']>): Promise<{ dir: DirHandle } | { missing: 'ENOENT' | 'ENOTDIR' }> {
  try {
    const frames = await walkInScope(cfs.view(arena), [cfs.root], rel, 'error');
    return { dir: (frames[frames.length - 1] as { handle: DirHandle }).handle };
  } catch (e) {
    if (e instanceof ScopeError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return { missing: e.code };
    throw e;
  }
}

async function populateOne(rootfs: string, t: PopulateTarget, log: Logger): Promise<void> {
  const src = await ContainerFs.open(rootfs, { readOnlyRootfs: true, mounts: [] });
  let dst: ContainerFs | undefined;
  const srcArena = src.arena();
  try {
    const from = await dirInScope(src, t.destination, srcArena);
    if ('missing' in from) {
      if (from.missing === 'ENOTDIR' && t.fromImage) {
        throw new ApiError(500, `cannot mount volume over existing file, file exists ${path.join(rootfs, t.destination)}`);
      }
      return;
    }
    dst = await ContainerFs.open(t.volumeDir, { readOnlyRootfs: false, mounts: [] });
    const dstArena = dst.arena();
    const to = t.subpath === '' ? { dir: dst.root.handle as DirHandle } : await dirInScope(dst, t.subpath, dstArena);
    if ('missing' in to) return;
    if ((await fs.promises.readdir(dst.proc(to.dir))).length > 0) {
      log.debug(`volume ${t.volume}: not empty, image content at ${t.destination} not copied`);
      return;
    }
    log.debug(`volume ${t.volume}: copying the image's ${t.destination}`);
    await copyTree(src, from.dir, t.destination, dst, to.dir, (m) => log.warn(`volume ${t.volume}: ${m}`));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(500, `failed to populate volume ${t.volume} from ${t.destination}: ${(e as Error).message}`);
  } finally {
    await srcArena.close();
    await src.close();
    await dst?.close();
  }
}

/**
 * Fills each target from the image in `rootfs` (the container's mounted
 * overlay). One volume is filled by one create at a time, so two containers
 * made together on a new volume copy once.
 */
export async function populateVolumes(rootfs: string, targets: readonly PopulateTarget[], log: Logger): Promise<void> {
  for (const t of targets) await lock.run(t.volumeDir, () => populateOne(rootfs, t, log));
}
