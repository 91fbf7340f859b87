/**
 * Stage 1 — parse. YAML text into plain trees, one per YAML document, keeping
 * where every key and item was written (for error messages) and the `!reset` /
 * `!override` tags of the Compose merge rules.
 *
 * Why the `yaml` package rather than js-yaml: it exposes the document AST with
 * source ranges for every node and keeps unknown tags on the nodes, which is
 * exactly what positions in errors and `!reset`/`!override` need; js-yaml only
 * yields plain values. Core schema (YAML 1.2) resolution matches go-yaml's
 * decoding into untyped values (`yes` stays a string, `0o14` is 12).
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode, ParsedNode } from 'yaml';
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

/** Aliases expanded per document before we call it a billion-laughs attack. */
const MAX_ALIAS_EXPANSIONS = 10_000;

const RESET = Symbol('reset');

/**
 * Parse compose YAML. Empty documents are skipped. Positions are recorded into
 * `sources` when given, keyed by model path.
 */
export function parseCompose(content: string, file: string, sources?: SourceIndex): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, intAsBigInt: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: ParsedDocument[] = [];
  for (const doc of list) {
    const first = doc.errors[0];
    if (first) {
      const pos = lineCounter.linePos(first.pos[0]);
      throw new ComposeError('E_YAML', yamlMessage(first.message), { file, line: pos.line, col: pos.col });
    }
    if (doc.contents === null) continue;
    const walker = new Walker(doc, file, lineCounter, sources);
    const value = walker.value(doc.contents as YamlNode, []);
    if (value === null || value === RESET) continue;
    if (!isMapping(value)) {
      const pos = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      throw new ComposeError('E_YAML', 'top-level object must be a mapping', { file, line: pos.line, col: pos.col });
    }
    out.push({ tree: value, resets: walker.resets, overrides: walker.overrides });
  }
  return out;
}

/** The first line of a yaml error, without the library's position suffix (we add our own). */
function yamlMessage(msg: string): string {
  return (msg.split('\n')[0] ?? msg).replace(/ at line \d+, column \d+:?$/, '');
}

class Walker {
  readonly resets: Segment[][] = [];
  readonly overrides: Segment[][] = [];
  private aliasCount = 0;
  private readonly doc: Document.Parsed;
  private readonly file: string;
  private readonly lines: LineCounter;
  private readonly sources: SourceIndex | undefined;

  constructor(doc: Document.Parsed, file: string, lines: LineCounter, sources: SourceIndex | undefined) {
    this.doc = doc;
    this.file = file;
    this.lines = lines;
    this.sources = sources;
  }

  private where(node: YamlNode | null | undefined, path: readonly Segment[]) {
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, col: pos.col, path: formatPath(path) };
  }

  private record(node: YamlNode | null | undefined, path: readonly Segment[]): void {
    if (!this.sources || path.length === 0) return;
    const w = this.where(node, path);
    this.sources.record(w.path, { file: w.file, line: w.line, col: w.col });
  }

  value(node: YamlNode | null, path: Segment[]): Value | typeof RESET {
    if (node === null) return null;
    if (isAlias(node)) {
      if (++this.aliasCount > MAX_ALIAS_EXPANSIONS) {
        throw new ComposeError('E_YAML', 'too many alias expansions (possible billion laughs)', this.where(node, path));
      }
      const target = node.resolve(this.doc);
      if (!target) throw new ComposeError('E_YAML', `unknown alias ${node.source}`, this.where(node, path));
      return this.value(target as YamlNode, path);
    }
    const tag = (node as { tag?: string }).tag;
    if (tag === '!reset') {
      this.resets.push([...path]);
      return RESET;
    }
    if (tag === '!override') this.overrides.push([...path]);
    if (isScalar(node)) {
      // go-yaml, like YAML 1.1, reads a plain `0440` as octal (file modes); YAML 1.2 would say 440.
      const src = (node as { source?: unknown }).source;
      if (node.type === 'PLAIN' && typeof src === 'string' && /^[-+]?0[0-7]+$/.test(src)) return parseInt(src, 8);
      return this.scalar(node.value, node, path);
    }
    if (isSeq(node)) {
      const out: Value[] = [];
      for (const item of node.items) {
        const p = [...path, out.length];
        this.record(item as YamlNode, p);
        const v = this.value(item as YamlNode, p);
        if (v !== RESET) out.push(v);
      }
      return out;
    }
    if (isMap(node)) return this.mapping(node as ParsedNode & { items: unknown[] }, path);
    throw new ComposeError('E_YAML', 'unsupported YAML node', this.where(node, path));
  }

  private scalar(v: unknown, node: YamlNode, path: Segment[]): Value {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    throw new ComposeError('E_YAML', `unsupported scalar value ${String(v)}`, this.where(node, path));
  }

  private mapping(node: { items: unknown[] }, path: Segment[]): Mapping {
    const out: Mapping = {};
    const merged: Mapping[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const key = this.key(keyNode, path);
      if (key === '<<' && !(isScalar(keyNode) && keyNode.type !== 'PLAIN')) {
        // YAML merge key: values written in this mapping win over merged ones,
        // whatever their order, and earlier merge sources win over later ones.
        const src = this.value(pair.value as YamlNode, path);
        const sources = Array.isArray(src) ? src : [src];
        for (const s of sources) {
          if (!isMapping(s)) throw new ComposeError('E_YAML', 'merge key `<<` needs a mapping or a list of mappings', this.where(keyNode, path));
          merged.push(s);
        }
        continue;
      }
      const p = [...path, key];
      this.record(keyNode, p);
      const v = this.value(pair.value as YamlNode, p);
      if (v === RESET) continue;
      out[key] = v;
    }
    if (merged.length === 0) return out;
    const result: Mapping = {};
    for (let i = merged.length - 1; i >= 0; i--) Object.assign(result, merged[i]);
    return Object.assign(result, out);
  }

  private key(node: YamlNode | null, path: Segment[]): string {
    if (node === null) return '';
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      if (v === null) return 'null';
    }
    throw new ComposeError('E_YAML', 'mapping keys must be strings', this.where(node, path));
  }
}
