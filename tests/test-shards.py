#!/usr/bin/env python3
"""Scale-out: vnindex --shards N, and vnsearch over a stub that mixes local
shards with xapian-tcpsrv servers on loopback.  The sharded index must give
the same hits and scores as one database of the same passages; a dead
server gives a clear error naming it, and a restarted one is picked up."""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from e2e import CORPUS, VNSEARCH, dev_queries, expect, hits, main, run, scratch, vnindex

TMP = scratch()
ONE = os.path.join(TMP, "one")
THREE = os.path.join(TMP, "three")
SERVERS = {}


def stop_all():
    for proc in list(SERVERS.values()):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    SERVERS.clear()


atexit.register(stop_all)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(shard_dir, port):
    proc = subprocess.Popen(["xapian-tcpsrv", "--interface", "127.0.0.1", "--port", str(port), "--quiet",
                             shard_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    SERVERS[port] = proc
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"xapian-tcpsrv on port {port} did not start")


def shard_dirs(db=THREE):
    with open(os.path.join(db, "XAPIANDB")) as fp:
        return [os.path.join(db, l.split()[1]) for l in fp if l.startswith("auto ")]


def same_hits(db_a, db_b, *extra):
    for qid, opts, query, _, _ in dev_queries():
        a = hits(db_a, query, *opts, *extra)
        b = hits(db_b, query, *opts, *extra)
        expect([h["id"] for h in a] == [h["id"] for h in b], f"{qid}: different hits")
        for x, y in zip(a, b):
            expect(abs(x["score"] - y["score"]) <= 1e-3 * max(1.0, abs(x["score"])),
                   f"{qid}: score {x['score']} vs {y['score']}")
            expect(x["snippet"] == y["snippet"] and x["framework"] == y["framework"], f"{qid}: hit differs")


def facets(db, query, *extra):
    p = run([VNSEARCH, "--db", db, "--format", "json", "--facets", *extra, "--", query])
    return json.loads(p.stdout.splitlines()[-1])["facets"]


def test_shards_split_by_stable_hash():
    dirs = shard_dirs()
    expect(len(dirs) == 3, f"three shards: {dirs}")
    counts = []
    for d in dirs:
        p = run(["xapian-delve", d])
        counts.append(int([l for l in p.stdout.splitlines() if "number of documents" in l][0].split("=")[1]))
    # 182 passages and 50 headings, each a document
    expect(sum(counts) == 232 and min(counts) > 30, f"passages spread over the shards: {counts}")
    # a rebuild puts every passage in the same shard again
    def terms(d):  # (XV names the build that wrote a passage: each rebuild has its own)
        return " ".join(t for t in run(["xapian-delve", "-a", d]).stdout.split() if not t.startswith("XV"))
    before = {d: terms(d) for d in dirs}
    expect(vnindex("--db", THREE, "--shards", "3", "--force", "-q", CORPUS).returncode == 0, "rebuild")
    after = {os.path.basename(d): terms(d) for d in shard_dirs()}
    expect(sorted(after.values()) == sorted(before.values()), "same terms in the same shards after a rebuild")


def test_local_shards_search_as_one_database():
    same_hits(ONE, THREE)
    expect(facets(ONE, "hop tac") == facets(THREE, "hop tac"), "same facet counts")


def test_a_batch_over_shards_counts_copies_as_one_search_does():
    # the copy keys a batch holds are not held over shards (a match decider
    # sees each shard's own ids): a batch counted "Chiến lược Tokyo" 45, one
    # search 26; the bundled corpus repeats its headings, and a copy of a
    # file makes every passage of it a copy
    d = scratch()
    src = os.path.join(d, "src")
    shutil.copytree(CORPUS, src)
    shutil.copy(os.path.join(src, "mekong-frameworks.txt"), os.path.join(src, "ban-sao.txt"))
    db = os.path.join(d, "db")
    expect(vnindex("--db", db, "--shards", "3", "-q", src).returncode == 0, "index in three shards")
    queries = ["hop tac", "'Chiến lược Tokyo'", "Hành lang Kinh tế Bắc–Nam", "Mê Công"]
    lines = "".join(f"q{i}\t{q}\n" for i, q in enumerate(queries))
    p = run([VNSEARCH, "--db", db, "--batch", "-", "--format", "json", "--facets", "-n", "20"], input=lines)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    for i, q in enumerate(queries):
        got = [{k: v for k, v in r.items() if k not in ("query_id", "restorations")}
               for r in rows if r["query_id"] == f"q{i}"]
        one = run([VNSEARCH, "--db", db, "--format", "json", "--facets", "-n", "20", "--", q])
        want = [{k: v for k, v in json.loads(l).items() if k != "restorations"} for l in one.stdout.splitlines()]
        expect(got == want, f"{q}: the batch's answer differs from one search's: "
                            f"{[r.get('matches') for r in got if 'matches' in r]} vs "
                            f"{[r.get('matches') for r in want if 'matches' in r]}")


def letters(n):
    return "".join(chr(ord("a") + (n // 26**k) % 26) for k in (2, 1, 0))


def test_capped_wildcard_expands_the_same_over_shards():
    # Regression: prefix* expands to the 200 most frequent terms.  Xapian 1.4
    # expanded it inside each shard, so three shards (150 words each, all
    # kept) matched 450 passages where one database (300 words, 200 kept)
    # matched 350.  The expansion is now made over the whole database.
    src = os.path.join(TMP, "wild-in")
    os.makedirs(src)
    paras = [f"wqp{letters(j)}" for j in range(150)] * 2 + [f"wqs{letters(k)}" for k in range(150)]
    with open(os.path.join(src, "wild.txt"), "w", encoding="utf-8") as fp:
        for i, word in enumerate(paras):
            fp.write(f"Hợp tác tiểu vùng được nhắc lại trong đoạn thứ {i} với mã {word} để kiểm tra.\n\n")
    one, three = os.path.join(TMP, "wild-one"), os.path.join(TMP, "wild-three")
    expect(vnindex("--db", one, "-q", src).returncode == 0, "index the wildcard corpus")
    expect(vnindex("--db", three, "--shards", "3", "-q", src).returncode == 0, "index it in three shards")
    a, b = hits(one, "wq*", n=1000), hits(three, "wq*", n=1000)
    expect(len(a) == 350, f"one database: 150 words twice and the first 50 once, got {len(a)} passages")
    expect(sorted(h["id"] for h in a) == sorted(h["id"] for h in b),
           f"three shards match the same passages: {len(a)} vs {len(b)}")
    same_scores = all(abs(x["score"] - y["score"]) <= 1e-3 * max(1.0, abs(x["score"]))
                      for x, y in zip(sorted(a, key=lambda h: h["id"]), sorted(b, key=lambda h: h["id"])))
    expect(same_scores, "and score them alike")


def test_remote_shards_through_a_stub_file():
    dirs = shard_dirs()
    ports = [free_port() for _ in dirs]
    try:
        for d, port in zip(dirs, ports):
            start_server(d, port)
        stub = os.path.join(TMP, "remote.stub")
        with open(stub, "w") as fp:
            fp.writelines(f"remote 127.0.0.1:{port}\n" for port in ports)
        # remote shards are opened only when the user says so
        p = run([VNSEARCH, "--db", stub, "Motegi"])
        expect(p.returncode == 2 and f"{stub}:1: names a remote database (127.0.0.1:{ports[0]})" in p.stderr
               and "--allow-remote" in p.stderr, f"remote stub without --allow-remote: {p.stderr!r}")
        same_hits(ONE, stub, "--allow-remote")
        expect(facets(ONE, "hop tac") == facets(stub, "hop tac", "--allow-remote"), "facets over remote shards")
        mixed = os.path.join(TMP, "mixed.stub")
        with open(mixed, "w") as fp:
            fp.write(f"remote 127.0.0.1:{ports[0]}\nauto {dirs[1]}\nauto {dirs[2]}\n")
        same_hits(ONE, mixed, "--allow-remote")
        p = run([VNSEARCH, "--db", stub, "--allow-remote", "--batch", "-", "--format", "tsv"],
                input="Motegi\nBlinken\n")
        local = run([VNSEARCH, "--db", ONE, "--batch", "-", "--format", "tsv"], input="Motegi\nBlinken\n")
        expect(p.returncode == 0 and p.stdout == local.stdout and len(p.stdout.splitlines()) > 4,
               "batch over remote shards gives the local rows")

        # one server dies: a clear error naming it, exit 2
        SERVERS[ports[1]].kill()
        SERVERS[ports[1]].wait()
        p = run([VNSEARCH, "--db", stub, "--allow-remote", "Motegi"])
        expect(p.returncode == 2 and f"127.0.0.1:{ports[1]}" in p.stderr and len(p.stderr.splitlines()) == 1,
               f"dead shard: exit {p.returncode}, {p.stderr!r}")
        # it comes back: searches recover
        start_server(dirs[1], ports[1])
        p = run([VNSEARCH, "--db", stub, "--format", "json", "Motegi"], env={"VNSEARCH_ALLOW_REMOTE": "tcp"})
        expect(p.returncode == 0 and len(p.stdout.splitlines()) == 2, f"recovered: {p.stderr}")
    finally:
        stop_all()


def test_a_single_database_served_says_to_serve_shards():
    # a single database has no term lists, which xapian-tcpsrv needs to send
    # a passage: Xapian's own words ("REMOTE:Database has no termlist") said
    # nothing of what to do
    gen = shard_dirs(ONE)
    expect(len(gen) == 1, f"one database: {gen}")
    port = free_port()
    try:
        start_server(gen[0], port)
        stub = os.path.join(TMP, "single.stub")
        with open(stub, "w") as fp:
            fp.write(f"remote 127.0.0.1:{port}\n")
        p = run([VNSEARCH, "--db", stub, "--allow-remote", "Motegi"])
        expect(p.returncode == 2 and "vnindex --shards N" in p.stderr and len(p.stderr.splitlines()) == 1,
               f"exit {p.returncode}, {p.stderr!r}")
    finally:
        stop_all()


def test_update_keeps_shard_assignment():
    src = os.path.join(TMP, "src")
    shutil.copytree(CORPUS, src)
    db = os.path.join(TMP, "upd")
    expect(vnindex("--db", db, "--shards", "2", "-q", src).returncode == 0, "index")
    with open(os.path.join(src, "gms-overview.txt"), "a", encoding="utf-8") as fp:
        fp.write("\n\nĐoạn mới zyxwvu về hợp tác.\n")
    p = vnindex("--db", db, "--shards", "2", "--update", src)
    expect(p.returncode == 0 and "updated 1 file" in p.stderr, p.stderr)
    expect(len(hits(db, "zyxwvu")) == 1 and len(hits(db, "Motegi")) == 2, "update across shards")


if vnindex("--db", ONE, "-q", CORPUS).returncode or vnindex("--db", THREE, "--shards", "3", "-q", CORPUS).returncode:
    print("cannot build the test indexes")
    sys.exit(1)
status = main([v for k, v in list(globals().items()) if k.startswith("test_")])
stop_all()
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
