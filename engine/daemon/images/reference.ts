/**
 * Image reference parsing and normalisation, as distribution/reference
 * (used by Docker) does it: `busybox` is `docker.io/library/busybox:latest`
 * internally and is shown back as `busybox:latest`.
 */
import { BadRequestError } from '../errors.js';

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);
const ID_RE = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host, `docker.io` by default. */
  domain: string;
  /** Repository path, `library/busybox` for official images. */
  path: string;
  tag?: string;
  digest?: string;
}

function invalid(s: string, why = ''): BadRequestError {
  return new BadRequestError(`invalid reference format: ${why || `"${s}"`}`);
}

/** Docker's ParseNormalizedNamed: a name (with optional tag and digest) in its full form. */
export function parseNormalizedNamed(s: string): Reference {
  if (ID_RE.test(s)) throw new BadRequestError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  if (s === '') throw invalid(s);
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw invalid(s);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid(s);
  }
  // splitDockerDomain: the first component is a registry only when it looks like one.
  let domain = DEFAULT_DOMAIN;
  let remainder = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      remainder = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  if (remainder.toLowerCase() !== remainder) throw invalid(s, `repository name (${remainder}) must be lowercase`);
  if (!DOMAIN_RE.test(domain) || !PATH_RE.test(remainder)) throw invalid(s);
  if (`${domain}/${remainder}`.length > NAME_TOTAL_LENGTH_MAX) throw invalid(s, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const ref: Reference = { domain, path: remainder };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Parse; undefined instead of throwing (for "is this a name or an id?" checks). */
export function tryParseNormalizedNamed(s: string): Reference | undefined {
  try {
    return parseNormalizedNamed(s);
  } catch {
    return undefined;
  }
}

export function validateTag(tag: string): void {
  if (!TAG_RE.test(tag)) throw new BadRequestError(`invalid tag format "${tag}"`);
}

/** `docker.io/library/busybox` (no tag). */
export function fullName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** `busybox`, `user/app`, `localhost:5000/app`. */
export function familiarName(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return fullName(r);
  if (r.path.startsWith('library/') && !r.path.slice(8).includes('/')) return r.path.slice(8);
  return r.path;
}

/** The key repositories.json uses: full name with the tag (default `latest`). */
export function tagKey(r: Reference): string {
  return `${fullName(r)}:${r.tag ?? DEFAULT_TAG}`;
}

/** `busybox:latest` from a tag key. */
export function familiarTagKey(key: string): string {
  const r = parseNormalizedNamed(key);
  return `${familiarName(r)}:${r.tag ?? DEFAULT_TAG}`;
}

/** Full repository name (no tag) of a tag key. */
export function repoOfTagKey(key: string): string {
  return fullName(parseNormalizedNamed(key));
}
