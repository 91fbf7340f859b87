/**
 * A network as the Engine API shows it (moby api/types/network.Inspect),
 * plus what the engine keeps for itself (the bridge's name, the last
 * address given out). Endpoints are not stored here: they belong to the
 * containers (NetworkSettings.Networks in their records).
 */
import type { IpamConfig } from './ipam.js';

export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: NetworkDriver;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: false;
  ConfigFrom: { Network: string };
  ConfigOnly: false;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** Ours: the Linux bridge (bridge driver only). */
  bridge?: string;
  /** Ours: MTU of the bridge and its veths. */
  mtu?: number;
  /** Ours: the last address handed out (allocation goes on after it). */
  lastIp?: string;
}

/** POST /networks/create body (the parts we read). */
export interface NetworkCreateRequest {
  Name?: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  CheckDuplicate?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** A container's endpoint on a network (NetworkSettings.Networks[name]). */
export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export const PREDEFINED = ['bridge', 'host', 'none'] as const;

/** Docker's option naming the bridge of a network. */
export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
export const MTU_OPTION = 'com.docker.network.driver.mtu';
