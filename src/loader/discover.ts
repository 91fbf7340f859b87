/**
 * Which compose files a command reads when none is named: compose.yaml,
 * compose.yml, docker-compose.yml, docker-compose.yaml in the current directory
 * or the nearest parent that has one, plus the matching override file beside it.
 */
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;
export const DEFAULT_OVERRIDE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
] as const;

export interface Discovered {
  files: string[];
  warnings: string[];
}

/** True when `p` is a regular file (following links); false when missing. */
export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Search `start` and its parents; an empty result means nothing was found. */
export function discoverComposeFiles(start: string): Discovered {
  let dir = path.resolve(start);
  for (;;) {
    const found = DEFAULT_FILE_NAMES.map((n) => path.join(dir, n)).filter(isFile);
    const main = found[0];
    if (main !== undefined) {
      const warnings: string[] = [];
      if (found.length > 1) {
        warnings.push(`Found multiple config files with supported names: ${found.join(', ')}\nUsing ${main}`);
      }
      const files = [main];
      const override = DEFAULT_OVERRIDE_NAMES.map((n) => path.join(dir, n)).find(isFile);
      if (override !== undefined) files.push(override);
      return { files, warnings };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { files: [], warnings: [] };
    dir = parent;
  }
}
