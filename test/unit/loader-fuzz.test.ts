/**
 * Property: whatever bytes a compose file holds, the loader either returns a
 * project or throws a ComposeError with a message (never a TypeError, a stack
 * trace or a hang). Inputs are real compose files mutated at random: cut,
 * duplicated, or with YAML/interpolation punctuation spliced in.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isComposeError } from '../../src/model/errors.js';
import { loadProject } from '../../src/loader/load.js';

const SEEDS = [
  `services:
  web:
    image: nginx:\${TAG:-latest}
    ports: ["8080:80", "127.0.0.1:9000-9001:9000-9001/udp"]
    volumes: [./data:/data:ro, cache:/cache]
    environment: [A=1, B]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: curl -f http://localhost, interval: 10s}
  db:
    image: postgres
    networks: [back]
    healthcheck: {test: [CMD, pg_isready]}
networks: {back: {}}
volumes: {cache: {}}
`,
  `name: demo
services:
  base: &base
    image: busybox
    command: sleep 1
    deploy: {resources: {limits: {memory: 64M, cpus: "0.5"}}}
  app:
    <<: *base
    extends: base
    profiles: [dev]
    env_file: [{path: ./x.env, required: false}]
    secrets: [s1]
secrets: {s1: {file: ./s1.txt}}
`,
];

const TOKENS = ['$', '${', '}', ':', '- ', '\n', '  ', '{', '[', ']', '"', "'", '!reset ', '!override ', '&a ', '*a', '<<: ', '#', '\t', 'null', '-1', '1e9', '${X:?boom}'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(text: string, ops: Array<{ kind: 'insert' | 'delete' | 'dup'; at: number; token?: string; len?: number }>): string {
  let s = text;
  for (const op of ops) {
    const at = s.length === 0 ? 0 : op.at % s.length;
    if (op.kind === 'insert') s = s.slice(0, at) + (op.token ?? '') + s.slice(at);
    else if (op.kind === 'delete') s = s.slice(0, at) + s.slice(at + (op.len ?? 1));
    else s = s.slice(0, at) + s.slice(at, at + (op.len ?? 1)) + s.slice(at);
  }
  return s;
}

test('mutated compose files give a project or a ComposeError', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscompose-fuzz-'));
  try {
    fs.writeFileSync(path.join(dir, 's1.txt'), 'secret');
    const file = path.join(dir, 'compose.yaml');
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, ops) => {
        fs.writeFileSync(file, mutate(seed, ops));
        try {
          const res = loadProject({
            project: { files: [file], workingDir: dir, environment: {}, profiles: [], envFiles: [], warnings: [] },
            warn: () => {},
          });
          assert.equal(typeof res.project.name, 'string');
        } catch (e) {
          assert.ok(isComposeError(e), `not a ComposeError: ${(e as Error)?.stack ?? String(e)}`);
          assert.ok(e.message.trim().length > 0, 'empty error message');
          if (e.code === 'E_YAML') assert.equal(e.where.file, file, 'a YAML error names the file');
          if (e.code === 'E_YAML') assert.ok((e.where.line ?? 0) >= 1, 'a YAML error names the line');
        }
      }),
      {
        numRuns: Number(process.env['FUZZ_RUNS'] ?? 400),
        ...(process.env['FUZZ_SEED'] ? { seed: Number(process.env['FUZZ_SEED']) } : {}),
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
