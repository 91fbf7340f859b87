#!/usr/bin/env bash
# The project's test command (`npm test`, also what CI runs). On a fresh machine
# it installs what it needs, builds, then runs every test layer that applies:
#   unit         no root; includes the project's compose-spec/ fixtures and,
#                when ../shared is present, the shared conformance corpus
#   e2e          the engine daemon on a temp root and socket, driven by the
#                real docker CLI when it is installed (skipped otherwise)
#   integration  root only: the engine's runtime against crun and runc (needs
#                the Debian packages below, installed here when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the engine's build and root tests need.
DEB_PACKAGES=(gcc make pkg-config libjansson-dev libseccomp-dev busybox-static crun runc attr iproute2 iptables python3 docker-compose)
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${DEB_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

if ! command -v node >/dev/null 2>&1; then
  echo "node is required (Node 20): apt-get install -y nodejs npm" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
# The engine's C programs (runtime, monitor, init), when a C toolchain and the libraries are here.
if [ -f engine/runtime/Makefile ] && command -v cc >/dev/null 2>&1 && pkg-config --exists jansson libseccomp 2>/dev/null; then
  make -s -C engine/runtime
else
  echo "engine/runtime not built: needs cc, pkg-config, libjansson-dev, libseccomp-dev"
fi

dirs=(dist/test/unit/ dist/test/e2e/)
if [ "$(id -u)" = "0" ] && [ -d dist/test/integration ] && ls dist/test/integration/*.test.js >/dev/null 2>&1; then
  dirs+=(dist/test/integration/)
fi
# One file at a time: root suites must not run side by side (they share the
# host's cgroup hierarchies and mounts).
node --test --test-concurrency=1 "${dirs[@]}"
