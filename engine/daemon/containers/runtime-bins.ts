/**
 * Where the engine's C programs are: TSCOMPOSE_RUNTIME_DIR, else the
 * engine/runtime/build of the tree this module was compiled from (or of the
 * working directory, for builds placed elsewhere, as the tests do).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RuntimeBins {
  runtime: string;
  monitor: string;
  init: string;
  /** tscompose-exec-pty: runs TTY execs (takes the pty master Node cannot receive). */
  execPty: string;
}

function candidates(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  if (env['TSCOMPOSE_RUNTIME_DIR']) out.push(env['TSCOMPOSE_RUNTIME_DIR']);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    out.push(path.join(dir, 'engine', 'runtime', 'build'));
    dir = path.dirname(dir);
  }
  out.push(path.join(process.cwd(), 'engine', 'runtime', 'build'));
  return out;
}

export function findRuntimeBins(env: NodeJS.ProcessEnv = process.env): RuntimeBins {
  const dir = candidates(env).find((d) => fs.existsSync(path.join(d, 'tscompose-monitor'))) ?? path.join(process.cwd(), 'engine', 'runtime', 'build');
  return {
    runtime: path.join(dir, 'tscompose-runtime'),
    monitor: path.join(dir, 'tscompose-monitor'),
    init: path.join(dir, 'tscompose-init'),
    execPty: path.join(dir, 'tscompose-exec-pty'),
  };
}
