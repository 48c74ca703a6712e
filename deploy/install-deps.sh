#!/usr/bin/env bash
# Installs the Debian 12 packages the engine builds and tests with; idempotent and non-interactive.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libcaf-dev libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libyaml-cpp-dev libspdlog-dev
  libboost-dev libboost-system-dev libsimdjson-dev libssl-dev libcli11-dev libjemalloc-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-zmq python3-msgpack iproute2
  prometheus chromium
)
# node and npm: Debian's packages, unless the machine already has them (nodesource's nodejs
# ships its own npm and conflicts with Debian's).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The dashboard's charts and the browser test's driver, pinned in deploy/web/package-lock.json,
# into deploy/web/node_modules (never fetched at build or run time).
install_web() {
  local web
  web="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/web"
  if [ -f "$web/node_modules/lightweight-charts/package.json" ] \
     && [ -f "$web/node_modules/puppeteer-core/package.json" ]; then
    echo "install-deps: web packages present"
    return
  fi
  echo "install-deps: npm ci in $web"
  (cd "$web" && npm ci --no-audit --no-fund --ignore-scripts)
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_web
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_web
