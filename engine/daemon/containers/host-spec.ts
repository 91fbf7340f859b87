/**
 * The host's side of the spec context, read once: kernel version, arch,
 * cgroup version (hybrid hosts count as v1, as the runtime drives the v1
 * controllers there) and the engine's own bounding capabilities.
 */
import fs from 'node:fs';
import os from 'node:os';
import { capabilitiesFromMask } from './security.js';
import type { KernelVersion } from './types.js';

export interface HostSpecFacts {
  kernel: KernelVersion;
  arch: 'amd64' | 'arm64';
  cgroupVersion: 1 | 2;
  capabilities?: string[];
}

export function readHostSpecFacts(cgroupVersion: '1' | '2'): HostSpecFacts {
  const m = /^(\d+)\.(\d+)/.exec(os.release());
  const facts: HostSpecFacts = {
    kernel: { major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0) },
    arch: process.arch === 'arm64' ? 'arm64' : 'amd64',
    cgroupVersion: cgroupVersion === '2' ? 2 : 1,
  };
  try {
    const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (bnd) facts.capabilities = capabilitiesFromMask(bnd);
  } catch {
    // Unknown: the spec builder grants what the kernel knows.
  }
  return facts;
}
