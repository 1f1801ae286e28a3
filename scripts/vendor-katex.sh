#!/usr/bin/env bash
# Refreshes the vendored copy of KaTeX (math rendering in the offline HTML write-ups) from the npm registry.
# The copy is checked in (lib/Slt.Notebooks/Vendor/katex/), so building and running the workbook never needs npm
# or a network; run this only to change the KaTeX version:
#   bash scripts/vendor-katex.sh [VERSION]
# Keeps the minified script, the stylesheet, the woff2 fonts (the write-ups inline them) and the licence.
set -euo pipefail
version="${1:-0.16.47}"
cd "$(dirname "$0")/.."
dest=lib/Slt.Notebooks/Vendor/katex
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "katex@$version" >/dev/null && tar -xzf katex-*.tgz)
rm -rf "$dest"
mkdir -p "$dest/fonts"
cp "$work/package/dist/katex.min.js" "$work/package/dist/katex.min.css" "$work/package/LICENSE" "$dest/"
cp "$work/package/dist/fonts/"*.woff2 "$dest/fonts/"
echo "$version" > "$dest/VERSION"
echo "KaTeX $version vendored into $dest ($(du -sh "$dest" | cut -f1))"
