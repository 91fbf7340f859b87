/**
 * The container's filesystem for one archive request: the overlay's merged
 * dir (mounted for the request when the container is not running, as dockerd
 * mounts a stopped container's rootfs for `docker cp`) plus its volume and
 * bind mounts, opened as a ContainerFs (archive-scope.ts).
 *
 * Mounts made here are counted per container, so concurrent requests share
 * one and the last one out unmounts it, unless the container started
 * meanwhile: start reuses a mounted merged dir and its exit unmounts it.
 */
import { ApiError } from '../errors.js';
import type { ImageStore } from '../images/types.js';
import { KeyedLock } from '../state/keyed-lock.js';
import { ContainerFs, cleanDestination } from './archive-scope.js';
import type { ScopeMount } from './archive-scope.js';
import type { HostOps } from './host-ops.js';
import type { ContainerPaths, ContainerRecord } from './records.js';
import type { ContainerStore } from './store.js';

/** The public parts of the container manager this needs. */
export interface ArchiveDeps {
  store: Pick<ContainerStore, 'find'>;
  paths(id: string): ContainerPaths;
  host: Pick<HostOps, 'isMounted' | 'mountOverlay' | 'unmount'>;
  isRunning(id: string): boolean;
}

export interface OpenedContainer {
  rec: ContainerRecord;
  fs: ContainerFs;
  /** Closes the view and unmounts what this request mounted (once). */
  release(): Promise<void>;
}

interface MountUse {
  count: number;
  mountedByUs: boolean;
}

const lock = new KeyedLock();
const uses = new Map<string, MountUse>();

/** The record's volume and bind mounts, by destination. tmpfs mounts are not listed: as in dockerd, the rootfs shows what lies under them. */
export function scopeMounts(rec: ContainerRecord): ScopeMount[] {
  return rec.Mounts.filter((m) => m.Type === 'volume' || m.Type === 'bind').map((m) => ({
    destination: cleanDestination(m.Destination),
    source: m.Source,
    rw: m.RW,
  }));
}

async function acquireRootfs(deps: ArchiveDeps, images: ImageStore | undefined, rec: ContainerRecord, p: ContainerPaths): Promise<void> {
  await lock.run(p.merged, async () => {
    const use = uses.get(p.merged) ?? { count: 0, mountedByUs: false };
    // Mounted by a running container, by a request still under way, or not at all (any more:
    // an exit unmounts lazily under a request that holds it open).
    if (!deps.host.isMounted(p.merged)) {
      if (!images) throw new ApiError(500, 'image store unavailable');
      const lowers = await images.layerDirs(rec.Image);
      await deps.host.mountOverlay(lowers, p.upper, p.work, p.merged);
      use.mountedByUs = true;
    }
    use.count++;
    uses.set(p.merged, use);
  });
}

async function releaseRootfs(deps: ArchiveDeps, id: string, p: ContainerPaths): Promise<void> {
  await lock.run(p.merged, async () => {
    const use = uses.get(p.merged);
    if (!use) return;
    if (--use.count > 0) return;
    uses.delete(p.merged);
    // A container started meanwhile runs on this mount now; its exit unmounts it.
    if (use.mountedByUs && !deps.isRunning(id) && deps.host.isMounted(p.merged)) await deps.host.unmount(p.merged);
  });
}

/** Opens container `ref` (id, prefix or name) for an archive request; NotFoundError when there is no such container. */
export async function openContainer(deps: ArchiveDeps, images: ImageStore | undefined, ref: string): Promise<OpenedContainer> {
  const rec = deps.store.find(ref);
  const p = deps.paths(rec.Id);
  await acquireRootfs(deps, images, rec, p);
  let view: ContainerFs;
  try {
    view = await ContainerFs.open(p.merged, { readOnlyRootfs: rec.HostConfig.ReadonlyRootfs === true, mounts: scopeMounts(rec) });
  } catch (e) {
    await releaseRootfs(deps, rec.Id, p);
    throw e;
  }
  let released: Promise<void> | undefined;
  return {
    rec,
    fs: view,
    release: () =>
      (released ??= (async () => {
        await view.close();
        await releaseRootfs(deps, rec.Id, p);
      })()),
  };
}
