import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComposeError } from '../../src/model/errors.js';
import { SourceIndex } from '../../src/loader/context.js';
import { parseCompose } from '../../src/loader/parse.js';
import { indexPositions } from '../../src/loader/positions.js';

function parseError(text: string): ComposeError {
  try {
    parseCompose(text, '/p/compose.yaml');
  } catch (e) {
    assert.ok(e instanceof ComposeError, String(e));
    return e;
  }
  assert.fail('expected a parse error');
}

test('values resolve as go-yaml does for untyped decoding', () => {
  const [doc] = parseCompose('a: yes\nb: 0440\nc: 0o14\nd: 1e3\ne: ~\nf: "0440"\ng: 010.5\n', 'f');
  assert.deepEqual(doc?.tree, { a: 'yes', b: 288, c: 12, d: 1000, e: null, f: '0440', g: 10.5 });
});

test('anchors and merge keys: local keys win, earlier sources win', () => {
  const [doc] = parseCompose('x: &a {p: 1, q: 1}\ny: &b {q: 2, r: 2}\nz:\n  <<: [*a, *b]\n  p: 9\n', 'f');
  assert.deepEqual(doc?.tree['z'], { p: 9, q: 1, r: 2 });
});

test('!reset removes the value and records its path; !override keeps it', () => {
  const [doc] = parseCompose('services:\n  web:\n    ports: !reset []\n    environment: !override\n      A: "1"\n    image: !override 8080\n', 'f');
  assert.deepEqual(doc?.tree, { services: { web: { environment: { A: '1' }, image: 8080 } } });
  assert.deepEqual(doc?.resets, [['services', 'web', 'ports']]);
  assert.deepEqual(doc?.overrides, [['services', 'web', 'environment'], ['services', 'web', 'image']]);
});

test('each YAML document is returned; empty ones are skipped', () => {
  const docs = parseCompose('a: 1\n---\n---\nb: 2\n', 'f');
  assert.deepEqual(docs.map((d) => d.tree), [{ a: 1 }, { b: 2 }]);
});

test('syntax errors name file, line and column', () => {
  const e = parseError('services:\n  web:\n    image: [unclosed\n');
  assert.equal(e.code, 'E_YAML');
  assert.equal(e.where.file, '/p/compose.yaml');
  assert.ok((e.where.line ?? 0) >= 3, JSON.stringify(e.where));
});

test('a duplicate key is named, at its second occurrence', () => {
  const e = parseError('services:\n  web:\n    image: a\n    image: b\n');
  assert.equal(e.message, 'mapping key "image" already defined');
  assert.equal(e.where.line, 4);
});

test('the top level must be a mapping', () => {
  assert.equal(parseError('just a string\n').message, 'Top-level object must be a mapping');
  assert.equal(parseError('- a\n- b\n').message, 'Top-level object must be a mapping');
});

test('alias bombs are refused rather than expanded', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  const e = parseError(`${lines.join('\n')}\n`);
  assert.match(e.message, /alias expansion/);
});

test('positions are read only when asked for, and point at keys and items', () => {
  let indexed = 0;
  const sources = new SourceIndex((file, text, record) => {
    indexed++;
    indexPositions(file, text, record);
  });
  parseCompose('services:\n  web:\n    ports:\n      - "80:80"\n      - "8080:80"\n', '/p/a.yaml', sources);
  assert.equal(indexed, 0);
  assert.deepEqual(sources.locate('services.web.ports[1]'), { file: '/p/a.yaml', line: 5, col: 9, path: 'services.web.ports[1]' });
  assert.equal(indexed, 1);
  // an unknown child falls back to its nearest known ancestor, keeping the asked path
  assert.deepEqual(sources.locate('services.web.ports[1].published'), {
    file: '/p/a.yaml',
    line: 5,
    col: 9,
    path: 'services.web.ports[1].published',
  });
});

test('the last file that sets a path is the one named', () => {
  const sources = new SourceIndex(indexPositions);
  parseCompose('services:\n  web:\n    image: a\n', '/p/a.yaml', sources);
  parseCompose('x: 1\nservices:\n  web:\n    image: b\n', '/p/b.yaml', sources);
  assert.deepEqual(sources.locate('services.web.image'), { file: '/p/b.yaml', line: 4, col: 5, path: 'services.web.image' });
});
