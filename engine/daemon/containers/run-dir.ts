/**
 * Where monitors keep their state: a short directory, because the attach
 * socket inside it must fit a unix socket path (108 bytes) whatever the state
 * root is. One per state root (a hash of it), under /run/tscompose as root
 * (tmpfs: nothing there outlives a reboot, and neither do containers), else
 * under the temp dir.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export function defaultRunDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env['TSCOMPOSE_RUN_DIR'] ?? (process.getuid?.() === 0 ? '/run/tscompose' : path.join(os.tmpdir(), `tscompose-run-${process.getuid?.() ?? 0}`));
  return path.join(base, createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 8));
}
