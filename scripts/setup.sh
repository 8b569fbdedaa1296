#!/usr/bin/env bash
# Set up o2c on a fresh Debian/Ubuntu machine: system packages, then the project's virtualenv in .venv/.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(tesseract-ocr tesseract-ocr-eng poppler-utils libpango-1.0-0 libpangoft2-1.0-0
                 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core postgresql-client
                 chromium fonts-dkg-handwriting fonts-comic-neue)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import o2c, pytest, xdist" 2>/dev/null || [ pyproject.toml -nt .venv/.o2c-installed ]; then
  .venv/bin/pip install -q --upgrade pip 2>&1 | grep -v -i "warning" || true
  .venv/bin/pip install -q -e ".[test]" 2>&1 | grep -v -i "warning" || true
  .venv/bin/python -c "import o2c" && touch .venv/.o2c-installed
fi
echo "o2c is installed: .venv/bin/o2c"
