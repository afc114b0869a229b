#!/usr/bin/env bash
# Installs the Debian packages that Vigil's tests need. Called by .ci/run; safe to run again.
# The list grows with the integration tests (Prometheus, Alertmanager, Chromium, ...).
set -euo pipefail
PACKAGES=(prometheus prometheus-node-exporter prometheus-alertmanager chromium stress-ng)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup-system: need root to install: ${missing[*]}" >&2; exit 1; fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "setup-system: ok (${#PACKAGES[@]} packages required)"
