/**
 * The container side of networking: what the container manager does with
 * the network manager at create (plan the endpoints), start (namespace,
 * veths, addresses, ports, /etc/hosts and resolv.conf with the embedded
 * DNS), exit (everything undone, addresses released) and for
 * connect/disconnect. Kept out of lifecycle.ts, which only calls in here.
 */
import fs from 'node:fs';
import { ApiError, ConflictError } from '../errors.js';
import type { EndpointConfigBody } from '../api/routes-networks.js';
import type { NetContainer, NetworkManager } from '../network/manager.js';
import { isBridgeLike } from '../network/manager.js';
import type { PortBinding } from '../network/ports.js';
import { writeFileAtomic, writeJsonAtomic } from '../state/atomic.js';
import { hostsWithSelf, resolvConf } from './etc-files.js';
import type { EtcInput } from './etc-files.js';
import type { ContainerPaths, ContainerRecord, NetworkSettingsRecord } from './records.js';

/** Where a record keeps its endpoints (absent in records written before networking). */
export function settingsOf(rec: ContainerRecord): NetworkSettingsRecord {
  rec.NetworkSettings ??= { Networks: {}, Ports: {} };
  return rec.NetworkSettings;
}

/** Whether the container's network is set up (it has a live process). */
function live(rec: ContainerRecord): boolean {
  return rec.State.Status === 'running' || rec.State.Status === 'paused';
}

export function netView(rec: ContainerRecord): NetContainer {
  const s = settingsOf(rec);
  return {
    id: rec.Id,
    name: rec.Name.replace(/^\//, ''),
    hostname: rec.Config.Hostname ?? '',
    running: live(rec),
    networkMode: rec.HostConfig.NetworkMode || 'bridge',
    labels: rec.Config.Labels ?? {},
    networks: s.Networks,
    ports: s.Ports,
    dns: etcInputOf(rec).dns ?? [],
  };
}

export function etcInputOf(rec: ContainerRecord): EtcInput {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const hc = rec.HostConfig as Record<string, unknown>;
  return {
    hostname: rec.Config.Hostname ?? '',
    ...(rec.Config.Domainname ? { domainname: rec.Config.Domainname } : {}),
    extraHosts: list(hc['ExtraHosts']),
    dns: list(hc['Dns']),
    dnsSearch: list(hc['DnsSearch']),
    dnsOptions: list(hc['DnsOptions']),
  };
}

/** Points the bundle's network namespace at `nsPath` (container:<id> mode joins the other's at each start). */
async function setBundleNetns(bundleConfig: string, nsPath: string): Promise<void> {
  const spec = JSON.parse(await fs.promises.readFile(bundleConfig, 'utf8')) as { linux?: { namespaces?: { type: string; path?: string }[] } };
  const nss = (spec.linux ??= {}).namespaces ?? (spec.linux.namespaces = []);
  const net = nss.find((n) => n.type === 'network');
  if (net) net.path = nsPath;
  else nss.push({ type: 'network', path: nsPath });
  await writeJsonAtomic(bundleConfig, spec, 0o600);
}

export interface NetworkingDeps {
  networks: NetworkManager;
  find(ref: string): ContainerRecord;
  hostResolvConf(): string;
}

export class ContainerNetworking {
  readonly #d: NetworkingDeps;

  constructor(deps: NetworkingDeps) {
    this.#d = deps;
  }

  get manager(): NetworkManager {
    return this.#d.networks;
  }

  /** At create: the normalized NetworkMode and the planned endpoints (400/404 as dockerd). */
  plan(mode: string | undefined, endpoints: Record<string, unknown> | null | undefined, name: string, id: string): { mode: string; settings: NetworkSettingsRecord } {
    let m = mode || 'bridge';
    if (m.startsWith('container:')) {
      const target = this.#d.find(m.slice('container:'.length));
      m = `container:${target.Id}`;
    }
    const plan = this.#d.networks.planEndpoints(m, (endpoints ?? {}) as Record<string, EndpointConfigBody | null>, name, id.slice(0, 12));
    return { mode: plan.mode, settings: { Networks: plan.networks, Ports: {} } };
  }

  /** The netns path the spec joins at create (undefined: the spec builder's default for the mode). */
  netnsPathAtCreate(mode: string, id: string): string | undefined {
    if (isBridgeLike(mode)) return this.#d.networks.netnsPath(id);
    // Resolved at every start (setUp): the other container's pid changes with each of its runs.
    if (mode.startsWith('container:')) return '/proc/self/ns/net';
    return undefined;
  }

  /** Before the process starts. Undone by tearDown. */
  async setUp(rec: ContainerRecord, p: ContainerPaths): Promise<void> {
    const mode = rec.HostConfig.NetworkMode || 'bridge';
    if (mode.startsWith('container:')) {
      const target = this.#d.find(mode.slice('container:'.length));
      if (!live(target) || target.State.Pid <= 0) throw new ConflictError(`cannot join network namespace of a non running container: ${target.Id}`);
      await setBundleNetns(p.bundleConfig, `/proc/${target.State.Pid}/ns/net`);
      return;
    }
    if (!isBridgeLike(mode)) return;
    const s = settingsOf(rec);
    const hc = rec.HostConfig as { PortBindings?: Record<string, PortBinding[] | null> | null; PublishAllPorts?: boolean };
    const got = await this.#d.networks.setUp(netView(rec), hc, (rec.Config as { ExposedPorts?: Record<string, unknown> | null }).ExposedPorts);
    s.Networks = got.networks;
    s.Ports = got.ports;
    const input = etcInputOf(rec);
    // Written before the process starts, so replacing the files (new inodes) is safe for their bind mounts.
    await writeFileAtomic(p.hosts, hostsWithSelf(input, got.ip ?? '127.0.0.1'));
    if (got.nameserver) await writeFileAtomic(p.resolvConf, resolvConf(this.#d.hostResolvConf(), { ...input, dns: [got.nameserver] }));
  }

  /** The process is running: rules and DNS names take it in (nothing to do without a network of its own). */
  async started(rec: ContainerRecord): Promise<void> {
    if (!isBridgeLike(rec.HostConfig.NetworkMode || 'bridge')) return;
    await this.#d.networks.refresh();
  }

  /** After the process ended (or a start failed): namespace, veths, ports go; addresses are released. */
  async tearDown(rec: ContainerRecord): Promise<void> {
    const mode = rec.HostConfig.NetworkMode || 'bridge';
    if (!isBridgeLike(mode)) return;
    await this.#d.networks.tearDown(rec.Id);
    const s = settingsOf(rec);
    for (const e of Object.values(s.Networks)) Object.assign(e, { EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: e.IPAMConfig ? e.MacAddress : '' });
    s.Ports = {};
    await this.#d.networks.refresh();
  }

  /** docker network connect: recorded now; live containers get the endpoint at once. */
  async connect(rec: ContainerRecord, network: string, cfg: EndpointConfigBody): Promise<void> {
    const mode = rec.HostConfig.NetworkMode || 'bridge';
    if (!isBridgeLike(mode)) throw new ApiError(400, `container sharing network namespace with another container or host cannot be connected to any other network`);
    const net = this.#d.networks.store.find(network);
    const s = settingsOf(rec);
    if (s.Networks[net.Name]) throw new ApiError(403, `endpoint with name ${rec.Name.slice(1)} already exists in network ${net.Name}`);
    const plan = this.#d.networks.planEndpoints(net.Name, { [net.Name]: cfg }, rec.Name.slice(1), rec.Id.slice(0, 12));
    const ep = plan.networks[net.Name];
    if (!ep) throw new ApiError(500, `cannot plan an endpoint on ${net.Name}`);
    s.Networks[net.Name] = ep;
    if (!live(rec)) return;
    try {
      s.Networks[net.Name] = await this.#d.networks.attachLive(netView(rec), net.Name, Object.keys(s.Networks).length - 1);
    } catch (e) {
      delete s.Networks[net.Name];
      throw e;
    }
    await this.#d.networks.refresh();
  }

  async disconnect(rec: ContainerRecord, network: string): Promise<void> {
    const net = this.#d.networks.store.find(network);
    const s = settingsOf(rec);
    if (!s.Networks[net.Name]) throw new ApiError(403, `container ${rec.Id} is not connected to network ${net.Name}`);
    if (live(rec)) await this.#d.networks.detachLive(rec.Id, net.Id);
    delete s.Networks[net.Name];
    await this.#d.networks.refresh();
  }
}
