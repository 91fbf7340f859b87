/**
 * Stage 4 — include. Each `include` entry is loaded as a project of its own
 * (its own project directory, its own .env unless `env_file` says otherwise,
 * paths resolved against its own directory), then its services, networks,
 * volumes, secrets, configs and models are imported into the including file.
 * When both define the same resource, the including file's definition is
 * merged over the included one. Include cycles are reported with the chain.
 */
import path from 'node:path';
import { ComposeError } from '../model/errors.js';
import type { Mapping } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import { isFile } from './discover.js';
import { readEnvFiles } from './dotenv.js';
import { mergeTrees } from './merge.js';
import { applyResets } from './reset.js';

export interface IncludeRequest {
  files: string[];
  workingDir: string;
  environment: Record<string, string>;
  included: string[];
}

export interface IncludeEnv {
  /** The directory include paths resolve against (the including project's). */
  workingDir: string;
  environment: Readonly<Record<string, string>>;
  /** `!reset` / `!override` paths of the including document: they apply to imported resources too. */
  resets: ReadonlyArray<ReadonlyArray<string | number>>;
  /** Files already on the include chain, main file first. */
  included: readonly string[];
  /** Load a model (files merged, defaults, paths resolved; not normalized). */
  loadModel(req: IncludeRequest): Mapping;
}

const IMPORTED_KEYS = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models'] as const;

function stringList(v: unknown, where: string, file: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new ComposeError('E_SCHEMA', 'must be a string or a list of strings', { file, path: where });
}

export function applyInclude(cfg: Mapping, file: string, env: IncludeEnv): Mapping {
  const raw = cfg['include'];
  if (raw === undefined || raw === null) return cfg;
  if (!Array.isArray(raw)) throw new ComposeError('E_SCHEMA', '`include` must be a list', { file, path: 'include' });
  let model: Mapping = { ...cfg };
  delete model['include'];

  raw.forEach((entry, i) => {
    const at = `include[${i}]`;
    const spec: Mapping = typeof entry === 'string' ? { path: entry } : isMapping(entry) ? entry : {};
    const paths = stringList(spec['path'], `${at}.path`, file).map((p) => path.resolve(env.workingDir, p));
    const first = paths[0];
    if (first === undefined) throw new ComposeError('E_SCHEMA', 'include requires a path', { file, path: at });

    const projectDir =
      typeof spec['project_directory'] === 'string'
        ? path.resolve(env.workingDir, spec['project_directory'])
        : path.dirname(first);

    const chain = [...env.included];
    if (chain.includes(first)) {
      const full = [...chain, first];
      throw new ComposeError('E_CYCLE', `include cycle detected:\n${full[0]}\n include ${full.slice(1).join('\n include ')}`, {
        file,
        path: at,
      });
    }
    for (const p of paths) {
      if (!isFile(p)) throw new ComposeError('E_NOT_FOUND', `open ${p}: no such file or directory`, { file, path: at });
    }

    let envFiles = stringList(spec['env_file'], `${at}.env_file`, file).map((f) => path.resolve(env.workingDir, f));
    if (envFiles.length === 0) {
      const dotEnv = path.join(projectDir, '.env');
      if (isFile(dotEnv)) envFiles = [dotEnv];
    } else {
      for (const f of envFiles) {
        if (!isFile(f)) throw new ComposeError('E_NOT_FOUND', `couldn't find env file: ${f}`, { file, path: at });
      }
    }
    // The including project's environment wins over the included env files.
    const environment: Record<string, string> = { ...env.environment };
    for (const [k, v] of readEnvFiles(envFiles, (n) => env.environment[n])) {
      if (!(k in environment)) environment[k] = v;
    }

    const imported = env.loadModel({ files: paths, workingDir: projectDir, environment, included: chain });
    model = importResources(imported, model, env.resets);
  });
  return model;
}

/** Add imported resources; a resource defined on both sides is merged, local over imported. */
function importResources(imported: Mapping, target: Mapping, resets: IncludeEnv['resets']): Mapping {
  const out: Mapping = { ...target };
  for (const key of IMPORTED_KEYS) {
    const from = imported[key];
    if (!isMapping(from)) continue;
    const to: Mapping = isMapping(out[key]) ? { ...out[key] } : {};
    for (const [name, value] of Object.entries(from)) {
      const local = to[name];
      if (local === undefined) {
        to[name] = value;
        continue;
      }
      const base = applyResets({ [key]: { [name]: value } }, resets);
      const merged = mergeTrees(base, { [key]: { [name]: local } });
      const section = merged[key];
      to[name] = isMapping(section) ? (section[name] ?? null) : local;
    }
    out[key] = to;
  }
  return out;
}
