#!/usr/bin/env python3
"""The systemd units of contrib/systemd (issue 18): `systemd-analyze verify`
accepts them without a word, they keep the hardening the README promises,
and their command lines, expanded from the shipped environment file as
systemd expands them, start a working watcher and search page that stop
cleanly on SIGTERM and take ExecReload's SIGHUP.

systemd-analyze needs no running systemd, but it must be installed
(install-deps.sh --tests); without it the test says so and skips, except
in CI (CI=1), where it fails."""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import BUILD, SOURCE, TIMEOUT_SCALE, VNINDEX, VNSEARCH, corpus_copies, expect, main, scratch  # noqa: E402

UNITS = {u: os.path.join(BUILD, "contrib", u) for u in ("vnindex-watch.service", "vnsearch-serve.service")}
DEFAULTS = os.path.join(SOURCE, "contrib", "systemd", "vnsearch.default")
STATE_DB = "/var/lib/vnsearch/vnsearch.db"
TMP = scratch()


def unit_text(name):
    with open(UNITS[name], encoding="utf-8") as fp:
        return fp.read()


def here(name):
    """The unit with its programs pointed at this build, for verify and runs."""
    text = re.sub(r"(ExecStart=)\S*/vnindex ", rf"\g<1>{VNINDEX} ", unit_text(name))
    return re.sub(r"(ExecStart=)\S*/vnsearch ", rf"\g<1>{VNSEARCH} ", text)


def setting(text, key):
    m = re.findall(rf"^{key}=(.*)$", text, re.M)
    return m[-1] if m else None


def test_units_verify_without_a_word():
    d = os.path.join(TMP, "units")
    os.mkdir(d)
    for name in UNITS:
        with open(os.path.join(d, name), "w", encoding="utf-8") as fp:
            fp.write(here(name))
    # --man=no: the man pages are checked where the package is installed (debian/tests)
    p = subprocess.run(["systemd-analyze", "verify", "--man=no"] + [os.path.join(d, n) for n in UNITS],
                       capture_output=True, text=True, cwd=d)
    expect(p.returncode == 0 and not p.stderr.strip() and not p.stdout.strip(),
           f"systemd-analyze verify: exit {p.returncode}\n{p.stdout}{p.stderr}")


def test_units_are_confined():
    for name in UNITS:
        text = unit_text(name)
        for key, want in (("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"),
                          ("User", "vnsearch"), ("EnvironmentFile", "/etc/default/vnsearch"),
                          ("Restart", "on-failure")):
            expect(setting(text, key) == want, f"{name}: {key}={setting(text, key)}, want {want}")
        expect(setting(text, "ReadWritePaths") is None, f"{name} writes outside its state directory")
    watch = unit_text("vnindex-watch.service")
    expect(setting(watch, "StateDirectory") == "vnsearch", "the watcher writes the index in /var/lib/vnsearch")
    expect(setting(watch, "IPAddressDeny") == "any", "the watcher needs no network")
    serve = unit_text("vnsearch-serve.service")
    expect(setting(serve, "StateDirectory") is None, "the search page must not be able to write the index")
    expect("${VNSEARCH_LISTEN}" in setting(serve, "ExecStart"), "the address comes from the environment file")


def environment(overrides):
    """/etc/default/vnsearch as systemd reads it, with some values replaced."""
    env = {}
    with open(DEFAULTS, encoding="utf-8") as fp:
        for line in fp:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            env[key] = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    env.update(overrides)
    return env


def command_line(text, key, env):
    """ExecStart= as systemd expands it: ${VAR} is one word, $VAR is split."""
    words = []
    for w in shlex.split(setting(text, key)):
        if re.fullmatch(r"\$[A-Za-z_]\w*", w):
            words += env.get(w[1:], "").split()
        else:
            words.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), w))
    return words


def test_command_lines_run_from_the_environment_file():
    src1, src2 = os.path.join(TMP, "dossiers-a"), os.path.join(TMP, "dossiers-b")
    corpus_copies(src1, 1)
    os.makedirs(src2)
    with open(os.path.join(src2, "ghi-chu.txt"), "w", encoding="utf-8") as fp:
        fp.write("Ghi chú của nhóm aaqunit.\n")
    db = os.path.join(TMP, "state", "vnsearch.db")
    env = environment({"VNSEARCH_DOSSIERS": f"{src1} {src2}", "VNSEARCH_LISTEN": "127.0.0.1:0"})
    watch_cmd = [a.replace(STATE_DB, db) for a in command_line(here("vnindex-watch.service"), "ExecStart", env)]
    serve_cmd = [a.replace(STATE_DB, db) for a in command_line(here("vnsearch-serve.service"), "ExecStart", env)]
    expect(watch_cmd[-2:] == [src1, src2], f"watch command: {watch_cmd}")
    log = open(os.path.join(TMP, "watch.log"), "w+")
    watcher = subprocess.Popen(watch_cmd, stdout=subprocess.DEVNULL, stderr=log)
    server = None
    try:
        deadline = time.monotonic() + 60 * TIMEOUT_SCALE
        while not os.path.exists(os.path.join(db, "XAPIANDB")) and time.monotonic() < deadline:
            time.sleep(0.1)
        server = subprocess.Popen(serve_cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        m = re.search(r"http://(\S+?)/", server.stdout.readline())
        expect(m, "vnsearch serve did not start")
        url = f"http://{m.group(1)}/api/search?q=aaqunit"
        deadline = time.monotonic() + 10 * TIMEOUT_SCALE
        body = ""
        while "ghi-chu.txt:1" not in body and time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = r.read().decode()
            time.sleep(0.2)
        expect("ghi-chu.txt:1" in body, f"search page: {body[:300]}")
        # ExecReload=kill -HUP $MAINPID: a rescan, not an exit
        reload = [w.replace("$MAINPID", str(watcher.pid)) for w in shlex.split(setting(unit_text(
            "vnindex-watch.service"), "ExecReload"))]
        subprocess.run(reload, check=True)
        time.sleep(0.5)
        expect(watcher.poll() is None, "the watcher exited on reload")
    finally:
        for proc in (server, watcher):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=30) for proc in (server, watcher) if proc]
        log.seek(0)
        text = log.read()
    expect(codes == [0, 0], f"exit statuses after SIGTERM (serve, watch): {codes}\n{text[-1000:]}")
    expect("SIGHUP: rescanning" in text, f"watch log: {text[-1000:]}")


if __name__ == "__main__":
    if not shutil.which("systemd-analyze"):
        why = "systemd-analyze is not installed (package systemd; ./install-deps.sh --tests installs it)"
        if os.environ.get("CI"):
            print("FAIL:", why)
            sys.exit(1)
        print("SKIP:", why)
        sys.exit(77)
    status = main([test_units_verify_without_a_word, test_units_are_confined,
                   test_command_lines_run_from_the_environment_file])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(status)
