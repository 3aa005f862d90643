#!/usr/bin/env python3
"""Reliability: vnsearch serve under clients that hog it.  Searches run on
worker threads, off the connection threads, taken from each address in
turn with a share per address, so a flood from one address leaves a worker
for the others; a full queue answers 503 with Retry-After; a search stops
at --search-timeout with what it found ("partial"); connections that send
no request's headers in time are closed, the oldest idle one makes room
when a limit is reached, and what is refused is logged as counts, not a
line each.  The Host header is checked strictly.  Everything on loopback,
bounded in count and time; no assertion on a duration but generous upper
bounds (performance is measured in bench/bench-serve-load)."""
import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import socket
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web"))
from e2e import CORPUS, TIMEOUT_SCALE, VNSEARCH, corpus_copies, expect, main, scratch, vnindex  # noqa: E402
from webserver import Server, raw  # noqa: E402

TMP = scratch()
DB = os.path.join(TMP, "db")
# copies of the corpus, so that the most expensive query takes a while
SRC = os.path.join(TMP, "in")
corpus_copies(SRC, 10)
if vnindex("--db", DB, "-q", SRC).returncode != 0:
    print("cannot build the test index")
    sys.exit(1)

# the most expensive query the API accepts: 32 prefix* words (each 200 words), 100 hits, facets
EXPENSIVE = " ".join(c + "*" for c in "abcdeghiklmnopqrstuvxyabcdeghikl")
WAIT = 30 * TIMEOUT_SCALE


@contextlib.contextmanager
def serving(*options):
    """A server on db with options; on leaving, it must stop with exit 0 (a
    sanitizer's report would change that).  Its log is in .stderr_text."""
    s = Server(VNSEARCH, DB, *options).start()
    try:
        yield s
    finally:
        rc = s.stop()
    expect(rc == 0, f"the server exited {rc}: {s.stderr_text[-2000:]}")


def request(server, path, address=None, timeout=WAIT):
    """(status, headers dict, body bytes) of a GET from a loopback address."""
    data = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    return parse(raw(server, data, timeout, address))


def parse(response):
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else None
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return status, headers, body


def search_path(q, n=10):
    return "/api/search?" + urllib.parse.urlencode({"q": q, "n": str(n)})


def test_a_flood_from_one_address_leaves_a_worker_for_another():
    with serving("--workers", "2") as s:
        done = {}

        def flood(k):
            status, _, _ = request(s, search_path(EXPENSIVE, 100), "127.0.0.2")
            done[k] = (time.monotonic(), status)

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            futures = [pool.submit(flood, k) for k in range(12)]
            time.sleep(0.1)  # the flood is queued
            status, _, body = request(s, search_path("Motegi"), "127.0.0.3")
            cheap_done = time.monotonic()
            for f in futures:
                f.result()
        expect(status == 200 and json.loads(body)["hits"], f"the other address is answered: {status}")
        expect(all(st == 200 for _, st in done.values()), f"the flood is answered too: {done}")
        last = max(t for t, _ in done.values())
        expect(cheap_done < last, "the other address did not wait for the flood to drain")


def cpu_seconds(server):
    """User and system CPU time the server has used so far."""
    with open(f"/proc/{server.proc.pid}/stat") as fp:
        fields = fp.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def until_idle(server, limit=120):
    """Waits (at most `limit` s) until the server has used no CPU for 1 s."""
    last, end = cpu_seconds(server), time.monotonic() + limit * TIMEOUT_SCALE
    while time.monotonic() < end:
        time.sleep(1)
        now = cpu_seconds(server)
        if now == last:
            return
        last = now


def send_and_hang_up(server, path, address, after=0):
    """A request whose client closes its socket `after` s once it is sent."""
    c = socket.socket()
    c.bind((address, 0))
    c.connect((server.host, server.port))
    c.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    time.sleep(after)
    c.close()


def test_searches_of_clients_that_hung_up_do_not_run():
    # issue 24: 64 requests whose clients had gone cost 96 CPU-s, and the
    # next one waited 88 s behind them
    with serving("--workers", "2", "--search-timeout", "0") as s:
        until_idle(s)
        before = cpu_seconds(s)
        for _ in range(3):
            expect(request(s, search_path(EXPENSIVE, 100), "127.0.0.3")[0] == 200, "an expensive search")
        one = (cpu_seconds(s) - before) / 3
        until_idle(s)
        before = cpu_seconds(s)
        for _ in range(16):
            send_and_hang_up(s, search_path(EXPENSIVE, 100), "127.0.0.2")
        status, _, body = request(s, search_path("Motegi"), "127.0.0.4")
        expect(status == 200 and json.loads(body)["hits"], f"another client is answered: {status}")
        until_idle(s)
        used = cpu_seconds(s) - before
        # before: all 16 ran; now at most the two started before the
        # hang-ups were seen, and those stopped
        expect(used < 6 * one, f"16 abandoned searches used {used:.2f} CPU-s; one costs {one:.2f}")
    counts = [int(n) for n in re.findall(r"(\d+) searches (?:not run|stopped) \(the client", s.stderr_text)]
    expect(sum(counts) >= 14, f"counted in the log: {s.stderr_text!r}")


def test_a_search_stops_when_its_client_hangs_up():
    with serving("--workers", "1", "--search-timeout", "0") as s:
        # hung up while the search runs: a third, then a half, of the time one takes here (a fixed
        # 0.2 s was past its end once copies were found faster: the search had finished)
        t = time.monotonic()
        expect(request(s, search_path(EXPENSIVE, 100), "127.0.0.3")[0] == 200, "an expensive search")
        took = time.monotonic() - t
        for k in range(6):  # the search is seen running in one of the tries at least
            send_and_hang_up(s, search_path(EXPENSIVE, 100), "127.0.0.2", after=took * (0.33, 0.5)[k % 2])
            until_idle(s)
    counts = [int(n) for n in re.findall(r"(\d+) searches stopped \(the client went\)", s.stderr_text)]
    expect(sum(counts) >= 1, f"a running search stopped: {s.stderr_text!r}")


def test_a_cheap_query_is_not_starved_by_four_addresses_looping_an_expensive_one():
    # issue 24: 16 connections from 4 addresses looping a 2.2 s query made a
    # third client's median go from 20 ms to 6.9 s; each address now runs
    # one search while others wait, and one worker is kept for an address
    # with none running (the factor is generous: the machine may be busy)
    with serving("--workers", "8", "--search-timeout", "0") as s:
        def cheap():
            t = time.monotonic()
            status, _, _ = request(s, search_path("Motegi"), "127.0.0.9")
            expect(status == 200, f"cheap: {status}")
            return time.monotonic() - t

        alone = sorted(cheap() for _ in range(9))[4]  # (a few ms)
        stop = threading.Event()
        loops = []

        def loop(address):
            while not stop.is_set():
                loops.append(request(s, search_path(EXPENSIVE, 100), address, timeout=10 * WAIT)[0])

        threads = [threading.Thread(target=loop, args=(f"127.0.0.{2 + k % 4}",)) for k in range(16)]
        for t in threads:
            t.start()
        try:
            time.sleep(2)  # every worker busy
            loaded = sorted(cheap() for _ in range(9))[4]
        finally:
            stop.set()
            for t in threads:
                t.join()
        expect(loops and all(st == 200 for st in loops), f"the loops are answered: {set(loops)}")
        print(f"cheap query median {alone * 1000:.0f} ms alone, {loaded * 1000:.0f} ms under load "
              f"({len(loops)} expensive searches)")
        expect(loaded < max(25 * alone, 1.0), f"median {loaded:.3f} s under load, {alone:.3f} s alone")


def test_a_full_queue_answers_503_with_retry_after():
    with serving("--workers", "1", "--queue", "2") as s:
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda k: request(s, search_path(EXPENSIVE, 100), "127.0.0.2"), range(10)))
        busy = [a for a in answers if a[0] == 503]
        expect(busy and all(a[0] in (200, 503) for a in answers), f"statuses {[a[0] for a in answers]}")
        expect(all(h.get("retry-after") == "1" and b"busy" in b for _, h, b in busy), f"503s: {busy[:1]}")
        expect(request(s, search_path("Motegi"), "127.0.0.2")[0] == 200, "served again afterwards")
    log = s.stderr_text
    expect(f"{len(busy)} searches answered 503 (queue full)" in log, f"counted in the log: {log!r}")


def test_a_search_stops_at_the_time_limit_with_what_it_found():
    with serving("--search-timeout", "0.001") as s:
        status, _, body = request(s, search_path(EXPENSIVE, 100))
        r = json.loads(body)
        expect(status == 200 and r.get("partial") is True, f"partial answer: {status} {str(r)[:200]}")
    with serving() as s:
        status, _, body = request(s, search_path(EXPENSIVE, 100))
        r = json.loads(body)
        expect(status == 200 and "partial" not in r and len(r["hits"]) == 100, "whole within the default 5 s")


def closed_within(sock, seconds):
    """True if the server closes sock within `seconds` (reading what it sends)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
        return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_slow_headers_and_idle_connections_are_closed():
    with serving("--header-timeout", "1", "--timeout", "60") as s:
        # a request trickled a byte every 0.2 s: the idle timeout (60 s) never fires
        c = socket.create_connection((s.host, s.port), timeout=5)
        stop = threading.Event()

        def trickle():
            for b in b"GET /api/search?q=hop HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
                if stop.wait(0.2):
                    return
                try:
                    c.send(bytes([b]))
                except OSError:
                    return

        t = threading.Thread(target=trickle)
        t.start()
        t0 = time.monotonic()
        closed = closed_within(c, 10 * TIMEOUT_SCALE)
        took = time.monotonic() - t0
        stop.set()
        t.join()
        c.close()
        expect(closed and took >= 0.5, f"slow headers closed after {took:.1f} s")
        # a kept-alive connection that asks nothing more
        with socket.create_connection((s.host, s.port), timeout=5) as c:
            c.sendall(b"GET /api/search?q=hop HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            time.sleep(0.2)
            expect(closed_within(c, 10 * TIMEOUT_SCALE), "idle keep-alive connection closed")
        # a connection that never sends a byte
        with socket.create_connection((s.host, s.port), timeout=5) as c:
            expect(closed_within(c, 10 * TIMEOUT_SCALE), "silent connection closed")
        expect(request(s, search_path("Motegi"))[0] == 200, "still serving")


def test_idle_connections_from_many_addresses_cannot_exhaust_the_server():
    # the attack in small: 8 addresses, each just under --per-ip,
    # together over --max-connections, none sending a request
    with serving("--max-connections", "16", "--per-ip", "3", "--header-timeout", "60") as s:
        held = []
        try:
            for a in range(8):
                for _ in range(3):
                    c = socket.socket()
                    c.bind((f"127.0.0.{10 + a}", 0))
                    c.connect((s.host, s.port))
                    held.append(c)
                    time.sleep(0.02)
            for k in range(3):
                status, _, _ = request(s, search_path("Motegi"), f"127.0.0.{3 + k}", timeout=10)
                expect(status == 200, f"a new address is served beside 24 idle connections: {status}")
            expect(closed_within(held[0], 5), "the oldest idle connection made room")
        finally:
            for c in held:
                c.close()
    log = s.stderr_text
    expect("idle connections closed to make room" in log and len(log.splitlines()) <= 4,
           f"one line of counts, not one per connection: {log!r}")


def test_refusals_are_logged_as_counts():
    held = []
    with serving("--per-ip", "2", "--header-timeout", "60") as s:
        try:
            for _ in range(60):  # each new one closes the oldest idle of the address
                c = socket.socket()
                c.bind(("127.0.0.2", 0))
                c.connect((s.host, s.port))
                held.append(c)
            time.sleep(0.5)
        finally:
            for c in held:
                c.close()
    counts = re.findall(r"(\d+) idle connections closed to make room", s.stderr_text)
    expect(len(counts) == 1 and int(counts[0]) >= 50, f"one line with the count: {s.stderr_text!r}")


def test_the_host_header_is_parsed_strictly():
    with serving() as s:
        cases = [
            (b"Host: 127.0.0.1\r\nHost: evil.example\r\n", 400, b"more than one Host header"),
            (b"Host: evil.example\r\nHost: 127.0.0.1\r\n", 400, b"more than one Host header"),
            (b"Host: 127.0.0.1\r\n evil.example\r\n", 400, b"folded"),
            (b"X-A: 1\r\nHost:\r\n 127.0.0.1\r\n", 400, b"folded"),
            (b"", 400, b"needs a Host header"),
            (b"Host: 127.0.0.1 evil.example\r\n", 400, b"malformed Host"),
            (b"Host: 127.0.0.1:99999\r\n", 400, b"malformed Host"),
            (b"Host: 127.0.0.1:\r\n", 400, b"malformed Host"),
            (b"Host: user@127.0.0.1\r\n", 400, b"malformed Host"),
            (b"Host: evil.example\r\n", 403, b"answers only to localhost"),
            (b"Host: [::2]:80\r\n", 403, b"answers only to localhost"),
            (b"Host: 127.0.0.1:8080\r\n", 200, b'"hits"'),
            (b"Host: LOCALHOST.\r\n", 200, b'"hits"'),
            (b"Host: [::1]:8080\r\n", 200, b'"hits"'),
        ]
        for headers, want, fragment in cases:
            request = b"GET /api/search?q=hop HTTP/1.1\r\n" + headers + b"Connection: close\r\n\r\n"
            status, _, body = parse(raw(s, request, WAIT))
            expect(status == want and fragment in body, f"{headers!r}: {status} {body[:120]!r}")
        status, _, body = parse(raw(s, b"GET /api/search?q=hop HTTP/1.0\r\n\r\n", WAIT))
        expect(status == 200, f"HTTP/1.0 needs no Host: {status}")


def test_too_many_parameters_are_answered_at_once():
    # issue 24: 300 empty framework= made libmicrohttpd log a 431 and send
    # nothing; the client waited for the header timeout (here 60 s)
    with serving("--header-timeout", "60") as s:
        cases = [("/api/search?q=hop" + "&framework=" * 300, 400, b"too many parameters"),
                 ("/api/search?q=hop" + ("&framework=" + "A" * 200) * 63, 414, b"too long"),
                 ("/api/search?q=hop" + "&framework=" * 30 + "&framework=MJC", 200, b'"hits"')]
        for path, want, fragment in cases:
            status, _, body = request(s, path, timeout=20 * TIMEOUT_SCALE)
            expect(status == want and fragment in body, f"{path[:60]}...: {status} {body[:120]!r}")
        # and the connection after it is served as ever
        status, _, body = request(s, search_path("hợp tác"))
        expect(status == 200, f"then: {status}")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
