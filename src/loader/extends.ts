/**
 * Stage 3 — extends. Each service with `extends` gets its base service (from
 * the same file, or from `extends.file`, whose relative paths resolve against
 * that file's own directory) merged under it, recursively, with cycles
 * reported as compose-go does. Runs per file, after interpolation, before the
 * file is merged with the files before it.
 */
import path from 'node:path';
import { ComposeError } from '../model/errors.js';
import type { Segment } from '../model/tree-path.js';
import type { Mapping } from '../model/tree.js';
import { clone, isMapping } from '../model/tree.js';
import { mergeService } from './merge.js';
import { applyResets } from './reset.js';

/** A file loaded for `extends.file`: its canonical services and its own resets. */
export interface ExtendedFile {
  tree: Mapping;
  resets: Segment[][];
}

export interface ExtendsEnv {
  /** Directory that relative `extends.file` paths resolve against. */
  baseDir: string;
  /** Load another compose file (interpolated, canonical, paths resolved against its own dir). */
  loadFile(absPath: string): ExtendedFile;
}

interface Ref {
  file: string;
  service: string;
}

class CycleTracker {
  private readonly loaded: readonly Ref[];

  constructor(loaded: readonly Ref[] = []) {
    this.loaded = loaded;
  }

  add(file: string, service: string): CycleTracker {
    if (this.loaded.some((r) => r.file === file && r.service === service)) {
      const [first, ...rest] = [...this.loaded, { file, service }];
      const lines = ['Circular reference:', `  ${first?.service} in ${first?.file}`];
      for (const r of rest) lines.push(`  extends ${r.service} in ${r.file}`);
      throw new ComposeError('E_CYCLE', lines.join('\n'), { file, path: `services.${service}.extends` });
    }
    return new CycleTracker([...this.loaded, { file, service }]);
  }
}

export function applyExtends(cfg: Mapping, file: string, resets: Segment[][], env: ExtendsEnv): Mapping {
  const services = cfg['services'];
  if (services === undefined || services === null) return cfg;
  if (!isMapping(services)) throw new ComposeError('E_SCHEMA', 'services must be a mapping', { file, path: 'services' });
  const out: Mapping = { ...services };
  for (const name of Object.keys(out)) {
    const merged = extendService(name, out, file, env, new CycleTracker(), [resets]);
    if (merged !== undefined) out[name] = merged;
  }
  return { ...cfg, services: out };
}

function extendService(
  name: string,
  services: Mapping,
  file: string,
  env: ExtendsEnv,
  tracker: CycleTracker,
  resetSets: Segment[][][],
): Mapping | null | undefined {
  const s = services[name];
  if (s === undefined || s === null) return s === null ? null : undefined;
  if (!isMapping(s)) throw new ComposeError('E_SCHEMA', 'must be a mapping', { file, path: `services.${name}` });
  const ext = s['extends'];
  if (ext === undefined) return s;

  let ref: string;
  let refFile: string | undefined;
  if (typeof ext === 'string') ref = ext;
  else if (isMapping(ext)) {
    if (typeof ext['service'] !== 'string') {
      throw new ComposeError('E_SCHEMA', `extends.${name}.service is required`, { file, path: `services.${name}.extends` });
    }
    ref = ext['service'];
    if (typeof ext['file'] === 'string') refFile = ext['file'];
  } else {
    throw new ComposeError('E_SCHEMA', 'extends must be a string or a mapping', { file, path: `services.${name}.extends` });
  }

  let baseServices = services;
  let baseFile = file;
  let baseEnv = env;
  const sets = [...resetSets];
  if (refFile !== undefined) {
    const abs = path.resolve(env.baseDir, refFile);
    const loaded = env.loadFile(abs);
    const svcs = loaded.tree['services'];
    if (!isMapping(svcs)) {
      throw new ComposeError('E_NOT_FOUND', `cannot extend service "${name}" in ${file}: no services section`, {
        file: abs,
      });
    }
    if (!(ref in svcs)) {
      throw new ComposeError(
        'E_NOT_FOUND',
        `cannot extend service "${name}" in ${file}: service "${ref}" not found in ${refFile}`,
        { file, path: `services.${name}.extends` },
      );
    }
    baseServices = svcs;
    baseFile = abs;
    baseEnv = { ...env, baseDir: path.dirname(abs) };
    sets.push(loaded.resets);
  } else if (!(ref in services)) {
    throw new ComposeError('E_NOT_FOUND', `cannot extend service "${name}" in ${file}: service "${ref}" not found`, {
      file,
      path: `services.${name}.extends`,
    });
  }

  const next = tracker.add(baseFile, name);
  const base = extendService(ref, baseServices, baseFile, baseEnv, next, sets);
  if (base === undefined || base === null) return s;

  // The extending service's `!reset` / `!override` paths apply to its base.
  let source: Mapping = { services: { [name]: clone(base) } };
  for (const resets of sets) source = applyResets(source, resets);
  const sourceServices = source['services'];
  const baseService = isMapping(sourceServices) && isMapping(sourceServices[name]) ? sourceServices[name] : {};
  const merged = mergeService(baseService, s);
  delete merged['extends'];
  services[name] = merged;
  return merged;
}
