/**
 * Drop attributes that mean nothing when empty, as compose-go's OmitEmpty:
 * only `services.*.dns` (an empty dns list would otherwise override the
 * engine's resolvers with nothing).
 */
import type { Mapping } from '../model/tree.js';
import { isMapping } from '../model/tree.js';

function isEmpty(v: unknown): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isMapping(v) && Object.keys(v).length === 0);
}

export function omitEmpty(tree: Mapping): Mapping {
  const services = tree['services'];
  if (!isMapping(services)) return tree;
  const out: Mapping = {};
  for (const [name, svc] of Object.entries(services)) {
    if (!isMapping(svc) || !('dns' in svc)) {
      out[name] = svc;
      continue;
    }
    const dns = svc['dns'];
    const copy: Mapping = { ...svc };
    if (isEmpty(dns)) delete copy['dns'];
    else if (Array.isArray(dns)) copy['dns'] = dns.filter((d) => !isEmpty(d));
    out[name] = copy;
  }
  return { ...tree, services: out };
}
