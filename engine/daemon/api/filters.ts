/**
 * Docker's `filters` query parameter: JSON of `map[string][]string`, or the
 * older `map[string]map[string]bool` the docker CLI still sends
 * (`{"label":{"a=b":true}}`). Plus the matching rules dockerd applies to them
 * and its boolean query parameters.
 */
import { BadRequestError } from '../errors.js';

export type Filters = Map<string, string[]>;

export function parseFilters(raw: string | null): Filters {
  const out: Filters = new Map();
  if (raw === null || raw.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequestError(`invalid filter: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError(`invalid filter: ${raw}`);
  for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.set(key, v as string[]);
    else if (typeof v === 'object' && v !== null) out.set(key, Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] === true));
    else throw new BadRequestError(`invalid filter: ${raw}`);
  }
  return out;
}

/** dockerd rejects filter keys a route does not know. */
export function checkFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw new BadRequestError(`invalid filter '${key}'`);
  }
}

/** A boolean filter (`dangling=true|1|false|0`); undefined when absent. */
export function boolFilter(filters: Filters, key: string): boolean | undefined {
  const values = filters.get(key);
  if (values === undefined || values.length === 0) return undefined;
  let result: boolean | undefined;
  for (const v of values) {
    const lv = v.toLowerCase();
    if (lv === 'true' || lv === '1') result = true;
    else if (lv === 'false' || lv === '0') result = false;
    else throw new BadRequestError(`invalid filter '${key}=${v}'`);
  }
  return result;
}

/** Every `key` or `key=value` in `wanted` holds for `labels` (dockerd's MatchKVList). */
export function matchLabels(wanted: readonly string[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (wanted === undefined) return true;
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, w);
    const key = w.slice(0, eq);
    return Object.hasOwn(labels, key) && labels[key] === w.slice(eq + 1);
  });
}

/** dockerd's filters.Match: any value equals `name` or, as a regular expression, matches it. */
export function matchName(wanted: readonly string[] | undefined, name: string): boolean {
  if (wanted === undefined || wanted.length === 0) return true;
  return wanted.some((w) => {
    if (w === name) return true;
    try {
      return new RegExp(w).test(name);
    } catch {
      return name.includes(w);
    }
  });
}

/** dockerd's httputils.BoolValue: absent, "", 0, no, false, none are false; anything else true. */
export function boolQuery(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}
