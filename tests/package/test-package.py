#!/usr/bin/env python3
"""The Debian package (issue 18), run by .ci/package in CI: too long for
`meson test` (a build from scratch, lintian, a Debian chroot: about three
minutes on 2 cores).

1. `dpkg-buildpackage -us -uc -b` on a copy of the tree builds it.
2. It holds every file `meson install` installs (programs, man pages,
   tables, units, the sysusers file, bash completion) and
   /etc/default/vnsearch; its postinst creates the vnsearch user.
3. lintian --pedantic: no error, and every warning is one that docs/serving.md's
   "Serving a team" lists.
4. Where debootstrap can make a clean Debian 12 chroot (always in CI), the
   package installs there with apt, `vnsearch --version` runs and gives
   the package's version (debian/changelog and meson.build agree), a text is
   indexed and found, the vnsearch user exists, and systemd-analyze verify
   accepts the installed units (man pages included once meson installs
   them).

    tests/package/test-package.py [--chroot DIR]   reuse (or make and keep) a chroot
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CI = bool(os.environ.get("CI"))
MIRROR = "http://deb.debian.org/debian"


class Failure(Exception):
    pass


def sh(cmd, log=None, **kw):
    """Runs cmd; on failure raises with the end of its output."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if log:
        with open(log, "w") as fp:
            fp.write(p.stdout + p.stderr)
    if p.returncode != 0:
        raise Failure(f"{' '.join(cmd)[:200]}: exit {p.returncode}\n{(p.stdout + p.stderr)[-3000:]}")
    return p.stdout


def copy_tree(dest):
    """The files git knows of (committed or not, ignored ones aside): what a
    fresh clone holds, without build directories."""
    names = sh(["git", "-C", SOURCE, "ls-files", "-co", "--exclude-standard", "-z"]).split("\0")
    for name in filter(None, names):
        src = os.path.join(SOURCE, name)
        if not os.path.lexists(src):
            continue  # deleted, not committed yet
        os.makedirs(os.path.join(dest, os.path.dirname(name)), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), os.path.join(dest, name))
        else:
            shutil.copy2(src, os.path.join(dest, name))


def build(tmp):
    src = os.path.join(tmp, "vnsearch")
    copy_tree(src)
    env = dict(os.environ, DEB_BUILD_OPTIONS=f"parallel={os.cpu_count() or 1}")
    sh(["dpkg-buildpackage", "-us", "-uc", "-b"], log=os.path.join(tmp, "build.log"), cwd=src, env=env)
    debs = glob.glob(os.path.join(tmp, "vnsearch_*.deb"))
    if len(debs) != 1:
        raise Failure(f"dpkg-buildpackage made {debs}")
    print(f"ok   built {os.path.basename(debs[0])}")
    return src, debs[0], glob.glob(os.path.join(tmp, "vnsearch_*.changes"))[0]


def check_contents(tmp, src, deb):
    listing = sh(["dpkg-deb", "-c", deb])
    files = {line.split()[5].lstrip(".") for line in listing.splitlines() if not line.startswith("d")}
    # what meson installs from the build dpkg-buildpackage configured
    objdir = glob.glob(os.path.join(src, "obj-*"))[0]
    dest = os.path.join(tmp, "meson-dest")
    sh(["meson", "install", "-C", objdir, "--no-rebuild", "--destdir", dest])
    missing = []
    for root, _, names in os.walk(dest):
        for n in names:
            path = os.path.join(root, n)[len(dest):]
            if path not in files and path + ".gz" not in files:  # dh_compress gzips man pages
                missing.append(path)
    if missing:
        raise Failure(f"installed by meson but not in the package: {missing}")
    for want in ("/usr/bin/vnindex", "/usr/bin/vnsearch", "/usr/share/vnsearch/frameworks.tsv",
                 "/usr/share/vnsearch/aliases.tsv", "/usr/share/vnsearch/meetings.tsv",
                 "/lib/systemd/system/vnindex-watch.service",
                 "/lib/systemd/system/vnsearch-serve.service", "/usr/lib/sysusers.d/vnsearch.conf",
                 "/usr/share/bash-completion/completions/vnindex",
                 "/usr/share/bash-completion/completions/vnsearch", "/etc/default/vnsearch"):
        if want not in files:
            raise Failure(f"{want} is not in the package")
    ctl = os.path.join(tmp, "control")
    sh(["dpkg-deb", "-e", deb, ctl])
    with open(os.path.join(ctl, "postinst")) as fp:
        postinst = fp.read()
    if "systemd-sysusers" not in postinst:
        raise Failure("postinst does not create the vnsearch user")
    if "deb-systemd-invoke start" in postinst:
        raise Failure("postinst starts the units before the dossier folder is set")
    with open(os.path.join(ctl, "conffiles")) as fp:
        if "/etc/default/vnsearch" not in fp.read().split():
            raise Failure("/etc/default/vnsearch is not a conffile")
    mans = sorted(f for f in files if f.startswith("/usr/share/man/"))
    print(f"ok   contents: {len(files)} files, all meson installs; man pages: {mans or 'none yet'}")
    return mans


def readme_lintian_tags():
    with open(os.path.join(SOURCE, "docs", "serving.md"), encoding="utf-8") as fp:
        text = fp.read()
    m = re.search(r"<!-- lintian -->(.*?)<!-- /lintian -->", text, re.S)
    if not m:
        raise Failure("docs/serving.md has no <!-- lintian --> list of the remaining lintian warnings")
    return set(re.findall(r"`([a-z0-9][a-z0-9.+-]+)`", m.group(1)))


def run_lintian(tmp, changes):
    p = subprocess.run(["lintian", "--pedantic", "--display-info", changes], capture_output=True, text=True)
    with open(os.path.join(tmp, "lintian.txt"), "w") as fp:
        fp.write(p.stdout + p.stderr)
    tags = re.findall(r"^([EWIPX]): \S+: (\S+)(.*)$", p.stdout, re.M)
    errors = [t for t in tags if t[0] == "E"]
    warnings = sorted({t[1] for t in tags if t[0] == "W"})
    if errors:
        raise Failure("lintian errors:\n" + "\n".join(f"E: {t[1]}{t[2]}" for t in errors))
    unlisted = [w for w in warnings if w not in readme_lintian_tags()]
    if unlisted:
        raise Failure(f"lintian warnings not listed in docs/serving.md: {unlisted}\n{p.stdout}")
    others = sorted({f"{t[0]}: {t[1]}" for t in tags if t[0] not in "EW"})
    print(f"ok   lintian: no error; warnings {warnings or 'none'} (listed in docs/serving.md); also {others or 'nothing'}")


def make_chroot(path):
    """A clean Debian 12 chroot, or the reason there cannot be one here."""
    if os.path.exists(os.path.join(path, "etc", "debian_version")):
        return None
    if not shutil.which("debootstrap"):
        return "debootstrap is not installed (./install-deps.sh --tests installs it)"
    if os.geteuid() != 0:
        return "debootstrap and chroot need root"
    p = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", path, MIRROR], capture_output=True,
                       text=True)
    if p.returncode != 0:
        return f"debootstrap failed (exit {p.returncode}): {(p.stdout + p.stderr).strip()[-600:]}"
    return None


def in_chroot(root, script):
    return sh(["chroot", root, "sh", "-ec", script])


def check_in_chroot(root, deb, mans):
    shutil.copy(deb, os.path.join(root, "tmp", "vnsearch.deb"))
    proc = os.path.join(root, "proc")
    mounted = subprocess.run(["mount", "-t", "proc", "proc", proc], capture_output=True).returncode == 0
    try:
        in_chroot(root, "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; "
                        "apt-get install -y -qq --reinstall --no-install-recommends /tmp/vnsearch.deb man-db >/dev/null")
        shown = in_chroot(root, "vnsearch --version").strip()
        version = os.path.basename(deb).split("_")[1]
        if not re.match(rf"vnsearch {re.escape(version)}\b", shown):
            raise Failure(f"vnsearch --version says {shown!r}; the package is {version} (debian/changelog)")
        shown = f"`vnsearch --version`: {shown}"
        out = in_chroot(root, "rm -rf /tmp/d /tmp/db; mkdir /tmp/d; "
                              "echo 'Hợp tác Mê Công – Nhật Bản aaqchroot.' > /tmp/d/a.txt; "
                              "vnindex --quiet --db /tmp/db /tmp/d; vnsearch --db /tmp/db --format tsv hop tac aaqchroot; "
                              "id vnsearch")
        if "a.txt:1" not in out or "uid=" not in out:
            raise Failure(f"in the chroot: {out}")
        man = "yes" if mans else "no"
        if mounted:
            in_chroot(root, f"systemd-analyze verify --man={man} /lib/systemd/system/vnindex-watch.service "
                            "/lib/systemd/system/vnsearch-serve.service 2>&1 | (! grep .)")
            verified = f"systemd-analyze verify --man={man}: clean"
        else:
            verified = "systemd-analyze verify not run in the chroot (/proc cannot be mounted here)"
            if CI:
                raise Failure(verified)
        print(f"ok   installed in a clean Debian 12 chroot: {shown}; a text indexed and found; "
              f"user vnsearch created; {verified}")
    finally:
        if mounted:
            subprocess.run(["umount", proc])


def main():
    keep = None
    if len(sys.argv) == 3 and sys.argv[1] == "--chroot":
        keep = os.path.abspath(sys.argv[2])
    elif len(sys.argv) != 1:
        print(__doc__)
        return 2
    for tool in ("dpkg-buildpackage", "dh", "lintian"):
        if not shutil.which(tool):
            print(f"FAIL: {tool} is not installed (./install-deps.sh --tests installs it)")
            return 1
    tmp = tempfile.mkdtemp(prefix="vnsearch-package-")
    failed = 0
    try:
        src, deb, changes = build(tmp)
        mans = check_contents(tmp, src, deb)
        run_lintian(tmp, changes)
        root = keep or os.path.join(tmp, "chroot")
        why = make_chroot(root)
        if why and CI:
            raise Failure(f"no clean chroot: {why}")
        if why:
            print(f"SKIP the chroot install: {why}")
        else:
            check_in_chroot(root, deb, mans)
    except Failure as e:
        failed = 1
        print(f"FAIL {e}\n(logs in {tmp})")
    if not failed:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{1 - failed} passed, {failed} failed")
    return failed


if __name__ == "__main__":
    sys.exit(main())
