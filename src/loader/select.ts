/**
 * Stage — selection, as Docker Compose's ToProject does after loading:
 * when services are named on the command line, only they and what they depend
 * on are kept; then top-level networks, volumes, secrets, configs and models
 * no kept service uses are dropped (unless --all-resources).
 */
import { ComposeError } from '../model/errors.js';
import type { Mapping } from '../model/tree.js';
import { isMapping } from '../model/tree.js';

function section(tree: Mapping, key: string): Mapping {
  const v = tree[key];
  return isMapping(v) ? v : {};
}

function keysOf(v: unknown): string[] {
  return isMapping(v) ? Object.keys(v) : [];
}

/** compose-go Project.WithoutUnnecessaryResources, on the tree. */
export function pruneUnusedResources(tree: Mapping): Mapping {
  const used: Record<string, Set<string>> = {
    networks: new Set(),
    volumes: new Set(),
    secrets: new Set(),
    configs: new Set(),
    models: new Set(),
  };
  const sourcesOf = (list: unknown, into: Set<string>): void => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (typeof item === 'string') into.add(item);
      else if (isMapping(item) && typeof item['source'] === 'string') into.add(item['source']);
    }
  };
  for (const svc of Object.values(section(tree, 'services'))) {
    if (!isMapping(svc)) continue;
    for (const n of keysOf(svc['networks'])) used['networks']?.add(n);
    if (Array.isArray(svc['volumes'])) {
      for (const v of svc['volumes']) {
        if (isMapping(v) && v['type'] === 'volume' && typeof v['source'] === 'string' && v['source'] !== '') {
          used['volumes']?.add(v['source']);
        }
      }
    }
    sourcesOf(svc['secrets'], used['secrets'] ?? new Set());
    if (isMapping(svc['build'])) sourcesOf(svc['build']['secrets'], used['secrets'] ?? new Set());
    sourcesOf(svc['configs'], used['configs'] ?? new Set());
    for (const m of keysOf(svc['models'])) used['models']?.add(m);
    if (Array.isArray(svc['models'])) for (const m of svc['models']) if (typeof m === 'string') used['models']?.add(m);
  }
  const out: Mapping = { ...tree };
  for (const [key, names] of Object.entries(used)) {
    if (!(key in tree) || !isMapping(tree[key])) continue;
    const kept: Mapping = {};
    for (const [name, def] of Object.entries(section(tree, key))) if (names.has(name)) kept[name] = def;
    if (Object.keys(kept).length > 0) out[key] = kept;
    else delete out[key];
  }
  return out;
}

/** compose-go Project.WithSelectedServices: the named services and, transitively, their dependencies. */
export function selectServices(tree: Mapping, names: readonly string[]): Mapping {
  if (names.length === 0) return tree;
  const services = section(tree, 'services');
  const keep = new Set<string>();
  const visit = (name: string): void => {
    if (keep.has(name)) return;
    const svc = services[name];
    if (svc === undefined) throw new ComposeError('E_NOT_FOUND', `no such service: ${name}`);
    keep.add(name);
    for (const dep of keysOf(isMapping(svc) ? svc['depends_on'] : undefined)) if (dep in services) visit(dep);
  };
  for (const n of names) visit(n);
  const selected: Mapping = {};
  for (const [name, svc] of Object.entries(services)) if (keep.has(name)) selected[name] = svc;
  return { ...tree, services: selected };
}
