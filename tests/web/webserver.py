"""Starts `vnsearch serve` on a free loopback port for a test and always
stops it: on leaving the `with` block, at exit, on SIGTERM (meson's
timeout), and, through PR_SET_PDEATHSIG, when the test process dies any
other way."""
import atexit
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

_running = []


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _stop_all():
    for s in list(_running):
        s.stop()


atexit.register(_stop_all)


def _on_term(signum, frame):
    _stop_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_term)


class Server:
    def __init__(self, vnsearch, db, *extra, listen="127.0.0.1:0"):
        self.cmd = [vnsearch, "serve", "--db", db, "--listen", listen] + list(extra)
        self.proc = None
        self.url = None
        self.port = None
        self.stderr_text = ""

    def start(self):
        env = dict(os.environ)
        env.pop("VNSEARCH_DB", None)
        # stderr to a file: a pipe nobody reads would fill and block the server
        self.errfile = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.errfile, text=True,
                                     env=env, preexec_fn=_die_with_parent)
        _running.append(self)
        line = self.proc.stdout.readline()  # printed once the socket listens
        m = re.search(r"http://(\S+?)/", line)
        if not m:
            self.stop()
            raise RuntimeError(f"vnsearch serve did not start: {line!r} {self.stderr_text.strip()!r}")
        self.url = "http://" + m.group(1)
        self.host, self.port = m.group(1).rsplit(":", 1)
        self.port = int(self.port)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and not self.proc.stdout.closed:
            self.proc.stdout.close()
            self.errfile.seek(0)
            self.stderr_text = self.errfile.read()
            self.errfile.close()
        if self in _running:
            _running.remove(self)
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def get(self, path, params=None, headers=None):
        """(status, headers, body bytes) of a GET."""
        url = self.url + path
        if params is not None:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        req = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def search(self, **params):
        """(status, parsed JSON) of /api/search."""
        status, _, body = self.get("/api/search", params)
        return status, json.loads(body)


def raw(server, data, timeout=10, address=None):
    """Sends bytes to server (from a given loopback address, if any) and
    returns everything it answers before closing the connection."""
    with socket.socket() as s:
        s.settimeout(timeout)
        if address:
            s.bind((address, 0))
        s.connect((server.host, server.port))
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
    return out
