/**
 * The engine's iptables rules as a pure function of its networks and
 * endpoints, written as `iptables-restore --noflush` input.
 *
 * Every rule of ours lives in chains of our own (TSC-*); the built-in
 * chains only get one jump each, tagged with a comment. A change re-declares
 * our chains, which flushes and refills them in one atomic restore, so the
 * rules are always exactly what the state says — nothing to diff, nothing
 * left over — and the host's own rules are never touched.
 *
 *   filter FORWARD → TSC-FORWARD: traffic within a network and replies
 *     accepted first (the per-packet path), then isolation between networks
 *     (Docker's two stages), internal networks kept in, published ports let
 *     in, traffic out of non-internal networks accepted, the rest into a
 *     bridge dropped;
 *   nat PREROUTING/OUTPUT (to local addresses) → TSC-DNAT: published ports;
 *   nat POSTROUTING → TSC-POSTROUTING: masquerade out of non-internal
 *     networks, of host-originated (loopback) traffic into a bridge, and of
 *     hairpin traffic (a container reaching its own published port).
 */
import { RULE_COMMENT } from './names.js';
import type { Chains } from './names.js';

export interface RuleNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface RulePort {
  bridge: string;
  containerIp: string;
  proto: 'tcp' | 'udp' | 'sctp';
  containerPort: number;
  /** '' = every local address. */
  hostIp: string;
  hostPort: number;
}

const c = (args: string): string => `${args} -m comment --comment ${RULE_COMMENT}`;

/** The jumps from the built-in chains, as `iptables -t T` argument lists (checked with -C, added with -I). */
export function jumps(CHAINS: Chains): { table: 'filter' | 'nat'; chain: string; rule: string[] }[] {
  return [
    { table: 'filter', chain: 'FORWARD', rule: ['-m', 'comment', '--comment', RULE_COMMENT, '-j', CHAINS.forward] },
    { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'comment', '--comment', RULE_COMMENT, '-j', CHAINS.dnat] },
    { table: 'nat', chain: 'OUTPUT', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'comment', '--comment', RULE_COMMENT, '-j', CHAINS.dnat] },
    { table: 'nat', chain: 'POSTROUTING', rule: ['-m', 'comment', '--comment', RULE_COMMENT, '-j', CHAINS.postrouting] },
  ];
}

export function restoreInput(CHAINS: Chains, networks: readonly RuleNetwork[], ports: readonly RulePort[]): string {
  const filter: string[] = [`:${CHAINS.forward} - [0:0]`, `:${CHAINS.isolation1} - [0:0]`, `:${CHAINS.isolation2} - [0:0]`];
  const nat: string[] = [`:${CHAINS.dnat} - [0:0]`, `:${CHAINS.postrouting} - [0:0]`];
  const F = (r: string): number => filter.push(`-A ${CHAINS.forward} ${c(r)}`);
  const P = (r: string): number => nat.push(`-A ${CHAINS.postrouting} ${c(r)}`);

  // The common case first: every packet between two containers of one network (bridged
  // traffic passes FORWARD when br_netfilter is on) and every reply, before any other test.
  for (const n of networks) {
    F(`-i ${n.bridge} -o ${n.bridge} -j ACCEPT`);
    F(`-o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  }
  F(`-j ${CHAINS.isolation1}`);
  for (const n of networks) {
    filter.push(`-A ${CHAINS.isolation1} ${c(`-i ${n.bridge} ! -o ${n.bridge} -j ${CHAINS.isolation2}`)}`);
    filter.push(`-A ${CHAINS.isolation2} ${c(`-o ${n.bridge} -j DROP`)}`);
  }
  for (const n of networks) {
    if (n.internal) {
      F(`-i ${n.bridge} ! -o ${n.bridge} -j DROP`);
      F(`-o ${n.bridge} ! -i ${n.bridge} -j DROP`);
    }
    if (!n.internal) {
      for (const p of ports.filter((x) => x.bridge === n.bridge)) {
        F(`-d ${p.containerIp}/32 ! -i ${n.bridge} -o ${n.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`);
      }
    }
    if (!n.internal) F(`-i ${n.bridge} ! -o ${n.bridge} -j ACCEPT`);
    F(`-o ${n.bridge} -j DROP`);

    if (!n.internal) P(`-s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
    P(`-o ${n.bridge} -m addrtype --src-type LOCAL -j MASQUERADE`);
  }
  const internal = new Set(networks.filter((n) => n.internal).map((n) => n.bridge));
  for (const p of ports) {
    if (internal.has(p.bridge)) continue;
    const dst = p.hostIp === '' || p.hostIp === '0.0.0.0' ? '' : `-d ${p.hostIp}/32 `;
    nat.push(`-A ${CHAINS.dnat} ${c(`${dst}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`)}`);
    P(`-s ${p.containerIp}/32 -d ${p.containerIp}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j MASQUERADE`);
  }
  return ['*filter', ...filter, 'COMMIT', '*nat', ...nat, 'COMMIT', ''].join('\n');
}

/** The input that empties and deletes our chains (after the jumps are gone). */
export function removalInput(CHAINS: Chains): string {
  return [
    '*filter',
    `:${CHAINS.forward} - [0:0]`,
    `:${CHAINS.isolation1} - [0:0]`,
    `:${CHAINS.isolation2} - [0:0]`,
    `-X ${CHAINS.forward}`,
    `-X ${CHAINS.isolation1}`,
    `-X ${CHAINS.isolation2}`,
    'COMMIT',
    '*nat',
    `:${CHAINS.dnat} - [0:0]`,
    `:${CHAINS.postrouting} - [0:0]`,
    `-X ${CHAINS.dnat}`,
    `-X ${CHAINS.postrouting}`,
    'COMMIT',
    '',
  ].join('\n');
}
