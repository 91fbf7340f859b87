/**
 * The engine's networks: records (store.ts), the data plane (bridges,
 * namespaces, veths, rules), published ports and the embedded DNS, kept in
 * step with the containers that use them.
 *
 * Containers stay the owners of their endpoints (NetworkSettings.Networks in
 * their records): the manager plans them at create, fills them at start
 * (addresses, MAC, gateway) and empties them at exit; the container
 * manager persists what it returns. Rules, the DNS table and the DNS
 * listeners are always rebuilt from the containers' view (refresh()), so a
 * daemon restarted over running containers converges on what they have.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, BadRequestError } from '../errors.js';
import type { EventSink } from '../events/bus.js';
import type { Logger } from '../server/logger.js';
import { DataPlane, macFor } from './dataplane.js';
import { DnsTable } from './dns-names.js';
import type { DnsEndpoint } from './dns-names.js';
import { DnsServer } from './dns-server.js';
import type { Upstream } from './dns-server.js';
import { prefixLength } from './ipam.js';
import type { NetHost } from './net-host.js';
import { chainsFor, defaultBridgeName, NETNS_DIR, netnsName } from './names.js';
import { reservePort } from './port-reserve.js';
import type { Reservation } from './port-reserve.js';
import { portRequests } from './ports.js';
import type { PortBinding } from './ports.js';
import type { RuleNetwork, RulePort } from './rules.js';
import { NetworkStore, readHostRoutes } from './store.js';
import type { EndpointSettings, NetworkCreateRequest, NetworkRecord } from './types.js';
import type { EndpointView } from './views.js';

/** What the manager needs to know of a container. */
export interface NetContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  hostname: string;
  running: boolean;
  networkMode: string;
  labels: Readonly<Record<string, string>>;
  networks: Readonly<Record<string, EndpointSettings>>;
  /** The ports published by the current run (NetworkSettings.Ports). */
  ports: Readonly<Record<string, PortBinding[] | null>>;
  /** HostConfig.Dns: the embedded DNS forwards this container's unknown names there. */
  dns?: readonly string[];
}

export interface StartNetworking {
  networks: Record<string, EndpointSettings>;
  ports: Record<string, PortBinding[] | null>;
  /** The primary endpoint's address (for /etc/hosts) and the embedded DNS (for resolv.conf), when any. */
  ip?: string;
  nameserver?: string;
}

export interface NetworkManagerOptions {
  root: string;
  host: NetHost;
  logger: Logger;
  events?: EventSink;
  containers: () => NetContainer[];
  upstreams: () => Upstream[];
  /** The embedded DNS port (53; tests without root use another). */
  dnsPort?: number;
  /** names.ts instanceTag: '' for the default root. */
  tag: string;
}

/** NetworkMode values that are not a network of their own. */
export function isBridgeLike(mode: string): boolean {
  return mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');
}

export function primaryNetwork(mode: string): string {
  return mode === '' || mode === 'default' ? 'bridge' : mode;
}

export class NetworkManager {
  readonly store: NetworkStore;
  readonly #o: NetworkManagerOptions;
  readonly #dp: DataPlane;
  readonly #table = new DnsTable();
  readonly #dns: DnsServer;
  readonly #reservations = new Map<string, Reservation[]>();
  /** Addresses handed out but not yet in a persisted record (starts in flight). */
  readonly #pending = new Set<string>();

  constructor(opts: NetworkManagerOptions) {
    this.#o = opts;
    this.store = new NetworkStore(opts.root, { hostRoutes: () => readHostRoutes(), defaultBridge: defaultBridgeName(opts.tag) });
    this.#dp = new DataPlane(opts.host, chainsFor(opts.tag));
    this.#dns = new DnsServer({
      table: this.#table,
      upstreams: opts.upstreams,
      internal: (id) => this.store.get(id)?.Internal === true,
      logger: opts.logger,
      ...(opts.dnsPort !== undefined ? { port: opts.dnsPort } : {}),
    });
  }

  /** The records (and the predefined networks): before containers are created or restored. */
  async open(): Promise<void> {
    await this.store.open();
  }

  /** Once the containers' records are loaded: their ports held again, rules and DNS brought in line. */
  async restore(): Promise<void> {
    // Ports of containers that kept running while the daemon was away are held again.
    for (const c of this.#o.containers().filter((x) => x.running)) {
      const held: Reservation[] = [];
      for (const [key, list] of Object.entries(c.ports)) {
        for (const b of list ?? []) {
          try {
            held.push(await reservePort(key.endsWith('/udp') ? 'udp' : key.endsWith('/sctp') ? 'sctp' : 'tcp', b.HostIp === '0.0.0.0' ? '' : (b.HostIp ?? ''), [Number(b.HostPort)]));
          } catch (e) {
            this.#o.logger.warn(`container ${c.id}: cannot hold port ${b.HostIp}:${b.HostPort} again: ${(e as Error).message}`);
          }
        }
      }
      this.#reservations.set(c.id, held);
    }
    await this.refresh();
  }

  async close(): Promise<void> {
    await this.#dns.close();
    for (const list of this.#reservations.values()) for (const r of list) await r.release();
    this.#reservations.clear();
  }

  // ---- networks ----------------------------------------------------------

  async create(req: NetworkCreateRequest): Promise<NetworkRecord> {
    const rec = await this.store.create(req);
    this.#o.events?.publish('network', 'create', { ID: rec.Id, Attributes: { name: rec.Name, type: rec.Driver } });
    return rec;
  }

  async remove(ref: string): Promise<void> {
    const rec = await this.store.remove(ref, (id) => this.#endpointsOf(id).length);
    if (rec.bridge) {
      if (rec.IPAM.Config[0]) await this.#dns.close(rec.IPAM.Config[0].Gateway);
      await this.#dp.removeBridge(rec.bridge);
    }
    await this.refresh();
    this.#o.events?.publish('network', 'destroy', { ID: rec.Id, Attributes: { name: rec.Name, type: rec.Driver } });
  }

  /** Endpoints of running containers on a network (what inspect shows and removal refuses). */
  endpoints(networkId: string): EndpointView[] {
    return this.#endpointsOf(networkId);
  }

  /** Whether any container (running or not) names the network (for `dangling`). */
  used(networkId: string): boolean {
    return this.#o.containers().some((c) => Object.values(c.networks).some((e) => e.NetworkID === networkId));
  }

  #endpointsOf(networkId: string): EndpointView[] {
    const out: EndpointView[] = [];
    for (const c of this.#o.containers()) {
      if (!c.running) continue;
      for (const e of Object.values(c.networks)) {
        if (e.NetworkID === networkId && e.IPAddress) out.push({ containerId: c.id, name: c.name, endpointId: e.EndpointID, mac: e.MacAddress, ip: e.IPAddress, prefix: e.IPPrefixLen });
      }
    }
    return out;
  }

  // ---- containers --------------------------------------------------------

  /**
   * The endpoints a new container will have (addresses come at start):
   * NetworkMode's network and those of EndpointsConfig, checked as dockerd
   * checks them. Returns the normalized NetworkMode too.
   */
  planEndpoints(modeIn: string | undefined, configs: Readonly<Record<string, { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null; DriverOpts?: Record<string, string> | null; MacAddress?: string } | null>>, name: string, shortId: string): { mode: string; networks: Record<string, EndpointSettings> } {
    const mode = modeIn === undefined || modeIn === '' || modeIn === 'default' ? 'bridge' : modeIn;
    // The docker CLI names the default network "default" in EndpointsConfig too.
    if (Object.hasOwn(configs, 'default')) {
      const { default: dflt, ...rest } = configs;
      configs = { ...rest, ...(Object.hasOwn(rest, mode) ? {} : { [mode]: dflt ?? null }) };
    }
    const names = Object.keys(configs);
    if (!isBridgeLike(mode)) {
      if (mode.startsWith('container:') && names.length > 0) throw new BadRequestError('conflicting options: networks and the network mode "container"');
      const other = names.filter((n) => n !== mode);
      if (other.length > 0) throw new BadRequestError(`container cannot be connected to network endpoints: ${mode}, ${other.join(', ')}`);
      if (mode === 'host' || mode === 'none') {
        const rec = this.store.byName(mode);
        return { mode, networks: rec ? { [mode]: this.#endpoint(rec, configs[mode] ?? null, name, shortId) } : {} };
      }
      return { mode, networks: {} };
    }
    const primary = this.store.find(mode);
    const networks: Record<string, EndpointSettings> = {};
    const wanted = [primary.Name, ...names.filter((n) => n !== primary.Name && n !== primary.Id)];
    for (const n of wanted) {
      const rec = this.store.find(n);
      if (rec.Driver !== 'bridge') throw new BadRequestError(`container cannot be connected to both a bridge network and ${rec.Name}`);
      const cfg = configs[n] ?? configs[rec.Id] ?? (rec.Id === primary.Id ? (configs[mode] ?? null) : null);
      if (rec.Name === 'bridge' && (cfg?.Aliases?.length ?? 0) > 0) throw new BadRequestError('network-scoped alias is supported only for containers in user defined networks');
      if (rec.Name === 'bridge' && cfg?.IPAMConfig?.IPv4Address) throw new BadRequestError('user specified IP address is supported on user defined networks only');
      networks[rec.Name] = this.#endpoint(rec, cfg, name, shortId);
    }
    return { mode: primary.Name === 'bridge' && mode === 'bridge' ? 'bridge' : mode, networks };
  }

  #endpoint(rec: NetworkRecord, cfg: { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null; DriverOpts?: Record<string, string> | null } | null, name: string, shortId: string): EndpointSettings {
    const aliases = cfg?.Aliases ?? null;
    const user = rec.Driver === 'bridge' && rec.Name !== 'bridge';
    return {
      IPAMConfig: cfg?.IPAMConfig ?? null,
      Links: null,
      Aliases: aliases,
      MacAddress: '',
      DriverOpts: cfg?.DriverOpts ?? null,
      NetworkID: rec.Id,
      EndpointID: '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: user ? [...new Set([name, shortId, ...(aliases ?? [])])] : null,
    };
  }

  /** The named netns a bridge-mode container joins (made at start). */
  netnsPath(containerId: string): string {
    return `${NETNS_DIR}/${netnsName(containerId)}`;
  }

  /**
   * Before the container's process starts: its namespace, a veth per network
   * (the NetworkMode one first: eth0, with the default route), addresses,
   * published ports held and ruled, names in the DNS. Undone on failure.
   */
  async setUp(c: NetContainer, hostConfig: { PortBindings?: Record<string, PortBinding[] | null> | null; PublishAllPorts?: boolean }, exposed: Record<string, unknown> | null | undefined): Promise<StartNetworking> {
    const networks: Record<string, EndpointSettings> = {};
    const ports: Record<string, PortBinding[] | null> = {};
    if (!isBridgeLike(c.networkMode)) return { networks: { ...c.networks }, ports };
    await this.#dp.ensureSandbox(c.id);
    const held: Reservation[] = [];
    const given: string[] = [];
    try {
      const names = Object.keys(c.networks);
      const primary = this.store.find(primaryNetwork(c.networkMode)).Name;
      const order = [primary, ...names.filter((n) => n !== primary).sort()];
      let i = 0;
      let result: StartNetworking = { networks, ports };
      for (const n of order) {
        const ep = c.networks[n];
        if (!ep) continue;
        const rec = this.store.find(ep.NetworkID || n);
        const cfg = rec.IPAM.Config[0];
        if (!cfg || !rec.bridge) throw new ApiError(500, `network ${rec.Name} has no bridge configuration`);
        await this.#dp.ensureBridge({ bridge: rec.bridge, gateway: cfg.Gateway, prefix: prefixLength(cfg), mtu: rec.mtu ?? 1500 });
        const ip = await this.store.allocate(rec.Id, this.#inUse(rec.Id, c.id), ep.IPAMConfig?.IPv4Address || undefined);
        this.#pending.add(`${rec.Id}/${ip}`);
        given.push(`${rec.Id}/${ip}`);
        const mac = ep.MacAddress || macFor(ip);
        await this.#dp.attach({ containerId: c.id, networkId: rec.Id, bridge: rec.bridge, ifname: `eth${i}`, ip, prefix: prefixLength(cfg), gateway: cfg.Gateway, mtu: rec.mtu ?? 1500, mac, defaultRoute: i === 0 && !rec.Internal });
        networks[rec.Name] = { ...ep, NetworkID: rec.Id, EndpointID: randomBytes(32).toString('hex'), Gateway: cfg.Gateway, IPAddress: ip, IPPrefixLen: prefixLength(cfg), MacAddress: mac };
        if (i === 0) {
          result = { networks, ports, ip };
          if (rec.Name !== 'bridge') result.nameserver = cfg.Gateway;
        }
        i++;
      }
      // Ports are published on the primary endpoint, as dockerd does.
      for (const p of portRequests(hostConfig.PortBindings, exposed, hostConfig.PublishAllPorts === true)) {
        const r = await reservePort(p.proto, p.hostIp, p.hostPorts);
        held.push(r);
        const key = `${p.containerPort}/${p.proto}`;
        (ports[key] ??= []).push({ HostIp: p.hostIp === '' ? '0.0.0.0' : p.hostIp, HostPort: String(r.hostPort) });
      }
      // Exposed but unpublished ports are listed with null, as dockerd lists them.
      for (const key of Object.keys(exposed ?? {})) ports[key.includes('/') ? key : `${key}/tcp`] ??= null;
      this.#reservations.set(c.id, held);
      return result;
    } catch (e) {
      for (const r of held) await r.release();
      await this.#dp.removeSandbox(c.id).catch(() => undefined);
      throw e;
    } finally {
      for (const g of given) this.#pending.delete(g);
    }
  }

  /** docker network connect on a live container: one more veth (ethN, no default route unless it is the only one). */
  async attachLive(c: NetContainer, networkName: string, index: number): Promise<EndpointSettings> {
    const ep = c.networks[networkName];
    const rec = this.store.find(ep?.NetworkID || networkName);
    const cfg = rec.IPAM.Config[0];
    if (!ep || !cfg || !rec.bridge) throw new ApiError(500, `network ${rec.Name} has no bridge configuration`);
    await this.#dp.ensureSandbox(c.id);
    await this.#dp.ensureBridge({ bridge: rec.bridge, gateway: cfg.Gateway, prefix: prefixLength(cfg), mtu: rec.mtu ?? 1500 });
    const ip = await this.store.allocate(rec.Id, this.#inUse(rec.Id, c.id), ep.IPAMConfig?.IPv4Address || undefined);
    const mac = ep.MacAddress || macFor(ip);
    await this.#dp.attach({ containerId: c.id, networkId: rec.Id, bridge: rec.bridge, ifname: `eth${index}`, ip, prefix: prefixLength(cfg), gateway: cfg.Gateway, mtu: rec.mtu ?? 1500, mac, defaultRoute: index === 0 && !rec.Internal });
    return { ...ep, NetworkID: rec.Id, EndpointID: randomBytes(32).toString('hex'), Gateway: cfg.Gateway, IPAddress: ip, IPPrefixLen: prefixLength(cfg), MacAddress: mac };
  }

  async detachLive(containerId: string, networkId: string): Promise<void> {
    await this.#dp.detach(containerId, networkId);
  }

  /** After the container's process ended: namespace (and so its veths), ports and names go. */
  async tearDown(containerId: string): Promise<void> {
    for (const r of this.#reservations.get(containerId) ?? []) await r.release();
    this.#reservations.delete(containerId);
    await this.#dp.removeSandbox(containerId);
  }

  /** Addresses taken on a network, but for those of `self` (the container being set up). */
  #inUse(networkId: string, self: string): Set<string> {
    const out = new Set<string>();
    for (const c of this.#o.containers()) {
      if (c.id === self) continue;
      for (const e of Object.values(c.networks)) if (e.NetworkID === networkId && e.IPAddress && c.running) out.add(e.IPAddress);
      // Static addresses stay reserved for stopped containers too.
      for (const e of Object.values(c.networks)) if (e.NetworkID === networkId && e.IPAMConfig?.IPv4Address) out.add(e.IPAMConfig.IPv4Address);
    }
    for (const p of this.#pending) if (p.startsWith(`${networkId}/`)) out.add(p.slice(networkId.length + 1));
    return out;
  }

  /**
   * Rules, DNS names and DNS listeners from the containers' current view.
   * Called after every change; cheap (one iptables-restore).
   */
  async refresh(): Promise<void> {
    const containers = this.#o.containers();
    const bridges = this.store.all().filter((r) => r.Driver === 'bridge' && r.bridge && r.IPAM.Config[0] && this.#o.host.linkExists(r.bridge));
    const ruleNets: RuleNetwork[] = bridges.map((r) => ({ bridge: r.bridge ?? '', subnet: r.IPAM.Config[0]?.Subnet ?? '', internal: r.Internal }));
    const rulePorts: RulePort[] = [];
    const dns: DnsEndpoint[] = [];
    for (const c of containers.filter((x) => x.running && isBridgeLike(x.networkMode))) {
      const primaryName = primaryNetwork(c.networkMode);
      const primary = c.networks[primaryName] ?? Object.values(c.networks)[0];
      const net = primary ? this.store.get(primary.NetworkID) : undefined;
      for (const [key, list] of Object.entries(c.ports)) {
        const [port = '0', proto = 'tcp'] = key.split('/');
        for (const b of list ?? []) {
          if (!primary?.IPAddress || !net?.bridge) continue;
          rulePorts.push({ bridge: net.bridge, containerIp: primary.IPAddress, proto: proto as RulePort['proto'], containerPort: Number(port), hostIp: b.HostIp === '0.0.0.0' ? '' : (b.HostIp ?? ''), hostPort: Number(b.HostPort) });
        }
      }
      for (const e of Object.values(c.networks)) {
        if (!e.IPAddress) continue;
        const service = c.labels['com.docker.compose.service'];
        const names = [c.name, c.id.slice(0, 12), ...(e.Aliases ?? []), ...(service ? [service] : []), ...(c.hostname && c.hostname !== c.id.slice(0, 12) ? [c.hostname] : [])];
        dns.push({ containerId: c.id, networkId: e.NetworkID, ip: e.IPAddress, names, ...(c.dns && c.dns.length > 0 ? { upstreams: c.dns } : {}) });
      }
    }
    this.#table.replace(dns);
    if (ruleNets.length > 0 || rulePorts.length > 0) await this.#dp.applyRules(ruleNets, rulePorts);
    else await this.#dp.removeRules();
    // The embedded DNS serves user networks whose bridge is up.
    const want = new Set(bridges.filter((r) => r.Name !== 'bridge').map((r) => r.IPAM.Config[0]?.Gateway ?? ''));
    for (const a of this.#dns.addresses) if (!want.has(a)) await this.#dns.close(a);
    for (const a of want) {
      await this.#dns.listen(a).catch((e: unknown) => this.#o.logger.warn(`embedded DNS on ${a}: ${(e as Error).message}`));
    }
  }

  /** Every bridge of ours removed, and the rules (the daemon's tests and `engine stop --clean`). */
  async removeAll(): Promise<void> {
    await this.close();
    for (const r of this.store.all()) if (r.bridge) await this.#dp.removeBridge(r.bridge);
    await this.#dp.removeRules();
  }
}

