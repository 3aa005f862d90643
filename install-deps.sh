#!/bin/sh
# Installs what vnsearch needs on Debian 12, by purpose, so that trying the
# program does not pull in a browser and a second compiler:
#
#   ./install-deps.sh                 build and run (run-demo.sh); antiword and
#                                       unrtf read .doc and .rtf files, Tesseract
#                                       and its Vietnamese model read scans
#   ./install-deps.sh --tests         + the test suite: headless Chromium and
#                                       Node.js for the search page's browser test,
#                                       LibreOffice Calc to open batch tables,
#                                       ImageMagick and img2pdf to make scans,
#                                       man-db to render the man pages,
#                                       systemd-analyze and bash-completion for the
#                                       units' and completion tests, debhelper,
#                                       lintian and debootstrap for .ci/package
#   ./install-deps.sh --reliability   + clang, LLVM and valgrind for .ci/sanitize
#                                       and the fuzzers (.ci/fuzz-short)
#   ./install-deps.sh --bench         + wrk for bench/bench-serve.sh (bench/run
#                                       installs its own peers: SQLite, Recoll)
#   ./install-deps.sh --fixtures      + LibreOffice and pandoc, only to remake
#                                       tests/data/formats (make-fixtures.py)
#   ./install-deps.sh --all           everything above but --fixtures
#
# Runs apt-get as root, or through sudo when run as a user; does nothing when
# everything asked for is already there.
set -e
BUILD="build-essential pkg-config meson ninja-build
  libxapian-dev xapian-tools libicu-dev libutf8proc-dev
  libxml2-dev libzip-dev libpoppler-glib-dev libzstd-dev antiword unrtf
  libtesseract-dev libleptonica-dev libcairo2-dev tesseract-ocr-vie
  python3 libmicrohttpd-dev gettext"
TESTS="chromium fonts-dejavu-core imagemagick img2pdf poppler-utils libreoffice-calc-nogui man-db systemd bash-completion debhelper lintian debootstrap"
RELIABILITY="clang libclang-rt-14-dev llvm valgrind"
BENCH="wrk"
FIXTURES="libreoffice-writer-nogui pandoc"

packages=$BUILD
tests=0
for arg in "$@"; do
  case $arg in
  --tests) tests=1 ;;
  --reliability) packages="$packages $RELIABILITY" ;;
  --bench) packages="$packages $BENCH" ;;
  --fixtures) packages="$packages $FIXTURES" ;;
  --all) tests=1; packages="$packages $RELIABILITY $BENCH" ;;
  -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-deps: unknown option '$arg' (--tests, --reliability, --bench, --fixtures, --all)" >&2; exit 2 ;;
  esac
done
[ $tests = 1 ] && packages="$packages $TESTS"

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm (the browser test): Debian's, unless a node is already
# there (NodeSource's nodejs bundles npm and conflicts with Debian's npm)
if [ $tests = 1 ]; then
  command -v node >/dev/null 2>&1 || missing="$missing nodejs"
  command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
# The browser test's npm packages, pinned, into tests/web/node_modules
if [ $tests = 1 ]; then
  "$(dirname "$0")/tests/web/install-node-deps.sh"
fi
