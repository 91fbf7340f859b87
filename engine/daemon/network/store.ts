/**
 * The network records: ROOT/network/<id>.json, written atomically, plus the
 * predefined `bridge`, `host` and `none` networks made on first start. Pure
 * bookkeeping: no bridge, veth or rule is made here (see dataplane.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic.js';
import type { Cidr } from './cidr.js';
import { parseCidr } from './cidr.js';
import { checkStaticAddress, completeConfig, IpamError, nextAddress } from './ipam.js';
import { bridgeName } from './names.js';
import { BRIDGE_NAME_OPTION, MTU_OPTION, PREDEFINED } from './types.js';
import type { NetworkCreateRequest, NetworkRecord } from './types.js';

const DEFAULT_MTU = 1500;
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface NetworkStoreOptions {
  /** Subnets routed on the host (the IPAM avoids them). */
  hostRoutes: () => Cidr[];
  /** The default `bridge` network's bridge on the host (names.ts defaultBridgeName). */
  defaultBridge: string;
  now?: () => Date;
}

export class NetworkStore {
  readonly dir: string;
  readonly #records = new Map<string, NetworkRecord>();
  readonly #o: NetworkStoreOptions;

  constructor(root: string, opts: NetworkStoreOptions) {
    this.dir = path.join(root, 'network');
    this.#o = opts;
  }

  async open(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const f of await fs.promises.readdir(this.dir)) {
      if (!f.endsWith('.json')) continue;
      try {
        const rec = JSON.parse(await fs.promises.readFile(path.join(this.dir, f), 'utf8')) as NetworkRecord;
        if (typeof rec.Id === 'string' && typeof rec.Name === 'string') this.#records.set(rec.Id, rec);
      } catch {
        // A torn write cannot happen (atomic); anything else unreadable is not ours to guess at.
      }
    }
    if (!this.byName('none')) await this.#save(this.#record('none', 'null', {}));
    if (!this.byName('host')) await this.#save(this.#record('host', 'host', {}));
    if (!this.byName('bridge')) {
      const rec = this.#record('bridge', 'bridge', { [BRIDGE_NAME_OPTION]: this.#o.defaultBridge, 'com.docker.network.bridge.default_bridge': 'true' });
      rec.IPAM.Config = [completeConfig({}, this.#taken())];
      rec.bridge = this.#o.defaultBridge;
      rec.mtu = DEFAULT_MTU;
      await this.#save(rec);
    }
  }

  #record(name: string, driver: NetworkRecord['Driver'], options: Record<string, string>): NetworkRecord {
    return {
      Name: name,
      Id: randomBytes(32).toString('hex'),
      Created: (this.#o.now ?? (() => new Date()))().toISOString(),
      Scope: 'local',
      Driver: driver,
      EnableIPv4: driver === 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Options: options,
      Labels: {},
    };
  }

  /** Subnets in use: other networks' and the host's routes. */
  #taken(): Cidr[] {
    const mine = [...this.#records.values()].flatMap((r) => r.IPAM.Config.map((c) => parseCidr(c.Subnet))).filter((c): c is Cidr => c !== undefined);
    return [...mine, ...this.#o.hostRoutes().filter((r) => r.bits > 0)];
  }

  async #save(rec: NetworkRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${rec.Id}.json`), rec, 0o600);
    this.#records.set(rec.Id, rec);
  }

  all(): NetworkRecord[] {
    return [...this.#records.values()];
  }

  byName(name: string): NetworkRecord | undefined {
    return this.all().find((r) => r.Name === name);
  }

  get(id: string): NetworkRecord | undefined {
    return this.#records.get(id);
  }

  /** Docker's lookup order: full id, name, unique id prefix. */
  find(ref: string): NetworkRecord {
    const exact = this.#records.get(ref) ?? this.byName(ref);
    if (exact) return exact;
    const byPrefix = ref === '' ? [] : this.all().filter((r) => r.Id.startsWith(ref));
    if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0];
    if (byPrefix.length > 1) throw new BadRequestError(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw new NotFoundError(`network ${ref} not found`);
  }

  async create(req: NetworkCreateRequest): Promise<NetworkRecord> {
    const name = req.Name ?? '';
    if (name === '') throw new BadRequestError('network name must not be empty');
    if (!NAME_RE.test(name)) throw new BadRequestError(`invalid network name "${name}": must match ${NAME_RE.source}`);
    if (this.byName(name)) throw new ConflictError(`network with name ${name} already exists`);
    const driver = req.Driver || 'bridge';
    if (driver === 'host' || driver === 'null') throw new ApiError(403, `only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge') throw new BadRequestError(`network driver "${driver}" is not supported by this engine: only "bridge" is`);
    if (req.EnableIPv6) throw new BadRequestError('IPv6 networks are not supported by this engine yet: create the network without --ipv6');
    if (req.Scope && req.Scope !== 'local') throw new BadRequestError(`scope "${req.Scope}" is not supported: this engine has only local networks`);
    if (req.ConfigOnly || req.ConfigFrom?.Network) throw new BadRequestError('config-only networks are not supported by this engine');
    const ipamDriver = req.IPAM?.Driver;
    if (ipamDriver && ipamDriver !== 'default') throw new BadRequestError(`IPAM driver "${ipamDriver}" is not supported: only "default" is`);
    const options = { ...(req.Options ?? {}) };
    const rec = this.#record(name, 'bridge', options);
    rec.Internal = req.Internal === true;
    rec.Attachable = req.Attachable === true;
    rec.Labels = { ...(req.Labels ?? {}) };
    if (req.IPAM?.Options) rec.IPAM.Options = { ...req.IPAM.Options };
    const wanted = req.IPAM?.Config ?? [];
    if (wanted.length > 1) throw new BadRequestError('this engine supports one IPv4 subnet per network');
    try {
      rec.IPAM.Config = [completeConfig(wanted[0] ?? {}, this.#taken())];
    } catch (e) {
      if (e instanceof IpamError) throw new BadRequestError(e.message);
      throw e;
    }
    const br = options[BRIDGE_NAME_OPTION] ?? bridgeName(rec.Id);
    if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(br)) throw new BadRequestError(`invalid bridge name "${br}": at most 15 letters, digits, "_", "." or "-"`);
    if (this.all().some((r) => r.bridge === br)) throw new ConflictError(`bridge name ${br} is already used by another network`);
    rec.bridge = br;
    const mtu = options[MTU_OPTION];
    if (mtu !== undefined && !(/^\d+$/.test(mtu) && Number(mtu) >= 68 && Number(mtu) <= 65535)) throw new BadRequestError(`invalid MTU ${mtu}: between 68 and 65535`);
    rec.mtu = mtu !== undefined ? Number(mtu) : DEFAULT_MTU;
    await this.#save(rec);
    return rec;
  }

  async remove(ref: string, endpoints: (id: string) => number): Promise<NetworkRecord> {
    const rec = this.find(ref);
    if ((PREDEFINED as readonly string[]).includes(rec.Name)) throw new ApiError(403, `${rec.Name} is a pre-defined network and cannot be removed`);
    // dockerd answers 403 (libnetwork's ActiveEndpointsError is Forbidden).
    if (endpoints(rec.Id) > 0) throw new ApiError(403, `error while removing network: network ${rec.Name} id ${rec.Id} has active endpoints`);
    this.#records.delete(rec.Id);
    await fs.promises.rm(path.join(this.dir, `${rec.Id}.json`), { force: true });
    return rec;
  }

  /** An address for an endpoint: the requested one if free, else the next free one. */
  async allocate(id: string, inUse: ReadonlySet<string>, requested?: string): Promise<string> {
    const rec = this.get(id);
    const cfg = rec?.IPAM.Config[0];
    if (!rec || !cfg) throw new ApiError(500, `network ${id} has no IPv4 configuration`);
    if (requested) {
      try {
        checkStaticAddress(cfg, requested, inUse);
      } catch (e) {
        if (e instanceof IpamError) throw new BadRequestError(e.message);
        throw e;
      }
      return requested;
    }
    const ip = nextAddress(cfg, inUse, rec.lastIp);
    if (ip === undefined) throw new ApiError(503, `no available IPv4 addresses on network ${rec.Name}`);
    rec.lastIp = ip;
    await this.#save(rec);
    return ip;
  }
}

/** IPv4 routes of the host (/proc/net/route: little-endian hex destination and mask). */
export function readHostRoutes(text: string = readRouteFile()): Cidr[] {
  const out: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = leHex(f[1] ?? '');
    const maskN = leHex(f[7] ?? '');
    if (dest === undefined || maskN === undefined) continue;
    const bits = maskN.toString(2).replace(/0/g, '').length;
    out.push({ base: dest, bits });
  }
  return out;
}

function readRouteFile(): string {
  try {
    return fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return '';
  }
}

function leHex(h: string): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(h)) return undefined;
  const b = Buffer.from(h, 'hex');
  return b.readUInt32LE(0);
}
