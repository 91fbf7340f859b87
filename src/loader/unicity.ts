/**
 * compose-go override.EnforceUnicity: after a merge has appended one file's
 * sequence to another's, entries that declare the same thing (same env key,
 * same container path, same published port...) are collapsed, the later one
 * taking the place of the first. Only the sequences listed in UNIQUE_RULES
 * are touched, and sequence items are not walked into (as compose-go).
 */
import { clone, isMapping, type Mapping, type Value } from '../model/tree.js';
import { PathRules } from '../model/tree-path.js';
import { goFormat, goNext, goParts, goTypeName, mergeError, setKey } from './merge-rules.js';

/** The identity of one sequence entry; `path` is the entry's Go path (`...ports.[2]`). */
type Indexer = (entry: Value, path: string) => string;

/** `KEY=VALUE` (or bare `KEY`) lists: the key. Anything but a string is an error. */
const keyValue: Indexer = (entry, path) => {
  if (typeof entry !== 'string') throw mergeError(`${path}: unexpected type ${goTypeName(entry)}`, path);
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
};

/** Service volumes: the container path, from the long syntax or the parsed short one. */
const volume: Indexer = (entry, path) => {
  if (isMapping(entry)) {
    const target = entry['target'];
    if (typeof target !== 'string') throw mergeError(`service volume ${path} is missing a mount target`, path);
    return target;
  }
  if (typeof entry === 'string') return volumeTarget(entry, path);
  return '';
};

/** Devices: the container path, the second `:` field of the short syntax (or the only one). */
const device: Indexer = (entry, path) => {
  if (isMapping(entry)) {
    const target = entry['target'];
    if (typeof target !== 'string') throw mergeError(`service device ${path} is missing a mount target`, path);
    return target;
  }
  if (typeof entry === 'string') {
    const fields = entry.split(':');
    return fields.length === 1 ? (fields[0] ?? '') : (fields[1] ?? '');
  }
  return '';
};

const expose: Indexer = (entry, path) => {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'number' && goTypeName(entry) === 'int') return goFormat(entry, 'v');
  throw mergeError(`${path}: unsupported expose value ${goFormat(entry, 's')}`, path);
};

/** Secrets and configs: the explicit target, else `<default dir>/<source>`. */
function mount(defaultDir: string): Indexer {
  return (entry, path) => {
    if (typeof entry === 'string') return `${defaultDir}/${entry}`;
    if (isMapping(entry)) {
      if (Object.hasOwn(entry, 'target')) {
        const target = entry['target'];
        // Go asserts a string here and would panic on anything else.
        if (typeof target !== 'string') throw mergeError(`${path}: target must be a string`, path);
        return target;
      }
      return `${defaultDir}/${goFormat(entry['source'], 's')}`;
    }
    throw mergeError(`${path}: unsupported expose value ${goFormat(entry, 's')}`, path);
  };
}

/**
 * Ports: short syntax by its literal text (an int by its digits); long syntax
 * by `host_ip:published:target/protocol`, host and protocol defaulting to
 * 0.0.0.0 and tcp. Formatted with Go's verbs, so `published: 8080` and
 * `published: "8080"` are different keys, as in compose-go.
 */
const port: Indexer = (entry, path) => {
  if (typeof entry === 'number') return goTypeName(entry) === 'int' ? goFormat(entry, 'v') : '';
  if (typeof entry === 'string') return entry;
  if (!isMapping(entry)) return '';
  if (!Object.hasOwn(entry, 'target')) throw mergeError(`service ports ${path} is missing a target port`, path);
  const host = Object.hasOwn(entry, 'host_ip') ? entry['host_ip'] : '0.0.0.0';
  const protocol = Object.hasOwn(entry, 'protocol') ? entry['protocol'] : 'tcp';
  const published = entry['published'] ?? null;
  return `${goFormat(host, 's')}:${goFormat(published, 's')}:${goFormat(entry['target'], 'd')}/${goFormat(protocol, 's')}`;
};

/** env_file entries: the path, from the string or the long syntax. */
const envFile: Indexer = (entry, path) => {
  if (typeof entry === 'string') return entry;
  if (isMapping(entry)) {
    if (!Object.hasOwn(entry, 'path')) throw mergeError(`environment path attribute ${path} is missing`, path);
    const p = entry['path'];
    if (typeof p !== 'string') throw mergeError(`${path}: path must be a string`, path);
    return p;
  }
  return '';
};

/** compose-go `unique`, by path pattern. */
export const UNIQUE_RULES = new PathRules<Indexer>({
  'networks.*.labels': keyValue,
  'networks.*.ipam.options': keyValue,
  'services.*.annotations': keyValue,
  'services.*.build.args': keyValue,
  'services.*.build.additional_contexts': keyValue,
  'services.*.build.platform': keyValue,
  'services.*.build.tags': keyValue,
  'services.*.build.labels': keyValue,
  'services.*.cap_add': keyValue,
  'services.*.cap_drop': keyValue,
  // compose-go registers devices twice; the device indexer is the one left in its map.
  'services.*.devices': device,
  'services.*.configs': mount(''),
  'services.*.deploy.labels': keyValue,
  'services.*.dns': keyValue,
  'services.*.dns_opt': keyValue,
  'services.*.dns_search': keyValue,
  'services.*.environment': keyValue,
  'services.*.env_file': envFile,
  'services.*.expose': expose,
  'services.*.labels': keyValue,
  'services.*.links': keyValue,
  'services.*.networks.*.aliases': keyValue,
  'services.*.networks.*.link_local_ips': keyValue,
  'services.*.ports': port,
  'services.*.profiles': keyValue,
  'services.*.secrets': mount('/run/secrets'),
  'services.*.sysctls': keyValue,
  'services.*.tmpfs': keyValue,
  'services.*.volumes': volume,
});

/** Drops redefinitions in the sequences compose-go keeps unique; returns a new tree. */
export function enforceUnicity(tree: Mapping): Mapping {
  const out = clone(tree);
  walk(out, '');
  return out;
}

function walk(value: Value, path: string): Value {
  if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) setKey(value, k, walk(v, goNext(path, k)));
    return value;
  }
  if (!Array.isArray(value)) return value;
  const indexer = UNIQUE_RULES.find(goParts(path));
  if (indexer === undefined) return value;
  const seq: Value[] = [];
  const seen = new Map<string, number>();
  value.forEach((entry, i) => {
    const key = indexer(entry, goNext(path, `[${i}]`));
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, seq.length);
      seq.push(entry);
    } else {
      // The later definition wins, in the place of the first.
      seq[at] = entry;
    }
  });
  return seq;
}

/**
 * The container path of a short-syntax volume, as compose-go's
 * format.ParseVolume finds it: `:`-separated fields, a one-letter field
 * followed by `:` taken as a Windows drive, `${...}` not split, and a single
 * field (`/data`) being the target of an anonymous volume.
 */
export function volumeTarget(spec: string, path: string): string {
  const fail = (why: string): never => {
    throw mergeError(`invalid spec: ${spec}: ${why}`, path);
  };
  const size = Buffer.byteLength(spec, 'utf8');
  if (size === 0) throw mergeError('invalid empty volume spec', path);
  if (size <= 2) return spec;

  const END = '\0';
  const chars = [...spec, END];
  let source = '';
  let target = '';
  let buffer: string[] = [];
  let inVar = 0;
  const flush = (ch: string): void => {
    const text = buffer.join('');
    if (buffer.length === 0) fail('empty section between colons');
    else if (source === '' && ch === END) target = text;
    else if (source === '') source = text;
    else if (target === '') target = text;
    else if (ch === ':') fail('too many colons');
    // A third field holds options (ro, rw, nocopy, z, ...), not the target.
  };
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? END;
    if (ch === '$' && i + 1 < chars.length - 1 && chars[i + 1] === '{') {
      inVar++;
      buffer.push(ch);
      continue;
    }
    if (ch === '}' && inVar > 0) {
      inVar--;
      buffer.push(ch);
      continue;
    }
    const windowsDrive = ch === ':' && buffer.length === 1 && /^\p{L}$/u.test(buffer[0] ?? '');
    if (windowsDrive) {
      buffer.push(ch);
    } else if ((ch === ':' || ch === END) && inVar === 0) {
      flush(ch);
      buffer = [];
    } else {
      buffer.push(ch);
    }
  }
  return target;
}
