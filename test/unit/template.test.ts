import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  substitute,
  extractVariables,
  extractTreeVariables,
  goQuote,
  InvalidTemplateError,
  MissingRequiredError,
} from '../../src/loader/template.js';
import { parseDotenv } from '../../src/loader/dotenv.js';
import { ComposeError } from '../../src/model/errors.js';
import { SHARED_DIR, sharedAvailable, NO_SHARED } from '../helpers/paths.js';

function env(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}

function run(template: string, vars: Record<string, string>): { value: string; warnings: string[] } {
  const warnings: string[] = [];
  const value = substitute(template, { lookup: env(vars), warn: (m) => warnings.push(m) });
  return { value, warnings };
}

interface InterpolationRow {
  id: string;
  level: 'template' | 'compose' | 'dotenv';
  template: string;
  env?: Record<string, string>;
  expected?: unknown;
  error?: boolean;
  error_contains?: string;
  cli: boolean;
}

test('interpolation.json: every cli row', async (t) => {
  if (!sharedAvailable()) {
    t.skip(NO_SHARED);
    return;
  }
  const table = JSON.parse(fs.readFileSync(path.join(SHARED_DIR, 'conformance', 'interpolation.json'), 'utf8')) as {
    rows: InterpolationRow[];
  };
  let ran = 0;
  for (const row of table.rows) {
    if (!row.cli) continue; // custom Go casts: not a property of the template engine
    ran++;
    await t.test(row.id, () => {
      const vars = row.env ?? {};
      const evaluate = (): string => {
        if (row.level === 'dotenv') {
          // The template is a whole .env line; the fact is KEY=<value>.
          const parsed = parseDotenv(row.template, { lookup: env(vars) });
          const [key, value] = [...parsed][0] ?? ['', ''];
          return `${key}=${value}`;
        }
        return run(row.template, vars).value;
      };
      if (row.error) {
        assert.throws(evaluate, (e: unknown) => {
          assert.ok(e instanceof ComposeError, `ComposeError expected, got ${String(e)}`);
          assert.equal(e.code, 'E_INTERPOLATION');
          const want = row.error_contains ?? '';
          // "invalid interpolation format for <path>" is the caller's wrapping of an invalid template.
          if (want.includes('Invalid template') || want.includes('invalid interpolation format')) {
            assert.ok(e instanceof InvalidTemplateError, `InvalidTemplateError expected: ${e.message}`);
          } else {
            assert.ok(e.message.includes(want), `${JSON.stringify(e.message)} lacks ${JSON.stringify(want)}`);
          }
          return true;
        });
      } else {
        assert.equal(evaluate(), row.expected);
      }
    });
  }
  assert.ok(ran >= 119, `expected at least 119 cli rows, ran ${ran}`);
});

test('warning text and laziness (TestLazy* facts)', () => {
  assert.deepEqual(run('${A:-${B}}', {}).warnings, [
    'The "B" variable is not set. Defaulting to a blank string.',
  ]);
  assert.deepEqual(run('${A:+${A},}B', {}).warnings, []);
  assert.deepEqual(run('${A?${B}}', { A: 'value' }).warnings, []);
  assert.deepEqual(run('${A-${B}}', { A: '' }).warnings, []);
  assert.deepEqual(run('$X and ${Y}', {}).warnings, [
    'The "X" variable is not set. Defaulting to a blank string.',
    'The "Y" variable is not set. Defaulting to a blank string.',
  ]);
  // Operators never warn about their own variable.
  assert.deepEqual(run('${U:-d}${U-e}${U:+f}${U+g}', {}), { value: 'de', warnings: [] });
});

test('an unused branch is not evaluated, even when invalid', () => {
  assert.equal(run('${A:-${}}', { A: 'set' }).value, 'set');
  assert.throws(() => run('${A:-${}}', {}), InvalidTemplateError);
});

test('escapes, lone dollars and names', () => {
  assert.equal(run('$$FOO $${FOO} $$$FOO', { FOO: 'x' }).value, '$FOO ${FOO} $x');
  assert.equal(run('cost: 5$ ; $1 ; $-x ; $}', {}).value, 'cost: 5$ ; $1 ; $-x ; $}');
  assert.equal(run('$foo_Bar9-x', { foo_Bar9: 'v' }).value, 'v-x');
  assert.equal(run('${_a}', { _a: 'u' }).value, 'u');
  assert.equal(run('$FOO.bar', { FOO: 'x' }).value, 'x.bar');
});

test('operator choice: the first operator after the name wins', () => {
  assert.equal(run('${U?a-b}', { U: 'v' }).value, 'v');
  assert.equal(run('${U-a?b}', {}).value, 'a?b');
  assert.equal(run('${E:+a:-b}', { E: 'x' }).value, 'a:-b');
  assert.equal(run('${E+}', { E: '' }).value, '');
  assert.equal(run('${E:-}', { E: '' }).value, '');
});

test('several braced references on one line, and braces in text', () => {
  assert.equal(run('${A-1} ${B:-2} ${C}', { C: 'c' }).value, '1 2 c');
  assert.equal(run('{${A:-x}}', {}).value, '{x}');
  assert.equal(run('${A:-x}}', {}).value, 'x}');
  assert.equal(run('${A:-a}${B:-{"k":1}}', {}).value, 'a{"k":1}');
});

test('required errors', () => {
  assert.throws(
    () => run('${U:?must be set}', {}),
    (e: unknown) =>
      e instanceof MissingRequiredError &&
      e.variable === 'U' &&
      e.reason === 'must be set' &&
      e.message === 'required variable U is missing a value: must be set',
  );
  assert.throws(() => run('${U?}', {}), { message: 'required variable U is missing a value' });
  assert.throws(() => run('${E:?}', { E: '' }), { message: 'required variable E is missing a value' });
  assert.equal(run('${E?}', { E: '' }).value, '');
  // The first error of a line wins.
  assert.throws(() => run('${A:?first} ${B:?second}', {}), { message: /first$/ });
});

test('invalid templates name the template being substituted', () => {
  for (const bad of ['${', '${}', '${ foo}', '${foo }', '${foo!}', '${foo:x}', 'ok ${', '${a\nb:-c}']) {
    assert.throws(
      () => run(bad, {}),
      (e: unknown) =>
        e instanceof InvalidTemplateError && e.template === bad && e.message === `Invalid template: ${goQuote(bad)}`,
      bad,
    );
  }
  // The nested default is substituted on its own: compose-go reports that text.
  assert.throws(() => run('${U:-x ${}', {}), (e: unknown) => e instanceof InvalidTemplateError);
});

test('goQuote matches strconv.Quote', () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('x\ny\t\x00\x7f'), '"x\\ny\\t\\x00\\x7f"');
  assert.equal(goQuote('é ✓'), '"é ✓"');
  assert.equal(goQuote('\u00a0'), '"\\u00a0"');
});

test('extractVariables follows compose-go ExtractVariables', () => {
  const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
  assert.deepEqual(extractVariables('$FOO ${BAR:-def} ${BAZ?err} ${QUX:+alt} $$ESC').sort(byName), [
    { name: 'BAR', defaultValue: 'def', required: false },
    { name: 'BAZ', required: true },
    { name: 'FOO', required: false },
    { name: 'QUX', presenceValue: 'alt', required: false },
  ]);
  assert.deepEqual(extractVariables('${A:-${B:-x}}'), [
    { name: 'A', defaultValue: '${B:-x}', required: false },
    { name: 'B', defaultValue: 'x', required: false },
  ]);
  // compose-go lists what follows the first closing brace before the variable itself.
  assert.deepEqual(
    extractVariables('${A-1} ${B}').map((v) => v.name),
    ['B', 'A'],
  );
  const merged = extractTreeVariables({ a: '${X:?}', b: ['${X:-d}', { c: '$Y' }], n: 3 });
  assert.deepEqual(merged.get('X'), { name: 'X', defaultValue: 'd', required: true });
  assert.deepEqual(merged.get('Y'), { name: 'Y', required: false });
});
