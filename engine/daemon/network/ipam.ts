/**
 * Address management as Docker's default IPAM does it, without I/O:
 *  - subnets for networks that name none come from the default pools
 *    (172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16 cut into /20s),
 *    skipping any that overlap another network or a route of the host;
 *  - the gateway is the subnet's first address unless given;
 *  - container addresses come from ip_range (default: the subnet), in
 *    order after the last one handed out, wrapping round, never the
 *    network, broadcast or gateway address, nor one in use.
 */
import { contains, formatCidr, formatIPv4, last, overlaps, parseCidr, parseIPv4, within } from './cidr.js';
import type { Cidr } from './cidr.js';

export interface PoolSpec {
  base: string;
  size: number;
}

/** dockerd's default-address-pools. */
export const DEFAULT_POOLS: readonly PoolSpec[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Candidate subnets in order. */
export function* poolSubnets(pools: readonly PoolSpec[] = DEFAULT_POOLS): Generator<Cidr> {
  for (const p of pools) {
    const base = parseCidr(p.base);
    if (!base || p.size < base.bits) continue;
    const step = 2 ** (32 - p.size);
    for (let n = base.base; n <= last(base); n += step) yield { base: n >>> 0, bits: p.size };
  }
}

/** The first default-pool subnet overlapping none of `taken` (other networks' subnets, host routes). */
export function pickSubnet(taken: readonly Cidr[], pools: readonly PoolSpec[] = DEFAULT_POOLS): Cidr | undefined {
  for (const c of poolSubnets(pools)) {
    if (!taken.some((t) => overlaps(c, t))) return c;
  }
  return undefined;
}

export interface IpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

export class IpamError extends Error {}

/** A user's IPAM.Config entry checked and completed (Docker's errors, as a 400's text). */
export function completeConfig(user: { Subnet?: string; Gateway?: string; IPRange?: string }, taken: readonly Cidr[]): IpamConfig {
  let subnet: Cidr | undefined;
  if (user.Subnet) {
    subnet = parseCidr(user.Subnet);
    if (!subnet) throw new IpamError(`invalid subnet ${user.Subnet}: invalid CIDR address: ${user.Subnet}`);
    if (subnet.bits > 30) throw new IpamError(`invalid subnet ${user.Subnet}: too small for a network`);
    if (taken.some((t) => overlaps(t, subnet as Cidr))) throw new IpamError(`invalid pool request: Pool overlaps with other one on this address space`);
  } else {
    subnet = pickSubnet(taken);
    if (!subnet) throw new IpamError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
  }
  let gateway: number;
  if (user.Gateway) {
    const g = parseIPv4(user.Gateway);
    if (g === undefined) throw new IpamError(`invalid gateway address ${user.Gateway}`);
    if (!contains(subnet, g)) throw new IpamError(`no matching subnet for gateway ${user.Gateway}`);
    gateway = g;
  } else {
    gateway = subnet.base + 1;
  }
  const out: IpamConfig = { Subnet: formatCidr(subnet), Gateway: formatIPv4(gateway) };
  if (user.IPRange) {
    const r = parseCidr(user.IPRange);
    if (!r) throw new IpamError(`invalid ip-range ${user.IPRange}`);
    if (!within(r, subnet)) throw new IpamError(`no matching subnet for range ${user.IPRange}`);
    out.IPRange = formatCidr(r);
  }
  return out;
}

/**
 * The next free address for a container: within IPRange (or the subnet),
 * after `lastGiven` when given, wrapping round; undefined when full.
 */
export function nextAddress(cfg: IpamConfig, inUse: ReadonlySet<string>, lastGiven?: string): string | undefined {
  const subnet = parseCidr(cfg.Subnet);
  if (!subnet) return undefined;
  const range = cfg.IPRange ? (parseCidr(cfg.IPRange) ?? subnet) : subnet;
  const first = Math.max(range.base, subnet.base + 1);
  const end = Math.min(last(range), last(subnet) - 1);
  if (end < first) return undefined;
  const count = end - first + 1;
  const after = lastGiven !== undefined ? parseIPv4(lastGiven) : undefined;
  const start = after !== undefined && after >= first && after < end ? after + 1 - first : 0;
  for (let i = 0; i < count; i++) {
    const ip = formatIPv4((first + ((start + i) % count)) >>> 0);
    if (ip !== cfg.Gateway && !inUse.has(ip)) return ip;
  }
  return undefined;
}

/** A requested static address checked against the network (Docker's messages). */
export function checkStaticAddress(cfg: IpamConfig, ip: string, inUse: ReadonlySet<string>): void {
  const n = parseIPv4(ip);
  const subnet = parseCidr(cfg.Subnet);
  if (n === undefined) throw new IpamError(`invalid IPv4 address: ${ip}`);
  if (!subnet || !contains(subnet, n)) throw new IpamError(`no configured subnet contains IP address ${ip}`);
  if (ip === cfg.Gateway || n === subnet.base || n === last(subnet) || inUse.has(ip)) throw new IpamError(`Address already in use`);
}

/** The prefix length of a network, for addresses written as a.b.c.d/n. */
export function prefixLength(cfg: IpamConfig): number {
  return parseCidr(cfg.Subnet)?.bits ?? 32;
}
