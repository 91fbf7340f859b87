/**
 * `ports:` short syntax -> long syntax, as compose-go transform/ports.go with
 * types.ParsePortConfig (docker/go-connections nat.ParsePortSpecs underneath).
 *
 * Part of the canonical stage (see canonical.ts for the stage order).
 *
 * Quirks kept on purpose because `docker compose config` shows them:
 * - a range expands to one entry per port;
 * - within one short spec, entries are ordered by the *string* sort of
 *   `<port>/<proto>` (so `998-1001` yields 1000, 1001, 998, 999);
 * - `published` is a string (it may be a host range such as `8000-8010`);
 * - the protocol is lower-cased; `mode` is always `ingress` for short syntax.
 */
import type { Mapping } from '../model/tree.js';

export class PortSpecError extends Error {}

interface PortBinding {
  hostIp: string;
  hostPort: string;
}

/** Parse one short port spec (`[ip:][host:]container[/proto]`) into long-syntax mappings. */
export function parsePortSpec(raw: string): Mapping[] {
  const bindings = new Map<string, PortBinding[]>();
  for (const m of parseMappings(raw)) {
    const key = `${m.port}/${m.proto}`;
    const list = bindings.get(key) ?? [];
    list.push(m.binding);
    bindings.set(key, list);
  }
  const keys = [...bindings.keys()].sort();
  const out: Mapping[] = [];
  for (const key of keys) {
    const [port = '', proto = ''] = key.split('/');
    for (const b of bindings.get(key) ?? []) {
      const entry: Mapping = { mode: 'ingress' };
      if (b.hostIp !== '') entry['host_ip'] = b.hostIp;
      entry['target'] = Number(port);
      if (b.hostPort !== '') entry['published'] = b.hostPort;
      entry['protocol'] = proto.toLowerCase();
      out.push(entry);
    }
  }
  return out;
}

interface PortMapping {
  port: number;
  proto: string;
  binding: PortBinding;
}

function parseMappings(rawPort: string): PortMapping[] {
  const [rawIp, hostPortSpec, containerSpec] = splitParts(rawPort);
  const [proto, containerPort] = splitProtoPort(containerSpec);
  let ip = rawIp;
  if (ip !== '' && ip[0] === '[') {
    // `[::1]:8080:80`: strip the brackets around an IPv6 address.
    const close = ip.indexOf(']');
    if (close !== ip.length - 1) throw new PortSpecError(`invalid IP address ${ip}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !isIp(ip)) throw new PortSpecError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new PortSpecError(`no port specified: ${rawPort}<empty>`);

  const container = parseRange(containerPort);
  if (container === undefined) throw new PortSpecError(`invalid containerPort: ${containerPort}`);
  let host: [number, number] = [0, 0];
  if (hostPortSpec !== '') {
    const h = parseRange(hostPortSpec);
    if (h === undefined) throw new PortSpecError(`invalid hostPort: ${hostPortSpec}`);
    host = h;
  }
  const [start, end] = container;
  const [hostStart, hostEnd] = host;
  if (hostPortSpec !== '' && end - start !== hostEnd - hostStart && end !== start) {
    // A host range is only allowed with a single container port.
    throw new PortSpecError(
      `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPortSpec}`,
    );
  }
  const lowerProto = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(lowerProto)) throw new PortSpecError(`invalid proto: ${proto}`);

  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hostPort = hostPortSpec === '' ? '' : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hostPort = `${hostPort}-${hostEnd}`;
    out.push({ port: start + i, proto: lowerProto, binding: { hostIp: ip, hostPort } });
  }
  return out;
}

/** `ip:host:container`; more colons belong to the IP (IPv6). */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1] ?? '';
  switch (n) {
    case 1:
      return ['', '', container];
    case 2:
      return ['', parts[0] ?? '', container];
    case 3:
      return [parts[0] ?? '', parts[1] ?? '', container];
    default:
      return [parts.slice(0, n - 2).join(':'), parts[n - 2] ?? '', container];
  }
}

function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0] ?? ''];
  return [parts[1] ?? '', parts[0] ?? ''];
}

function parseRange(spec: string): [number, number] | undefined {
  if (spec === '') return undefined;
  if (!spec.includes('-')) {
    const p = parseUint16(spec);
    return p === undefined ? undefined : [p, p];
  }
  const [a = '', b = ''] = spec.split('-');
  const start = parseUint16(a);
  const end = parseUint16(b);
  if (start === undefined || end === undefined || end < start) return undefined;
  return [start, end];
}

function parseUint16(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

function isIp(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) {
    return s.split('.').every((o) => Number(o) <= 255 && (o === '0' || !o.startsWith('0')));
  }
  // IPv6 (optionally with an embedded IPv4 tail); a loose but sufficient check.
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1;
}

/**
 * A long-syntax port entry as the canonical tree holds it: `target` a number,
 * `published` a string (values may arrive as strings or numbers after
 * interpolation).
 */
export function canonicalPortEntry(entry: Mapping): Mapping {
  const out: Mapping = { ...entry };
  const target = out['target'];
  if (typeof target === 'string' && /^[0-9]+$/.test(target)) out['target'] = Number(target);
  const published = out['published'];
  if (typeof published === 'number') out['published'] = String(published);
  return out;
}
