#!/usr/bin/env bash
# Fetches the sample media for tests and benchmarks into data/media/ (not committed): Debian's
# opencv-doc package is downloaded with `apt-get download` (never installed) and Megamind.avi,
# Megamind_bugy.avi and vtest.avi are extracted from it and checked against pinned sha256 sums.
# Idempotent: files already present with the right sum are kept. A failure to fetch is reported and
# exits 0 (tests that need the media skip); a sum mismatch exits 1.
# Usage: scripts/fetch-media.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dest=data/media
mkdir -p "$dest"

declare -A SUMS=(
  [Megamind.avi]=0057387cb7e75c8fd1663b62cfdc51fa53f527795d0fe3c1fea2fd159d3130b5
  [Megamind_bugy.avi]=b82dd32d5444031d1a46a133e7554be7b80c54d12e3503a1b1332a540218e22c
  [vtest.avi]=45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf
)

have_all=1
for f in "${!SUMS[@]}"; do
  if [ ! -f "$dest/$f" ] || [ "$(sha256sum "$dest/$f" | cut -d' ' -f1)" != "${SUMS[$f]}" ]; then
    have_all=0
  fi
done
if [ $have_all -eq 1 ]; then
  echo "fetch-media: data/media complete"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
# Package lists may be missing on a fresh machine: update once and retry.
if ! (cd "$work" && apt-get download opencv-doc >/dev/null 2>&1) &&
  ! (apt-get update -qq >/dev/null 2>&1 && cd "$work" && apt-get download opencv-doc >/dev/null 2>&1); then
  echo "fetch-media: could not download opencv-doc (tests needing data/media will skip)" >&2
  exit 0
fi
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb |
  tar -x -C "$work" --wildcards './usr/share/doc/opencv-doc/examples/data/Megamind*.avi' \
    './usr/share/doc/opencv-doc/examples/data/vtest.avi'
for f in "${!SUMS[@]}"; do
  src="$work/usr/share/doc/opencv-doc/examples/data/$f"
  got=$(sha256sum "$src" | cut -d' ' -f1)
  if [ "$got" != "${SUMS[$f]}" ]; then
    echo "fetch-media: $f: sha256 $got, expected ${SUMS[$f]}" >&2
    exit 1
  fi
  cp "$src" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
echo "fetch-media: extracted ${!SUMS[*]} into $dest"
