#!/bin/sh
# Part of `npm ci` / `npm run build`: builds the engine's C programs from source
# when a C toolchain and the libraries are installed; otherwise says what to
# install (the Compose side works without them; `npm test` installs them as root).
cd "$(dirname "$0")" || exit 1
if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 && pkg-config --exists jansson libseccomp 2>/dev/null; then
  exec make -s
fi
echo "engine/runtime not built: apt-get install -y gcc make pkg-config libjansson-dev libseccomp-dev, then npm run build" >&2
exit 0
