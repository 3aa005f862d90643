#!/usr/bin/env python3
"""Tests of `vnsearch serve` over HTTP: the JSON API gives the same hits as
the command line, bad requests get a clear 4xx, and the limits that keep
one client from harming the others hold.  Every server runs on a free
loopback port and is stopped whatever happens (webserver.py)."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2e import CORPUS, VNSEARCH, Failure, bundled_index, dev_queries, expect, hits, main, scratch, vnindex, vnsearch  # noqa: E402
from webserver import Server, raw  # noqa: E402

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)
SERVER = Server(VNSEARCH, DB).start()


def api_params(opts, query):
    params = [("q", query)]
    it = iter(opts)
    for o in it:
        if o == "--framework":
            params.append(("framework", next(it)))
        elif o in ("--from", "--to"):
            params.append((o[2:], next(it)))
        elif o == "--exact":
            params.append(("exact", "1"))
        else:
            raise Failure(f"dev query option {o} has no API parameter")
    return params


def status_of(response):
    line = response.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else None


def body_of(response):
    return response.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in response else b""


# ------------------------------------------------------------------ the API


def test_dev_queries_same_top10_as_the_command_line():
    for qid, opts, query, _, _ in dev_queries():
        cli = hits(DB, query, *opts, n=10)
        params = api_params(opts, query) + [("n", "10")]
        status, _, body = SERVER.get("/api/search", params)
        expect(status == 200, f"{qid}: status {status} {body[:200]!r}")
        r = json.loads(body)
        expect([h["id"] for h in r["hits"]] == [h["id"] for h in cli],
               f"{qid} {query!r}: API {[h['id'] for h in r['hits']]} != CLI {[h['id'] for h in cli]}")
        # the API's hits carry the server paths of their files too (/document)
        expect(all(h.pop("document_url", "").startswith("/document?file=") and
                   h.pop("view_url", "").startswith("/document?view=html&id=") for h in r["hits"]),
               f"{qid}: every hit of the API has its document_url and view_url")
        expect(r["hits"] == cli, f"{qid}: the hit objects differ from --format json")


def test_response_has_hits_facets_and_restorations():
    status, r = SERVER.search(q="hop tac", n=3)
    expect(status == 200 and set(r) == {"matches", "matches_exact", "hits", "facets", "restorations", "suggestion",
                                          "unmatched"}, f"{status} {list(r)}")
    expect(len(r["hits"]) == 3 and r["matches"] > 100, f"{len(r['hits'])} hits of {r['matches']}")
    expect(r["facets"]["framework"].get("GMS", 0) > 0 and r["facets"]["year"].get("2019", 0) > 0, "facet counts")
    expect(sum(r["facets"]["framework"].values()) <= r["matches"], "framework counts add up to at most the matches")
    forms = {f["form"] for f in r["restorations"]["hop"]}
    expect("hợp" in forms and "họp" in forms, f"restorations of hop: {forms}")


def test_highlights_are_code_point_offsets():
    status, r = SERVER.search(q="thu hoach som")
    h = r["hits"][0]
    marked = [h["snippet"][a:b] for a, b in h["highlights"]]
    expect("hoạch" in marked and "sớm" in marked, f"snippet highlights {marked}")
    marked = [h["text"][a:b] for a, b in h["text_highlights"]]
    expect("hoạch" in marked and "sớm" in marked, f"text highlights {marked}")


def test_filters_exact_and_paging():
    status, r = SERVER.search(q="Blinken", framework="FOM")
    expect(status == 200 and r["hits"] and all(h["framework"] == "FOM" for h in r["hits"]), "framework filter")
    expect(set(r["facets"]["framework"]) == {"FOM"}, f"facets follow the filter: {r['facets']['framework']}")
    status, _, body = SERVER.get("/api/search", [("q", "Motegi OR Blinken"), ("framework", "FOM"),
                                                 ("framework", "MJC")])
    fws = {h["framework"] for h in json.loads(body)["hits"]}
    expect(fws == {"FOM", "MJC"}, f"two frameworks: any of them ({fws})")
    status, r = SERVER.search(q="hội nghị cấp cao", **{"from": "2018-06", "to": "2018-06"})
    expect(r["hits"] and all(any(d.startswith("2018-06") for d in (h["dates"] or h.get("inherited_dates", [])))
                              for h in r["hits"]), "date filter")
    status, r = SERVER.search(q="hoa", exact="1", n=20)
    cli = [h["id"] for h in hits(DB, "hoa", "--exact", n=20)]
    expect(status == 200 and [h["id"] for h in r["hits"]] == cli, "exact=1 is --exact")
    expect(cli != [h["id"] for h in hits(DB, "hoa", n=20)], "--exact changes the hits of this query")
    a = SERVER.search(q="hop tac", n=6)[1]["hits"]
    b = SERVER.search(q="hop tac", n=3, offset=3)[1]["hits"]
    expect([h["id"] for h in a[3:]] == [h["id"] for h in b] and [h["rank"] for h in b] == [4, 5, 6], "offset")
    status, r = SERVER.search(q="xyzzy quux")
    expect(status == 200 and r["hits"] == [] and r["matches"] == 0, "no match is an empty list, not an error")


def test_plus_and_percent_encoding_decode_like_a_form():
    status, _, body = SERVER.get("/api/search?q=thu+ho%E1%BA%A1ch+s%E1%BB%9Bm&n=1")
    expect(status == 200 and json.loads(body)["hits"][0]["id"] == "mekong-frameworks.txt:93", body[:200])


def test_frameworks_list():
    status, _, body = SERVER.get("/api/frameworks")
    fws = json.loads(body)["frameworks"]
    codes = [f["code"] for f in fws]
    expect(status == 200 and "MJC" in codes and "GMS" in codes, codes)
    expect(all(f["name"] for f in fws), "every framework has its Vietnamese name")


def test_meetings_as_the_command_line():
    status, _, body = SERVER.get("/api/meetings")
    got = json.loads(body)["meetings"]
    p = vnsearch(DB, "--meetings", "--format", "json")
    cli = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    expect(status == 200 and got == cli and len(got) > 40, f"{status}: {len(got)} vs {len(cli)}")
    two = [m for m in got if (m["framework"], m["kind"], m["ordinal"]) == ("MKC", "summit", 2)]
    expect(len(two) == 1 and {c["on"] for c in two[0]["conflicts"]} == {"date", "order"}, f"{two}")
    status, _, body = SERVER.get("/api/meetings", {"framework": "MKC"})
    expect(status == 400 and "takes no parameters" in json.loads(body)["error"], body[:200])


# ------------------------------------------------------------- bad requests


def test_sort_by_date_as_the_command_line():
    cli = hits(DB, "hoi nghi cap cao", "--sort", "date", n=20)
    status, _, body = SERVER.get("/api/search", {"q": "hoi nghi cap cao", "sort": "date", "n": "20"})
    expect(status == 200, f"status {status}")
    expect([h["id"] for h in json.loads(body)["hits"]] == [h["id"] for h in cli], "same order as --sort date")
    status, _, body = SERVER.get("/api/search", {"q": "hoi nghi cap cao", "sort": "relevance"})
    expect([h["id"] for h in json.loads(body)["hits"]] == [h["id"] for h in hits(DB, "hoi nghi cap cao")],
           "sort=relevance is the default order")


def test_export_is_the_command_lines_csv_and_the_apis_json_as_a_download():
    params = {"q": "hop tac", "framework": "MJC", "sort": "date"}
    status, headers, body = SERVER.get("/api/export", dict(params, format="csv"))
    expect(status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8", f"csv: {status} {headers}")
    expect(headers["Content-Disposition"] == 'attachment; filename="vnsearch.csv"', headers["Content-Disposition"])
    cli = subprocess.run([VNSEARCH, "--db", DB, "--format", "csv", "-n", "1000", "--framework", "MJC", "--sort",
                          "date", "hop tac"], capture_output=True)
    expect(body == cli.stdout, "the export is vnsearch --format csv -n 1000, byte for byte")
    status, headers, body = SERVER.get("/api/export", dict(params, format="json"))
    expect(status == 200 and headers["Content-Disposition"] == 'attachment; filename="vnsearch.json"', f"{headers}")
    want = [h["id"] for h in hits(DB, "hop tac", "--framework", "MJC", "--sort", "date", n=1000)]
    expect([h["id"] for h in json.loads(body)["hits"]] == want, "json: every passage, in order")
    status, _, body = SERVER.get("/api/export", {"q": "hop", "n": "5"})
    expect(status == 400 and b"unknown parameter 'n'" in body, f"an export has no pages: {body!r}")
    status, _, body = SERVER.get("/api/export", {"q": "hop", "format": "xml"})
    expect(status == 400 and b"format: expected csv or json" in body, f"{body!r}")
    expect_400({"q": "hop", "format": "csv"}, "unknown parameter 'format'")


def test_group_file_is_the_command_lines_group_file():
    # issue 28: a file once, at its best passage, with its more_in_file;
    # pages and matches of files; the export is --group file's CSV
    for q in ("hop tac", "Hành lang Kinh tế Bắc–Nam"):
        cli = hits(DB, q, "--group", "file", n=10)
        status, r = SERVER.search(q=q, group="file", n="10")
        expect(status == 200 and r["group"] == "file", f"{q}: {status} {list(r)}")
        for h in r["hits"]:
            h.pop("document_url", None)
            h.pop("view_url", None)
        expect(r["hits"] == cli, f"{q}: the API's grouped hits are --group file's")
        files = [h["file"] for h in cli]
        expect(len(files) == len(set(files)) >= 2 and r["matches"] == len(files) and r["matches_exact"],
               f"{q}: files {files}, matches {r['matches']}")
        expect(all("more_in_file" in h for h in cli) and sum(h["more_in_file"] for h in cli) > 0, f"{q}: more")
        status, r = SERVER.search(q=q, group="file", n="1", offset="1")
        expect([h["file"] for h in r["hits"]] == files[1:2] and r["hits"][0]["rank"] == 2, f"{q}: offset=1")
    status, r = SERVER.search(q="hop tac", group="none")
    expect("group" not in r and all("more_in_file" not in h for h in r["hits"]), "group=none is the default")
    status, _, body = SERVER.get("/api/export", {"q": "hop tac", "group": "file", "format": "csv"})
    cli = subprocess.run([VNSEARCH, "--db", DB, "--format", "csv", "-n", "1000", "--group", "file", "hop tac"],
                         capture_output=True)
    expect(status == 200 and body == cli.stdout, "the grouped export is vnsearch --group file --format csv")
    expect_400({"q": "hop", "group": "folder"}, "group: expected file or none")


def test_did_you_mean_like_copies_and_a_passage_in_its_place():
    status, r = SERVER.search(q="hojp tacs")
    expect(status == 200 and r["suggestion"]["query"] == "hợp tác" and r["unmatched"] == ["hojp", "tacs"], f"{r}")
    status, r = SERVER.search(q="hợp tác")
    expect(r["suggestion"] is None and r["unmatched"] == [], "nothing to suggest")
    copy = "mekong-frameworks.txt:132"
    status, r = SERVER.search(like=copy, n="10")
    want = hits(DB, "", "--like", copy, n=10)
    expect([h["id"] for h in r["hits"]] == [h["id"] for h in want], "like= is --like")
    q = "Tại Hội nghị Bộ trưởng Quan hệ đối tác Mê Công – Mỹ lần thứ nhất"
    status, r = SERVER.search(q=q)
    expect(r["hits"][0]["also"] == ["mekong-frameworks.txt:140"], f"{r['hits'][0].get('also')}")
    status, r = SERVER.search(q=q, all_copies="1")
    expect("mekong-frameworks.txt:140" in [h["id"] for h in r["hits"]], "all_copies=1")
    status, _, body = SERVER.get("/api/passage", {"id": "mekong-frameworks.txt:93", "context": "2"})
    r = json.loads(body)
    cli = hits(DB, "thu hoach som", "--context", "2", n=1)[0]
    expect(status == 200 and cli["id"] == "mekong-frameworks.txt:93", f"{status} {cli['id']}")
    expect([p["id"] for p in r["passages"]] == [x["id"] for x in cli["before"]] + [cli["id"]] +
           [x["id"] for x in cli["after"]] and r["focus"] == 2, f"/api/passage is --context: {r['focus']}")
    expect(r["passages"][2]["text"] == cli["text"] and "section" in r["passages"][0], "with text and headings")
    status, _, body = SERVER.get("/api/passage", {"id": "nope.txt:1"})
    expect(status == 404 and b"no passage 'nope.txt:1'" in body, f"{status} {body!r}")
    status, _, body = SERVER.get("/api/passage", {})
    expect(status == 404 and b"id: which passage" in body, f"{status} {body!r}")
    status, _, body = SERVER.get("/api/passage", {"id": "mekong-frameworks.txt:93", "context": "51"})
    expect(status == 400 and b"context: expected a number from 0 to 50" in body, f"{status} {body!r}")
    status, _, body = SERVER.get("/api/passage", {"id": "mekong-frameworks.txt:93", "q": "x"})
    expect(status == 400 and b"unknown parameter 'q' (known: id, context)" in body, f"{status} {body!r}")
    expect_400({"q": "hop", "like": copy}, "--like finds the passages like one passage")
    expect_400({"q": "hop", "all_copies": "maybe"}, "all_copies: expected")


def expect_400(params, fragment):
    status, headers, body = SERVER.get("/api/search", params)
    expect(status == 400, f"{params}: status {status}")
    expect(headers["Content-Type"].startswith("application/json"), f"{params}: {headers['Content-Type']}")
    err = json.loads(body)["error"]
    expect(fragment in err, f"{params}: error {err!r} lacks {fragment!r}")


def test_bad_parameters_give_400_with_a_message():
    expect_400({"q": "hop", "framework": "XYZ"}, "unknown framework 'XYZ'")
    expect_400({"q": "hop", "from": "2019-13"}, "bad date '2019-13'")
    expect_400({"q": "hop", "from": "2020", "to": "2019"}, "impossible date range")
    expect_400({"q": "(" * 33 + "hop" + ")" * 33}, "nested too deeply")
    expect_400({"q": "-hop"}, "nothing to search for")
    expect_400({}, "nothing to search for")
    expect_400({"q": "hop", "n": "0"}, "n: expected a number from 1 to 100")
    expect_400({"q": "hop", "n": "abc"}, "n: expected")
    expect_400({"q": "hop", "n": "1000"}, "n: expected")
    expect_400({"q": "hop", "offset": "-1"}, "offset: expected")
    expect_400({"q": "hop", "exact": "maybe"}, "exact: expected")
    expect_400({"q": "hop", "sort": "newest"}, "sort: expected relevance or date")
    expect_400({"q": "hop", "query": "tac"}, "unknown parameter 'query'")
    expect_400([("q", "hop"), ("q", "tac")], "given twice")
    expect_400({"q": "x" * 1001}, "too long")
    expect_400({"q": "hop", "from": "2" * 65}, "too long")
    expect_400([("q", "hop")] + [("framework", "MJC")] * 33, "too many frameworks")


def test_invalid_utf8_and_nul_are_refused():
    for q in ("%FF%FE", "ho%C3", "%C0%AF", "%ED%A0%80", "hop%00tac"):
        status, _, body = SERVER.get("/api/search?q=" + q)
        expect(status == 400 and "not valid UTF-8" in json.loads(body)["error"], f"q={q}: {status} {body!r}")


def test_only_get_and_head():
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"):
        r = raw(SERVER, f"{method} /api/search?q=hop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                        "Connection: close\r\n\r\n".encode())
        expect(status_of(r) == 405, f"{method}: {r[:80]!r}")
        expect(b"\r\nAllow: GET, HEAD\r\n" in r and b'"error"' in body_of(r), f"{method}: {r!r}")
    r = raw(SERVER, b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    expect(status_of(r) == 200 and body_of(r) == b"", f"HEAD: {r[:200]!r}")


def test_no_file_access_outside_the_page_and_api():
    paths = ["/etc/passwd", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/api/../../etc/passwd",
             "/api/", "/api", "/db", "/" + os.path.basename(DB) + "/", "/iamchert", "/search.c", "/web/index.html",
             "//etc/passwd", "/index.html/../../etc/passwd", "/api/search/../../../etc/passwd"]
    for path in paths:
        r = raw(SERVER, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        expect(status_of(r) in (400, 404), f"{path}: {r[:60]!r}")
        expect(b"root:" not in r and b"Index of" not in r, f"{path}: leaked {r[:200]!r}")


def test_request_size_limits():
    r = raw(SERVER, b"GET /api/search?q=" + b"a" * 20000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    expect(status_of(r) == 414, f"huge URL: {r[:80]!r}")
    r = raw(SERVER, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n")
    expect(status_of(r) == 431, f"huge header: {r[:80]!r}")
    r = raw(SERVER, b"GET /api/search?q=hop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                    b"Connection: close\r\n\r\nhello")
    expect(status_of(r) == 413 and b"has no body" in r, f"GET with a body: {r[:200]!r}")
    status, r = SERVER.search(q="hop")
    expect(status == 200, "still serving after oversized requests")


def test_security_headers():
    status, headers, body = SERVER.get("/")
    expect(status == 200 and headers["Content-Type"] == "text/html; charset=utf-8", headers["Content-Type"])
    csp = headers["Content-Security-Policy"]
    expect("default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe" not in csp, csp)
    expect(headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY", "page headers")
    expect(b"<script" in body and b"src=\"http" not in body and b"href=\"http" not in body, "no external assets")
    status, headers, _ = SERVER.get("/api/search", {"q": "hop"})
    expect(headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff", "API headers")
    expect(headers.get("Access-Control-Allow-Origin") is None, "no CORS: other sites cannot read the API")


def test_loopback_server_refuses_foreign_host_names():
    # a page elsewhere in the analyst's browser could rebind its own name to 127.0.0.1
    status, _, body = SERVER.get("/api/search?q=hop", headers={"Host": "evil.example"})
    expect(status == 403 and "localhost" in json.loads(body)["error"], f"{status} {body[:100]!r}")
    for host in (f"localhost:{SERVER.port}", f"127.0.0.1:{SERVER.port}", "LOCALHOST", "127.1.2.3"):
        status, _, _ = SERVER.get("/api/search?q=hop", headers={"Host": host})
        expect(status == 200, f"Host {host}: {status}")


def test_crafted_paragraph_comes_back_verbatim_as_json_text():
    d = os.path.join(TMP, "evil")
    os.makedirs(d)
    evil = 'Đoạn thử nghiệm có <script>alert(1)</script> và <img src=x onerror="alert(2)"> cùng \u2028 ký tự.'
    with open(os.path.join(d, "evil.txt"), "w", encoding="utf-8") as f:
        f.write("HỢP TÁC MÊ CÔNG – NHẬT BẢN\n\n" + evil + "\n")
    db = os.path.join(TMP, "evil.db")
    p = vnindex("--db", db, "--quiet", "--frameworks", os.path.join(CORPUS, "frameworks.tsv"),
                "--aliases", os.path.join(CORPUS, "aliases.tsv"), d)
    expect(p.returncode == 0, p.stderr)
    with Server(VNSEARCH, db) as s:
        status, _, body = s.get("/api/search", {"q": "thu nghiem"})
        expect(b"\\u2028" in body, "U+2028 escaped in the JSON")
        r = json.loads(body)
        expect(status == 200 and r["hits"][0]["text"] == evil, f"{r['hits'][0]['text']!r}")


# ------------------------------------------------------- robustness, limits


def test_concurrent_requests_get_the_sequential_answers():
    queries = [q for _, opts, q, _, _ in dev_queries() if not opts]
    want = {q: [h["id"] for h in SERVER.search(q=q)[1]["hits"]] for q in queries}
    errors = []

    def client(k):
        for i in range(12):
            q = queries[(k + i) % len(queries)]
            status, r = SERVER.search(q=q)
            if status != 200 or [h["id"] for h in r["hits"]] != want[q]:
                errors.append(f"{q!r}: {status}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(not errors, f"{len(errors)} differ: {errors[:3]}")


def test_slow_and_silent_clients_do_not_stall_others():
    socks = []
    try:
        for i in range(20):
            s = socket.create_connection((SERVER.host, SERVER.port), timeout=5)
            if i % 2:
                s.sendall(b"GET /api/search?q=hop")  # a request line that never ends
            socks.append(s)
        t = time.monotonic()
        for _ in range(10):
            status, r = SERVER.search(q="Motegi")
            expect(status == 200 and r["hits"], "served")
        took = time.monotonic() - t
        expect(took < 3.0, f"10 requests took {took:.2f}s beside 20 stalled connections")
    finally:
        for s in socks:
            s.close()


def test_idle_connection_is_closed_after_the_timeout():
    with Server(VNSEARCH, DB, "--timeout", "1") as s:
        with socket.create_connection((s.host, s.port), timeout=10) as c:
            c.sendall(b"GET / HTTP/1.1\r\n")
            t = time.monotonic()
            data = c.recv(100)
            took = time.monotonic() - t
        expect(data == b"" and took < 5, f"closed after {took:.1f}s with {data!r}")


def test_per_ip_connection_limit():
    # at its limit, an address's oldest idle connection makes room for its
    # new one (a silent connection never blocks a real request)
    with Server(VNSEARCH, DB, "--per-ip", "4") as s:
        held = []
        try:
            for _ in range(4):
                c = socket.socket()
                c.bind(("127.0.0.2", 0))
                c.connect((s.host, s.port))
                held.append(c)
                time.sleep(0.05)  # an order the server sees
            r = raw(s, b"GET /api/search?q=hop HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                    address="127.0.0.2")
            expect(status_of(r) == 200, f"a fifth connection from 127.0.0.2: {r[:80]!r}")
            held[0].settimeout(5)
            expect(held[0].recv(100) == b"", "the oldest idle one was closed for it")
            held[1].settimeout(0.2)
            try:
                held[1].recv(100)
                expect(False, "the second oldest was closed too")
            except socket.timeout:
                pass
            status, r = s.search(q="hop")
            expect(status == 200, "another address is still served")
        finally:
            for c in held:
                c.close()


def test_rebuilt_index_is_picked_up():
    d = os.path.join(TMP, "grow")
    os.makedirs(d)
    tables = ["--frameworks", os.path.join(CORPUS, "frameworks.tsv"), "--aliases", os.path.join(CORPUS, "aliases.tsv")]
    with open(os.path.join(d, "a.txt"), "w", encoding="utf-8") as f:
        f.write("Hợp tác Mê Công về nguồn nước.\n")
    db = os.path.join(TMP, "grow.db")
    expect(vnindex("--db", db, "--quiet", *tables, d).returncode == 0, "first build")
    with Server(VNSEARCH, db) as s:
        expect(s.search(q="zyxwabc")[1]["hits"] == [], "not there yet")
        with open(os.path.join(d, "b.txt"), "w", encoding="utf-8") as f:
            f.write("Dự án zyxwabc về giao thông.\n")
        p = vnindex("--db", db, "--quiet", *tables, d)
        expect(p.returncode == 0, p.stderr)
        deadline = time.monotonic() + 10
        found = []
        while time.monotonic() < deadline and not found:
            for _ in range(8):  # every pooled engine refreshes on its own clock
                found = s.search(q="zyxwabc")[1]["hits"]
                if found:
                    break
            time.sleep(0.25)
        expect(found and found[0]["file"] == "b.txt", "the rebuilt index answers within 10 s")


def test_startup_errors_exit_2():
    for args, msg in (
        (["--db", os.path.join(TMP, "missing.db")], "no database"),
        (["--db", DB, "--listen", "nonsense"], "expected ADDRESS:PORT"),
        (["--db", DB, "--listen", "127.0.0.1:99999"], "port from 0 to 65535"),
        (["--db", DB, "--listen", f"127.0.0.1:{SERVER.port}"], "Address already in use"),
        (["--db", DB, "--threads", "0"], "--threads"),
        (["--db", DB, "hop"], "unexpected argument"),
    ):
        p = subprocess.run([VNSEARCH, "serve"] + args, capture_output=True, text=True, timeout=20)
        expect(p.returncode == 2 and msg in p.stderr, f"{args}: exit {p.returncode} {p.stderr!r}")


def test_stops_cleanly_on_sigterm():
    s = Server(VNSEARCH, DB).start()
    expect(s.search(q="hop")[0] == 200, "serving")
    t = time.monotonic()
    rc = s.stop()
    expect(rc == 0 and time.monotonic() - t < 5, f"exit {rc}")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
try:
    status = main(TESTS)
finally:
    rc = SERVER.stop()
    import shutil
    shutil.rmtree(TMP, ignore_errors=True)
if rc != 0:
    print(f"the server exited {rc} on SIGTERM: {SERVER.stderr_text}")
    status = 1
sys.exit(status)
