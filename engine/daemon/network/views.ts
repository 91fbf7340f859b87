/**
 * Networks as the API shows them: list and inspect (moby
 * api/types/network.Summary/Inspect), with the endpoints of running
 * containers under `Containers`, and the list filters dockerd accepts.
 */
import type { Filters } from '../api/filters.js';
import { checkFilterKeys, matchLabels, matchName } from '../api/filters.js';
import type { NetworkRecord } from './types.js';

export interface EndpointView {
  containerId: string;
  name: string;
  endpointId: string;
  mac: string;
  ip: string;
  prefix: number;
}

function base(rec: NetworkRecord): Record<string, unknown> {
  const { bridge: _b, mtu: _m, lastIp: _l, ...api } = rec;
  return { ...api, IPAM: { ...rec.IPAM, Config: rec.IPAM.Config.map((c) => ({ ...c })) } };
}

export function networkInspect(rec: NetworkRecord, endpoints: readonly EndpointView[]): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  for (const e of endpoints) {
    containers[e.containerId] = { Name: e.name, EndpointID: e.endpointId, MacAddress: e.mac, IPv4Address: `${e.ip}/${e.prefix}`, IPv6Address: '' };
  }
  return { ...base(rec), Containers: containers };
}

/** GET /networks: dockerd lists without Containers (an empty map). */
export function networkSummary(rec: NetworkRecord): Record<string, unknown> {
  return { ...base(rec), Containers: {} };
}

export const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;

/** dockerd's network list filters; `dangling` needs to know which networks containers use. */
export function selectNetworks(all: readonly NetworkRecord[], filters: Filters, inUse: (id: string) => boolean): NetworkRecord[] {
  checkFilterKeys(filters, LIST_FILTERS);
  const one = (key: string): string[] | undefined => {
    const v = filters.get(key);
    return v === undefined || v.length === 0 ? undefined : v;
  };
  const predefined = (r: NetworkRecord): boolean => ['bridge', 'host', 'none'].includes(r.Name);
  return all.filter((r) => {
    const ids = one('id');
    if (ids && !ids.some((i) => r.Id.startsWith(i))) return false;
    const names = one('name');
    if (names && !matchName(names, r.Name)) return false;
    const drivers = one('driver');
    if (drivers && !drivers.includes(r.Driver)) return false;
    const scopes = one('scope');
    if (scopes && !scopes.includes(r.Scope)) return false;
    const types = one('type');
    if (types && !types.some((t) => (t === 'builtin' ? predefined(r) : t === 'custom' ? !predefined(r) : false))) return false;
    if (!matchLabels(filters.get('label'), r.Labels)) return false;
    const dangling = one('dangling');
    if (dangling) {
      const want = dangling.some((d) => d === 'true' || d === '1');
      if (want !== (!predefined(r) && !inUse(r.Id))) return false;
    }
    return true;
  });
}
