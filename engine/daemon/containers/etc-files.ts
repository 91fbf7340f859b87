/**
 * The files a container gets over /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, as dockerd writes them for a container without a
 * user-defined network: pure builders (unit-tested) plus one writer.
 */
import fs from 'node:fs';

export interface EtcInput {
  hostname: string;
  domainname?: string;
  /** HostConfig.ExtraHosts: `name:ip` (also `name=ip`, Docker 26+). */
  extraHosts?: readonly string[];
  dns?: readonly string[];
  dnsSearch?: readonly string[];
  dnsOptions?: readonly string[];
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** dockerd's default hosts (libnetwork etchosts), then ExtraHosts; without a network the container's own name has no address of its own, so it is not listed. */
export function hostsFile(input: EtcInput): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const entry of input.extraHosts ?? []) {
    const sep = entry.search(/[:=]/);
    if (sep <= 0) continue;
    let ip = entry.slice(sep + 1);
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    lines.push(`${ip}\t${entry.slice(0, sep)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The hosts file once the container's own hostname is known to resolve locally (host network, or no network: loopback). */
export function hostsWithSelf(input: EtcInput, selfAddress: string | undefined): string {
  const base = hostsFile(input);
  if (selfAddress === undefined) return base;
  const names = input.domainname ? `${input.hostname}.${input.domainname} ${input.hostname}` : input.hostname;
  return `${base}${selfAddress}\t${names}\n`;
}

const LOOPBACK_NS = /^\s*nameserver\s+(127\.\d+\.\d+\.\d+|::1)\s*$/;

/**
 * resolv.conf from the host's, as dockerd filters it: loopback nameservers
 * dropped (they mean nothing in another netns); Dns/DnsSearch/DnsOptions
 * replace the host's lines of their kind; no nameserver left → Google's, as
 * dockerd falls back.
 */
export function resolvConf(hostText: string, input: EtcInput): string {
  const lines = hostText.split('\n');
  const keep: string[] = [];
  let nameservers = 0;
  for (const line of lines) {
    if (LOOPBACK_NS.test(line)) continue;
    const kind = /^\s*(nameserver|search|domain|options)\b/.exec(line)?.[1];
    if (kind === 'nameserver' && input.dns && input.dns.length > 0) continue;
    if ((kind === 'search' || kind === 'domain') && input.dnsSearch && input.dnsSearch.length > 0) continue;
    if (kind === 'options' && input.dnsOptions && input.dnsOptions.length > 0) continue;
    if (kind === 'nameserver') nameservers++;
    keep.push(line);
  }
  while (keep.length > 0 && keep[keep.length - 1]?.trim() === '') keep.pop();
  for (const ns of input.dns ?? []) {
    keep.push(`nameserver ${ns}`);
    nameservers++;
  }
  if (nameservers === 0) keep.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4', 'nameserver 2001:4860:4860::8888', 'nameserver 2001:4860:4860::8844');
  // dockerd: "search ." means "no search domains".
  const search = (input.dnsSearch ?? []).filter((s) => s !== '.');
  if (search.length > 0) keep.push(`search ${search.join(' ')}`);
  if (input.dnsOptions && input.dnsOptions.length > 0) keep.push(`options ${input.dnsOptions.join(' ')}`);
  return `${keep.join('\n')}\n`;
}

export function readHostResolvConf(file = '/etc/resolv.conf'): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
