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
import { test } from 'node:test';
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
  console.log(`conformance: ${passed} passed, ${failed} failed (${(rate * 100).toFixed(1)} %)`);
  assert.deepEqual(unlisted, [], `failing cases not listed in compose-spec/README.md:\n${out.split('\n').filter((l) => l.startsWith('FAIL')).join('\n')}`);
  assert.ok(rate >= MIN_PASS_RATE, `pass rate ${(rate * 100).toFixed(1)} % is below ${MIN_PASS_RATE * 100} %`);
});
