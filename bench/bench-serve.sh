#!/bin/sh
# Requests per second of `vnsearch serve` on the bundled corpus: wrk on
# loopback sends the development queries (tests/data/dev-queries.tsv, with
# their filters as API parameters) round robin, over keep-alive connections.
# Not run by the test suite.
#
#   bench/bench-serve.sh [SECONDS] [CONNECTIONS]        (default 10 s, 32)
#
# BUILD=dir picks the build directory (default build-release, configured
# as a release build if it does not exist yet); THREADS=N is passed to
# --threads; WRK_THREADS=N to wrk -t (default 2).
set -e
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
build=${BUILD:-build-release}
command -v wrk >/dev/null || { echo "bench-serve: wrk is missing (./install-deps.sh --bench)" >&2; exit 2; }
[ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" searcher/vnsearch indexer/vnindex >/dev/null

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$build/indexer/vnindex" --db "$tmp/db" --quiet corpus
# wrk is one client address: --per-ip leaves room for its reconnections, and
# --per-ip-searches lets it use every worker (the default keeps one for others)
"$build/searcher/vnsearch" serve --db "$tmp/db" --listen 127.0.0.1:0 --per-ip $((conns * 2 + 8)) --per-ip-searches 256 \
  ${THREADS:+--threads "$THREADS"} >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  grep -q http "$tmp/out" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*/' "$tmp/out" | head -1)
[ -n "$url" ] || { echo "bench-serve: the server did not start: $(cat "$tmp/err")" >&2; exit 2; }

# The query paths, as a wrk Lua script that hands them out in turn.
python3 - tests/data/dev-queries.tsv >"$tmp/queries.lua" <<'EOF'
import shlex, sys, urllib.parse
names = {"--framework": "framework", "--from": "from", "--to": "to"}
paths = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#") or line.startswith("id\t"):
        continue
    qid, opts, query = (line.split("\t") + [""] * 3)[:3]
    params = [("q", query)]
    words = shlex.split(opts)
    for i, w in enumerate(words):
        if w in names:
            params.append((names[w], words[i + 1]))
        elif w == "--exact":
            params.append(("exact", "1"))
    paths.append("/api/search?" + urllib.parse.urlencode(params))
print("local paths = {")
for p in paths:
    print('  "%s",' % p)
print("}")
print("""local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("bench-serve: %d queries, %.0f requests/s, errors %d (status %d), p50 %.2f ms, p99 %.2f ms\\n",
    #paths, summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end""")
EOF

# a short warm-up, then the measurement
wrk -t "${WRK_THREADS:-2}" -c "$conns" -d 2s -s "$tmp/queries.lua" "$url" >/dev/null
echo "bench-serve: $url, $(nproc) cores, ${secs}s, $conns connections"
wrk -t "${WRK_THREADS:-2}" -c "$conns" -d "${secs}s" --latency -s "$tmp/queries.lua" "$url"
