/**
 * Stage 2 — interpolate. `${VAR}` substitution in every string value of one
 * file's tree (never in keys), before that file is merged with the others, as
 * compose-go does. Errors name the model path and, through the source index,
 * the file and line.
 */
import { ComposeError } from '../model/errors.js';
import type { Segment } from '../model/tree-path.js';
import { formatPath } from '../model/tree-path.js';
import type { Mapping, Value } from '../model/tree.js';
import type { SourceIndex } from './context.js';
import { substitute } from './template.js';

export interface InterpolateOptions {
  lookup: (name: string) => string | undefined;
  warn: (message: string) => void;
  sources?: SourceIndex;
  file?: string;
}

export function interpolateTree(tree: Mapping, opts: InterpolateOptions): Mapping {
  // Warn once per variable, as docker compose prints one line per missing name.
  const warned = new Set<string>();
  const warn = (m: string): void => {
    if (!warned.has(m)) {
      warned.add(m);
      opts.warn(m);
    }
  };
  const walk = (v: Value, path: Segment[]): Value => {
    if (typeof v === 'string') {
      if (!v.includes('$')) return v;
      try {
        return substitute(v, { lookup: opts.lookup, warn });
      } catch (e) {
        throw placed(e, path, v, opts);
      }
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Mapping = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };
  return walk(tree, []) as Mapping;
}

function placed(e: unknown, path: Segment[], template: string, opts: InterpolateOptions): unknown {
  if (!(e instanceof ComposeError)) return e;
  const p = formatPath(path);
  const where = { ...(opts.sources?.locate(p) ?? { path: p }), ...(opts.file !== undefined ? { file: opts.file } : {}) };
  const message = e.message.startsWith('Invalid template')
    ? `invalid interpolation format for ${p}.\nYou may need to escape any $ with another $.\n${template}`
    : e.message;
  return new ComposeError(e.code, message, where);
}
