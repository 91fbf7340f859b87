/**
 * What /version says about this build: the git commit the code came from
 * (read from the checkout's .git, without running git) and when the daemon's
 * compiled entry was written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION, findUp } from '../config.js';
import type { BuildInfo } from './engine-context.js';

function gitCommit(fromDir: string): string {
  const top = findUp(fromDir, (d) => fs.existsSync(path.join(d, '.git', 'HEAD')));
  if (top === undefined) return 'unknown';
  try {
    const git = path.join(top, '.git');
    const head = fs.readFileSync(path.join(git, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    const ref = head.slice(5);
    const loose = path.join(git, ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim().slice(0, 7);
    const packed = fs.readFileSync(path.join(git, 'packed-refs'), 'utf8');
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
    return line ? line.slice(0, 7) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `entryFile`: the daemon's compiled main.js (its mtime is the build time). */
export function readBuildInfo(entryFile: string): BuildInfo {
  let buildTime = '';
  try {
    buildTime = fs.statSync(entryFile).mtime.toISOString();
  } catch {
    // Unknown build time: leave it empty, as dockerd does for dev builds.
  }
  return {
    version: ENGINE_VERSION,
    apiVersion: API_VERSION,
    minApiVersion: MIN_API_VERSION,
    gitCommit: gitCommit(path.dirname(entryFile)),
    buildTime,
  };
}
