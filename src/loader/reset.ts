/**
 * `!reset` and `!override`, as compose-go's ResetProcessor.Apply: before the
 * next file (or an extending service) is merged, every path it tagged is
 * deleted from what has been accumulated so far. For `!reset` the parser has
 * already dropped the tagged value, so the key ends up absent; for
 * `!override` the value was kept, so the merge then puts it in place of the
 * old one instead of merging with it.
 *
 * Matching is compose-go's: the recorded path is a dot-joined pattern (a `*`
 * part matches any key), compared to the dot-joined path of each mapping key.
 * Sequence items are visited under `[i]` while recorded paths hold plain
 * indexes (`ports.0`), so a tag on a sequence item never removes anything
 * from the base: compose-go only supports resetting mapping keys.
 */
import { clone, isMapping, type Mapping, type Value } from '../model/tree.js';
import { goMatches, goNext } from './merge-rules.js';

/** Paths as segments, e.g. `['services', 'web', 'ports']`; numbers are sequence indexes. */
export type ResetPath = ReadonlyArray<string | number>;

/** Removes every tagged path from `base`; returns a new tree. */
export function applyResets(base: Mapping, paths: ReadonlyArray<ResetPath>): Mapping {
  // compose-go records `path.Next(strconv.Itoa(idx))` for a sequence item: plain digits.
  if (paths.length === 0) return base; // nothing tagged: the common case, no copy needed
  const patterns = paths.map((p) => p.map(String).join('.'));
  const out = clone(base);
  prune(out, '', patterns);
  return out;
}

/**
 * The `!reset`/`!override` paths of an extending service's file applied to the
 * base service it extends, which compose-go does by placing the base copy
 * under the extending service's name: `services.<name>.<key>` paths apply.
 */
export function applyServiceResets(name: string, base: Mapping, paths: ReadonlyArray<ResetPath>): Mapping {
  const wrapped = applyResets({ services: { [name]: base } }, paths);
  const services = wrapped['services'];
  const service = isMapping(services) ? services[name] : undefined;
  return isMapping(service) ? service : {};
}

function prune(value: Value, path: string, patterns: readonly string[]): void {
  if (isMapping(value)) {
    for (const key of Object.keys(value)) {
      const next = goNext(path, key);
      if (patterns.some((p) => goMatches(next, p))) {
        delete value[key];
        continue;
      }
      prune(value[key] ?? null, next, patterns);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const next = goNext(path, `[${i}]`);
      // A matching item is only skipped: compose-go never removes sequence items.
      if (patterns.some((p) => goMatches(next, p))) return;
      prune(item, next, patterns);
    });
  }
}
