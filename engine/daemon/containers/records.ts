/**
 * The container record (ROOT/containers/<id>/config.v2.json, handle.ts has
 * the whole layout) and the paths derived from a container's id. The record
 * keeps Docker's inspect field names so views are mostly a copy; paths are
 * not stored, so a state root can be moved.
 */
import path from 'node:path';
import type { PortBinding } from '../network/ports.js';
import type { EndpointSettings } from '../network/types.js';
import type { ContainerStatus } from './state-machine.js';
import type { ContainerConfig, HostConfig } from './types.js';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

/** A mount as inspect and the container list report it (Docker's MountPoint). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerRecord {
  /** Record format version, for later migrations. */
  Version: 1;
  Id: string;
  /** RFC3339Nano. */
  Created: string;
  Path: string;
  Args: string[];
  /** The request's Config merged with the image's (what inspect shows). */
  Config: ContainerConfig & { Image: string };
  HostConfig: HostConfig;
  /** The image id (sha256:…). */
  Image: string;
  /** With its leading slash, as inspect shows it. */
  Name: string;
  RestartCount: number;
  /** A user's stop/kill since the last user start (dockerd's HasBeenManuallyStopped; restart policies read it). */
  HasBeenManuallyStopped?: boolean;
  State: ContainerState;
  Mounts: MountPoint[];
  /** Volumes this container created for itself (image VOLUMEs, anonymous Mounts): removed with `rm -v`. */
  AnonymousVolumes: string[];
  /** Every volume it uses (named and anonymous), for the volume store's in-use check. */
  Volumes: string[];
  /** Its endpoints (filled while it runs) and published ports; absent in records made before networking. */
  NetworkSettings?: NetworkSettingsRecord;
}

export interface NetworkSettingsRecord {
  Networks: Record<string, EndpointSettings>;
  Ports: Record<string, PortBinding[] | null>;
}

export const RECORD_FILE = 'config.v2.json';

export interface ContainerPaths {
  dir: string;
  record: string;
  bundle: string;
  bundleConfig: string;
  rootfs: string;
  upper: string;
  work: string;
  merged: string;
  hostname: string;
  hosts: string;
  resolvConf: string;
  /** The monitor's state dir, short enough for attach.sock (sun_path is 108 bytes): RUN/<id>. */
  monitor: string;
  /** ROOT/containers/<id>/monitor: a symlink to `monitor`, where handle.ts's layout says it is. */
  monitorLink: string;
  log: string;
}

export function containerPaths(containersDir: string, runDir: string, id: string): ContainerPaths {
  const dir = path.join(containersDir, id);
  const rootfs = path.join(dir, 'rootfs');
  return {
    dir,
    record: path.join(dir, RECORD_FILE),
    bundle: path.join(dir, 'bundle'),
    bundleConfig: path.join(dir, 'bundle', 'config.json'),
    rootfs,
    upper: path.join(rootfs, 'upper'),
    work: path.join(rootfs, 'work'),
    merged: path.join(rootfs, 'merged'),
    hostname: path.join(dir, 'hostname'),
    hosts: path.join(dir, 'hosts'),
    resolvConf: path.join(dir, 'resolv.conf'),
    monitor: path.join(runDir, id),
    monitorLink: path.join(dir, 'monitor'),
    log: path.join(dir, `${id}-json.log`),
  };
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

/** RFC3339Nano as Go prints it (nanoseconds from a hrtime-less Date: the millisecond digits). */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => (ms === '000' ? 'Z' : `.${ms.replace(/0+$/, '')}Z`));
}
