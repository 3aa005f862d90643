#!/bin/sh
# Installs dependencies, builds, indexes the bundled corpus into ./vnsearch.db
# and runs a sample search.
set -e
cd "$(dirname "$0")"
./install-deps.sh
[ -d build ] || meson setup build --buildtype=release
ninja -C build
./build/indexer/vnindex --db vnsearch.db corpus/
echo
echo '$ vnsearch "hop tac Mekong Nhat Ban" -n 3'
./build/searcher/vnsearch --db vnsearch.db -n 3 "hop tac Mekong Nhat Ban"
