/**
 * Where each key and item of a compose file was written, for error messages
 * only. Reading positions needs a YAML library that keeps the document AST
 * with source ranges (`yaml`); it is several times slower than js-yaml, which
 * reads the values, so positions are indexed lazily: only when an error is
 * about to be reported (see SourceIndex in context.ts).
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Segment } from '../model/tree-path.js';
import { formatPath } from '../model/tree-path.js';
import type { Where } from '../model/errors.js';

/** Calls `record(path, where)` for every key and sequence item of `text`; never throws. */
export function indexPositions(file: string, text: string, record: (path: string, where: Where) => void): void {
  const lines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, { lineCounter: lines, uniqueKeys: false });
    docs = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return;
  }
  const at = (node: YamlNode | null | undefined, path: readonly Segment[]): void => {
    if (path.length === 0) return;
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    record(formatPath(path), { file, line: pos.line, col: pos.col });
  };
  let budget = 1_000_000; // alias expansion guard
  const walk = (doc: Document.Parsed, node: YamlNode | null, path: Segment[]): void => {
    if (node === null || --budget < 0) return;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target) walk(doc, target as YamlNode, path);
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        at(item as YamlNode, [...path, i]);
        walk(doc, item as YamlNode, [...path, i]);
      });
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as YamlNode | null;
        if (!isScalar(key)) continue;
        const k = String(key.value);
        if (k === '<<') continue;
        at(key, [...path, k]);
        walk(doc, pair.value as YamlNode | null, [...path, k]);
      }
    }
  };
  for (const doc of docs) walk(doc, doc.contents as YamlNode | null, []);
}
