#!/usr/bin/env node
// Entry point of the `tscompose` command. The CLI is compiled to dist/ and
// bundled into one module (npm ci builds both): one file loads several times
// faster than the ~100 modules it is made of, and every command pays that.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/tscompose.mjs', import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/src/cli/main.js');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
