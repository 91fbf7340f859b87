/**
 * The tree stages of this module (canonical -> defaults -> paths -> normalize)
 * run on inputs of the shared conformance corpus that need nothing else
 * (no interpolation, extends, include, env files, profiles or typed
 * rendering), checked with the corpus' own comparator and assertions.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { canonical } from '../../src/loader/canonical.js';
import { DEFAULT_LOAD_OPTIONS, SourceIndex, type LoadContext } from '../../src/loader/context.js';
import { setDefaults } from '../../src/loader/defaults.js';
import { normalize } from '../../src/loader/normalize.js';
import { resolvePaths } from '../../src/loader/paths.js';
import type { Mapping } from '../../src/model/tree.js';
import { NO_SHARED, SHARED_DIR, sharedAvailable } from '../helpers/paths.js';

const CASES = [
  'cg-ports-expanded-format',
  'cg-ports-long-syntax',
  'cg-ports-range',
  'cg-ports-short-syntax',
  'cg-volume-bind-create-host-path',
  'cg-volume-bind-propagation',
  'cg-volume-nocopy',
  'cg-top-level-volumes',
  'cg-normalize-custom-network',
  'cg-normalize-default-network',
  'cg-normalize-depends-on',
  'cg-normalize-environment',
  'cg-normalize-implicit-context',
  'cg-normalize-implicit-dependencies',
  'cg-normalize-network-names',
  'cg-normalize-pre-start-image',
  'cg-build-config',
  'cg-build-dockerfile-inline',
  'cg-healthcheck',
  'cg-depends-on-list',
  'cg-depends-on-object',
  'cg-service-networks',
  'cg-command-string',
  'cg-entrypoint-string',
  'cg-expose',
  'cg-labels-list',
  'cg-labels-map',
  'cg-environment-list',
  'cg-environment-map',
  'cg-environment-boolean',
  'cg-extra-hosts-list',
  'cg-extra-hosts-map',
  'cg-extra-hosts-repeated',
  'cg-stop-grace-period',
  'dc-e2e-config',
];

interface Case {
  files: string[];
  project_directory: string | null;
  env: Record<string, string>;
  config_args: string[];
  assertions?: unknown[];
  expected?: string;
}

interface Compare {
  normalize(v: unknown, path?: unknown[]): unknown;
  substitute(v: unknown, ph: Record<string, string>): unknown;
  diff(a: unknown, b: unknown): string[];
  checkAssertions(actual: unknown, assertions: unknown[], ph: Record<string, string>): string[];
}

function projectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

describe('tree stages on the conformance corpus', { skip: sharedAvailable() ? false : NO_SHARED }, () => {
  for (const name of CASES) {
    it(name, async () => {
      const compare = (await import(
        pathToFileURL(path.join(SHARED_DIR, 'conformance', 'lib', 'compare.mjs')).href
      )) as Compare;
      const dir = path.join(SHARED_DIR, 'conformance', 'cases', name);
      const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as Case;
      const projectDir = fs.realpathSync(path.join(dir, c.project_directory ?? '.'));
      const home = '/home/conformance';
      const normalizeOn = !c.config_args.includes('--no-normalize');
      assert.equal(c.files.length, 1);
      const raw = parse(fs.readFileSync(path.join(dir, c.files[0] ?? ''), 'utf8')) as Mapping;
      const fromFile = typeof raw['name'] === 'string' ? projectName(raw['name']) : '';
      const pname = fromFile !== '' ? fromFile : projectName(path.basename(projectDir));
      const ctx: LoadContext = {
        projectName: pname,
        workingDir: projectDir,
        environment: { ...c.env, HOME: home },
        options: { ...DEFAULT_LOAD_OPTIONS, normalize: normalizeOn },
        sources: new SourceIndex(),
        warn: () => undefined,
      };
      let tree = resolvePaths(setDefaults(canonical(raw, ctx), ctx), ctx);
      tree = { ...tree, name: pname };
      if (normalizeOn) tree = normalize(tree, ctx);

      const ph = { '{{PROJECT_DIR}}': projectDir, '{{PROJECT_NAME}}': pname, '{{HOME}}': home };
      const actual = compare.normalize(tree);
      if (c.assertions) {
        assert.deepEqual(compare.checkAssertions(actual, c.assertions, ph), []);
      }
      if (c.expected) {
        const expected = JSON.parse(fs.readFileSync(path.join(dir, c.expected), 'utf8')) as unknown;
        assert.deepEqual(compare.diff(compare.normalize(compare.substitute(expected, ph)), actual), []);
      }
    });
  }
});
