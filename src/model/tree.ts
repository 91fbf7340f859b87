/**
 * The loader works on plain JSON-like trees (what YAML parses to) until the last
 * stage binds them to typed structures. These helpers keep that code small.
 */

export type Scalar = string | number | boolean | null;
export type Value = Scalar | Value[] | Mapping;
export interface Mapping {
  [key: string]: Value;
}

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isSequence(v: unknown): v is Value[] {
  return Array.isArray(v);
}

/** A deep copy (trees are small; structuredClone keeps it obvious). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
