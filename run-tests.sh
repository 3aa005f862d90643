#!/bin/sh
# Installs what the tests need (install-deps.sh --tests: the build
# dependencies, headless Chromium, Node.js), then builds and runs the whole
# test suite (unit, end-to-end, reliability and browser tests).
# VNSEARCH_WERROR=1 (set by CI) makes every compiler warning an error;
# VNSEARCH_NO_INSTALL=1 skips the installation step.
set -e
cd "$(dirname "$0")"
[ "${VNSEARCH_NO_INSTALL:-0}" = 1 ] || ./install-deps.sh --tests
dir=build-tests
opts="--buildtype=debugoptimized"
[ "${VNSEARCH_WERROR:-0}" = 1 ] && opts="$opts -Dwerror=true"
if [ -d "$dir" ]; then
  # shellcheck disable=SC2086
  meson configure "$dir" $opts >/dev/null
else
  # shellcheck disable=SC2086
  meson setup "$dir" $opts
fi
ninja -C "$dir"
meson test -C "$dir" --print-errorlogs "$@"
