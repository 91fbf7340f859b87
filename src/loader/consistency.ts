/**
 * compose-go's checkConsistency (loader/validate.go): run on the normalized model
 * with profiles applied, skipped by `--no-consistency`. It checks each service on
 * its own (image or build, healthcheck form, scale, mounts, …) and its references
 * to other services and to networks, volumes, configs, secrets and models; then
 * that every secret has a source. The first problem is reported, services in file
 * order, checks in compose-go's order, with compose-go's message; most end with
 * `: invalid compose project` (errdefs.ErrInvalid).
 *
 * Dependency cycles are not checked here: load.ts runs graph/graph.ts right after.
 * Optional dependencies on services disabled by profiles must already be removed
 * from the tree (load.ts does); what remains must exist.
 */
import { ComposeError } from '../model/errors.js';
import type { Mapping, Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import { parseVolumeSpec } from './canonical-volumes.js';
import type { LoadContext } from './context.js';
import { parseBytes } from './units.js';

const INVALID = 'invalid compose project';

export function checkConsistency(tree: Mapping, ctx: LoadContext): void {
  const services = mappingAt(tree, 'services');
  const top = {
    networks: mappingAt(tree, 'networks'),
    volumes: mappingAt(tree, 'volumes'),
    secrets: mappingAt(tree, 'secrets'),
    configs: mappingAt(tree, 'configs'),
    models: mappingAt(tree, 'models'),
  };
  const fail = (message: string, path: string): never => {
    throw new ComposeError('E_INVALID', message, ctx.sources.locate(path));
  };

  for (const [name, raw] of Object.entries(services)) {
    const s = isMapping(raw) ? raw : {};
    const at = (...rest: Array<string | number>): string => pathOf(['services', name, ...rest]);
    const build = s['build'];
    const buildMap: Mapping | undefined = isMapping(build) ? build : typeof build === 'string' ? { context: build } : undefined;

    if (!buildMap && !nonEmptyString(s['image']) && !isMapping(s['provider'])) {
      fail(`service ${q(name)} has neither an image nor a build context specified: ${INVALID}`, at());
    }

    if (buildMap) {
      if (nonEmptyString(buildMap['dockerfile_inline']) && nonEmptyString(buildMap['dockerfile'])) {
        fail(`service ${q(name)} declares mutualy exclusive dockerfile and dockerfile_inline: ${INVALID}`, at('build'));
      }
      for (const [ctxName, ref] of entries(buildMap['additional_contexts'])) {
        if (typeof ref !== 'string' || !ref.startsWith('service:')) continue;
        const target = ref.slice('service:'.length);
        const t = services[target];
        if (t === undefined) {
          fail(`service ${q(name)} declares unknown service ${q(target)} as additional contexts ${ctxName}`, at('build', 'additional_contexts'));
        }
        if (!isMapping(t) || t['build'] === undefined || t['build'] === null) {
          fail(`service ${q(name)} declares non-buildable service ${q(target)} as additional contexts ${ctxName}`, at('build', 'additional_contexts'));
        }
      }
      const platforms = stringList(buildMap['platforms']);
      const platform = s['platform'];
      if (platforms.length > 0 && nonEmptyString(platform) && !platforms.includes(platform)) {
        fail(`service.build.platforms MUST include service.platform ${q(platform)}: ${INVALID}`, at('build', 'platforms'));
      }
    }

    const networks = names(s['networks']);
    if (nonEmptyString(s['network_mode']) && networks.length > 0) {
      fail(`service ${name} declares mutually exclusive \`network_mode\` and \`networks\`: ${INVALID}`, at('network_mode'));
    }
    for (const n of networks) {
      if (!(n in top.networks)) fail(`service ${q(name)} refers to undefined network ${n}: ${INVALID}`, at('networks', n));
    }

    const healthcheck = s['healthcheck'];
    if (isMapping(healthcheck) && Array.isArray(healthcheck['test']) && healthcheck['test'].length > 0) {
      const first = healthcheck['test'][0];
      if (first !== 'CMD' && first !== 'CMD-SHELL' && first !== 'NONE') {
        fail('healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"', at('healthcheck', 'test'));
      }
    }

    for (const dep of names(s['depends_on'])) {
      if (!(dep in services)) fail(`service ${q(name)} depends on undefined service ${q(dep)}: ${INVALID}`, at('depends_on', dep));
    }

    const networkMode = s['network_mode'];
    if (typeof networkMode === 'string' && networkMode.startsWith('service:')) {
      const target = networkMode.slice('service:'.length);
      if (!(target in services)) fail(`service ${q(target)} not found for network_mode 'service:${target}'`, at('network_mode'));
    }

    const volumes = Array.isArray(s['volumes']) ? s['volumes'] : [];
    const mounts = volumes.map(volumeMount);
    mounts.forEach((m, i) => {
      if (m && m.type === 'volume' && m.source !== '' && !(m.source in top.volumes)) {
        fail(`service ${q(name)} refers to undefined volume ${m.source}: ${INVALID}`, at('volumes', i));
      }
    });

    if (buildMap) {
      refs(buildMap['secrets']).forEach((src, i) => {
        if (!(src in top.secrets)) fail(`service ${q(name)} refers to undefined build secret ${src}: ${INVALID}`, at('build', 'secrets', i));
      });
    }
    refs(s['configs']).forEach((src, i) => {
      if (!(src in top.configs)) fail(`service ${q(name)} refers to undefined config ${src}: ${INVALID}`, at('configs', i));
    });
    refs(s['secrets']).forEach((src, i) => {
      if (!(src in top.secrets)) fail(`service ${q(name)} refers to undefined secret ${src}: ${INVALID}`, at('secrets', i));
    });
    for (const m of names(s['models'])) {
      if (!(m in top.models)) fail(`service ${q(name)} refers to undefined model ${m}: ${INVALID}`, at('models', m));
    }

    const deploy = isMapping(s['deploy']) ? s['deploy'] : undefined;
    const scale = asNumber(s['scale']);
    const replicas = deploy ? asNumber(deploy['replicas']) : undefined;
    if (scale !== undefined && replicas !== undefined && scale !== replicas) {
      fail(`services.${name}: can't set distinct values on 'scale' and 'deploy.replicas': ${INVALID}`, at('scale'));
    }

    // compose-go compares against the limit even when the limit block leaves the
    // value out (it reads as 0), so `mem_limit` with only `limits.cpus` is refused too.
    const resources = deploy && isMapping(deploy['resources']) ? deploy['resources'] : undefined;
    const limits = resources && isMapping(resources['limits']) ? resources['limits'] : undefined;
    const reservations = resources && isMapping(resources['reservations']) ? resources['reservations'] : undefined;
    const cpus = asFloat32(s['cpus']);
    if (cpus !== undefined && cpus !== 0 && deploy && limits && (asFloat32(limits['cpus']) ?? 0) !== cpus) {
      fail(`services.${name}: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus': ${INVALID}`, at('cpus'));
    }
    const memLimit = asBytes(s['mem_limit']);
    if (memLimit !== undefined && memLimit !== 0 && deploy && limits && (asBytes(limits['memory']) ?? 0) !== memLimit) {
      fail(`services.${name}: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory': ${INVALID}`, at('mem_limit'));
    }
    const memReservation = asBytes(s['mem_reservation']);
    if (
      memReservation !== undefined &&
      memReservation !== 0 &&
      deploy &&
      reservations &&
      (asBytes(reservations['memory']) ?? 0) !== memReservation
    ) {
      fail(
        `services.${name}: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory': ${INVALID}`,
        at('mem_reservation'),
      );
    }
    const pidsLimit = asNumber(s['pids_limit']);
    if (pidsLimit !== undefined && pidsLimit !== 0 && deploy && limits && (asNumber(limits['pids']) ?? 0) !== pidsLimit) {
      fail(`services.${name}: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids': ${INVALID}`, at('pids_limit'));
    }

    const effectiveScale = scale ?? replicas ?? 1;
    if (effectiveScale > 1 && nonEmptyString(s['container_name'])) {
      const attr = scale === undefined ? 'deploy.replicas' : 'scale';
      // compose-go passes its two arguments the other way round; `docker compose`
      // prints exactly this, e.g. `services.deploy.replicas: can't set container_name and web as ...`.
      fail(`services.${attr}: can't set container_name and ${name} as container name must be unique: ${INVALID}`, at('container_name'));
    }

    const develop = s['develop'];
    if (isMapping(develop) && Array.isArray(develop['watch'])) {
      develop['watch'].forEach((w, i) => {
        const action = isMapping(w) ? w['action'] : undefined;
        const target = isMapping(w) ? w['target'] : undefined;
        if (action !== 'rebuild' && !nonEmptyString(target)) {
          fail(`services.${name}.develop.watch: target is required for non-rebuild actions: ${INVALID}`, at('develop', 'watch', i));
        }
      });
    }

    // One mount point per path: tmpfs entries first, then volumes, as compose-go.
    const mounted = new Map<string, string>();
    stringList(typeof s['tmpfs'] === 'string' ? [s['tmpfs']] : s['tmpfs']).forEach((t, i) => {
      const target = t.split(':')[0] ?? t;
      const loc = `services.${name}.tmpfs[${i}]`;
      const prev = mounted.get(target);
      if (prev !== undefined) fail(`${loc}: target ${target} already mounted as ${prev}`, at('tmpfs', i));
      mounted.set(target, loc);
    });
    mounts.forEach((m, i) => {
      if (!m || m.target === '') return;
      const loc = `services.${name}.volumes[${i}]`;
      const prev = mounted.get(m.target);
      if (prev !== undefined) fail(`${loc}: target ${m.target} already mounted as ${prev}`, at('volumes', i));
      mounted.set(m.target, loc);
    });
  }

  for (const [name, raw] of Object.entries(top.secrets)) {
    const secret = isMapping(raw) ? raw : {};
    if (secret['external'] === true || nonEmptyString(secret['driver'])) continue;
    if (!nonEmptyString(secret['file']) && !nonEmptyString(secret['environment'])) {
      fail(`secret ${q(name)} must declare either \`file\` or \`environment\`: ${INVALID}`, pathOf(['secrets', name]));
    }
  }
}

/** Go's %q. */
function q(s: string): string {
  return JSON.stringify(s);
}

function pathOf(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

function mappingAt(tree: Mapping, key: string): Mapping {
  const v = tree[key];
  return isMapping(v) ? v : {};
}

function nonEmptyString(v: Value | undefined): v is string {
  return typeof v === 'string' && v !== '';
}

function stringList(v: Value | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Keys of a mapping, or the names of a short-syntax list (`networks: [a, b]`). */
function names(v: Value | undefined): string[] {
  if (isMapping(v)) return Object.keys(v);
  return stringList(v);
}

function entries(v: Value | undefined): Array<[string, Value]> {
  if (isMapping(v)) return Object.entries(v);
  // `KEY=value` list form.
  return stringList(v).map((item): [string, Value] => {
    const eq = item.indexOf('=');
    return eq < 0 ? [item, null] : [item.slice(0, eq), item.slice(eq + 1)];
  });
}

/** `source` of each config/secret reference, long or short syntax. */
function refs(v: Value | undefined): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((r) => (typeof r === 'string' ? r : isMapping(r) && typeof r['source'] === 'string' ? r['source'] : ''));
}

interface Mount {
  type: string;
  source: string;
  target: string;
}

function volumeMount(v: Value): Mount | undefined {
  let m: Mapping | undefined;
  if (typeof v === 'string') {
    try {
      m = parseVolumeSpec(v);
    } catch {
      return undefined; // reported by the canonical stage
    }
  } else if (isMapping(v)) {
    m = v;
  }
  if (!m) return undefined;
  const str = (k: string): string => (typeof m[k] === 'string' ? (m[k] as string) : '');
  return { type: str('type'), source: str('source'), target: str('target') };
}

function asNumber(v: Value | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** compose-go holds cpus as float32 on both sides; compare them that way. */
function asFloat32(v: Value | undefined): number | undefined {
  if (typeof v === 'number') return Math.fround(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Math.fround(Number(v));
  return undefined;
}

function asBytes(v: Value | undefined): number | undefined {
  if (typeof v !== 'number' && typeof v !== 'string') return undefined;
  try {
    return parseBytes(v);
  } catch {
    return undefined; // an unreadable size is reported where sizes are bound
  }
}
