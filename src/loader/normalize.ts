/**
 * Normalize stage (compose-go loader.Normalize), run unless `--no-normalize`:
 * - a service without `networks` (or with an empty map) and without
 *   `network_mode` or `provider` joins `default`; the top-level `default`
 *   network is declared only when some service uses it;
 * - `pull_policy: if_not_present` -> `missing`;
 * - build: `context: .` and `dockerfile: Dockerfile` when missing (unless
 *   `dockerfile_inline`), bare `args` taken from the project environment or
 *   dropped when unset;
 * - environment: bare keys taken from the project environment (kept as null
 *   when unset);
 * - implicit depends_on (never overriding an explicit entry): `links` and
 *   `service:x` in network_mode/ipc/pid/uts/cgroup add `{condition:
 *   service_started, required: true, restart: true}`; `volumes_from` (except
 *   `container:`) adds `{condition: service_started, required: true}`
 *   (compose-go stores `restart: false`, which prints as nothing);
 * - volume targets path-cleaned;
 * - pre_start hooks inherit the service `image` when they have none;
 * - networks/volumes/configs/secrets without `name` get `<project>_<key>`, or
 *   `<key>` when external (models are not named, as in compose-go).
 * The project `name` comes from the tree (load.ts sets it first), else ctx.
 *
 * Stage order (compose-go loader): per file ... -> canonical; then defaults ->
 * validate -> paths -> set name -> **normalize** (see canonical.ts).
 */
import { clone, isMapping, type Mapping, type Value } from '../model/tree.js';
import { cleanPosix } from './canonical-path.js';
import type { LoadContext } from './context.js';

type Lookup = (key: string) => string | undefined;

export function normalize(tree: Mapping, ctx: LoadContext): Mapping {
  const dict = clone(tree);
  normalizeNetworks(dict);
  const lookup: Lookup = (k) => (Object.hasOwn(ctx.environment, k) ? ctx.environment[k] : undefined);

  const services = dict['services'];
  if (isMapping(services)) {
    for (const [name, s] of Object.entries(services)) {
      if (!isMapping(s)) continue;
      services[name] = normalizeService(s, lookup);
    }
  }
  const projectName = typeof dict['name'] === 'string' ? dict['name'] : ctx.projectName;
  setNameFromKey(dict, projectName);
  return dict;
}

function normalizeNetworks(dict: Mapping): void {
  const declared = dict['networks'];
  const networks: Mapping = isMapping(declared) ? declared : {};
  let usesDefault = false;
  const services = dict['services'];
  if (isMapping(services)) {
    for (const svc of Object.values(services)) {
      if (!isMapping(svc) || 'provider' in svc || 'network_mode' in svc) continue;
      let nets = svc['networks'];
      if (Array.isArray(nets)) nets = Object.fromEntries(nets.map((n) => [String(n), null]));
      if (!isMapping(nets) || Object.keys(nets).length === 0) {
        svc['networks'] = { default: null };
        usesDefault = true;
      } else {
        svc['networks'] = nets;
        if ('default' in nets) usesDefault = true;
      }
    }
  }
  if (usesDefault && !('default' in networks)) networks['default'] = null;
  if (Object.keys(networks).length > 0) dict['networks'] = networks;
}

const SERVICE_PREFIX = 'service:';
const CONTAINER_PREFIX = 'container:';

function normalizeService(service: Mapping, lookup: Lookup): Mapping {
  if (service['pull_policy'] === 'if_not_present') service['pull_policy'] = 'missing';

  const build = service['build'];
  if (isMapping(build)) {
    if (build['context'] === undefined || build['context'] === null) build['context'] = '.';
    const noDockerfile = build['dockerfile'] === undefined || build['dockerfile'] === null;
    const noInline = build['dockerfile_inline'] === undefined || build['dockerfile_inline'] === null;
    if (noDockerfile && noInline) build['dockerfile'] = 'Dockerfile';
    if ('args' in build) build['args'] = resolve(build['args'] ?? null, lookup, false);
  }
  if ('environment' in service) service['environment'] = resolve(service['environment'] ?? null, lookup, true);

  const declared = service['depends_on'];
  const dependsOn: Mapping = isMapping(declared) ? declared : {};
  const implicit = (name: string, restart: boolean): void => {
    if (name in dependsOn) return;
    const dep: Mapping = { condition: 'service_started' };
    if (restart) dep['restart'] = true;
    dep['required'] = true;
    dependsOn[name] = dep;
  };
  const links = service['links'];
  if (Array.isArray(links)) {
    for (const l of links) {
      if (typeof l !== 'string') continue;
      const parts = l.split(':');
      implicit(parts.length === 2 ? (parts[0] ?? l) : l, true);
    }
  }
  for (const ns of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const ref = service[ns];
    if (typeof ref === 'string' && ref.startsWith(SERVICE_PREFIX)) implicit(ref.slice(SERVICE_PREFIX.length), true);
  }
  const volumesFrom = service['volumes_from'];
  if (Array.isArray(volumesFrom)) {
    for (const v of volumesFrom) {
      if (typeof v !== 'string' || v.startsWith(CONTAINER_PREFIX)) continue;
      implicit(v.split(':')[0] ?? v, false);
    }
  }
  if (Object.keys(dependsOn).length > 0) service['depends_on'] = dependsOn;

  const volumes = service['volumes'];
  if (Array.isArray(volumes)) {
    for (const vol of volumes) {
      if (isMapping(vol) && typeof vol['target'] === 'string') vol['target'] = cleanPosix(vol['target']);
    }
  }

  inheritPreStartImage(service);
  return service;
}

/** compose-spec#647: a pre_start hook without `image` runs the service image. */
function inheritPreStartImage(service: Mapping): void {
  const hooks = service['pre_start'];
  const image = service['image'];
  if (!Array.isArray(hooks) || typeof image !== 'string') return;
  for (const hook of hooks) {
    if (isMapping(hook) && (hook['image'] === undefined || hook['image'] === null)) hook['image'] = image;
  }
}

/**
 * Bare keys from the environment. Map form: null values looked up; list
 * form: `KEY` items looked up into `KEY=VAL`. Unset keys are kept
 * (`keepEmpty`, environment) or dropped (build args).
 */
function resolve(v: Value, lookup: Lookup, keepEmpty: boolean): Value {
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [k, e] of Object.entries(v)) {
      if (e !== null) {
        out[k] = e;
        continue;
      }
      const found = lookup(k);
      if (found !== undefined) out[k] = found;
      else if (keepEmpty) out[k] = null;
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (const e of v) {
      if (typeof e !== 'string' || e.includes('=')) {
        out.push(e);
        continue;
      }
      const found = lookup(e);
      if (found !== undefined) out.push(`${e}=${found}`);
      else if (keepEmpty) out.push(e);
    }
    return out;
  }
  return v;
}

/** strconv.ParseBool over the value's text. */
function isTrue(x: Value): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(String(x));
}

function setNameFromKey(dict: Mapping, projectName: string): void {
  for (const kind of ['networks', 'volumes', 'configs', 'secrets']) {
    const section = dict[kind];
    if (!isMapping(section)) continue;
    for (const [key, r] of Object.entries(section)) {
      const resource: Mapping = isMapping(r) ? r : {};
      if (resource['name'] === undefined || resource['name'] === null) {
        const external = resource['external'];
        resource['name'] = external !== undefined && isTrue(external) ? key : `${projectName}_${key}`;
      }
      section[key] = resource;
    }
  }
}
