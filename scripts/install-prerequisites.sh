#!/usr/bin/env bash
# Installs the system packages the workbook's tests need on Debian/Ubuntu, when they are missing:
#   chromium  headless browser for the write-up tests (Debian's package; test tools' own browser downloads fail here)
# Idempotent; does nothing when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
