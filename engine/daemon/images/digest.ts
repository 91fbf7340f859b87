/** sha256 digests: parsing, hashing, and the OCI chain ID. */
import { createHash } from 'node:crypto';
import { BadRequestError } from '../errors.js';

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
export const HEX64_RE = /^[a-f0-9]{64}$/;

export function sha256(data: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** The hex part of a `sha256:` digest, refusing anything else (other algorithms, bad hex). */
export function digestHex(digest: string, what = 'digest'): string {
  if (!DIGEST_RE.test(digest)) throw new BadRequestError(`invalid ${what} "${digest}": only sha256 digests are supported`);
  return digest.slice(7);
}

/**
 * ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)),
 * per the OCI image spec: a layer's identity includes everything beneath it.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let prev: string | undefined;
  for (const d of diffIds) {
    prev = prev === undefined ? d : sha256(`${prev} ${d}`);
    out.push(prev);
  }
  return out;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
