/**
 * `docker import`: the config for a one-layer image made from a rootfs
 * tarball. The bytes written here are the image: its id is their sha256.
 */
import { BadRequestError } from '../errors.js';
import { applyChanges } from './changes.js';
import type { ConfigDoc } from './image-config.js';
import type { ImageConfig, ImportOptions } from './types.js';

function platformOf(p: string | undefined): { os: string; architecture: string; variant?: string } {
  // Docker's import defaults to linux/amd64 here (no daemon platform detection on these machines).
  if (!p) return { os: 'linux', architecture: 'amd64' };
  const parts = p.split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || parts.some((x) => !/^[a-z0-9_.-]+$/.test(x))) {
    throw new BadRequestError(`invalid platform "${p}": expected os/arch[/variant]`);
  }
  if (os !== 'linux') throw new BadRequestError(`invalid platform "${p}": only linux images are supported`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** The config JSON bytes for an imported rootfs whose tar hashes to `diffID`. */
export function importConfig(diffID: string, opts: ImportOptions, now = new Date()): Buffer {
  const cfg: ImageConfig = applyChanges({}, opts.changes ?? []);
  const created = now.toISOString();
  const plat = platformOf(opts.platform);
  const doc: ConfigDoc = {
    architecture: plat.architecture,
    ...(opts.message ? { comment: opts.message } : {}),
    config: cfg,
    created,
    history: [{ created, comment: opts.message || 'Imported from -' }],
    os: plat.os,
    rootfs: { type: 'layers', diff_ids: [diffID] },
    ...(plat.variant ? { variant: plat.variant } : {}),
  };
  return Buffer.from(JSON.stringify(doc));
}
