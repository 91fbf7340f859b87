/**
 * What the network data plane does to the host, behind one seam: run
 * `ip` / `iptables-restore` / `iptables`, write sysctls, look at links and
 * namespaces. Tests of the plan logic replace it with a recorder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NETNS_DIR } from './names.js';

export interface NetRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NetHost {
  run(cmd: string, args: readonly string[], input?: string): Promise<NetRun>;
  writeSysctl(key: string, value: string): void;
  linkExists(name: string): boolean;
  netnsExists(name: string): boolean;
}

export const realNetHost: NetHost = {
  run(cmd, args, input) {
    return new Promise((resolve) => {
      const child = spawn(cmd, [...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (e) => resolve({ code: 127, stdout, stderr: `${cmd}: ${e.message}` }));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // A command that exits without reading its input must not take the daemon down with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
  },
  writeSysctl(key, value) {
    fs.writeFileSync(path.join('/proc/sys', key.replace(/\./g, '/')), value);
  },
  linkExists(name) {
    return fs.existsSync(path.join('/sys/class/net', name));
  },
  netnsExists(name) {
    return fs.existsSync(path.join(NETNS_DIR, name));
  },
};
