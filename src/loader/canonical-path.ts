/**
 * Go's `path.Clean` (slash-separated, lexical): the loader cleans mount
 * targets with it and joins host paths like `filepath.Join` (join + clean),
 * so results never keep a trailing slash or `.`/`..` segments.
 * Shared by the canonical, paths and normalize stages.
 */

export function cleanPosix(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's `filepath.Join` on POSIX: empty elements are skipped, the result cleaned. */
export function joinPosix(...elems: string[]): string {
  const parts = elems.filter((e) => e !== '');
  if (parts.length === 0) return '';
  return cleanPosix(parts.join('/'));
}
