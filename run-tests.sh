#!/bin/sh
# Builds and runs the whole test suite (unit and end-to-end tests).
# VNSEARCH_WERROR=1 (set by CI) makes every compiler warning an error.
set -e
cd "$(dirname "$0")"
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
