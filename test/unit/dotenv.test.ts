import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDotenv, parseRawEnv, readEnvFiles, withoutDigitLeadingKeys } from '../../src/loader/dotenv.js';
import { ComposeError } from '../../src/model/errors.js';
import { SHARED_DIR, sharedAvailable, NO_SHARED } from '../helpers/paths.js';

function env(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}

function tmpDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscompose-dotenv-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

interface DotenvRow {
  id: string;
  kind: 'line' | 'file' | 'files';
  input?: string;
  file?: string;
  files?: Record<string, string>;
  via?: string;
  env?: Record<string, string>;
  expected?: Record<string, string>;
  absent?: string[];
  exact_keys?: boolean;
  error?: boolean;
  error_contains?: string;
  cli: boolean;
}

/** Evaluates a row the way its `via` describes the Go call. */
function evaluate(row: DotenvRow): Map<string, string> {
  const osEnv = row.env ?? {};
  if (row.kind === 'line') return parseDotenv(row.input ?? '', { lookup: env(osEnv) });
  if (row.kind === 'file') {
    const file = path.join(SHARED_DIR, 'conformance', 'dotenv', row.file ?? '');
    const content = fs.readFileSync(file, 'utf8');
    const via = row.via ?? '';
    // Read/ReadWithLookup drop digit-leading keys; Load parses without lookup.
    if (via.startsWith('ReadWithLookup')) return withoutDigitLeadingKeys(parseDotenv(content, { lookup: env(osEnv), file }));
    if (via === 'Read') return withoutDigitLeadingKeys(parseDotenv(content, { file }));
    return parseDotenv(content, { file });
  }
  const dir = tmpDir(row.files ?? {});
  const names = Object.keys(row.files ?? {});
  const fileEnv = readEnvFiles(
    names.map((n) => path.join(dir, n)),
    env(osEnv),
  );
  if ((row.via ?? '').includes('WithDotEnv')) {
    // The project environment: OS values win over .env values.
    return new Map([...fileEnv, ...Object.entries(osEnv)]);
  }
  return fileEnv;
}

test('dotenv.json: every row', async (t) => {
  if (!sharedAvailable()) {
    t.skip(NO_SHARED);
    return;
  }
  const table = JSON.parse(fs.readFileSync(path.join(SHARED_DIR, 'conformance', 'dotenv.json'), 'utf8')) as {
    rows: DotenvRow[];
  };
  let cliRows = 0;
  for (const row of table.rows) {
    if (row.cli) cliRows++;
    await t.test(row.id, () => {
      if (row.error) {
        assert.throws(
          () => evaluate(row),
          (e: unknown) => {
            assert.ok(e instanceof ComposeError, `ComposeError expected, got ${String(e)}`);
            if (row.error_contains) assert.ok(e.message.includes(row.error_contains), e.message);
            return true;
          },
        );
        return;
      }
      const got = evaluate(row);
      for (const [k, v] of Object.entries(row.expected ?? {})) assert.equal(got.get(k), v, k);
      for (const k of row.absent ?? []) assert.equal(got.has(k), false, k);
      if (row.exact_keys) assert.deepEqual([...got.keys()].sort(), Object.keys(row.expected ?? {}).sort());
    });
  }
  assert.ok(cliRows >= 91, `expected at least 91 cli rows, saw ${cliRows}`);
});

test('errors carry E_DOTENV, file and compose-go line numbers', () => {
  const cases: [string, string, number][] = [
    ['A=1\nB="open\nC=3\n', 'line 4: unterminated quoted value "open', 4],
    ['A=1\n\n# c\nlol$wut=1', 'line 4: unexpected character "$" in variable name "lol$wut=1"', 4],
    ["A=1\nB='x", "line 2: unterminated quoted value 'x", 2],
    ['A=1\nBAD KEY=2', 'line 2: key cannot contain a space', 2],
  ];
  for (const [content, message, line] of cases) {
    assert.throws(
      () => parseDotenv(content, { file: '/p/.env' }),
      (e: unknown) =>
        e instanceof ComposeError &&
        e.code === 'E_DOTENV' &&
        e.message === message &&
        e.where.file === '/p/.env' &&
        e.where.line === line,
      JSON.stringify(content),
    );
  }
});

test('values: quotes, escapes, comments, CRLF, BOM, export', () => {
  const got = parseDotenv(
    '\uFEFFexport A=1\r\nB = two words  # note\r\nC="x\\ty\\$Z"\nD=\'lit $A \\n\'\nE:yaml\nF="a\\0101b"\nG=\nH=a#b\n',
    { lookup: env({}) },
  );
  assert.deepEqual(Object.fromEntries(got), {
    A: '1',
    B: 'two words',
    C: 'x\ty$Z',
    D: 'lit $A \\n',
    E: 'yaml',
    F: 'aAb',
    G: '',
    H: 'a#b',
  });
});

test('multi-line single and double quotes', () => {
  const got = parseDotenv("A='one\ntwo'\nB=\"x\ny\"\nC=z");
  assert.deepEqual(Object.fromEntries(got), { A: 'one\ntwo', B: 'x\ny', C: 'z' });
});

test('bare KEY lines take the lookup value or are left out', () => {
  const got = parseDotenv('PRESENT\nMISSING\nX=1\n', { lookup: env({ PRESENT: 'p', X: 'os' }) });
  assert.deepEqual(Object.fromEntries(got), { PRESENT: 'p', X: '1' });
  // Without a line break a bare key runs to the end: compose makes it the value of an empty key.
  assert.deepEqual(Object.fromEntries(parseDotenv('X=1\nTAIL')), { X: '1', '': 'TAIL' });
});

test('interpolation: lookup first, then values of the file; warnings are passed on', () => {
  const warnings: string[] = [];
  const got = parseDotenv('A=file\nB=$A-${NOPE}\nC="${A}"\nD=\'${A}\'', {
    lookup: env({ A: 'os' }),
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(Object.fromEntries(got), { A: 'file', B: 'os-', C: 'os', D: '${A}' });
  assert.deepEqual(warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
  assert.throws(
    () => parseDotenv('\nR=${MISSING:?need it}', { file: '/x.env' }),
    (e: unknown) =>
      e instanceof ComposeError &&
      e.code === 'E_INTERPOLATION' &&
      e.message === 'required variable MISSING is missing a value: need it' &&
      e.where.file === '/x.env' &&
      e.where.line === 2,
  );
});

test('parseDotenv into an existing map overrides and sees its values', () => {
  const into = new Map([['BASE', 'b'], ['KEEP', 'k']]);
  const out = parseDotenv('BASE=new\nREF=$KEEP', { into });
  assert.equal(out, into);
  assert.deepEqual(Object.fromEntries(out), { BASE: 'new', KEEP: 'k', REF: 'k' });
});

test('raw format (docker --env-file rules)', () => {
  const got = parseRawEnv('\uFEFFA=1\n# c\n  B=keep trailing  \r\nC="q" # not a comment\nD=$A\nLOOK\nGONE\n', {
    lookup: env({ LOOK: 'up' }),
  });
  assert.deepEqual(Object.fromEntries(got), {
    A: '1',
    B: 'keep trailing  ',
    C: '"q" # not a comment',
    D: '$A',
    LOOK: 'up',
  });
  assert.throws(() => parseRawEnv('OK=1\nB =2', { file: '/r.env' }), {
    message: "variable 'B ' contains whitespaces",
  });
  assert.throws(() => parseRawEnv('=2'), { message: "no variable name on line '=2'" });
});

test('readEnvFiles: later files win, a missing file is E_NOT_FOUND', () => {
  const dir = tmpDir({ 'a.env': 'X=a\nY=${X}\n', 'b.env': 'X=b\nZ=${X}${Y}\n' });
  const got = readEnvFiles([path.join(dir, 'a.env'), path.join(dir, 'b.env')], env({}));
  assert.deepEqual(Object.fromEntries(got), { X: 'b', Y: 'a', Z: 'ba' });
  const missing = path.join(dir, 'nope.env');
  assert.throws(
    () => readEnvFiles([missing], env({})),
    (e: unknown) => e instanceof ComposeError && e.code === 'E_NOT_FOUND' && e.message.includes(missing),
  );
});
