/**
 * `config`: load the project and print it as `docker compose config` does, or
 * one of its listings (--services, --volumes, --hash …).
 */
import fs from 'node:fs';
import { DependencyGraph } from '../graph/graph.js';
import { ComposeError } from '../model/errors.js';
import type { Mapping } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import type { LoadOptions } from '../loader/context.js';
import { loadProject } from '../loader/load.js';
import { parseCompose } from '../loader/parse.js';
import { allProfiles } from '../loader/profiles.js';
import { resolveProjectOptions } from '../loader/project-options.js';
import type { CliProjectFlags } from '../loader/project-options.js';
import { extractTreeVariables } from '../loader/template.js';
import type { VariableUse } from '../loader/template.js';
import { renderConfig, renderModel } from './config-render.js';
import { serviceConfigHash } from './hash.js';

export interface ConfigFlags {
  format: string;
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  images?: boolean;
  profiles?: boolean;
  models?: boolean;
  hash?: string;
  variables?: boolean;
  environment?: boolean;
  interpolate: boolean;
  normalize: boolean;
  pathResolution: boolean;
  consistency: boolean;
  envResolution: boolean;
  resolveImageDigests?: boolean;
  output?: string;
  allResources?: boolean;
}

export interface ConfigIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

function lines(items: readonly string[]): string {
  return items.length === 0 ? '' : `${items.join('\n')}\n`;
}

export function runConfig(flags: CliProjectFlags, services: readonly string[], opts: ConfigFlags, io: ConfigIo): number {
  if (opts.format !== 'yaml' && opts.format !== 'json') {
    throw new ComposeError('E_USAGE', `unsupported format "${opts.format}": use yaml or json`);
  }
  if (opts.resolveImageDigests) {
    throw new ComposeError('E_USAGE', '--resolve-image-digests needs an image registry; not supported yet');
  }
  const po = resolveProjectOptions(flags, { cwd: io.cwd, env: io.env });
  const warn = (m: string): void => io.stderr(`WARN[0000] ${m}\n`);
  for (const w of po.warnings) warn(w);

  if (opts.variables) return emit(io, opts, variablesTable(po.files, opts.format));

  const load: Partial<LoadOptions> = {
    interpolate: opts.interpolate,
    normalize: opts.normalize,
    consistency: opts.consistency,
    resolvePaths: opts.pathResolution,
    resolveEnvironment: opts.envResolution,
  };
  const res = loadProject({ project: po, options: load, services, warn, allResources: opts.allResources === true });
  const project = res.project;
  const tree = res.tree;

  if (opts.quiet) return 0;
  if (opts.environment) {
    const env = res.ctx.environment;
    return emit(io, opts, lines(Object.keys(env).sort().map((k) => `${k}=${env[k]}`)));
  }
  if (opts.profiles) {
    const all: Mapping = { services: { ...sectionOf(tree, 'services'), ...res.disabled } };
    return emit(io, opts, lines(allProfiles(all)));
  }
  if (opts.services) {
    const graph = new DependencyGraph(dependencyEdges(tree));
    return emit(io, opts, lines(graph.order('up')));
  }
  if (opts.volumes) return emit(io, opts, lines(Object.keys(sectionOf(tree, 'volumes'))));
  if (opts.networks) return emit(io, opts, lines(Object.keys(sectionOf(tree, 'networks'))));
  if (opts.models) return emit(io, opts, lines(Object.keys(sectionOf(tree, 'models'))));
  if (opts.images) {
    const out: string[] = [];
    for (const [name, svc] of Object.entries(project.services)) {
      out.push(svc.image ?? `${project.name}-${name}`);
    }
    return emit(io, opts, lines(out));
  }
  if (opts.hash !== undefined) {
    const wanted =
      opts.hash.trim() === '*'
        ? Object.keys(project.services).sort()
        : opts.hash
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    const out: string[] = [];
    for (const name of wanted) {
      const svc = project.services[name];
      if (!svc) throw new ComposeError('E_NOT_FOUND', `no such service: ${name}`);
      out.push(`${name} ${serviceConfigHash(svc)}`);
    }
    return emit(io, opts, lines(out));
  }
  // Without interpolation Docker Compose prints the model as a plain map (keys
  // sorted, `${...}` left alone) rather than the typed project.
  if (!opts.interpolate) return emit(io, opts, renderModel(tree, opts.format));
  return emit(io, opts, renderConfig(project, opts.format, { escapeDollar: true }));
}

function emit(io: ConfigIo, opts: ConfigFlags, text: string): number {
  if (opts.output !== undefined) fs.writeFileSync(opts.output, text);
  else io.stdout(text);
  return 0;
}

function sectionOf(tree: Mapping, key: string): Mapping {
  const v = tree[key];
  return isMapping(v) ? v : {};
}

function dependencyEdges(tree: Mapping): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const [name, svc] of Object.entries(sectionOf(tree, 'services'))) {
    const deps = isMapping(svc) && isMapping(svc['depends_on']) ? Object.keys(svc['depends_on']) : [];
    edges.set(name, deps);
  }
  return edges;
}

/** `config --variables`: every variable the files use, with its default and whether it is required. */
function variablesTable(files: readonly string[], format: string): string {
  const found = new Map<string, VariableUse>();
  for (const f of files) {
    const text = f === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(f, 'utf8');
    for (const doc of parseCompose(text, f)) {
      for (const [name, use] of extractTreeVariables(doc.tree)) if (!found.has(name)) found.set(name, use);
    }
  }
  const names = [...found.keys()].sort();
  if (format === 'json') {
    const obj: Record<string, unknown> = {};
    for (const n of names) {
      const u = found.get(n);
      obj[n] = { Name: n, DefaultValue: u?.defaultValue ?? '', PresenceValue: u?.presenceValue ?? '', Required: u?.required ?? false };
    }
    return `${JSON.stringify(obj, null, 2)}\n`;
  }
  const rows = [['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE']];
  for (const n of names) {
    const u = found.get(n);
    rows.push([n, String(u?.required ?? false), u?.defaultValue ?? '', u?.presenceValue ?? '']);
  }
  return tabwriter(rows, 20, 3);
}

/**
 * Go's text/tabwriter as docker's formatter uses it: every cell but the last of
 * a row is padded to its column's width, at least `minWidth`, else the widest
 * cell plus `padding`; the last cell is written as is.
 */
function tabwriter(rows: readonly string[][], minWidth: number, padding: number): string {
  const cols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let i = 0; i < cols - 1; i++) widths.push(Math.max(minWidth, ...rows.map((r) => (r[i] ?? '').length + padding)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('') + '\n').join('');
}
