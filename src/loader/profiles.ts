/**
 * Stage — profiles. A service without `profiles` is always enabled; one with
 * profiles is enabled when one of them is active, or `*` is. Naming a service
 * (e.g. `config web`, `up web`) activates its profiles. A dependency on a
 * disabled service is an error unless the dependency says `required: false`
 * (reported by the consistency check, or checkDisabledDependencies).
 */
import { ComposeError } from '../model/errors.js';
import type { Mapping } from '../model/tree.js';
import { isMapping } from '../model/tree.js';

export interface ProfileSplit {
  /** The tree with only enabled services. */
  tree: Mapping;
  disabled: Mapping;
  /** The profiles in effect after naming services. */
  active: string[];
}

function profilesOf(svc: unknown): string[] {
  if (!isMapping(svc)) return [];
  const p = svc['profiles'];
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [];
}

export function hasProfile(svc: unknown, active: readonly string[]): boolean {
  const own = profilesOf(svc);
  if (own.length === 0) return true;
  if (active.includes('*')) return true;
  return own.some((p) => active.includes(p));
}

/** Every profile any service declares, sorted, as `config --profiles` lists them. */
export function allProfiles(tree: Mapping): string[] {
  const services = tree['services'];
  const set = new Set<string>();
  if (isMapping(services)) for (const svc of Object.values(services)) for (const p of profilesOf(svc)) set.add(p);
  return [...set].sort();
}

/**
 * Required dependencies on disabled services. `config` reports these through
 * the consistency check (`depends on undefined service`); commands that start
 * containers use this message, as Docker Compose does.
 */
export function checkDisabledDependencies(split: ProfileSplit): void {
  const services = isMapping(split.tree['services']) ? split.tree['services'] : {};
  for (const [name, svc] of Object.entries(services)) {
    const deps = isMapping(svc) ? svc['depends_on'] : undefined;
    if (!isMapping(deps)) continue;
    for (const [dep, cfg] of Object.entries(deps)) {
      if (!(dep in split.disabled)) continue;
      if (isMapping(cfg) && cfg['required'] === false) continue;
      const ps = profilesOf(split.disabled[dep]);
      throw new ComposeError(
        'E_PROFILE',
        `service ${dep} is required by ${name} but is disabled. Can be enabled by profiles [${ps.join(' ')}]`,
        { path: `services.${name}.depends_on.${dep}` },
      );
    }
  }
}

export function applyProfiles(tree: Mapping, profiles: readonly string[], named: readonly string[] = []): ProfileSplit {
  const services = isMapping(tree['services']) ? tree['services'] : {};
  const active = [...profiles];
  for (const name of named) {
    if (!(name in services)) throw new ComposeError('E_NOT_FOUND', `no such service: ${name}`);
    for (const p of profilesOf(services[name])) if (!active.includes(p)) active.push(p);
  }
  const enabled: Mapping = {};
  const disabled: Mapping = {};
  for (const [name, svc] of Object.entries(services)) {
    if (hasProfile(svc, active)) enabled[name] = svc;
    else disabled[name] = svc;
  }
  const out: Mapping = { ...tree };
  if ('services' in tree) out['services'] = enabled;
  return { tree: out, disabled, active };
}
