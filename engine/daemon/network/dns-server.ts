/**
 * The embedded DNS server: one UDP socket and one TCP listener on port 53
 * of each user network's gateway address (the container's resolv.conf
 * names it). Names of the network are answered from the DnsTable; the rest
 * is forwarded to the upstream resolvers (the host's, or the daemon's
 * --dns-upstream) and the reply relayed as it came. Packets are read and
 * written with dns-packet.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import type { Logger } from '../server/logger.js';
import type { DnsTable } from './dns-names.js';

/** Docker's TTL for container names. */
const TTL = 600;
const FORWARD_TIMEOUT_MS = 2000;

export interface Upstream {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353" → upstreams. */
export function parseUpstreams(list: string): Upstream[] {
  return list
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(s);
      if (!m) throw new Error(`invalid DNS upstream "${s}": want IPv4[:port]`);
      return { host: m[1] ?? '', port: m[2] !== undefined ? Number(m[2]) : 53 };
    });
}

/** The nameservers of a resolv.conf (IPv4 only). */
export function resolvConfUpstreams(text: string): Upstream[] {
  return [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => ({ host: m[1] ?? '', port: 53 }));
}

export interface DnsServerOptions {
  table: DnsTable;
  upstreams: () => Upstream[];
  internal: (networkId: string) => boolean;
  logger: Logger;
  /** 53 unless a test says otherwise (a port above 1023 needs no root). */
  port?: number;
}

interface Listener {
  udp: dgram.Socket;
  tcp: net.Server;
}

export class DnsServer {
  readonly #o: DnsServerOptions;
  readonly #listeners = new Map<string, Listener>();

  constructor(opts: DnsServerOptions) {
    this.#o = opts;
  }

  /** Serves on `address`:53 (idempotent). */
  async listen(address: string): Promise<void> {
    if (this.#listeners.has(address)) return;
    const udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    udp.on('message', (msg, rinfo) => {
      void this.#respond(msg, rinfo.address).then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    udp.on('error', (e) => this.#o.logger.warn(`dns ${address}: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.#o.port ?? 53, address, () => resolve());
    });
    const tcp = net.createServer((sock) => this.#serveTcp(sock));
    tcp.on('error', (e) => this.#o.logger.warn(`dns ${address} (tcp): ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.#o.port ?? 53, address, () => resolve());
    }).catch((e: unknown) => {
      udp.close();
      throw e;
    });
    this.#listeners.set(address, { udp, tcp });
  }

  async close(address?: string): Promise<void> {
    for (const [a, l] of [...this.#listeners]) {
      if (address !== undefined && a !== address) continue;
      this.#listeners.delete(a);
      l.udp.close();
      await new Promise((r) => l.tcp.close(() => r(undefined)));
    }
  }

  get addresses(): string[] {
    return [...this.#listeners.keys()];
  }

  #serveTcp(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void this.#respond(msg, sock.remoteAddress?.replace(/^::ffff:/, '') ?? '').then((out) => {
          if (!out || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(out.length);
          sock.write(Buffer.concat([head, out]));
        });
      }
    });
    sock.on('error', () => sock.destroy());
    sock.setTimeout(10_000, () => sock.destroy());
  }

  /** The reply to one query from `source`, or undefined to stay silent. */
  async #respond(msg: Buffer, source: string): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const q = query.questions?.[0];
    if (!q) return undefined;
    const ours = this.#o.table.answer(source, q.name, q.type, this.#o.internal);
    if (this.#o.logger.debugEnabled) this.#o.logger.debug(`dns ${source}: ${q.type} ${q.name} → ${ours ? `${ours.kind} ${ours.values.join(' ')}` : 'forwarded'}`);
    if (ours) {
      const answers: Answer[] =
        ours.kind === 'A'
          ? ours.values.map((ip) => ({ type: 'A', name: q.name, ttl: TTL, class: 'IN', data: ip }))
          : ours.kind === 'PTR'
            ? ours.values.map((n) => ({ type: 'PTR', name: q.name, ttl: TTL, class: 'IN', data: n }))
            : [];
      return dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        // RD copied, RA set; NXDOMAIN = rcode 3.
        flags: ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | (ours.kind === 'NXDOMAIN' ? 3 : 0),
        questions: [q],
        answers,
      });
    }
    const own = this.#o.table.upstreamsOf(source);
    return this.#forward(msg, own ? parseUpstreams(own.filter((a) => !a.includes(':')).join(',')) : this.#o.upstreams());
  }

  /** Relays the query to each upstream in turn until one answers. */
  async #forward(msg: Buffer, upstreams: readonly Upstream[]): Promise<Buffer | undefined> {
    for (const up of upstreams) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const s = dgram.createSocket('udp4');
        const timer = setTimeout(() => {
          s.close();
          resolve(undefined);
        }, FORWARD_TIMEOUT_MS);
        s.on('message', (m) => {
          clearTimeout(timer);
          s.close();
          resolve(m);
        });
        s.on('error', () => {
          clearTimeout(timer);
          s.close();
          resolve(undefined);
        });
        s.send(msg, up.port, up.host);
      });
      if (reply) return reply;
    }
    this.#o.logger.warn(`dns: no answer from ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ') || 'no upstream'}`);
    return undefined;
  }
}
