/**
 * Stage 1 — parse. YAML text into plain trees, one per YAML document, with the
 * `!reset` / `!override` tags of the Compose merge rules.
 *
 * Values are read with js-yaml (the design's choice, and about eight times
 * faster here than `yaml` on a 500-service file). Positions for error messages
 * come from the `yaml` package, which keeps a source range on every node, but
 * only when an error is reported (positions.ts, SourceIndex), so a valid
 * project never pays for them.
 *
 * Scalars resolve as go-yaml does when compose-go decodes into untyped values:
 * the YAML 1.2 core schema (`yes` stays a string), plus `0440` read as octal
 * (file modes) and `<<` merge keys.
 */
import jsyaml from 'js-yaml';
import { ComposeError } from '../model/errors.js';
import type { Segment } from '../model/tree-path.js';
import { formatPath } from '../model/tree-path.js';
import type { Mapping, Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';
import type { SourceIndex } from './context.js';

/** One YAML document of a compose file. */
export interface ParsedDocument {
  tree: Mapping;
  /** Paths tagged `!reset`: removed here, and removed from what earlier files set. */
  resets: Segment[][];
  /** Paths tagged `!override`: kept here, replacing (not merging with) what earlier files set. */
  overrides: Segment[][];
}

/** A value carrying a Compose merge tag until the walk below sees it. */
class Tagged {
  readonly tag: '!reset' | '!override';
  readonly value: unknown;
  constructor(tag: '!reset' | '!override', value: unknown) {
    this.tag = tag;
    this.value = value;
  }
}

/** Nodes visited per document before aliases are taken for a billion-laughs attack. */
const MAX_NODES = 1_000_000;

/** js-yaml's built-in types (exported at run time, missing from @types/js-yaml). */
const builtin = (jsyaml as unknown as { types: { int: jsyaml.Type; merge: jsyaml.Type } }).types;
const coreInt = builtin.int as jsyaml.Type & {
  resolve(data: unknown): boolean;
  construct(data: unknown): unknown;
  predicate?: (data: object) => boolean;
  represent?: jsyaml.TypeConstructorOptions['represent'];
  defaultStyle?: string;
};
const goInt = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown) => coreInt.resolve(data),
  construct: (data: string) => (/^[-+]?0[0-7]+$/.test(data) ? parseInt(data, 8) : coreInt.construct(data)),
  predicate: coreInt.predicate,
  represent: coreInt.represent,
  defaultStyle: coreInt.defaultStyle,
});

function tagTypes(tag: '!reset' | '!override'): jsyaml.Type[] {
  return (['scalar', 'sequence', 'mapping'] as const).map(
    (kind) => new jsyaml.Type(tag, { kind, construct: (data: unknown) => new Tagged(tag, data) }),
  );
}

const SCHEMA = jsyaml.CORE_SCHEMA.extend({
  implicit: [goInt, builtin.merge],
  explicit: [...tagTypes('!reset'), ...tagTypes('!override')],
});

/** `!override 8080` arrives as the text "8080": resolve it as a plain scalar would be. */
function resolveScalar(text: unknown): Value {
  if (typeof text !== 'string') return (text ?? null) as Value;
  try {
    const v: unknown = jsyaml.load(text, { schema: SCHEMA });
    return typeof v === 'number' || typeof v === 'boolean' || v === null ? v : text;
  } catch {
    return text;
  }
}

/**
 * Parse compose YAML. Empty documents are skipped. The file's text is
 * registered with `sources` so error positions can be found later.
 */
export function parseCompose(content: string, file: string, sources?: SourceIndex): ParsedDocument[] {
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  sources?.addFile(file, text);
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, { schema: SCHEMA, filename: file }) as unknown[];
  } catch (e) {
    if (e instanceof jsyaml.YAMLException) {
      const where = e.mark ? { file, line: e.mark.line + 1, col: e.mark.column + 1 } : { file };
      throw new ComposeError('E_YAML', yamlMessage(e, text), where);
    }
    throw e;
  }
  const out: ParsedDocument[] = [];
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    const walker = new Walker(file);
    const value = walker.value(doc, []);
    if (value === RESET || value === null) continue;
    if (!isMapping(value)) throw new ComposeError('E_YAML', 'Top-level object must be a mapping', { file, line: 1, col: 1 });
    out.push({ tree: value, resets: walker.resets, overrides: walker.overrides });
  }
  return out;
}

const RESET = Symbol('reset');

/** js-yaml's reason, in go-yaml's words where Docker Compose users know them. */
function yamlMessage(e: jsyaml.YAMLException, text: string): string {
  const reason = e.reason || 'invalid YAML';
  if (reason.startsWith('duplicated mapping key') && e.mark) {
    const line = text.split('\n')[e.mark.line] ?? '';
    const key = /^\s*(?:-\s+)?["']?([^"':]+?)["']?\s*:/.exec(line)?.[1];
    if (key !== undefined) return `mapping key "${key}" already defined`;
  }
  return reason;
}

/** From js-yaml's values (aliases shared, tags as `Tagged`) to an owned plain tree. */
class Walker {
  readonly resets: Segment[][] = [];
  readonly overrides: Segment[][] = [];
  private visited = 0;
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  value(v: unknown, path: Segment[]): Value | typeof RESET {
    if (++this.visited > MAX_NODES) {
      throw new ComposeError('E_YAML', `document too large after alias expansion (more than ${MAX_NODES} nodes)`, {
        file: this.file,
        path: formatPath(path),
      });
    }
    if (v instanceof Tagged) {
      if (v.tag === '!reset') {
        this.resets.push([...path]);
        return RESET;
      }
      this.overrides.push([...path]);
      const inner = typeof v.value === 'string' ? resolveScalar(v.value) : v.value;
      return this.value(inner, path);
    }
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v)) {
      const out: Value[] = [];
      for (const item of v) {
        const x = this.value(item, [...path, out.length]);
        if (x !== RESET) out.push(x);
      }
      return out;
    }
    if (typeof v === 'object') {
      const out: Mapping = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const x = this.value(item, [...path, k]);
        if (x !== RESET) out[k] = x;
      }
      return out;
    }
    throw new ComposeError('E_YAML', `unsupported YAML value ${String(v)}`, { file: this.file, path: formatPath(path) });
  }
}
