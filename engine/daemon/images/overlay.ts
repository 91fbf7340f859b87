/**
 * The overlayfs on-disk form of OCI whiteouts, behind a small seam because
 * Node has no mknod or xattr API:
 *  - a whiteout is a 0:0 character device, made with coreutils `mknod`
 *    (needs CAP_MKNOD, i.e. root);
 *  - an opaque directory carries `trusted.overlay.opaque=y`, set with
 *    `setfattr` from Debian's attr package (needs CAP_SYS_ADMIN).
 * When either cannot be done (not root, attr missing) the caller records the
 * path in the layer record and layerDirs() refuses to hand the layer out, so
 * a container never silently sees files its image deleted.
 */
import { execFile } from 'node:child_process';

export interface OverlaySeam {
  /** Make `abs` an overlayfs whiteout. Resolves false when this host cannot. */
  whiteout(abs: string): Promise<boolean>;
  /** Mark directory `abs` opaque. Resolves false when this host cannot. */
  opaque(abs: string): Promise<boolean>;
}

function run(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err) => resolve(!err));
  });
}

export const hostOverlay: OverlaySeam = {
  whiteout: (abs) => run('mknod', ['--', abs, 'c', '0', '0']),
  opaque: (abs) => run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', '--', abs]),
};
