#!/usr/bin/env bash
# The project's test image: a minimal busybox root filesystem built from
# Debian's busybox-static, with nothing else from the host.
#
#   engine/images/busybox-rootfs.sh [DIR] [--tar FILE]
#
#   DIR          where to build the rootfs (default: engine/images/build/busybox)
#   --tar FILE   also write FILE, a tarball of the rootfs (for the engine's `import`)
#
# Contents: /bin/busybox plus one symlink per applet (`busybox --list`), /etc/passwd
# and /etc/group with root (0) and nobody (65534), an empty /etc/hostname, and empty
# /proc /sys /dev /tmp /root. Idempotent: re-running rebuilds DIR's contents in place
# and leaves an identical tree. If /bin/busybox is missing and we are root, installs
# busybox-static with apt-get.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/build/busybox"
tar_out=""

while [ $# -gt 0 ]; do
  case "$1" in
    --tar) [ $# -ge 2 ] || { echo "busybox-rootfs: --tar needs a file" >&2; exit 2; }; tar_out="$2"; shift 2 ;;
    --tar=*) tar_out="${1#--tar=}"; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "busybox-rootfs: unknown option $1" >&2; exit 2 ;;
    *) dest="$1"; shift ;;
  esac
done

bb=/bin/busybox
if [ ! -x "$bb" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >&2 \
      || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >&2; } \
      || true
  fi
  [ -x "$bb" ] || { echo "busybox-rootfs: $bb not found (apt-get install busybox-static)" >&2; exit 1; }
fi
# A dynamically linked busybox would need the host's libc in the image.
if command -v ldd >/dev/null 2>&1 && ldd "$bb" 2>&1 | grep -q '=>'; then
  echo "busybox-rootfs: $bb is dynamically linked; install busybox-static" >&2
  exit 1
fi

mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
case "$dest" in /|/bin|/usr|/etc) echo "busybox-rootfs: refusing to build into $dest" >&2; exit 1 ;; esac

# Build into a sibling temp dir, then swap, so readers never see a half-built tree.
tmp="$(mktemp -d "$(dirname "$dest")/.busybox-rootfs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/root"
chmod 1777 "$tmp/tmp"
chmod 700 "$tmp/root"
cp "$bb" "$tmp/bin/busybox"
chmod 755 "$tmp/bin/busybox"
for applet in $("$bb" --list); do
  case "$applet" in busybox|*/*) continue ;; esac
  ln -s busybox "$tmp/bin/$applet"
done
ln -s bin "$tmp/sbin"
mkdir -p "$tmp/usr"
ln -s ../bin "$tmp/usr/bin"
ln -s ../bin "$tmp/usr/sbin"

cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
: >"$tmp/etc/hostname"
chmod 644 "$tmp/etc/passwd" "$tmp/etc/group" "$tmp/etc/hostname"
chmod 755 "$tmp" "$tmp/bin" "$tmp/etc" "$tmp/usr"
if [ "$(id -u)" = "0" ]; then chown -R 0:0 "$tmp"; fi

# Swap in: empty dest (keeping the directory itself, which may be a mount point
# or referenced by path) and move the new tree's entries into it.
find "$dest" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
find "$tmp" -mindepth 1 -maxdepth 1 -exec mv {} "$dest"/ \;
chmod 755 "$dest"

if [ -n "$tar_out" ]; then
  mkdir -p "$(dirname "$tar_out")"
  # Reproducible: fixed owner, mtime and order.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' \
    -C "$dest" -cf "$tar_out.tmp" .
  mv "$tar_out.tmp" "$tar_out"
fi
echo "$dest"
