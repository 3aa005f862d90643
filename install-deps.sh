#!/bin/sh
# Installs what vnsearch needs to build, test and benchmark on Debian 12.
# Runs apt-get as root, or through sudo when run as a user.
set -e
PACKAGES="build-essential pkg-config meson ninja-build
  libxapian-dev xapian-tools libicu-dev libutf8proc-dev
  python3"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
