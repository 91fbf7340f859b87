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

export interface Chains {
  forward: string;
  isolation1: string;
  isolation2: string;
  dnat: string;
  postrouting: string;
}

/**
 * What tells engines on one host apart: '' for the default state root, else
 * 6 hex of the root's path — so a second engine (a test's, say) has chains
 * and a default bridge of its own instead of refilling the first one's.
 */
export function instanceTag(root: string, defaultRoot: string): string {
  return root === defaultRoot ? '' : hex(root, 6);
}

/** Our iptables chains; every rule we put in the built-in chains jumps to one of these (names ≤ 28 bytes). */
export function chainsFor(tag: string): Chains {
  const p = tag === '' ? 'TSC-' : `TSC-${tag}-`;
  return { forward: `${p}FORWARD`, isolation1: `${p}ISOLATION-1`, isolation2: `${p}ISOLATION-2`, dnat: `${p}DNAT`, postrouting: `${p}POSTROUTING` };
}

/** The default `bridge` network's bridge (Docker's docker0). */
export function defaultBridgeName(tag: string): string {
  return tag === '' ? 'tsc0' : `tsc0-${tag}`;
}

/** The comment on every rule of ours (what leftover checks look for). */
export const RULE_COMMENT = 'tscompose';
