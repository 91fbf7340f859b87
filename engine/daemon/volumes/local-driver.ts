/**
 * The rules of dockerd's `local` volume driver: which names it accepts and
 * which driver options (mount(8)-style `type`, `o`, `device`). Options are only
 * recorded for now; mounting them comes with containers.
 */
import { BadRequestError } from '../errors.js';

/** dockerd's volume name rule (also keeps names safe as a single path component). */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function isValidVolumeName(name: string): boolean {
  return NAME.test(name);
}

export function checkVolumeName(name: string): void {
  if (!isValidVolumeName(name)) {
    throw new BadRequestError(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

const VALID_OPTS = ['type', 'o', 'device'];

export function checkLocalOpts(opts: Readonly<Record<string, string>>): void {
  const keys = Object.keys(opts);
  if (keys.length === 0) return;
  for (const k of keys) {
    if (k === 'size') throw new BadRequestError('quota size requested but no quota support');
    if (!VALID_OPTS.includes(k)) throw new BadRequestError(`invalid option: "${k}"`);
  }
  // As dockerd: options describe a mount, which needs both what and how.
  for (const required of ['type', 'device']) {
    if (!opts[required]) throw new BadRequestError(`missing required option: "${required}"`);
  }
  if (opts['type'] === 'bind' || /(^|,)bind(,|$)/.test(opts['o'] ?? '')) {
    if (!opts['device']?.startsWith('/')) throw new BadRequestError(`invalid option: "device": bind mounts need an absolute path`);
  }
}
