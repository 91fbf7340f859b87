/**
 * The C-level suites of engine/runtime (TAP output), run as root: cgroup
 * backends, process security, a runtime smoke test on a busybox bundle, the
 * monitor and init. Each must exit 0 and report no `not ok`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const RUNTIME_DIR = path.join(REPO_ROOT, 'engine', 'runtime');
const root = process.getuid?.() === 0;

for (const suite of ['tests-cgroup', 'tests-security', 'tests-smoke', 'tests-monitor', 'tests-exec-pty']) {
  test(`engine/runtime: make ${suite}`, { skip: root ? false : 'needs root', timeout: 300_000 }, () => {
    const r = spawnSync('make', ['-s', '-C', RUNTIME_DIR, suite], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    const out = `${r.stdout}\n${r.stderr}`;
    const failed = out.split('\n').filter((l) => /^not ok\b/.test(l));
    const passed = out.split('\n').filter((l) => /^ok\b/.test(l)).length;
    assert.deepEqual(failed, [], out.slice(-4000));
    assert.equal(r.status, 0, out.slice(-4000));
    assert.ok(passed > 0, `no TAP results from ${suite}:\n${out.slice(-2000)}`);
  });
}
