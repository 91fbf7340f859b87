/**
 * What /version and /info report about the host, read once at start. Behind
 * this seam so route tests can use fixed facts.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface HostFacts {
  kernelVersion: string;
  /** os-release PRETTY_NAME, e.g. `Debian GNU/Linux 12 (bookworm)`. */
  operatingSystem: string;
  osVersion: string;
  /** Go's GOARCH spelling (`amd64`), as /version reports it. */
  goArch: string;
  /** uname -m (`x86_64`), as /info reports it. */
  machine: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  cgroupVersion: '1' | '2';
}

const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
        if (m?.[1]) out[m[1]] = (m[2] ?? '').replace(/^"(.*)"$/, '$1');
      }
      return out;
    } catch {
      // Try the next location.
    }
  }
  return out;
}

export function readHostFacts(): HostFacts {
  const rel = osRelease();
  return {
    kernelVersion: os.release(),
    operatingSystem: rel['PRETTY_NAME'] ?? 'Linux',
    osVersion: rel['VERSION_ID'] ?? '',
    goArch: GOARCH[process.arch] ?? process.arch,
    machine: os.machine(),
    ncpu: os.availableParallelism(),
    memTotal: os.totalmem(),
    hostname: os.hostname(),
    // The unified hierarchy has cgroup.controllers at its root; v1 does not.
    cgroupVersion: fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
  };
}
