#!/usr/bin/env python3
"""vnindex --update on an index without term lists (index.c, "Updates"):
changed files go into a delta part beside the base, their old passages are
retired, the delta is rewritten at each update, a big enough change
rebuilds in full; and "changed" is decided by size, mtime, ctime and inode
and then the bytes, so no edit can hide (issue 19)."""
import os
import shutil
import time

from e2e import CORPUS, expect, hits, main, scratch, vnindex, vnsearch


def setup(texts):
    tmp = scratch()
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    for name, text in texts.items():
        write(os.path.join(src, name), text)
    for f in ("frameworks.tsv", "aliases.tsv"):
        shutil.copy(os.path.join(CORPUS, f), src)
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, "-q", src)
    expect(p.returncode == 0, p.stderr)
    return tmp, src, db


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def stub(db):
    with open(os.path.join(db, "XAPIANDB")) as f:
        return f.read().split()[1::2]


def ids(db, query):
    return sorted(x["id"] for x in hits(db, query, n=1000))


def texts(n, word):
    """n files of a few paragraphs each, `word` in the first of each."""
    return {f"f{i:02d}.txt": f"Đoạn {word} số {i} về hợp tác.\n\nĐoạn thứ hai về kinh tế số {i}.\n" for i in range(n)}


def test_changed_file_goes_to_the_delta_and_its_old_passages_retire():
    tmp, src, db = setup(texts(40, "qqalpha"))
    write(os.path.join(src, "f03.txt"), "Đoạn qqbeta mới về hợp tác.\n\nĐoạn thứ hai về kinh tế số 3.\n")
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0 and "updated 1 file" in p.stderr, p.stderr)
    expect([os.path.basename(x) for x in stub(db)] == ["delta", "base"], f"a delta beside the base: {stub(db)}")
    expect(ids(db, "qqbeta") == ["f03.txt:1"], "the new text is found")
    expect("f03.txt:1" not in ids(db, "qqalpha") and len(ids(db, "qqalpha")) == 39, "the old one is not")
    p = vnsearch(db, "--color", "never", "-n", "100", "qqalpha")
    expect("39 of 39" in p.stderr, f"the count leaves the retired passage out: {p.stderr.strip()}")
    # a second update rewrites the delta: the first change stays, the second joins it
    write(os.path.join(src, "f07.txt"), "Đoạn qqgamma mới.\n")
    os.remove(os.path.join(src, "f11.txt"))
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0, p.stderr)
    expect(ids(db, "qqbeta") == ["f03.txt:1"] and ids(db, "qqgamma") == ["f07.txt:1"], "both changes found")
    expect(len(ids(db, "qqalpha")) == 37, f"f03, f07 and f11 gone: {len(ids(db, 'qqalpha'))}")
    # back to the base text: found once, not twice
    write(os.path.join(src, "f03.txt"), texts(40, "qqalpha")["f03.txt"])
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0 and ids(db, "qqalpha").count("f03.txt:1") == 1, f"f03 back: {p.stderr}")
    expect(ids(db, "qqbeta") == [], "its changed text gone")
    shutil.rmtree(tmp)


def test_a_big_change_rebuilds_in_full():
    tmp, src, db = setup(texts(8, "qqalpha"))
    # most of the files changed: a delta over a quarter of the base
    for i in range(6):
        write(os.path.join(src, f"f{i:02d}.txt"), "Đoạn qqdelta %d về hợp tác, dài hơn một chút.\n" % i * 50)
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0, p.stderr)
    expect(len(stub(db)) == 1, f"one database again: {stub(db)} {p.stderr}")
    files = {i.split(":")[0] for i in ids(db, "qqdelta")}
    expect(len(files) == 6 and len(ids(db, "qqalpha")) == 2, f"all there: {sorted(files)}")
    shutil.rmtree(tmp)


def test_same_size_edit_with_the_mtime_restored_is_seen():
    tmp, src, db = setup(texts(5, "qqalpha"))
    path = os.path.join(src, "f02.txt")
    st = os.stat(path)
    data = open(path, encoding="utf-8").read()
    write(path, data.replace("qqalpha", "qqomega"))  # same length
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    expect(os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns, "same size and mtime")
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0 and "up to date" not in p.stderr, p.stderr)
    expect(ids(db, "qqomega") == ["f02.txt:1"], "the edit is indexed")
    shutil.rmtree(tmp)


def test_two_files_swapped_are_seen():
    tmp, src, db = setup({"a.txt": "Đoạn qqone ở đây.\n", "b.txt": "Đoạn qqtwo ở đây.\n"})
    a, b = os.path.join(src, "a.txt"), os.path.join(src, "b.txt")
    t = os.stat(a).st_mtime_ns
    os.utime(b, ns=(t, t))
    p = vnindex("--db", db, "--update", src)  # record the equal mtimes
    expect(p.returncode == 0, p.stderr)
    tmpname = os.path.join(src, "swap")
    os.rename(a, tmpname)
    os.rename(b, a)
    os.rename(tmpname, b)
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0 and "up to date" not in p.stderr, p.stderr)
    expect(ids(db, "qqone") == ["b.txt:1"] and ids(db, "qqtwo") == ["a.txt:1"], "each text under its new name")
    shutil.rmtree(tmp)


def test_an_unchanged_copy_is_not_reindexed():
    tmp, src, db = setup(texts(3, "qqalpha"))
    copy = os.path.join(tmp, "copy")
    shutil.copytree(src, copy)  # new inodes and ctimes, same bytes
    shutil.rmtree(src)
    os.rename(copy, src)
    time.sleep(0.01)
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0 and "up to date" in p.stderr, f"the bytes decide: {p.stderr}")
    shutil.rmtree(tmp)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
raise SystemExit(main(TESTS))
