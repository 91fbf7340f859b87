#!/usr/bin/env bash
# The project's test command (`npm test`, also what CI runs). On a fresh machine
# it installs what it needs, builds, then runs every test layer that applies:
#   unit         no root; includes the project's compose-spec/ fixtures and,
#                when ../shared is present, the shared conformance corpus
#   integration  root only (none yet: the engine issues add them)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "node is required (Node 20): apt-get install -y nodejs npm" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent

dirs=(dist/test/unit/)
if [ "$(id -u)" = "0" ] && [ -d dist/test/integration ] && ls dist/test/integration/*.test.js >/dev/null 2>&1; then
  dirs+=(dist/test/integration/)
fi
node --test --test-concurrency=2 "${dirs[@]}"
