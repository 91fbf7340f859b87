/**
 * The container process from the request and the image config, merged as
 * dockerd does at create (daemon merge()) and at start (CreateDaemonEnvironment,
 * getEntrypointAndArgs, the init wrapper):
 *
 * - Env: request entries first, then image entries whose key the request
 *   does not set; then PATH, HOSTNAME (and TERM=xterm with a tty) are the
 *   defaults that entries replace by key; a bare `KEY` (no `=`) unsets.
 * - Entrypoint/Cmd: a non-empty request Entrypoint drops the image's Cmd and
 *   Entrypoint; otherwise an empty request Cmd takes the image's, and the
 *   image's Entrypoint applies unless the request reset it (`[]` / `[""]`).
 * - WorkingDir: request, else image, else `/`; must be absolute.
 * - User: request, else image.
 */
import path from 'node:path';
import { BadRequestError } from '../errors.js';
import type { ImageConfig } from '../images/types.js';
import { DEFAULT_PATH_ENV, IN_CONTAINER_INIT_PATH } from './defaults.js';
import type { ContainerConfig } from './types.js';

export interface MergedConfig {
  env: string[];
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  user: string;
  /** Image VOLUME destinations (anonymous volumes unless a mount covers them). */
  volumes: string[];
}

const envKey = (e: string): string => {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
};

/** Docker's merge of the request's Config with the image's config. */
export function mergeImageConfig(config: ContainerConfig, image: ImageConfig): MergedConfig {
  const userEnv = config.Env ?? [];
  const env =
    userEnv.length === 0 ? [...(image.Env ?? [])] : [...userEnv, ...(image.Env ?? []).filter((ie) => !userEnv.some((ue) => envKey(ue) === envKey(ie)))];

  // `--entrypoint ""` arrives as [""]: a reset, same as [].
  let entrypoint: string[] | null | undefined = config.Entrypoint;
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  let cmd = config.Cmd ?? [];
  if (!entrypoint || entrypoint.length === 0) {
    if (cmd.length === 0) cmd = [...(image.Cmd ?? [])];
    if (entrypoint === undefined || entrypoint === null) entrypoint = [...(image.Entrypoint ?? [])];
  }

  const workingDir = config.WorkingDir || image.WorkingDir || '';
  if (workingDir !== '' && !workingDir.startsWith('/')) {
    throw new BadRequestError(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  }

  const volumes = [...new Set([...Object.keys(config.Volumes ?? {}), ...Object.keys(image.Volumes ?? {})])];

  return {
    env,
    entrypoint: [...entrypoint],
    cmd: [...cmd],
    workingDir: workingDir === '' ? '/' : path.posix.normalize(workingDir),
    user: config.User || image.User || '',
    volumes,
  };
}

/** Docker's ReplaceOrAppendEnvValues: overrides replace by key, append otherwise; a bare KEY unsets. */
export function replaceOrAppendEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const out: (string | null)[] = [...defaults];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(envKey(e as string), i));
  for (const value of overrides) {
    const eq = value.indexOf('=');
    const key = eq < 0 ? value : value.slice(0, eq);
    const at = index.get(key);
    if (eq < 0) {
      if (at !== undefined) out[at] = null;
      continue;
    }
    if (at !== undefined) out[at] = value;
    else out.push(value);
  }
  return out.filter((e): e is string => e !== null && e !== '');
}

/** process.env as dockerd builds it for a Linux container. */
export function containerEnv(merged: MergedConfig, hostname: string, tty: boolean): string[] {
  const defaults = [DEFAULT_PATH_ENV, `HOSTNAME=${hostname}`];
  if (tty) defaults.push('TERM=xterm');
  return replaceOrAppendEnv(defaults, merged.env);
}

/** process.args: entrypoint + cmd, wrapped by the init when HostConfig.Init applies. */
export function containerArgs(merged: MergedConfig, withInit: boolean): string[] {
  const argv = merged.entrypoint.length > 0 ? [...merged.entrypoint, ...merged.cmd] : [...merged.cmd];
  if (argv.length === 0) throw new BadRequestError('no command specified');
  return withInit ? [IN_CONTAINER_INIT_PATH, '--', ...argv] : argv;
}
