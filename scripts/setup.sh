#!/usr/bin/env bash
# Sets up everything Kestrel's demo and tests need on a fresh Debian machine: the real node's
# runtime from Debian (containerd, runc, CNI plugins, nftables), the Node.js dependencies (npm ci)
# and the local cluster's binaries (Prometheus and the Traefik gateway included) and test images, built from their Go
# modules and local files and cached outside the repository (~/.cache/kestrel/cluster, keyed by component, version and Go
# version), so a second run finds them and takes seconds. Used by the README's first command and
# by .ci/run; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n==> [%4ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }

step "Debian packages (the real node: containerd, runc, CNI plugins, nftables, iptables, busybox-static, gcc; chromium for the dashboard tests)"
# The real node's runtime and pod network come from Debian; gcc builds the pause image from pause.c.
# (Prometheus is built from its module: Debian's leaves out kubernetes_sd.)
# chromium runs the dashboard's browser tests headless (driven by playwright-core, which downloads no browser).
packages=(ca-certificates containerd runc containernetworking-plugins nftables iptables busybox-static gcc libc6-dev chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "missing Debian packages: ${missing[*]}: install them as root (apt-get install ${missing[*]})"; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # The package would start a system containerd; the cluster runs its own (on its own socket), so
  # no service may start.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  $sudo rm -f /usr/sbin/policy-rc.d
fi
containerd --version

step "toolchains"
command -v go >/dev/null || { echo "Go >= 1.24 is required to build the local cluster (test/cluster/modules)"; exit 1; }
command -v node >/dev/null || { echo "Node.js >= 20.19 is required"; exit 1; }
GOTOOLCHAIN=local go version
node --version

step "npm ci"
npm ci --no-audit --no-fund

step "cluster binaries and the real node's images (cached outside the repository)"
npm run -s cluster:build

step "set up"
