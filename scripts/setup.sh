#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) for RECODE: Debian packages, npm dependencies, the
# build, and the end-to-end rig (a real VS Code: code-server + chromium, cached outside the clone).
#   bash scripts/setup.sh            everything
#   RECODE_SKIP_E2E=1 bash scripts/setup.sh   without the end-to-end rig
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for p in python3-matplotlib pyflakes3 bubblewrap chromium fonts-dejavu-core zip unzip; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${need[*]} — run as root or: sudo apt-get install ${need[*]}" >&2; exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node esbuild.mjs
if [ "${RECODE_SKIP_E2E:-0}" != 1 ] && [ -f scripts/setup-e2e.sh ]; then
  bash scripts/setup-e2e.sh
fi
echo "setup: done"
