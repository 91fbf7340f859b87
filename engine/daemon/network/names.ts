/**
 * Host-side names of our network objects. Interface names are at most 15
 * bytes (IFNAMSIZ), so they are a short prefix plus hex from the ids; every
 * name starts with "tsc" so leftovers are easy to find and never collide
 * with the host's own (docker0, veth…).
 */
import { createHash } from 'node:crypto';

const hex = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n);

/** The bridge of a network (`com.docker.network.bridge.name` overrides). */
export function bridgeName(networkId: string): string {
  return `tsc-${networkId.slice(0, 11)}`;
}

/** The host end of a container's veth on a network. */
export function hostVethName(containerId: string, networkId: string): string {
  return `tscv${hex(`${containerId}/${networkId}`, 11)}`;
}

/** The container end before it is moved into the netns and renamed ethN. */
export function peerVethName(containerId: string, networkId: string): string {
  return `tscp${hex(`${containerId}/${networkId}`, 11)}`;
}

/** The named network namespace of a container (`ip netns`: /run/netns/<name>). */
export function netnsName(containerId: string): string {
  return `tsc-${containerId.slice(0, 12)}`;
}

export const NETNS_DIR = '/run/netns';

/** Our iptables chains; every rule we put in the built-in chains jumps to one of these. */
export const CHAINS = {
  forward: 'TSC-FORWARD',
  isolation1: 'TSC-ISOLATION-1',
  isolation2: 'TSC-ISOLATION-2',
  dnat: 'TSC-DNAT',
  postrouting: 'TSC-POSTROUTING',
} as const;

/** The comment on every rule of ours (what leftover checks look for). */
export const RULE_COMMENT = 'tscompose';
