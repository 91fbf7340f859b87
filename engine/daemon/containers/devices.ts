/**
 * linux.devices and the device cgroup, as dockerd sets them (WithDevices,
 * oci.DevicesFromPath, AppendDevicePermissionsFromCgroupRules):
 *
 * - default: Docker's device cgroup rules (defaults.ts) and no extra nodes;
 * - HostConfig.Devices: the host node (stat through ctx.lookupDevice) created
 *   at PathInContainer, allowed with CgroupPermissions (default rwm);
 * - DeviceCgroupRules `c 1:3 rwm`, `b *:* r`, `a`;
 * - Privileged: every host device (ctx.hostDevices) and `allow all rwm`.
 *
 * hostDeviceLookup is the stat-based lookup the engine can pass in.
 */
import fs from 'node:fs';
import { BadRequestError } from '../errors.js';
import { defaultDeviceCgroupRules } from './defaults.js';
import type { HostConfig, HostDevice, OciDeviceCgroup, OciLinuxDevice, SpecContext } from './types.js';

const RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

export function parseDeviceCgroupRule(rule: string): OciDeviceCgroup {
  const m = RULE.exec(rule === 'a' ? 'a *:* rwm' : rule);
  if (!m) throw new BadRequestError(`invalid device cgroup rule format: '${rule}'`);
  return {
    allow: true,
    type: m[1] as 'a' | 'c' | 'b',
    major: m[2] === '*' ? -1 : Number(m[2]),
    minor: m[3] === '*' ? -1 : Number(m[3]),
    access: m[4] as string,
  };
}

const toLinuxDevice = (d: HostDevice, pathInContainer: string): OciLinuxDevice => ({
  type: d.type,
  path: pathInContainer,
  major: d.major,
  minor: d.minor,
  fileMode: d.fileMode,
  uid: d.uid,
  gid: d.gid,
});

/** Linux's dev_t split (glibc major()/minor()). */
function splitDev(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

/** stat(2)-based device lookup (follows symlinks, as Docker's DeviceFromPath does). */
export function hostDeviceLookup(hostPath: string): HostDevice | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(hostPath);
  } catch {
    return undefined;
  }
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { type, path: hostPath, ...splitDev(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

export interface DevicesResult {
  devices: OciLinuxDevice[];
  cgroup: OciDeviceCgroup[];
}

export function buildDevices(hc: HostConfig, ctx: SpecContext): DevicesResult {
  const lookup = ctx.lookupDevice ?? hostDeviceLookup;
  const devices: OciLinuxDevice[] = [];
  if (hc.Privileged) {
    for (const d of ctx.hostDevices?.() ?? []) devices.push(toLinuxDevice(d, d.path));
    for (const m of hc.Devices ?? []) {
      const inContainer = m.PathInContainer || m.PathOnHost;
      if (inContainer === m.PathOnHost) continue; // already there with every host device
      const d = lookup(m.PathOnHost);
      if (!d) throw new BadRequestError(`error gathering device information while adding custom device "${m.PathOnHost}": not a device node`);
      devices.push(toLinuxDevice(d, inContainer));
    }
    return { devices, cgroup: [{ allow: true, access: 'rwm' }] };
  }
  const cgroup = defaultDeviceCgroupRules();
  for (const m of hc.Devices ?? []) {
    const d = lookup(m.PathOnHost);
    if (!d) throw new BadRequestError(`error gathering device information while adding custom device "${m.PathOnHost}": not a device node`);
    const access = m.CgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access)) throw new BadRequestError(`invalid device permissions: ${access}`);
    devices.push(toLinuxDevice(d, m.PathInContainer || m.PathOnHost));
    cgroup.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access });
  }
  for (const r of hc.DeviceCgroupRules ?? []) cgroup.push(parseDeviceCgroupRule(r));
  return { devices, cgroup };
}
