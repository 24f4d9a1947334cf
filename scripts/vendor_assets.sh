#!/usr/bin/env bash
#
# vendor_assets.sh - vendor pinned front-end libraries into
# src/postloan/static/vendor/ from the npm registry.
#
# For every library below it:
#   1. runs `npm pack <name>@<exact version>` inside a throw-away temp dir
#      (nothing is ever `npm install`ed into the repository),
#   2. checks the tarball against the pinned sha512 SRI value
#      (the registry's `dist.integrity`) and aborts on any mismatch,
#   3. extracts it and copies only the dist files we actually serve, plus the
#      package's LICENSE (and NOTICE, if any).
#
# The output directory is rebuilt from scratch on every run (idempotent), and
# VERSIONS.md / README.md inside it are generated here too.
#
# Upgrading a library:
#   npm view <name> version                        # pick the new version
#   npm view <name>@<version> dist.integrity       # pin its integrity
#   edit the PACKAGES table below, re-run this script, review the diff.
#
# Usage: scripts/vendor_assets.sh      (works from any cwd)

set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
cd "$REPO_ROOT"

VENDOR_REL="src/postloan/static/vendor"
VENDOR_DIR="$REPO_ROOT/$VENDOR_REL"

# ---------------------------------------------------------------------------
# Pinned packages: npm name | exact version | dist.integrity | vendor subdir | licence
# ---------------------------------------------------------------------------
PACKAGES=(
  "@tabler/core|1.6.1|sha512-lgmR9gcxRp5JlLxcmRi9Rz85JrEvH6Bz71KnlcPVSa97wtwQNjgSs3g3fxwbAlulHyRMghhIV04QUuW3pqDsIg==|tabler|MIT"
  "@tabler/icons-webfont|3.49.0|sha512-kWgnmEzo17dzQyMqRmlfj+TiGV0clLMYfUtKp2WG7M+TH5418o6fsoaSlrOTK3lwESg0xS7jVfOozYrR02Ryxw==|tabler-icons|MIT"
  "htmx.org|2.0.11|sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==|htmx|0BSD"
  "@alpinejs/csp|3.17.4|sha512-SlRXmqO6kYhnxlg+99etmuzJtE9Lk4QbKjBHqerXzaMflJqoJXdz/SI3IvHJGZ/vRVyC3bR0SSBz40oY7goBeg==|alpinejs|MIT"
  "echarts|6.1.0|sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==|echarts|Apache-2.0"
)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
log() { printf 'vendor_assets: %s\n' "$*" >&2; }
die() {
  printf '\nvendor_assets: ERROR: %s\n\n' "$*" >&2
  exit 1
}

for tool in npm node tar; do
  command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found on PATH"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vendor_assets.XXXXXX")"
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT

STAGE="$WORK/vendor"   # built here, swapped into place only if everything succeeded
mkdir -p "$STAGE"

# sha512 SRI string ("sha512-<base64>") of a file.
sri_sha512() {
  node -e '
    const crypto = require("crypto"), fs = require("fs");
    const h = crypto.createHash("sha512").update(fs.readFileSync(process.argv[1]));
    process.stdout.write("sha512-" + h.digest("base64"));
  ' "$1"
}

# fetch NAME VERSION INTEGRITY -> sets PKG_DIR to the extracted package/ dir.
PKG_DIR=""
fetch() {
  local name="$1" version="$2" want="$3"
  local slug dir got pkgver
  local -a tgz
  slug="$(printf '%s' "$name" | tr '@/' '__')"
  dir="$WORK/pkg/$slug"
  mkdir -p "$dir/pack" "$dir/x"

  log "npm pack $name@$version"
  (cd "$dir/pack" && npm pack "$name@$version" --ignore-scripts --silent >/dev/null) \
    || die "npm pack $name@$version failed"

  shopt -s nullglob
  tgz=("$dir"/pack/*.tgz)
  shopt -u nullglob
  [[ ${#tgz[@]} -eq 1 ]] || die "expected exactly one tarball for $name@$version, got ${#tgz[@]}"

  got="$(sri_sha512 "${tgz[0]}")"
  if [[ "$got" != "$want" ]]; then
    die "INTEGRITY MISMATCH for $name@$version
    expected: $want
    got:      $got
  Refusing to vendor it. If the version was bumped deliberately, re-pin with:
    npm view $name@$version dist.integrity"
  fi
  log "  integrity OK ($want)"

  tar -xzf "${tgz[0]}" -C "$dir/x" --no-same-owner
  PKG_DIR="$dir/x/package"
  [[ -f "$PKG_DIR/package.json" ]] || die "$name@$version: tarball has no package/package.json"

  pkgver="$(node -p 'require(process.argv[1]).version' "$PKG_DIR/package.json")"
  [[ "$pkgver" == "$version" ]] || die "$name: package.json says $pkgver, pinned $version"
}

# put SRC_REL_TO_PKG DEST_REL_TO_LIB_DIR
DEST_DIR=""
put() {
  local src="$PKG_DIR/$1" dest="$DEST_DIR/$2"
  [[ -f "$src" ]] || die "missing file in package: $1"
  mkdir -p "$(dirname -- "$dest")"
  cp -- "$src" "$dest"
  chmod 0644 "$dest"
}

# Copy LICENSE*/LICENCE*/COPYING* and NOTICE* from the package root.
# Prints how many licence files were found.
copy_license_files() {
  local f base n=0
  shopt -s nullglob nocaseglob
  for f in "$PKG_DIR"/LICENSE* "$PKG_DIR"/LICENCE* "$PKG_DIR"/COPYING*; do
    [[ -f "$f" ]] || continue
    base="$(basename -- "$f")"
    put "$base" "$base"
    n=$((n + 1))
  done
  for f in "$PKG_DIR"/NOTICE*; do
    [[ -f "$f" ]] || continue
    base="$(basename -- "$f")"
    put "$base" "$base"
  done
  shopt -u nullglob nocaseglob
  printf '%s' "$n"
}

# MIT licence text, used only for packages whose npm tarball ships no LICENSE
# file (see the per-package notes). $1 = copyright line(s).
write_mit_license() {
  local dest="$1" copyright="$2"
  cat >"$dest" <<EOF
MIT License

$copyright

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
  chmod 0644 "$dest"
}

# Remove trailing "//# sourceMappingURL=..." / "/*# sourceMappingURL=... */"
# lines. We do not ship .map files, and Django's ManifestStaticFilesStorage
# aborts collectstatic when a referenced source map is missing.
strip_sourcemap_comment() {
  local f="$1"
  if grep -Eq '^[[:space:]]*(//|/\*)[#@] sourceMappingURL=' "$f"; then
    grep -Ev '^[[:space:]]*(//|/\*)[#@] sourceMappingURL=' "$f" >"$f.tmp" || true
    mv -- "$f.tmp" "$f"
    chmod 0644 "$f"
    NOTES+=("\`${f#"$STAGE/"}\`: trailing \`sourceMappingURL\` comment removed (no .map files are vendored).")
  fi
}

# Every url() in a CSS file must be a data: URI or a local file that we
# actually vendored; @import and remote URLs are rejected.
check_css() {
  local css="$1" dir ref path
  dir="$(dirname -- "$css")"
  if grep -q '@import' "$css"; then
    die "${css#"$STAGE/"} contains @import (possibly remote, e.g. Google Fonts); refusing"
  fi
  while IFS= read -r ref; do
    ref="${ref#url(}"
    ref="${ref%)}"
    ref="$(printf '%s' "$ref" | sed -E "s/^[[:space:]\"']+//; s/[[:space:]\"']+\$//")"
    case "$ref" in
      data:* | '#'* | '') continue ;;
      http:* | https:* | //*) die "${css#"$STAGE/"} references a remote resource: $ref" ;;
    esac
    path="${ref%%[?#]*}"
    [[ -f "$dir/$path" ]] || die "${css#"$STAGE/"} references '$ref' but '$path' was not vendored"
  done < <(grep -oE 'url\([^)]*\)' "$css" || true)
}

human_size() {
  awk -v b="$1" 'BEGIN {
    if (b >= 1048576) printf "%.1f MiB", b / 1048576;
    else if (b >= 1024) printf "%.1f KiB", b / 1024;
    else printf "%d B", b }'
}

# ---------------------------------------------------------------------------
# Per-library file selection
# ---------------------------------------------------------------------------
NOTES=()

vendor_one() {
  local name="$1" version="$2" lib="$3" nlic
  DEST_DIR="$STAGE/$lib"
  mkdir -p "$DEST_DIR"

  case "$name" in
    "@tabler/core")
      # tabler.min.css is self-contained (system font stack, only data: URIs);
      # tabler-vendors.css (3rd-party plugin skins) and tabler-themes.css
      # (optional colour themes) are not needed.
      put dist/css/tabler.min.css css/tabler.min.css
      put dist/js/tabler.min.js js/tabler.min.js
      ;;
    "@tabler/icons-webfont")
      # tabler-icons.min.css references ./fonts/tabler-icons.{woff2,woff,ttf};
      # copy exactly those (check_css below verifies every url() resolves).
      put dist/tabler-icons.min.css tabler-icons.min.css
      put dist/fonts/tabler-icons.woff2 fonts/tabler-icons.woff2
      put dist/fonts/tabler-icons.woff fonts/tabler-icons.woff
      put dist/fonts/tabler-icons.ttf fonts/tabler-icons.ttf
      ;;
    "htmx.org")
      put dist/htmx.min.js htmx.min.js
      ;;
    "@alpinejs/csp")
      # The CSP-safe build (no eval/new Function), so script-src can stay 'self'.
      # cdn.min.js is the self-initialising build (use with <script defer>).
      put dist/cdn.min.js cdn.min.js
      ;;
    "echarts")
      put dist/echarts.min.js echarts.min.js
      # LICENSE points at licenses/LICENSE-d3 for the embedded d3 code.
      put licenses/LICENSE-d3 licenses/LICENSE-d3
      ;;
    *)
      die "no file selection defined for $name"
      ;;
  esac

  nlic="$(copy_license_files)"
  if [[ "$nlic" -eq 0 ]]; then
    # Known packages whose npm tarball ships no LICENSE file: write the
    # upstream MIT text (licence declared in package.json).
    case "$name" in
      "@tabler/core")
        write_mit_license "$DEST_DIR/LICENSE" \
          "Copyright (c) 2018-2026 The Tabler Authors
Copyright (c) 2018-2026 codecalm.net Paweł Kuna"
        NOTES+=("\`tabler/LICENSE\`: not shipped in the npm tarball; MIT text per package.json and https://github.com/tabler/tabler/blob/dev/LICENSE, copyright lines from the dist file headers.")
        ;;
      "@alpinejs/csp")
        write_mit_license "$DEST_DIR/LICENSE" \
          "Copyright © 2019-2021 Caleb Porzio and contributors"
        NOTES+=("\`alpinejs/LICENSE\`: not shipped in the npm tarball; MIT text per package.json and https://github.com/alpinejs/alpine/blob/main/LICENSE.md.")
        ;;
      *)
        die "$name@$version ships no LICENSE file and no fallback is defined"
        ;;
    esac
  fi
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
declare -a ROWS=()
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r name version integrity lib licence <<<"$entry"
  fetch "$name" "$version" "$integrity"
  vendor_one "$name" "$version" "$lib"
  ROWS+=("| \`$lib/\` | \`$name\` | $version | $licence | \`$integrity\` |")
done

# Post-processing and sanity checks on what we are about to ship.
while IFS= read -r -d '' f; do
  strip_sourcemap_comment "$f"
done < <(find "$STAGE" -type f \( -name '*.js' -o -name '*.css' \) -print0 | LC_ALL=C sort -z)

while IFS= read -r -d '' f; do
  check_css "$f"
done < <(find "$STAGE" -type f -name '*.css' -print0 | LC_ALL=C sort -z)

cat >"$STAGE/README.md" <<'EOF'
Files in this directory are generated by scripts/vendor_assets.sh (pinned versions, sha512-verified npm tarballs).
Do not edit them by hand: change the pins in the script and re-run it.
EOF

{
  echo "# Vendored front-end libraries"
  echo
  echo "Generated by \`scripts/vendor_assets.sh\` - do not edit."
  echo "Each library was fetched with \`npm pack <name>@<version>\` and the tarball checked"
  echo "against the pinned \`dist.integrity\` value below before extraction."
  echo
  echo "| Directory | npm package | Version | Licence | Tarball integrity |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "## Files"
  echo
  echo "| File | Bytes |"
  echo "|---|---:|"
  while IFS= read -r -d '' f; do
    rel="${f#"$STAGE/"}"
    [[ "$rel" == "README.md" || "$rel" == "VERSIONS.md" ]] && continue
    printf '| `%s` | %s |\n' "$rel" "$(wc -c <"$f" | tr -d ' ')"
  done < <(find "$STAGE" -type f -print0 | LC_ALL=C sort -z)
  if [[ ${#NOTES[@]} -gt 0 ]]; then
    echo
    echo "## Notes"
    echo
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
} >"$STAGE/VERSIONS.md"
chmod 0644 "$STAGE/README.md" "$STAGE/VERSIONS.md"

# Swap the freshly built tree into place.
[[ -n "$VENDOR_DIR" && "$VENDOR_DIR" == "$REPO_ROOT/$VENDOR_REL" ]] || die "refusing to touch '$VENDOR_DIR'"
mkdir -p "$(dirname -- "$VENDOR_DIR")"
rm -rf -- "$VENDOR_DIR"
cp -R -- "$STAGE" "$VENDOR_DIR"

total=0
while IFS= read -r -d '' f; do
  s="$(wc -c <"$f" | tr -d ' ')"
  total=$((total + s))
  printf '  %10s  %s\n' "$(human_size "$s")" "${f#"$REPO_ROOT/"}" >&2
done < <(find "$VENDOR_DIR" -type f -print0 | LC_ALL=C sort -z)
log "done: $(human_size "$total") in $VENDOR_REL"
