/**
 * What the embedded DNS answers, without sockets: a table of endpoints
 * (network, address, names) and Docker's rules for a query from a
 * container:
 *  - only names on the networks the asking container is on (found by its
 *    source address) are answered, with addresses on those networks;
 *  - a name is a container's name, its short id, its network aliases and
 *    its Compose service (com.docker.compose.service), case-insensitive,
 *    with or without a trailing dot;
 *  - several endpoints behind one name are all answered, rotated on every
 *    query (round-robin);
 *  - reverse lookups (in-addr.arpa) of an endpoint give its name;
 *  - anything else is forwarded (undefined here), except from internal
 *    networks, which have no way out.
 */

export interface DnsEndpoint {
  containerId: string;
  networkId: string;
  ip: string;
  /** The container's name first: it is what reverse lookups answer. */
  names: string[];
  /** The container's own `dns` servers: where its unknown names go instead of the engine's upstreams. */
  upstreams?: readonly string[];
}

export interface DnsAnswer {
  kind: 'A' | 'PTR' | 'NXDOMAIN' | 'NODATA';
  values: string[];
}

const norm = (n: string): string => n.toLowerCase().replace(/\.$/, '');

export class DnsTable {
  #endpoints: DnsEndpoint[] = [];
  #turn = new Map<string, number>();

  replace(endpoints: readonly DnsEndpoint[]): void {
    this.#endpoints = endpoints.map((e) => ({ ...e, names: e.names.map(norm) }));
  }

  /** The `dns` servers of the container asking from `source`, if it has its own. */
  upstreamsOf(source: string): readonly string[] | undefined {
    const e = this.#endpoints.find((x) => x.ip === source);
    return e?.upstreams && e.upstreams.length > 0 ? e.upstreams : undefined;
  }

  /** The networks of the container asking from `source` (all of them, whichever address it asked from). */
  networksOf(source: string): Set<string> {
    const asker = new Set(this.#endpoints.filter((e) => e.ip === source).map((e) => e.containerId));
    return new Set(this.#endpoints.filter((e) => asker.has(e.containerId)).map((e) => e.networkId));
  }

  /** The answer for a query from `source`, or undefined when it is not ours to answer. */
  answer(source: string, qname: string, qtype: string, internal: (networkId: string) => boolean): DnsAnswer | undefined {
    const nets = this.networksOf(source);
    if (nets.size === 0) return undefined;
    const name = norm(qname);
    if (qtype === 'PTR' && name.endsWith('.in-addr.arpa')) {
      const ip = name.replace(/\.in-addr\.arpa$/, '').split('.').reverse().join('.');
      const e = this.#endpoints.find((x) => x.ip === ip && nets.has(x.networkId));
      if (e?.names[0] !== undefined) return { kind: 'PTR', values: [e.names[0]] };
      return undefined;
    }
    const matches = this.#endpoints.filter((e) => nets.has(e.networkId) && e.names.includes(name));
    if (matches.length === 0) {
      // Nowhere to forward from an internal network: the name does not exist.
      if ([...nets].every((n) => internal(n))) return { kind: 'NXDOMAIN', values: [] };
      return undefined;
    }
    if (qtype !== 'A') return { kind: 'NODATA', values: [] };
    const ips = [...new Set(matches.map((e) => e.ip))];
    const turn = this.#turn.get(name) ?? 0;
    this.#turn.set(name, turn + 1);
    const k = turn % ips.length;
    return { kind: 'A', values: [...ips.slice(k), ...ips.slice(0, k)] };
  }
}
