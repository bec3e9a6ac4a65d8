#!/usr/bin/env bash
# The few Debian/Ubuntu packages the project needs beyond Python: Pango/HarfBuzz and fonts for
# WeasyPrint's PDFs, and python3-venv where the system Python lacks it. Installs them with
# apt-get when running as root or with passwordless sudo; otherwise prints the exact command.
# Usage: system-packages.sh [--venv-only] [extra packages...]
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [[ "${1:-}" == "--venv-only" ]]; then
  packages=()
  shift
fi
packages+=("$@")
python3 -c 'import ensurepip' 2>/dev/null || packages+=(python3-venv)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: make sure Pango, HarfBuzz and a TrueType font are installed for PDF reports."
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "These system packages are needed: ${missing[*]}"
  echo "Install them with:"
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
