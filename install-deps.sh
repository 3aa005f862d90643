#!/bin/sh
# Installs what vnsearch needs to build, test and benchmark on Debian 12.
# Runs apt-get as root, or through sudo when run as a user.
set -e
PACKAGES="build-essential pkg-config meson ninja-build
  libxapian-dev xapian-tools libicu-dev libutf8proc-dev
  python3 libmicrohttpd-dev chromium fonts-dejavu-core wrk
  clang libclang-rt-14-dev llvm valgrind"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm (vnsearch serve's browser tests): Debian's, unless a node is
# already there (NodeSource's nodejs bundles npm and conflicts with Debian's npm)
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
# The browser tests' npm packages, pinned, into tests/web/node_modules
"$(dirname "$0")/tests/web/install-node-deps.sh"
