/**
 * Service `volumes:` short syntax -> long syntax, as compose-go
 * format/volume.go ParseVolume + transform/volume.go.
 *
 * Part of the canonical stage (see canonical.ts for the stage order).
 *
 * `src:dst[:opts]`: a source starting with `.`, `/`, `~`, `\\` or a Windows
 * drive is a bind mount (with `bind.create_host_path: true`, the legacy
 * docker-compose behaviour of short syntax), anything else a named volume.
 * A lone path is an anonymous volume. Options: `ro`/`rw`, `nocopy`,
 * SELinux `z`/`Z`, propagation `(r)shared`/`(r)slave`/`(r)private`; unknown
 * options are ignored, like compose-go does. `${...}` left by
 * `--no-interpolate` is kept whole even when it contains `:`.
 */
import type { Mapping } from '../model/tree.js';
import { cleanPosix } from './canonical-path.js';

export class VolumeSpecError extends Error {}

const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);
const SELINUX = new Set(['z', 'Z']);

interface Parsed {
  source: string;
  target: string;
  readOnly: boolean;
  nocopy: boolean;
  propagation?: string;
  selinux?: string;
}

export function parseVolumeSpec(spec: string): Mapping {
  if (spec.length === 0) throw new VolumeSpecError('invalid empty volume spec');
  if (spec.length <= 2) {
    // Too short to hold a `:`: an anonymous volume at that path.
    return { type: 'volume', target: cleanPosix(spec) };
  }
  const v: Parsed = { source: '', target: '', readOnly: false, nocopy: false };
  const chars = [...spec];
  let buffer = '';
  let depth = 0;
  let hasBind = false;
  for (let i = 0; i <= chars.length; i++) {
    const c = i < chars.length ? chars[i] : undefined; // undefined = end of spec
    if (c === '$' && chars[i + 1] === '{') {
      depth++;
      buffer += c;
      continue;
    }
    if (c === '}' && depth > 0) {
      depth--;
      buffer += c;
      continue;
    }
    if (c === ':' && buffer.length === 1 && /\p{L}/u.test(buffer)) {
      // Windows drive letter: `C:\path`.
      buffer += c;
    } else if ((c === ':' || c === undefined) && depth === 0) {
      try {
        hasBind = populate(c === undefined, buffer, v) || hasBind;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new VolumeSpecError(`invalid spec: ${spec}: ${msg}`);
      }
      buffer = '';
    } else {
      buffer += c ?? '';
    }
  }
  return toMapping(v, hasBind);
}

/** Fill the next field; returns true when a bind-only option was seen. */
function populate(atEnd: boolean, buffer: string, v: Parsed): boolean {
  if (buffer.length === 0) throw new Error('empty section between colons');
  if (v.source === '' && atEnd) {
    v.target = buffer;
    return false;
  }
  if (v.source === '') {
    v.source = buffer;
    return false;
  }
  if (v.target === '') {
    v.target = buffer;
    return false;
  }
  if (!atEnd) throw new Error('too many colons');
  let bind = false;
  for (const option of buffer.split(',')) {
    if (option === 'ro') v.readOnly = true;
    else if (option === 'rw') v.readOnly = false;
    else if (option === 'nocopy') v.nocopy = true;
    else if (PROPAGATIONS.has(option)) {
      v.propagation = option;
      bind = true;
    } else if (SELINUX.has(option)) {
      v.selinux = option;
      bind = true;
    }
  }
  return bind;
}

function toMapping(v: Parsed, hasBindOptions: boolean): Mapping {
  const isBind = isFilePath(v.source);
  const out: Mapping = { type: isBind ? 'bind' : 'volume' };
  // The source is kept as written: path resolution makes it absolute later.
  if (v.source !== '') out['source'] = v.source;
  out['target'] = v.target === '' ? '' : cleanPosix(v.target);
  if (v.readOnly) out['read_only'] = true;
  if (isBind || hasBindOptions) {
    const bind: Mapping = {};
    if (v.propagation !== undefined) bind['propagation'] = v.propagation;
    if (v.selinux !== undefined) bind['selinux'] = v.selinux;
    if (isBind) bind['create_host_path'] = true;
    out['bind'] = bind;
  }
  if (!isBind || v.nocopy) {
    out['volume'] = v.nocopy ? { nocopy: true } : {};
  }
  return out;
}

function isFilePath(source: string): boolean {
  if (source === '') return false;
  const c = source[0];
  if (c === '.' || c === '/' || c === '~') return true;
  if (source.startsWith('\\\\')) return true; // Windows named pipe
  const chars = [...source];
  return chars.length > 1 && /\p{L}/u.test(chars[0] ?? '') && chars[1] === ':';
}
