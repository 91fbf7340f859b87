/**
 * Multi-file merge of raw Compose trees, as compose-go's override.Merge: the
 * next file's tree is folded into the accumulated one. Mappings merge key by
 * key, sequences append, scalars are replaced, and the per-path rules of
 * merge-rules.ts take over where Compose means something else (command
 * replaced, environment appended as KEY=VALUE, build string -> context, ...).
 * Duplicates the appends create are removed afterwards by enforceUnicity.
 *
 * compose-go mutates its inputs; here both trees are deep-cloned first and the
 * clones are then mutated the same way, so results (aliasing included) match
 * while callers keep their trees.
 */
import { clone, isMapping, type Mapping, type Value } from '../model/tree.js';
import { goNext, mergeError, mergeRuleFor, setKey } from './merge-rules.js';

/** compose-go override.Merge: `override` (the later file) on top of `base`. */
export function mergeTrees(base: Mapping, override: Mapping): Mapping {
  return asMapping(mergeValue(clone(base), clone(override), ''));
}

/**
 * compose-go override.ExtendService: the extending (local) service on top of
 * the resolved base service. The path `services.x` makes the service rules
 * (command replaced, environment appended, ...) apply as in a file merge.
 */
export function mergeService(base: Mapping, local: Mapping): Mapping {
  return asMapping(mergeValue(clone(base), clone(local), 'services.x'));
}

function asMapping(v: Value): Mapping {
  // Both inputs are mappings, and a mapping merged with a mapping stays one.
  return isMapping(v) ? v : {};
}

/** compose-go mergeYaml: the rule for the path if any, else the default by shape. */
function mergeValue(base: Value, override: Value, path: string): Value {
  const rule = mergeRuleFor(path);
  if (rule !== undefined) return rule(base, override, path, mergeMappings);
  // An explicit null in the later file keeps what was there.
  if (override === null) return base;
  if (isMapping(base)) {
    if (!isMapping(override)) throw mergeError(`cannot override ${path}`, path);
    return mergeMappings(base, override, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw mergeError(`cannot override ${path}`, path);
    return [...base, ...override];
  }
  return override;
}

/**
 * compose-go mergeMappings: keys only in `override` are taken as they are
 * (no rule applies to them), shared keys merge recursively. Mutates and
 * returns `base`, as Go does; a null base (a Go nil map, e.g. `networks:
 * null` under a rule) becomes a fresh mapping when something must go in it.
 */
function mergeMappings(base: Mapping | null, override: Mapping | null, path: string): Mapping | null {
  if (override === null) return base;
  let target = base;
  for (const [key, value] of Object.entries(override)) {
    target ??= {};
    if (!Object.hasOwn(target, key)) {
      setKey(target, key, value);
      continue;
    }
    const current = target[key] ?? null;
    setKey(target, key, mergeValue(current, value, goNext(path, key)));
  }
  return target;
}
