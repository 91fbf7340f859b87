/**
 * From command-line flags and the process environment to what the loader needs:
 * the files, the project directory, the interpolation environment, the active
 * profiles and the project name, with Docker Compose's precedence:
 *
 *   files:        -f  >  COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR)  >  discovery
 *   project dir:  --project-directory  >  dir of the first file  >  cwd
 *   environment:  OS env (always wins)  >  --env-file | COMPOSE_ENV_FILES | <dir>/.env
 *                 (no .env when COMPOSE_DISABLE_ENV_FILE), PWD added when missing
 *   profiles:     --profile  >  COMPOSE_PROFILES
 *   name:         -p  >  COMPOSE_PROJECT_NAME  >  top-level `name:`  >  basename(dir)
 *
 * COMPOSE_* variables may come from the .env file too, as in Docker Compose.
 */
import path from 'node:path';
import { ComposeError } from '../model/errors.js';
import { discoverComposeFiles, isFile } from './discover.js';
import { readEnvFiles } from './dotenv.js';

export interface CliProjectFlags {
  files?: readonly string[];
  projectName?: string;
  projectDirectory?: string;
  profiles?: readonly string[];
  envFiles?: readonly string[];
}

export interface ProjectOptions {
  /** Absolute paths, or `-` for standard input. */
  files: string[];
  workingDir: string;
  environment: Record<string, string>;
  profiles: string[];
  /** Set by -p or COMPOSE_PROJECT_NAME: must already be a normalized name. */
  projectName?: string;
  /** The env files that were read (for labels and messages). */
  envFiles: string[];
  warnings: string[];
}

export interface HostEnv {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

function truthy(v: string | undefined): boolean {
  if (v === undefined) return false;
  return ['1', 't', 'true', 'y', 'yes', 'on'].includes(v.trim().toLowerCase());
}

function splitList(v: string | undefined, sep: string): string[] {
  if (v === undefined || v.trim() === '') return [];
  return v
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function osEnvironment(env: HostEnv['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Add values from env files without overriding what is already set (OS env wins). */
function addFromEnvFiles(environment: Record<string, string>, files: string[]): void {
  if (files.length === 0) return;
  const values = readEnvFiles(files, (name) => environment[name]);
  for (const [k, v] of values) if (!(k in environment)) environment[k] = v;
}

export function resolveProjectOptions(flags: CliProjectFlags, host: HostEnv): ProjectOptions {
  const warnings: string[] = [];
  const environment = osEnvironment(host.env);
  if (environment['PWD'] === undefined) environment['PWD'] = host.cwd;

  const explicitDir = flags.projectDirectory !== undefined ? path.resolve(host.cwd, flags.projectDirectory) : undefined;
  const firstDir = explicitDir ?? host.cwd;

  // Env files named on the command line or in COMPOSE_ENV_FILES, else the .env
  // of the project directory as far as it is known yet.
  const disableDotEnv = truthy(environment['COMPOSE_DISABLE_ENV_FILE']);
  let envFiles: string[] = [];
  const explicitEnvFiles =
    flags.envFiles && flags.envFiles.length > 0 ? [...flags.envFiles] : splitList(environment['COMPOSE_ENV_FILES'], ',');
  if (explicitEnvFiles.length > 0) {
    envFiles = explicitEnvFiles.map((f) => path.resolve(firstDir, f));
    for (const f of envFiles) {
      if (!isFile(f)) throw new ComposeError('E_NOT_FOUND', `couldn't find env file: ${f}`, { file: f });
    }
  } else if (!disableDotEnv && isFile(path.join(firstDir, '.env'))) {
    envFiles = [path.join(firstDir, '.env')];
  }
  addFromEnvFiles(environment, envFiles);

  // Compose files.
  let files: string[];
  if (flags.files && flags.files.length > 0) {
    files = flags.files.map((f) => (f === '-' ? '-' : path.resolve(host.cwd, f)));
  } else if ((environment['COMPOSE_FILE'] ?? '') !== '') {
    const sep = environment['COMPOSE_PATH_SEPARATOR'] || path.delimiter;
    files = splitList(environment['COMPOSE_FILE'], sep).map((f) => path.resolve(firstDir, f));
  } else {
    const found = discoverComposeFiles(firstDir);
    warnings.push(...found.warnings);
    files = found.files;
  }
  if (files.length === 0) {
    throw new ComposeError('E_NOT_FOUND', 'no configuration file provided: not found');
  }
  for (const f of files) {
    if (f !== '-' && !isFile(f)) {
      throw new ComposeError('E_NOT_FOUND', `open ${f}: no such file or directory`, { file: f });
    }
  }

  const first = files[0];
  const workingDir = explicitDir ?? (first === undefined || first === '-' ? host.cwd : path.dirname(first));

  // The .env of the final project directory, when it differs from the first guess.
  if (explicitEnvFiles.length === 0 && !disableDotEnv && workingDir !== firstDir) {
    const dotEnv = path.join(workingDir, '.env');
    if (isFile(dotEnv)) {
      addFromEnvFiles(environment, [dotEnv]);
      envFiles = [...envFiles, dotEnv];
    }
  }

  const profiles =
    flags.profiles && flags.profiles.length > 0 ? [...flags.profiles] : splitList(environment['COMPOSE_PROFILES'], ',');

  const out: ProjectOptions = { files, workingDir, environment, profiles, envFiles, warnings };
  const name = flags.projectName ?? (environment['COMPOSE_PROJECT_NAME'] || undefined);
  if (name !== undefined && name !== '') out.projectName = name;
  return out;
}
