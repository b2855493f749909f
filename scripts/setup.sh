#!/usr/bin/env bash
# One-time setup on a fresh Debian/Ubuntu machine (or any machine with Node >= 20 and npm):
#   bash scripts/setup.sh && npx webgan train
# 1. Vulkan drivers for WebGPU without a GPU (Mesa lavapipe for Deno; the Vulkan loader for Node),
#    and Chromium (its SwiftShader driver serves Node's WebGPU; headless browser tests). Skipped when
#    already installed, when apt-get is missing, or without root/sudo: webgan then falls back to
#    the CPU backend where no WebGPU adapter is found.
# 2. npm ci (npm install with the same lockfile when npm ci refuses it), 3. npm run build (dist/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PKGS=(mesa-vulkan-drivers chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})) && command -v apt-get >/dev/null; then
  SUDO=""
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="skip"; fi
  fi
  if [[ "$SUDO" == skip ]]; then
    echo "setup: not root and no sudo: skipping apt-get install ${missing[*]} (WebGPU may be unavailable; the CPU backend still works)"
  else
    echo "setup: apt-get install ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
      echo "setup: apt-get failed; continuing (the CPU backend works without these)"
  fi
fi

if ! npm ci --no-audit --no-fund; then
  echo "setup: npm ci refused the lockfile; npm install with the same lockfile"
  npm install --no-audit --no-fund --no-save
fi
npm run build
echo "setup: done. Next: npx webgan train   (tests: npm test)"
