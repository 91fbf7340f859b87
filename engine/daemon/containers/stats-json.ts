/**
 * JSON text for the stats body: JSON.stringify cannot write a bigint, and
 * Node 20 has no JSON.rawJSON, so this writer does it: bigints as their exact
 * digits, `undefined` members left out (as omitempty fields are), key order
 * as given.
 */

export function statsJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? 'null' : statsJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${statsJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
