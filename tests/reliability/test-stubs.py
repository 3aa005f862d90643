#!/usr/bin/env python3
"""Reliability: an index directory never runs a program or opens a
connection.  Xapian's stub files (an index directory's XAPIANDB, or a stub
file given as --db) may say `remote :PROGRAM ARGS`, which Xapian runs, or
`remote HOST:PORT`, which it connects to.  vnsearch (command line, --batch,
serve, $VNSEARCH_DB) and vnindex read the stubs themselves and refuse such
lines, however they are reached (directly, through `auto` lines naming other
stubs, stub directories, symlinks), unless --allow-remote (TCP) or
--allow-remote-programs says otherwise.  Each program here would create a
marker file: it must never appear, and the refusal is one line naming the
stub and the option."""
import os
import shutil
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web"))
from e2e import CORPUS, VNSEARCH, bundled_index, expect, main, run, scratch, vnindex, vnsearch  # noqa: E402
from webserver import Server  # noqa: E402

TMP = scratch()
GOOD = os.path.join(TMP, "good")
bundled_index(GOOD)
MARK = os.path.join(TMP, "MARK")


def program_line():
    return f"remote :touch {MARK}\n"


def hostile_copy(name, extra=None):
    """A copy of the good index whose XAPIANDB also names a program."""
    db = os.path.join(TMP, name)
    shutil.copytree(GOOD, db, symlinks=True)
    with open(os.path.join(db, "XAPIANDB"), "a") as fp:
        fp.write(extra if extra is not None else program_line())
    return db


def never_ran(what):
    expect(not os.path.exists(MARK), f"{what}: the program ran")


def refused(what, p, where, option):
    """p exited 2 with one line naming where (STUB:LINE) and the option."""
    never_ran(what)
    expect(p.returncode == 2, f"{what}: exit {p.returncode}, want 2: {p.stderr[:300]!r}")
    expect(p.stderr.count("\n") == 1 and where in p.stderr and option in p.stderr,
           f"{what}: want one line naming {where!r} and {option}, got {p.stderr[:400]!r}")


def test_a_program_named_by_an_index_directory_never_runs():
    db = hostile_copy("prog")
    where, opt = f"{db}/XAPIANDB:2: names a program to run", "--allow-remote-programs"
    refused("command line", vnsearch(db, "hop tac"), where, opt)
    refused("--batch", vnsearch(db, "--batch", "-", input="hop tac\nMotegi\n"), where, opt)
    refused("$VNSEARCH_DB", run([VNSEARCH, "hop tac"], env={"VNSEARCH_DB": db}), where, opt)
    refused("--allow-remote is not enough", vnsearch(db, "--allow-remote", "hop"), where, opt)
    refused("nor VNSEARCH_ALLOW_REMOTE=tcp", vnsearch(db, "hop", env={"VNSEARCH_ALLOW_REMOTE": "tcp"}), where, opt)
    refused("serve", run([VNSEARCH, "serve", "--db", db, "--listen", "127.0.0.1:0"], timeout=30), where, opt)
    refused("serve with $VNSEARCH_DB", run([VNSEARCH, "serve", "--listen", "127.0.0.1:0"], timeout=30,
                                           env={"VNSEARCH_DB": db}), where, opt)
    p = vnsearch(db, "--allow-remote", "hop", env={"VNSEARCH_ALLOW_REMOTE": "yes"})
    expect(p.returncode == 2 and "VNSEARCH_ALLOW_REMOTE: expected tcp, programs or no" in p.stderr, p.stderr)
    # vnindex reads the current index (for --update and to skip unchanged
    # input): it never needs a remote database, so it opens none, and rebuilds
    for args in (["--update"], []):
        p = vnindex("--db", db, *args, CORPUS)
        never_ran(f"vnindex {args}")
        expect(p.returncode == 0 and f"{db}/XAPIANDB:2: names a program to run" in p.stderr, p.stderr)
        expect(vnsearch(db, "Motegi").returncode == 0, "the rebuilt index answers")
        with open(os.path.join(db, "XAPIANDB"), "a") as fp:
            fp.write(program_line())
    # allowed, it runs: the checks above can fail
    p = vnsearch(db, "--allow-remote-programs", "hop")
    expect(os.path.exists(MARK) and p.returncode == 2, f"with --allow-remote-programs the program runs: {p.stderr}")
    os.unlink(MARK)
    p = vnsearch(db, "hop", env={"VNSEARCH_ALLOW_REMOTE": "programs"})
    expect(os.path.exists(MARK), "VNSEARCH_ALLOW_REMOTE=programs allows it too")
    os.unlink(MARK)


def test_every_other_way_to_a_program_is_refused():
    opt = "--allow-remote-programs"
    stub = os.path.join(TMP, "direct.stub")
    with open(stub, "w") as fp:
        fp.write(f"# shards\nauto {GOOD}\n" + program_line())
    refused("a stub file given as --db", vnsearch(stub, "hop"), f"{stub}:3: names a program", opt)

    via = os.path.join(TMP, "via.stub")
    with open(via, "w") as fp:
        fp.write("auto direct.stub\n")  # relative to the stub's directory
    refused("an auto line naming a stub", vnsearch(via, "hop"), f"{stub}:3: names a program", opt)

    # a shard directory holding a XAPIANDB of its own
    shard = os.path.join(TMP, "shards", "shard-1")
    os.makedirs(shard)
    with open(os.path.join(shard, "XAPIANDB"), "w") as fp:
        fp.write(program_line())
    db = hostile_copy("nested", "auto ../shards/shard-1\n")
    where = f"{db}/../shards/shard-1/XAPIANDB:1: names a program"  # the path as the stub gives it
    refused("a nested stub directory", vnsearch(db, "hop"), where, opt)
    refused("the same through vnsearch serve",
            run([VNSEARCH, "serve", "--db", db, "--listen", "127.0.0.1:0"], timeout=30), where, opt)

    # XAPIANDB a symlink to a stub elsewhere
    db = hostile_copy("symlinked", "")
    os.unlink(os.path.join(db, "XAPIANDB"))
    os.symlink(stub, os.path.join(db, "XAPIANDB"))
    refused("a symlinked XAPIANDB", vnsearch(db, "hop"), f"{db}/XAPIANDB:3: names a program", opt)

    # loops and things that are not stubs: an error, never a crash or a hang
    loop = os.path.join(TMP, "loop.stub")
    with open(loop, "w") as fp:
        fp.write("auto loop.stub\n")
    p = vnsearch(loop, "hop", timeout=30)
    expect(p.returncode == 2 and "nested more than 8 deep" in p.stderr and p.stderr.count("\n") == 1, p.stderr)
    fifo = os.path.join(TMP, "fifo.stub")
    os.mkfifo(fifo)
    p = vnsearch(fifo, "hop", timeout=30)
    expect(p.returncode == 2 and "Not a regular file" in p.stderr, p.stderr)
    never_ran("all of the above")


def test_tcp_lines_connect_only_with_allow_remote():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    accepted = []

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            accepted.append(c)
            c.close()  # not a Xapian server: the client gets a network error at once

    stop = threading.Event()
    t = threading.Thread(target=accept)
    t.start()
    try:
        stub = os.path.join(TMP, "tcp.stub")
        with open(stub, "w") as fp:
            fp.write(f"auto {GOOD}\nremote 127.0.0.1:{port}\n")
        p = vnsearch(stub, "hop")
        refused("a TCP line", p, f"{stub}:2: names a remote database (127.0.0.1:{port})", "--allow-remote")
        p = vnsearch(stub, "--batch", "-", input="hop\n")
        refused("a TCP line in --batch", p, f"{stub}:2: names a remote database", "--allow-remote")
        time.sleep(0.5)
        expect(not accepted, f"{len(accepted)} connections made without --allow-remote")
        for how in (["--allow-remote"], ["--allow-remote-programs"]):
            p = vnsearch(stub, *how, "hop")
            expect(p.returncode == 2 and "NetworkError" in p.stderr, f"{how}: {p.stderr}")
        p = vnsearch(stub, "hop", env={"VNSEARCH_ALLOW_REMOTE": "tcp"})
        expect(p.returncode == 2 and "NetworkError" in p.stderr, f"VNSEARCH_ALLOW_REMOTE=tcp: {p.stderr}")
        expect(len(accepted) == 3, f"allowed, it connects: {len(accepted)} connections")
    finally:
        stop.set()
        t.join()
        listener.close()


def test_a_running_server_never_runs_a_program_added_later():
    db = hostile_copy("later", "")
    with Server(VNSEARCH, db) as s:
        expect(s.search(q="Motegi")[0] == 200, "serving")
        with open(os.path.join(db, "XAPIANDB"), "a") as fp:
            fp.write(program_line())
        deadline = time.monotonic() + 3  # past the engines' 2 s refresh
        while time.monotonic() < deadline:
            s.search(q="Motegi")
            time.sleep(0.2)
        never_ran("serve, after a refresh")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
