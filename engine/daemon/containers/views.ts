/**
 * The API shapes built from a record: inspect (ContainerInspectResponse),
 * the list's ContainerSummary, and Docker's human status line ("Up 3
 * seconds", "Up 5 seconds (healthy)", "Exited (0) 2 minutes ago"), with
 * go-units' HumanDuration.
 */
import path from 'node:path';
import { NETNS_DIR, netnsName } from '../network/names.js';
import { healthOf, healthWords } from './health-schedule.js';
import type { ContainerPaths, ContainerRecord } from './records.js';
import { ZERO_TIME } from './records.js';

/** go-units HumanDuration, as `docker ps` prints it. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/** Docker's State.String(). */
export function statusLine(rec: ContainerRecord, now: number): string {
  const s = rec.State;
  switch (s.Status) {
    case 'running': {
      const up = `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
      const health = healthOf(s);
      return health === undefined ? up : `${up} (${healthWords(health)})`;
    }
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(s.StartedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      if (s.FinishedAt === ZERO_TIME) return 'Exited';
      return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  }
}

function commandLine(rec: ContainerRecord): string {
  return [rec.Path, ...rec.Args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
}

export interface SummaryExtras {
  sizeRw?: number;
  sizeRootFs?: number;
}

export function containerSummary(rec: ContainerRecord, now: number, extras: SummaryExtras = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: rec.Id,
    Names: [rec.Name],
    Image: rec.Config.Image,
    ImageID: rec.Image,
    Command: commandLine(rec),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: portList(rec),
    Labels: { ...(rec.Config.Labels ?? {}) },
    State: rec.State.Status,
    Status: statusLine(rec, now),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode || 'bridge' },
    NetworkSettings: { Networks: copyNetworks(rec) },
    Mounts: rec.Mounts.map((m) => ({ ...m })),
  };
  if (extras.sizeRw !== undefined) out['SizeRw'] = extras.sizeRw;
  if (extras.sizeRootFs !== undefined) out['SizeRootFs'] = extras.sizeRootFs;
  return out;
}

function copyNetworks(rec: ContainerRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(rec.NetworkSettings?.Networks ?? {})) out[name] = { ...e };
  return out;
}

/** `docker ps` PORTS: published ports with their host side, exposed-only ones without. */
function portList(rec: ContainerRecord): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, list] of Object.entries(rec.NetworkSettings?.Ports ?? {})) {
    const [port = '0', type = 'tcp'] = key.split('/');
    if (!list || list.length === 0) out.push({ PrivatePort: Number(port), Type: type });
    for (const b of list ?? []) out.push({ IP: b.HostIp ?? '0.0.0.0', PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

/**
 * inspect's NetworkSettings: the endpoints, the ports, the sandbox while it
 * runs; the deprecated top-level address fields come from the default
 * `bridge` network's endpoint, as dockerd fills them.
 */
function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const bridge = rec.NetworkSettings?.Networks['bridge'];
  const live = rec.State.Status === 'running' || rec.State.Status === 'paused';
  const mode = rec.HostConfig.NetworkMode || 'bridge';
  const bridgeLike = mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');
  return {
    ...NETWORK_SETTINGS,
    SandboxID: live && bridgeLike ? rec.Id : '',
    SandboxKey: live && bridgeLike ? path.join(NETNS_DIR, netnsName(rec.Id)) : '',
    Ports: Object.fromEntries(Object.entries(rec.NetworkSettings?.Ports ?? {}).map(([k, v]) => [k, v ? v.map((b) => ({ ...b })) : null])),
    ...(bridge ? { EndpointID: bridge.EndpointID, Gateway: bridge.Gateway, IPAddress: bridge.IPAddress, IPPrefixLen: bridge.IPPrefixLen, MacAddress: bridge.MacAddress } : {}),
    Networks: copyNetworks(rec),
  };
}

const NETWORK_SETTINGS = {
  Bridge: '',
  SandboxID: '',
  SandboxKey: '',
  HairpinMode: false,
  LinkLocalIPv6Address: '',
  LinkLocalIPv6PrefixLen: 0,
  Ports: {},
  SecondaryIPAddresses: null,
  SecondaryIPv6Addresses: null,
  EndpointID: '',
  Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  MacAddress: '',
  Networks: {},
};

/** inspect's State: a copy, State.Health with its own Log array (absent without a healthcheck). */
function stateView(rec: ContainerRecord): Record<string, unknown> {
  const state: Record<string, unknown> = { ...rec.State };
  const health = healthOf(rec.State);
  if (health !== undefined) state['Health'] = { Status: health.Status || 'unhealthy', FailingStreak: health.FailingStreak, Log: health.Log.map((l) => ({ ...l })) };
  return state;
}

export function containerInspect(rec: ContainerRecord, paths: ContainerPaths, lowers: readonly string[], size?: { rw: number; rootFs: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: [...rec.Args],
    State: stateView(rec),
    Image: rec.Image,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: paths.log,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: { NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, LogConfig: { Type: 'json-file', Config: {} }, ...rec.HostConfig },
    GraphDriver: {
      Name: 'overlay2',
      Data: {
        LowerDir: lowers.join(':'),
        MergedDir: paths.merged,
        UpperDir: paths.upper,
        WorkDir: paths.work,
      },
    },
    Mounts: rec.Mounts.map((m) => ({ ...m })),
    Config: { ...rec.Config },
    NetworkSettings: networkSettings(rec),
  };
  if (size) {
    out['SizeRw'] = size.rw;
    out['SizeRootFs'] = size.rootFs;
  }
  return out;
}
