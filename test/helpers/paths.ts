/**
 * Where tests find the repository and the shared corpus. Tests run from the
 * repository root (npm test), whatever directory their compiled form lives in.
 */
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = process.env['TSCOMPOSE_REPO'] ?? process.cwd();

/** ../shared beside the repository: CI has it, a fresh clone may not. */
export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');

export function sharedAvailable(): boolean {
  return fs.existsSync(path.join(SHARED_DIR, 'conformance', 'cases'));
}

/** The reason printed when a test that needs ../shared is skipped. */
export const NO_SHARED = `../shared not found at ${SHARED_DIR}; skipping tests that read the shared corpus`;
