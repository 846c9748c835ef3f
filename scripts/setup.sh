#!/usr/bin/env bash
# Sets up everything Kestrel's demo and tests need on a fresh Debian machine: Debian's prometheus,
# the Node.js dependencies (npm ci) and the local cluster's binaries, built from their Go modules
# and cached outside the repository (~/.cache/kestrel/cluster, keyed by component, version and Go
# version), so a second run finds them and takes seconds. Used by the README's first command and
# by .ci/run; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n==> [%4ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }

step "Debian packages (prometheus)"
if ! command -v prometheus >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "prometheus is missing: install Debian's prometheus package (apt-get install prometheus) as root"; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # The package would start a system Prometheus on :9090; the cluster runs its own on a free port.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  $sudo apt-get install -y -qq --no-install-recommends prometheus ca-certificates
  $sudo rm -f /usr/sbin/policy-rc.d
fi
prometheus --version 2>&1 | head -1

step "toolchains"
command -v go >/dev/null || { echo "Go >= 1.24 is required to build the local cluster (test/cluster/modules)"; exit 1; }
command -v node >/dev/null || { echo "Node.js >= 20.19 is required"; exit 1; }
GOTOOLCHAIN=local go version
node --version

step "npm ci"
npm ci --no-audit --no-fund

step "cluster binaries (Go modules, cached outside the repository)"
npm run -s cluster:build

step "set up"
