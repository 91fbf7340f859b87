/**
 * The image config document (OCI `application/vnd.oci.image.config.v1+json`,
 * same shape as Docker's): parsing with validation, and the common plan
 * both archive formats produce for `load`.
 */
import { BadRequestError } from '../errors.js';
import type { StagedFile } from './archive-read.js';
import { DIGEST_RE, sha256 } from './digest.js';
import { validateOci } from './oci-schema.js';
import type { ImageConfig } from './types.js';

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ConfigDoc {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  /** Docker's extras, kept when present. */
  comment?: string;
  docker_version?: string;
}

/** Parse and check a config blob; `what` names it in errors. */
export function parseConfig(bytes: Uint8Array, what: string): ConfigDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  validateOci('config', doc, what);
  const c = doc as Partial<ConfigDoc>;
  if (typeof c.architecture !== 'string' || typeof c.os !== 'string') throw new BadRequestError(`${what}: architecture and os are required`);
  if (c.rootfs?.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids)) throw new BadRequestError(`${what}: rootfs must be {type: "layers", diff_ids: […]}`);
  for (const d of c.rootfs.diff_ids) {
    if (typeof d !== 'string' || !DIGEST_RE.test(d)) throw new BadRequestError(`${what}: unsupported diffID "${String(d)}" (sha256 only)`);
  }
  return c as ConfigDoc;
}

export interface ImagePlan {
  id: string;
  configBytes: Buffer;
  config: ConfigDoc;
  /** One per diff_id, bottom first. */
  layers: Array<{ staged: StagedFile; what: string }>;
  /** Tag keys (`docker.io/library/busybox:latest`). */
  names: string[];
  /** How the archive named the image, for errors. */
  what: string;
}

/** Build a plan after checking the config against its expected digest and layer count. */
export function makePlan(configBytes: Buffer, expectedId: string | undefined, layers: ImagePlan['layers'], names: string[], what: string): ImagePlan {
  const id = sha256(configBytes);
  if (expectedId !== undefined && expectedId !== id) {
    throw new BadRequestError(`${what}: config digest mismatch: expected ${expectedId}, content hashes to ${id}`);
  }
  const config = parseConfig(configBytes, `${what}: config`);
  if (config.rootfs.diff_ids.length !== layers.length) {
    throw new BadRequestError(`${what}: config lists ${config.rootfs.diff_ids.length} layers but the manifest has ${layers.length}`);
  }
  return { id, configBytes, config, layers, names, what };
}
