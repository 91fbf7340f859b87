/**
 * Holding published host ports: a socket bound on each (a listening TCP
 * server that never sees a connection — the DNAT rule takes them first — or
 * a bound UDP socket), so a port in use is a clear error at start and
 * nothing else on the host can take it while the container has it. A
 * random port is the kernel's choice (bind to 0), as dockerd's allocator
 * picks from the ephemeral range.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ApiError } from '../errors.js';
import type { Proto } from './ports.js';

export interface Reservation {
  proto: Proto;
  hostIp: string;
  hostPort: number;
  release(): Promise<void>;
}

function bindTcp(hostIp: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => s.destroy());
    server.once('error', reject);
    server.listen({ port, host: hostIp === '' ? '0.0.0.0' : hostIp, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(hostIp: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4' });
    sock.once('error', reject);
    sock.bind({ port, address: hostIp === '' ? '0.0.0.0' : hostIp, exclusive: true }, () => resolve(sock));
  });
}

/** Binds the first free port among `candidates` (any port when empty); a 500 naming the port when none is. */
export async function reservePort(proto: Proto, hostIp: string, candidates: readonly number[]): Promise<Reservation> {
  const tries = candidates.length === 0 ? [0] : candidates;
  let last: Error | undefined;
  for (const port of tries) {
    try {
      if (proto === 'udp') {
        const sock = await bindUdp(hostIp, port);
        return { proto, hostIp, hostPort: sock.address().port, release: () => new Promise((r) => sock.close(() => r())) };
      }
      // sctp has no socket in Node: its port is not held (the rule still publishes it).
      if (proto === 'sctp') return { proto, hostIp, hostPort: port, release: async () => {} };
      const server = await bindTcp(hostIp, port);
      const addr = server.address();
      return { proto, hostIp, hostPort: typeof addr === 'object' && addr ? addr.port : port, release: () => new Promise((r) => server.close(() => r())) };
    } catch (e) {
      last = e as Error;
    }
  }
  const where = `${hostIp === '' ? '0.0.0.0' : hostIp}:${candidates.length === 1 ? candidates[0] : candidates.length === 0 ? 'any' : `${candidates[0]}-${candidates[candidates.length - 1]}`}`;
  const why = (last as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' ? 'address already in use' : (last?.message ?? 'unknown error');
  throw new ApiError(500, `driver failed programming external connectivity on endpoint: Bind for ${where} failed: port is already allocated (${why})`);
}
