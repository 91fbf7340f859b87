/**
 * The network data plane: Linux bridges, a named netns per container, veth
 * pairs, addresses and routes (iproute2, batched: one `ip` run per side),
 * and the iptables rules (rules.ts) applied atomically. Idempotent where it
 * can be (a daemon restarted over running containers finds its bridges and
 * namespaces already there and leaves them be).
 */
import { parseIPv4 } from './cidr.js';
import type { NetHost } from './net-host.js';
import { hostVethName, netnsName, peerVethName } from './names.js';
import type { Chains } from './names.js';
import { rulesDiff } from './rules-diff.js';
import { jumps, removalInput, restoreInput } from './rules.js';
import type { RuleNetwork, RulePort } from './rules.js';

export interface BridgeSpec {
  bridge: string;
  gateway: string;
  prefix: number;
  mtu: number;
}

export interface AttachSpec {
  containerId: string;
  networkId: string;
  bridge: string;
  ifname: string;
  ip: string;
  prefix: number;
  gateway: string;
  mtu: number;
  mac: string;
  /** Whether the default route goes through this network. */
  defaultRoute: boolean;
}

export class NetError extends Error {}

/** Docker's MAC for an address: 02:42 then the IPv4 bytes. */
export function macFor(ip: string): string {
  const n = parseIPv4(ip) ?? 0;
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export class DataPlane {
  readonly #host: NetHost;
  readonly #chains: Chains;
  #jumpsChecked = false;
  /** The last restore input applied: most starts and stops change no rule, and cost no iptables run. */
  #applied: string | undefined;
  /** Known to have no rule of ours installed (false at first: an earlier run may have left some). */
  #removed = false;
  /** The rule updates, one after the other. */
  #rules: Promise<void> = Promise.resolve();

  constructor(host: NetHost, chains: Chains) {
    this.#host = host;
    this.#chains = chains;
  }

  async #ip(lines: readonly string[], netns?: string): Promise<void> {
    const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
    const r = await this.#host.run('ip', args, `${lines.join('\n')}\n`);
    if (r.code !== 0) throw new NetError(`ip ${netns ? `(netns ${netns}) ` : ''}failed: ${r.stderr.trim()}`);
  }

  async ensureBridge(b: BridgeSpec): Promise<void> {
    if (!this.#host.linkExists(b.bridge)) {
      // An address of its own: a bridge left to take the lowest MAC of its ports changes it when a
      // veth with a lower one joins, and every container's ARP entry for the gateway goes stale.
      await this.#ip([`link add name ${b.bridge} address ${macFor(b.gateway)} mtu ${b.mtu} type bridge`, `addr add ${b.gateway}/${b.prefix} dev ${b.bridge}`, `link set ${b.bridge} up`]);
    }
    // Published ports reached through 127.0.0.1 are DNATed into the bridge with a loopback source.
    this.#host.writeSysctl(`net.ipv4.conf.${b.bridge}.route_localnet`, '1');
    // Traffic between a bridge and the rest of the host is routed; dockerd turns forwarding on too.
    this.#host.writeSysctl('net.ipv4.ip_forward', '1');
  }

  async removeBridge(bridge: string): Promise<void> {
    if (!this.#host.linkExists(bridge)) return;
    const r = await this.#host.run('ip', ['link', 'del', bridge]);
    if (r.code !== 0 && this.#host.linkExists(bridge)) throw new NetError(`cannot remove bridge ${bridge}: ${r.stderr.trim()}`);
  }

  /** The container's network namespace (loopback comes up with its first endpoint, in the same `ip` run). */
  async ensureSandbox(containerId: string): Promise<string> {
    const ns = netnsName(containerId);
    if (!this.#host.netnsExists(ns)) {
      const r = await this.#host.run('ip', ['netns', 'add', ns]);
      if (r.code !== 0) throw new NetError(`cannot create network namespace ${ns}: ${r.stderr.trim()}`);
    }
    return ns;
  }

  /** Deleting the namespace takes the veths in it, and so their host ends, with it. */
  async removeSandbox(containerId: string): Promise<void> {
    const ns = netnsName(containerId);
    if (!this.#host.netnsExists(ns)) return;
    const r = await this.#host.run('ip', ['netns', 'del', ns]);
    if (r.code !== 0 && this.#host.netnsExists(ns)) throw new NetError(`cannot remove network namespace ${ns}: ${r.stderr.trim()}`);
  }

  async attach(a: AttachSpec): Promise<void> {
    const ns = netnsName(a.containerId);
    const hv = hostVethName(a.containerId, a.networkId);
    const pv = peerVethName(a.containerId, a.networkId);
    if (this.#host.linkExists(hv)) await this.#host.run('ip', ['link', 'del', hv]);
    await this.#ip([
      `link add name ${hv} mtu ${a.mtu} type veth peer name ${pv} mtu ${a.mtu} netns ${ns}`,
      `link set ${hv} master ${a.bridge}`,
      // Hairpin: a container reaching its own published port comes back through the same port.
      `link set ${hv} type bridge_slave hairpin on`,
      `link set ${hv} up`,
    ]);
    const inside = ['link set lo up', `link set ${pv} name ${a.ifname}`, `link set ${a.ifname} address ${a.mac}`, `addr add ${a.ip}/${a.prefix} dev ${a.ifname}`, `link set ${a.ifname} up`];
    if (a.defaultRoute) inside.push(`route replace default via ${a.gateway} dev ${a.ifname}`);
    try {
      await this.#ip(inside, ns);
    } catch (e) {
      await this.#host.run('ip', ['link', 'del', hv]);
      throw e;
    }
  }

  async detach(containerId: string, networkId: string): Promise<void> {
    const hv = hostVethName(containerId, networkId);
    if (this.#host.linkExists(hv)) await this.#host.run('ip', ['link', 'del', hv]);
  }

  /** Our chains refilled from the state in one restore; the jumps into them added once. */
  /**
   * Our chains brought to the wanted state. Serialized: a diff is computed
   * against what was applied last, so two at once would each assume the
   * other had not happened.
   */
  applyRules(networks: readonly RuleNetwork[], ports: readonly RulePort[]): Promise<void> {
    const run = this.#rules.then(() => this.#applyRules(networks, ports));
    this.#rules = run.catch(() => undefined);
    return run;
  }

  async #applyRules(networks: readonly RuleNetwork[], ports: readonly RulePort[]): Promise<void> {
    const input = restoreInput(this.#chains, networks, ports);
    if (input === this.#applied && this.#jumpsChecked) return;
    // Only the rules that changed when the chains are known to hold what was applied last.
    const delta = this.#applied !== undefined && this.#jumpsChecked ? rulesDiff(this.#applied, input) : undefined;
    if (delta === '') return;
    let r = await this.#host.run('iptables-restore', ['--noflush', '-w'], delta ?? input);
    // A diff that does not apply (someone else changed our chains): refill them.
    if (r.code !== 0 && delta !== undefined) r = await this.#host.run('iptables-restore', ['--noflush', '-w'], input);
    if (r.code !== 0) {
      this.#applied = undefined;
      throw new NetError(`iptables-restore failed: ${r.stderr.trim()}`);
    }
    this.#applied = input;
    this.#removed = false;
    if (this.#jumpsChecked) return;
    for (const j of jumps(this.#chains)) {
      const check = await this.#host.run('iptables', ['-w', '-t', j.table, '-C', j.chain, ...j.rule]);
      if (check.code === 0) continue;
      const add = await this.#host.run('iptables', ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
      if (add.code !== 0) throw new NetError(`iptables -t ${j.table} -I ${j.chain}: ${add.stderr.trim()}`);
    }
    this.#jumpsChecked = true;
  }

  /** Every rule of ours gone: the jumps, then the chains. Nothing to do once done (until rules are applied again). */
  removeRules(): Promise<void> {
    const run = this.#rules.then(() => this.#removeRules());
    this.#rules = run.catch(() => undefined);
    return run;
  }

  async #removeRules(): Promise<void> {
    if (this.#removed) return;
    for (const j of jumps(this.#chains)) {
      while ((await this.#host.run('iptables', ['-w', '-t', j.table, '-D', j.chain, ...j.rule])).code === 0) {
        // A jump added twice (a crash between check and add) is removed twice.
      }
    }
    const r = await this.#host.run('iptables-restore', ['--noflush', '-w'], removalInput(this.#chains));
    if (r.code !== 0 && !/No chain|does not exist|doesn't exist/i.test(r.stderr)) throw new NetError(`removing our iptables chains failed: ${r.stderr.trim()}`);
    this.#jumpsChecked = false;
    this.#applied = undefined;
    this.#removed = true;
  }
}

