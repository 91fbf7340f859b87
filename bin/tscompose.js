#!/usr/bin/env node
// Entry point of the `tscompose` command: the compiled CLI lives in dist/ (npm ci builds it).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
