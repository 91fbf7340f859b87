/**
 * The project's own conformance fixtures: one folder per loader rule under
 * compose-spec/, run through the real CLI entry point (in process).
 *
 * A fixture folder holds compose files (found by discovery from the folder, or
 * named in case.json), optional `.env` and other inputs, optional `case.json`
 * ({ "args": [global flags], "config_args": [...], "env": {...} }) and one of:
 *   expected.json  the `config --format json` output (`{{DIR}}` = the folder)
 *   expected.yaml  the exact default (YAML) output
 *   expected.txt   the exact output of a listing (--services, --hash …)
 *   expected.err   text the error message must contain (and a non-zero exit)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface CaseMeta {
  args?: string[];
  config_args?: string[];
  env?: Record<string, string>;
}

const ROOT = path.join(REPO_ROOT, 'compose-spec');
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'tscompose-fixture-home-'));

function fixtureDirs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const d = path.join(dir, e.name);
      if (['expected.json', 'expected.yaml', 'expected.txt', 'expected.err'].some((f) => fs.existsSync(path.join(d, f)))) out.push(d);
      else walk(d);
    }
  };
  if (fs.existsSync(ROOT)) walk(ROOT);
  return out.sort();
}

function substitute(text: string, dir: string): string {
  return text.replaceAll('{{DIR}}', dir).replaceAll('{{HOME}}', HOME);
}

for (const dir of fixtureDirs()) {
  const name = path.relative(ROOT, dir);
  test(`compose-spec/${name}`, async () => {
    const real = fs.realpathSync(dir);
    const metaFile = path.join(dir, 'case.json');
    const meta: CaseMeta = fs.existsSync(metaFile) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CaseMeta) : {};
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME, ...(meta.env ?? {}) };
    let stdout = '';
    let stderr = '';
    const expectJson = fs.existsSync(path.join(dir, 'expected.json'));
    const args = ['node', 'tscompose', ...(meta.args ?? []), 'config', ...(expectJson ? ['--format', 'json'] : []), ...(meta.config_args ?? [])];
    const code = await main(args, {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      cwd: real,
      env,
    });
    const errFile = path.join(dir, 'expected.err');
    if (fs.existsSync(errFile)) {
      const want = substitute(fs.readFileSync(errFile, 'utf8').trim(), real);
      assert.notEqual(code, 0, `expected an error, got output:\n${stdout}`);
      assert.ok(stderr.includes(want), `error message\n  ${stderr.trim()}\ndoes not contain\n  ${want}`);
      assert.ok(!/\n\s+at .+\(.+:\d+:\d+\)/.test(stderr), 'error output must not be a stack trace');
      return;
    }
    assert.equal(code, 0, `exit ${code}: ${stderr}`);
    if (expectJson) {
      const want: unknown = JSON.parse(substitute(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'), real));
      assert.deepEqual(JSON.parse(stdout), want);
    } else {
      const file = fs.existsSync(path.join(dir, 'expected.yaml')) ? 'expected.yaml' : 'expected.txt';
      assert.equal(stdout, substitute(fs.readFileSync(path.join(dir, file), 'utf8'), real));
    }
  });
}
