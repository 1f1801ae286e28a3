#!/usr/bin/env bash
# Installs the system packages the workbook's tests need on Debian/Ubuntu, when they are missing:
#   chromium       headless browser for the write-up tests (Debian's package; test tools' own browser downloads fail here)
#   python3-torch  PyTorch, for the checkpoint round-trip tests against real PyTorch (tests/pytorch/reference.py)
# Idempotent; does nothing when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The tests look for torch in $SLT_PYTHON, python3 on the PATH, then /usr/bin/python3 (a pyenv/venv python3 may shadow it).
has_torch() { "$1" -c 'import torch' >/dev/null 2>&1; }
if ! { { [ -n "${SLT_PYTHON:-}" ] && has_torch "$SLT_PYTHON"; } || has_torch python3 || has_torch /usr/bin/python3; }; then
  missing+=(python3-torch)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
