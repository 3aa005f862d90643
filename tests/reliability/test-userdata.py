#!/usr/bin/env python3
"""Reliability (issue 24): vnindex writes and deletes only what it made.

A --db directory that holds other files and no index is refused, and the
clean-up of old generations never takes a user's file or folder that only
looks like one (g7.txt, g2024-budget/, g000099/); a file the run may not read
does not make every later run rebuild; a converter runs once per file in a
full build (it used to run for the dictionary's samples, then again)."""
import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from e2e import CORPUS, VNINDEX, expect, main, scratch, vnindex, vnsearch, wrapped  # noqa: E402

TMP = scratch()
os.chmod(TMP, 0o755)
TEXTS = os.path.join(TMP, "texts")
os.makedirs(TEXTS)
shutil.copy(os.path.join(CORPUS, "gms-overview.txt"), TEXTS)
FORMATS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(text)


def user_files(d):
    """A user's things, some named like generations."""
    files = {"g7.txt": "bảy\n", "g2024-budget/plan.xlsx": "ngân sách\n", "g000099/ghi-chu.txt": "của tôi\n",
             "g000099.tmp/nhap.txt": "bản nháp\n", "g12345678/x.txt": "x\n"}
    for name, text in files.items():
        write(os.path.join(d, name), text)
    return files


def still_there(d, files):
    for name, text in files.items():
        p = os.path.join(d, name)
        expect(os.path.exists(p), f"{p} was deleted")
        with open(p, encoding="utf-8") as fp:
            expect(fp.read() == text, f"{p} was changed")


def test_a_db_directory_of_other_files_is_refused():
    d = os.path.join(TMP, "not-an-index")
    files = user_files(d)
    for _ in range(2):
        p = vnindex("--db", d, TEXTS)
        expect(p.returncode == 2, f"exit {p.returncode}, want 2: {p.stderr}")
        lines = [x for x in p.stderr.splitlines() if "frameworks.tsv" not in x]
        expect(len(lines) == 1 and d in lines[0] and "choose another --db" in lines[0], p.stderr)
    still_there(d, files)
    expect(not os.path.exists(os.path.join(d, "XAPIANDB")), "an index was written into the user's directory")


def test_an_empty_directory_is_used():
    d = os.path.join(TMP, "empty")
    os.mkdir(d)
    p = vnindex("--db", d, TEXTS)
    expect(p.returncode == 0, p.stderr)


def test_cleanup_removes_only_its_own_generations():
    d = os.path.join(TMP, "index")
    p = vnindex("--db", d, TEXTS)
    expect(p.returncode == 0, p.stderr)
    files = user_files(d)  # put there by the user after the first run
    # what a killed run leaves: an empty scratch, and one with its marker and a part
    os.makedirs(os.path.join(d, "g000007.tmp"))
    os.makedirs(os.path.join(d, "g000008.tmp", "w0-s0-p0"))
    write(os.path.join(d, "g000008.tmp", "vnindex-scratch"), "")
    # and a generation whose removal was killed half way: its Xapian marker
    # gone, its removal marker and a table still there (reliability-crash
    # found three generations left after its kills)
    write(os.path.join(d, "g000000", "vnindex-removing"), "")
    write(os.path.join(d, "g000000", "postlist.glass"), "")
    for _ in range(4):  # each run retires the generation before the one it keeps
        p = vnindex("--force", "--db", d, TEXTS)
        expect(p.returncode == 0, p.stderr)
    still_there(d, files)
    expect(not os.path.exists(os.path.join(d, "g000007.tmp")), "an empty scratch of a killed run was left")
    expect(not os.path.exists(os.path.join(d, "g000008.tmp")), "the scratch of a killed run was left")
    expect(not os.path.exists(os.path.join(d, "g000000")), "a generation half removed by a killed run was left")
    gens = sorted(n for n in os.listdir(d) if n.startswith("g0000") and len(n) == 7 and n != "g000099")
    expect(len(gens) == 2, f"generations kept: {gens}")
    p = vnsearch(d, "--format", "tsv", "Nam Ninh")
    expect(p.returncode == 0, p.stderr)


def test_a_foreign_directory_in_the_way_of_the_scratch_is_not_removed():
    d = os.path.join(TMP, "in-the-way")
    p = vnindex("--db", d, TEXTS)
    expect(p.returncode == 0, p.stderr)
    write(os.path.join(d, "g000002.tmp", "bao-cao.docx"), "của tôi\n")
    p = vnindex("--force", "--db", d, TEXTS)
    expect(p.returncode == 2 and "g000002.tmp" in p.stderr and "not made by vnindex" in p.stderr, p.stderr)
    still_there(d, {"g000002.tmp/bao-cao.docx": "của tôi\n"})
    expect(vnsearch(d, "Nam Ninh").returncode == 0, "the previous index no longer answers")


def can_run_as(uid):
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


def test_an_unreadable_file_does_not_make_every_run_rebuild():
    how = can_run_as(65534)
    if how is None:
        print("SKIP unreadable: setpriv not found")
        return
    home = os.path.join(TMP, "nobody")
    src = os.path.join(home, "texts")
    os.makedirs(src)
    shutil.copy(os.path.join(CORPUS, "gms-overview.txt"), src)
    write(os.path.join(src, "bi-mat.txt"), "Bí mật aaqsecret.\n")
    os.chmod(os.path.join(src, "bi-mat.txt"), 0)
    for root, dirs, names in os.walk(home):
        for n in dirs + names + [""]:
            if os.geteuid() == 0:
                os.chown(os.path.join(root, n), 65534, 65534)
    db = os.path.join(home, "db")

    def run_index():
        return subprocess.run(how + wrapped([VNINDEX, "--db", db, src]), capture_output=True, text=True, timeout=120)

    p = run_index()
    expect(p.returncode == 0 and "Permission denied" in p.stderr, p.stderr)
    p = run_index()
    expect("up to date" in p.stderr, f"the second run rebuilt: {p.stderr}")
    os.chmod(os.path.join(src, "bi-mat.txt"), stat.S_IRUSR | stat.S_IWUSR)  # readable now: read again
    p = run_index()
    expect(p.returncode == 0 and "up to date" not in p.stderr, p.stderr)
    expect(vnsearch(db, "aaqsecret").returncode == 0, "the file made readable is not indexed")


def test_converters_run_once_per_file_in_a_full_build():
    programs = [p for p in ("antiword", "unrtf") if shutil.which(p)]
    if len(programs) < 2:
        expect(not os.environ.get("CI"), "antiword and unrtf are installed in CI")
        print("SKIP converters: antiword or unrtf missing")
        return
    bin_dir = os.path.join(TMP, "bin")
    os.makedirs(bin_dir)
    log = os.path.join(TMP, "converters.log")
    for prog in programs:
        wrapper = os.path.join(bin_dir, prog)
        write(wrapper, f'#!/bin/sh\necho "{prog} $*" >> {log}\nexec {shutil.which(prog)} "$@"\n')
        os.chmod(wrapper, 0o755)
    src = os.path.join(TMP, "converted")
    os.makedirs(src)
    for name in ("dossier.doc", "dossier.rtf"):
        shutil.copy(os.path.join(FORMATS, name), src)
    shutil.copy(os.path.join(CORPUS, "gms-overview.txt"), src)
    env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    p = vnindex("--db", os.path.join(TMP, "db-converted"), src, env=env)
    expect(p.returncode == 0, p.stderr)
    with open(log) as fp:
        calls = fp.read().splitlines()
    expect(sorted(c.split()[0] for c in calls) == ["antiword", "unrtf"], f"converter runs: {calls}")
    expect(vnsearch(os.path.join(TMP, "db-converted"), "--all-copies", "Quanrg").returncode == 0, "nothing found")


if __name__ == "__main__":
    sys.exit(main([test_a_db_directory_of_other_files_is_refused,
                   test_an_empty_directory_is_used,
                   test_cleanup_removes_only_its_own_generations,
                   test_a_foreign_directory_in_the_way_of_the_scratch_is_not_removed,
                   test_an_unreadable_file_does_not_make_every_run_rebuild,
                   test_converters_run_once_per_file_in_a_full_build]))
