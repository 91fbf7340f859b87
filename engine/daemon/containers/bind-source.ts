/**
 * Bind mounts' host paths, as dockerd treats them:
 *
 *  - HostConfig.Mounts, Type bind: the source must exist when the container
 *    is created (400, `invalid mount config for type "bind": bind source path
 *    does not exist: /x`), unless BindOptions.CreateMountpoint asks for it to
 *    be made (volume/mounts linuxParser.ValidateMountConfig, checked with the
 *    rest of the request before the image is looked up).
 *  - HostConfig.Binds `/host:/ctr`: a missing source is made, mode 0755, when
 *    the container starts (MountPoint.Setup's MkdirAllAndChownNew), as are the
 *    sources of Mounts with CreateMountpoint. A source that exists as a file
 *    is left alone.
 *
 * Which entries are binds with an absolute source is decided here by the same
 * rules as mounts.ts; malformed entries are left for mounts.ts to reject.
 */
import fs from 'node:fs';
import { ApiError, BadRequestError } from '../errors.js';
import { goClean } from './archive-resolve.js';
import type { HostConfig } from './types.js';

/** The Mounts entries of type bind that may name a source to check: target and source absolute, no VolumeOptions. */
function wellFormedBindMounts(hc: HostConfig | undefined): { source: string; create: boolean }[] {
  const out: { source: string; create: boolean }[] = [];
  for (const m of hc?.Mounts ?? []) {
    if (m.Type !== 'bind') continue;
    const target = m.Target ?? '';
    const source = m.Source ?? '';
    if (!target.startsWith('/') || goClean(target) === '/' || !source.startsWith('/') || m.VolumeOptions) continue;
    out.push({ source: goClean(source), create: m.BindOptions?.CreateMountpoint === true });
  }
  return out;
}

/** Throws Docker's 400 for the first Mounts bind whose source does not exist (and may not be made). */
export function checkBindMountSources(hc: HostConfig | undefined, exists: (p: string) => boolean = fs.existsSync): void {
  for (const m of wellFormedBindMounts(hc)) {
    if (!m.create && !exists(m.source)) {
      throw new BadRequestError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
    }
  }
}

/** The host directories a start makes when missing: Binds' absolute sources, then Mounts' with CreateMountpoint. */
export function bindSourcesToCreate(hc: HostConfig | undefined): string[] {
  const out: string[] = [];
  for (const raw of hc?.Binds ?? []) {
    const arr = raw.split(':');
    const source = arr[0] ?? '';
    if (arr.length >= 2 && source.startsWith('/')) out.push(goClean(source));
  }
  for (const m of wellFormedBindMounts(hc)) if (m.create) out.push(m.source);
  return [...new Set(out)];
}

/** Go's wording of a Node fs error: `EACCES: permission denied, mkdir '/x'` → `permission denied`. */
function errnoText(e: NodeJS.ErrnoException): string {
  return e.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+ '.*'$/, '');
}

/** Makes the missing bind sources (0755, owned by the daemon's root), as dockerd does before each start. */
export async function ensureBindSources(hc: HostConfig | undefined): Promise<void> {
  for (const dir of bindSourcesToCreate(hc)) {
    try {
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // An existing file (or a path through one) is the runtime's to judge, as in dockerd.
      if (code === 'EEXIST' || code === 'ENOTDIR') continue;
      throw new ApiError(500, `error while creating mount source path '${dir}': mkdir ${dir}: ${errnoText(e as NodeJS.ErrnoException)}`);
    }
  }
}
