/**
 * Paths into the compose tree, in the form users read in messages:
 * `services.web.ports[1]`. Rules are registered against patterns where `*`
 * matches any one segment (`services.*.environment`), as compose-go's tree.Path.
 */

export type Segment = string | number;

/** Render segments as `a.b[2].c`. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

/** Pattern form used for rule lookups: array indexes become `[]`. */
export function patternKey(segments: readonly Segment[]): string {
  return segments.map((s) => (typeof s === 'number' ? '[]' : s)).join('.');
}

/**
 * True when the segments match a pattern like `services.*.ports` or
 * `services.*.ports.[]`: `*` matches any one key, `[]` any index.
 */
export function matches(segments: readonly Segment[], pattern: string): boolean {
  const parts = pattern.split('.');
  if (parts.length !== segments.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const s = segments[i];
    if (p === '*') continue;
    if (p === '[]') {
      if (typeof s !== 'number') return false;
      continue;
    }
    if (typeof s === 'number' || p !== s) return false;
  }
  return true;
}

/**
 * A table of rules keyed by pattern, found by the first matching pattern.
 * Lookups run for every node of every tree a stage walks, so patterns are
 * split once and grouped by length.
 */
export class PathRules<T> {
  private readonly byLength = new Map<number, Array<{ parts: string[]; rule: T; order: number }>>();
  private count = 0;

  constructor(entries: Record<string, T> = {}) {
    for (const [k, v] of Object.entries(entries)) this.set(k, v);
  }

  set(pattern: string, rule: T): this {
    const parts = pattern.split('.');
    let list = this.byLength.get(parts.length);
    if (!list) this.byLength.set(parts.length, (list = []));
    list.push({ parts, rule, order: this.count++ });
    return this;
  }

  find(segments: readonly Segment[]): T | undefined {
    const list = this.byLength.get(segments.length);
    if (!list) return undefined;
    outer: for (const { parts, rule } of list) {
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        if (p === '*') continue;
        const s = segments[i];
        if (p === '[]') {
          if (typeof s !== 'number') continue outer;
        } else if (typeof s === 'number' || p !== s) continue outer;
      }
      return rule;
    }
    return undefined;
  }
}
