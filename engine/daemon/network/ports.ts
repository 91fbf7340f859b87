/**
 * Published ports from a container's HostConfig, as dockerd reads them
 * (moby daemon/network.go, go-connections/nat): PortBindings
 * {"80/tcp": [{HostIp, HostPort}]} where HostPort may be "", a port or a
 * range "8000-8010" (a range against one container port: the first free
 * port of it; ranges on both sides: paired one to one), and
 * PublishAllPorts publishing every exposed port on a random host port.
 */
import { BadRequestError } from '../errors.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

export interface PortRequest {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  /** Candidate host ports in order; empty = any free (random) port. */
  hostPorts: number[];
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

const range = (s: string, what: string): [number, number] => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  if (!m) throw new BadRequestError(`invalid ${what}: ${s}`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (a < 1 || b > 65535 || b < a) throw new BadRequestError(`invalid ${what}: ${s}`);
  return [a, b];
};

/** "80/tcp" → its parts (tcp when no protocol is given). */
export function parsePortKey(key: string): { proto: Proto; first: number; last: number } {
  const [port = '', proto = 'tcp'] = key.split('/');
  const p = proto.toLowerCase();
  if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new BadRequestError(`invalid proto: ${proto}`);
  const [first, last] = range(port, 'containerPort');
  return { proto: p, first, last };
}

export function portRequests(
  bindings: Readonly<Record<string, readonly PortBinding[] | null>> | null | undefined,
  exposed: Readonly<Record<string, unknown>> | null | undefined,
  publishAll: boolean,
): PortRequest[] {
  const out: PortRequest[] = [];
  const seen = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { proto, first, last } = parsePortKey(key);
    for (const b of list ?? [{}]) {
      const hostIp = (b.HostIp ?? '').trim();
      if (hostIp.includes(':')) throw new BadRequestError(`IPv6 host addresses are not supported by this engine: ${hostIp}`);
      const hp = (b.HostPort ?? '').trim();
      for (let cp = first; cp <= last; cp++) {
        let hostPorts: number[] = [];
        if (hp !== '') {
          const [ha, hb] = range(hp, 'hostPort');
          if (last > first) {
            if (hb - ha !== last - first) throw new BadRequestError(`invalid port range: ${hp} does not match ${key}`);
            hostPorts = [ha + (cp - first)];
          } else {
            for (let h = ha; h <= hb; h++) hostPorts.push(h);
          }
        }
        out.push({ proto, containerPort: cp, hostIp, hostPorts });
        seen.add(`${cp}/${proto}`);
      }
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { proto, first, last } = parsePortKey(key);
      for (let cp = first; cp <= last; cp++) {
        if (!seen.has(`${cp}/${proto}`)) out.push({ proto, containerPort: cp, hostIp: '', hostPorts: [] });
      }
    }
  }
  return out;
}
