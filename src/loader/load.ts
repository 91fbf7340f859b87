/**
 * The loader: puts the stages of PIPELINE.md in order. Every stage is a pure
 * function of a tree and the context; this file only sequences them and
 * reads files.
 *
 *   per file:  parse → interpolate → cast → extends → resets → include → merge
 *              → unicity → schema → canonical → omit-empty → unicity
 *   then:      defaults → validate → paths → (name, normalize) → profiles
 *              → consistency → cycles → environment → bind
 */
import fs from 'node:fs';
import path from 'node:path';
import { ComposeError } from '../model/errors.js';
import type { Project } from '../model/project.js';
import type { Mapping } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import { findCycle } from '../graph/graph.js';
import { bindProject } from './bind.js';
import { canonical } from './canonical.js';
import { castTypes } from './cast.js';
import { checkConsistency } from './consistency.js';
import type { LoadContext, LoadOptions } from './context.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex } from './context.js';
import { setDefaults } from './defaults.js';
import { applyExtends } from './extends.js';
import type { ExtendedFile } from './extends.js';
import { applyInclude } from './include.js';
import type { IncludeRequest } from './include.js';
import { interpolateTree } from './interpolate.js';
import { mergeTrees } from './merge.js';
import { normalize } from './normalize.js';
import { omitEmpty } from './omit-empty.js';
import { parseCompose } from './parse.js';
import type { ParsedDocument } from './parse.js';
import { indexPositions } from './positions.js';
import { resolvePaths } from './paths.js';
import type { ProjectOptions } from './project-options.js';
import { applyProfiles } from './profiles.js';
import { applyResets } from './reset.js';
import { pruneUnusedResources, selectServices } from './select.js';
import { resolveServiceEnvironment } from './resolve-environment.js';
import { enforceUnicity as unicity } from './unicity.js';
import { validateModel } from './validate.js';
import { validateSchema } from './validate-schema.js';

export interface LoadRequest {
  project: ProjectOptions;
  options?: Partial<LoadOptions>;
  /** Services named on the command line: their profiles become active. */
  services?: readonly string[];
  warn?: (message: string) => void;
  /** Keep top-level resources no service uses (`--all-resources`). */
  allResources?: boolean;
  /** Content of `-f -`; read from standard input when not given. */
  stdin?: string;
}

export interface LoadResult {
  project: Project;
  /** The final tree the project was bound from. */
  tree: Mapping;
  /** Services left out by profiles. */
  disabled: Mapping;
  /** Profiles active after naming services. */
  profiles: string[];
  ctx: LoadContext;
}

/** Flags of one layer: the main project, an included project, or a file read for `extends`. */
interface LayerFlags {
  include: boolean;
  extends: boolean;
  validate: boolean;
  defaults: boolean;
  resolvePaths: boolean;
}

interface Layer {
  files: string[];
  workingDir: string;
  environment: Record<string, string>;
  included: string[];
  flags: LayerFlags;
}

const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** compose-go NormalizeProjectName: lowercase, keep [a-z0-9_-], trim leading `_`/`-`. */
export function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

function invalidName(name: string): ComposeError {
  return new ComposeError(
    'E_USAGE',
    `invalid project name "${name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
  );
}

class Loader {
  readonly sources = new SourceIndex(indexPositions);
  private readonly parsed = new Map<string, ParsedDocument[]>();
  readonly options: LoadOptions;
  readonly warn: (m: string) => void;
  private readonly stdin: string | undefined;
  private readonly contents = new Map<string, string>();
  projectName = '';

  constructor(options: LoadOptions, warn: (m: string) => void, stdin: string | undefined) {
    this.options = options;
    this.warn = warn;
    this.stdin = stdin;
  }

  read(file: string): string {
    const cached = this.contents.get(file);
    if (cached !== undefined) return cached;
    let text: string;
    if (file === '-') text = this.stdin ?? fs.readFileSync(0, 'utf8');
    else {
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ComposeError('E_NOT_FOUND', code === 'ENOENT' ? `open ${file}: no such file or directory` : String(e), {
          file,
        });
      }
    }
    this.contents.set(file, text);
    return text;
  }

  /** Each file is parsed once, whether for its `name:` or for loading. */
  docs(file: string): ParsedDocument[] {
    let docs = this.parsed.get(file);
    if (!docs) {
      docs = parseCompose(this.read(file), file === '-' ? 'stdin' : file, this.sources);
      this.parsed.set(file, docs);
    }
    return docs;
  }

  ctx(layer: Pick<Layer, 'workingDir' | 'environment'>): LoadContext {
    return {
      projectName: this.projectName,
      workingDir: layer.workingDir,
      environment: layer.environment,
      options: this.options,
      sources: this.sources,
      warn: this.warn,
    };
  }

  /** compose-go loadYamlModel: merge the layer's files, then defaults, validation, paths. */
  loadModel(layer: Layer): Mapping {
    let dict: Mapping = {};
    for (const file of layer.files) dict = this.loadFile(file, layer, dict).dict;
    const ctx = this.ctx(layer);
    if (layer.flags.defaults) dict = setDefaults(dict, ctx);
    if (layer.flags.validate) validateModel(dict, ctx);
    if (layer.flags.resolvePaths) dict = resolvePaths(dict, ctx);
    return dict;
  }

  /** compose-go loadYamlFile: one file, each YAML document merged in turn into `dict`. */
  loadFile(file: string, layer: Layer, dict: Mapping): { dict: Mapping; resets: ExtendedFile['resets'] } {
    const docs = this.docs(file);
    const ctx = this.ctx(layer);
    const label = file === '-' ? 'stdin' : file;
    let resets: ExtendedFile['resets'] = [];
    for (const doc of docs) {
      let cfg = doc.tree;
      if (this.options.interpolate) {
        cfg = interpolateTree(cfg, {
          lookup: (n) => layer.environment[n],
          warn: this.warn,
          sources: this.sources,
          file: label,
        });
        cfg = castTypes(cfg, ctx);
      }
      const docResets = [...doc.resets, ...doc.overrides];
      if (layer.flags.extends) {
        cfg = applyExtends(cfg, label, docResets, {
          baseDir: file === '-' ? layer.workingDir : path.dirname(file),
          loadFile: (abs) => this.loadExtendedFile(abs, layer),
        });
      }
      dict = applyResets(dict, docResets);
      if (layer.flags.include) {
        cfg = applyInclude(cfg, label, {
          workingDir: layer.workingDir,
          environment: layer.environment,
          resets: docResets,
          included: [...layer.included, file],
          loadModel: (req) => this.loadIncluded(req),
        });
      }
      dict = unicity(mergeTrees(dict, cfg));
      if (layer.flags.validate) {
        validateSchema(dict, ctx, label);
        if ('version' in dict) {
          this.warn(`${label}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
          dict = { ...dict };
          delete dict['version'];
        }
      }
      dict = unicity(omitEmpty(canonical(dict, ctx)));
      resets = resets.concat(docResets);
    }
    return { dict, resets };
  }

  /** A file named by `extends.file`: loaded alone, paths resolved against its own directory. */
  loadExtendedFile(abs: string, parent: Layer): ExtendedFile {
    const layer: Layer = {
      files: [abs],
      workingDir: path.dirname(abs),
      environment: parent.environment,
      included: parent.included,
      flags: { include: false, extends: false, validate: false, defaults: false, resolvePaths: false },
    };
    const { dict, resets } = this.loadFile(abs, layer, {});
    const tree = this.options.resolvePaths ? resolvePaths(dict, this.ctx(layer)) : dict;
    return { tree, resets };
  }

  loadIncluded(req: IncludeRequest): Mapping {
    return this.loadModel({
      files: req.files,
      workingDir: req.workingDir,
      environment: req.environment,
      included: req.included,
      flags: { include: true, extends: true, validate: true, defaults: true, resolvePaths: true },
    });
  }

  /** The last non-empty top-level `name:` across the files, interpolated. */
  nameFromFiles(files: string[], environment: Record<string, string>): string {
    let name = '';
    for (const file of files) {
      let docs;
      try {
        docs = this.docs(file);
      } catch {
        return name; // reported properly by the real load
      }
      for (const d of docs) {
        const n = d.tree['name'];
        if (typeof n === 'string' && n !== '') name = n;
      }
    }
    if (this.options.interpolate && name.includes('$')) {
      const t = interpolateTree({ name }, { lookup: (k) => environment[k], warn: this.warn });
      name = typeof t['name'] === 'string' ? t['name'] : name;
    }
    return name;
  }
}

export function loadProject(req: LoadRequest): LoadResult {
  const options: LoadOptions = { ...DEFAULT_LOAD_OPTIONS, ...req.options };
  const warn = req.warn ?? ((m: string) => process.stderr.write(`WARN[0000] ${m}\n`));
  const loader = new Loader(options, warn, req.stdin);
  const po = req.project;
  const environment: Record<string, string> = { ...po.environment };

  // Project name: -p / COMPOSE_PROJECT_NAME must already be valid; a name from
  // the files or the directory is normalized.
  let name: string;
  if (po.projectName !== undefined) {
    if (normalizeProjectName(po.projectName) !== po.projectName) throw invalidName(po.projectName);
    name = po.projectName;
  } else {
    let fromFiles = loader.nameFromFiles(po.files, environment);
    if (options.normalize) fromFiles = normalizeProjectName(fromFiles);
    name = fromFiles !== '' ? fromFiles : normalizeProjectName(path.basename(po.workingDir));
  }
  if (name === '') throw new ComposeError('E_INVALID', 'project name must not be empty');
  if (!NAME_RE.test(name) && options.normalize) throw invalidName(name);
  environment['COMPOSE_PROJECT_NAME'] = name;
  loader.projectName = name;

  const main: Layer = {
    files: po.files,
    workingDir: po.workingDir,
    environment,
    included: [],
    flags: { include: true, extends: true, validate: true, defaults: true, resolvePaths: options.resolvePaths },
  };
  let dict = loader.loadModel(main);
  if (Object.keys(dict).length === 0) throw new ComposeError('E_INVALID', 'empty compose file');
  const ctx = loader.ctx(main);

  if (options.normalize) {
    dict = { ...dict, name };
    dict = normalize(dict, ctx);
  }

  const split = applyProfiles(dict, po.profiles, req.services ?? []);
  dict = split.tree;
  if (options.consistency) {
    checkConsistency(withoutOptionalDisabledDeps(dict, split.disabled), ctx);
    checkDependencyCycles(dict, ctx);
  }
  if (options.resolveEnvironment) dict = resolveServiceEnvironment(dict, ctx);
  // As docker compose's LoadProject: the named services (and their
  // dependencies), then only the resources they use unless --all-resources.
  dict = selectServices(dict, req.services ?? []);
  if (!req.allResources) dict = pruneUnusedResources(dict);

  const project = bindProject(dict, { projectName: name, workingDir: po.workingDir });
  return { project, tree: dict, disabled: split.disabled, profiles: split.active, ctx };
}

/** Optional dependencies on services disabled by profiles are not consistency errors. */
function withoutOptionalDisabledDeps(tree: Mapping, disabled: Mapping): Mapping {
  const services = tree['services'];
  if (!isMapping(services) || Object.keys(disabled).length === 0) return tree;
  const out: Mapping = {};
  for (const [name, svc] of Object.entries(services)) {
    const deps = isMapping(svc) ? svc['depends_on'] : undefined;
    if (!isMapping(svc) || !isMapping(deps)) {
      out[name] = svc;
      continue;
    }
    const kept: Mapping = {};
    for (const [d, c] of Object.entries(deps)) {
      const optional = isMapping(c) && c['required'] === false;
      if (!(d in disabled) || !optional) kept[d] = c;
    }
    out[name] = { ...svc, depends_on: kept };
  }
  return { ...tree, services: out };
}

function checkDependencyCycles(tree: Mapping, ctx: LoadContext): void {
  const services = isMapping(tree['services']) ? tree['services'] : {};
  const edges = new Map<string, string[]>();
  for (const [name, svc] of Object.entries(services)) {
    const deps = isMapping(svc) && isMapping(svc['depends_on']) ? Object.keys(svc['depends_on']) : [];
    edges.set(name, deps);
  }
  const cycle = findCycle(edges);
  if (!cycle) return;
  const files = new Set<string>();
  for (const s of cycle) {
    const w = ctx.sources.locate(`services.${s}.depends_on`);
    if (w.file !== undefined) files.add(w.file);
  }
  const first = cycle[0] ?? '';
  const where = ctx.sources.locate(`services.${first}.depends_on`);
  const inFiles = files.size > 0 ? ` (in ${[...files].join(', ')})` : '';
  throw new ComposeError('E_CYCLE', `dependency cycle detected: ${cycle.join(' -> ')}${inFiles}`, where);
}
