#!/usr/bin/env python3
"""The messages' translations (issue 28), checked with gettext's own tools:

- po/vnsearch.pot holds exactly the messages the sources of po/POTFILES
  mark (xgettext again, compared): a message marked _() and not in the POT
  means the POT was not remade (`ninja -C BUILD vnsearch-pot`, then
  `msgmerge -U po/vi.po po/vnsearch.pot`);
- every language of po/LINGUAS translates every message of the POT, none
  fuzzy, and its formats match the msgid's (msgfmt --check);
- the programs speak it: vnsearch and vnindex with LANGUAGE=vi say their
  errors in Vietnamese from the compiled catalogue, and in English without.

usage: check-po.py SOURCE_DIR BUILD_DIR
"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile

SOURCE, BUILD = (os.path.abspath(a) for a in sys.argv[1:3])
PO = os.path.join(SOURCE, "po")
problems = []


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def messages(pot):
    """The msgids (and plurals) of a catalogue, sorted, without the header."""
    p = run(["msgcat", "--no-location", "--no-wrap", "--sort-output", pot])
    if p.returncode != 0:
        problems.append(f"{pot}: {p.stderr.strip()}")
        return []
    out = []
    for entry in p.stdout.strip().split("\n\n"):
        if "Content-Type:" in entry and re.search(r'^msgid ""\nmsgstr', entry, re.M):
            continue  # the header
        out.append("\n".join(l for l in entry.splitlines() if l.startswith(("msgid", '"'))))
    return sorted(out)


with tempfile.TemporaryDirectory() as tmp:
    fresh = os.path.join(tmp, "fresh.pot")
    p = run(["xgettext", "--from-code=UTF-8", "--keyword=_", "--keyword=N_", "--keyword=ngettext:1,2",
             "-D", SOURCE, "-f", os.path.join(PO, "POTFILES"), "-o", fresh])
    if p.returncode != 0:
        problems.append("xgettext: " + p.stderr.strip())
    else:
        have, want = messages(os.path.join(PO, "vnsearch.pot")), messages(fresh)
        for m in sorted(set(want) - set(have)):
            problems.append(f"po/vnsearch.pot lacks {m!r}: remake it (ninja vnsearch-pot) and msgmerge")
        for m in sorted(set(have) - set(want)):
            problems.append(f"po/vnsearch.pot has {m!r}, which no source marks any more: remake it")

langs = [l.strip() for l in open(os.path.join(PO, "LINGUAS"), encoding="utf-8") if l.strip() and l[0] != "#"]
if not langs:
    problems.append("po/LINGUAS names no language")
for lang in langs:
    po = os.path.join(PO, lang + ".po")
    p = run(["msgcmp", po, os.path.join(PO, "vnsearch.pot")])
    if p.returncode != 0:
        problems.append(f"po/{lang}.po lacks messages of the POT: {p.stderr.strip()}")
    p = run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po], env=dict(os.environ, LC_ALL="C"))
    stats = p.stderr.strip()
    if p.returncode != 0 or not re.fullmatch(r"\d+ translated messages?\.", stats):
        problems.append(f"po/{lang}.po: every message translated, none fuzzy, formats right: {stats}")

# every string of the page is in pagetext.c's list (so in the POT): its t("...")
# calls' literals (not those of their {name} values) and its data-i18n texts
# and attributes
page = open(os.path.join(SOURCE, "searcher", "web", "index.html"), encoding="utf-8").read()
listed = {json.loads('"' + m + '"') for m in
          re.findall(r'N_\("((?:[^"\\]|\\.)*)"\)', open(os.path.join(SOURCE, "searcher", "pagetext.c"),
                                                       encoding="utf-8").read())}
used = set()
for call in re.finditer(r"\bt\(", page):
    depth, brace, i, n = 1, 0, call.end(), len(page)
    while i < n and depth:
        ch = page[i]
        if ch == '"':
            end = i + 1
            while page[end] != '"':
                end += 2 if page[end] == "\\" else 1
            if depth == 1 and brace == 0:
                used.add(json.loads(page[i:end + 1]))
            i = end
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "{":
            brace += 1
        elif ch == "}":
            brace -= 1
        i += 1
for m in re.finditer(r"<(\w+)[^>]*\sdata-i18n(?=[\s>])[^>]*>([^<]*)<", page):
    used.add(html.unescape(m.group(2).strip()))
for m in re.finditer(r"<[^>]*data-i18n-attr=\"([^\"]+)\"[^>]*>", page):
    for a in m.group(1).split(","):
        v = re.search(r"\s" + a + r'="([^"]*)"', m.group(0))
        if v:
            used.add(html.unescape(v.group(1)))
for m in sorted(used - listed):
    problems.append(f"the page shows {m!r}, which searcher/pagetext.c does not list (so no catalogue has it)")
if len(used) < 50:
    problems.append(f"only {len(used)} strings found in the page: is the scan of t() and data-i18n broken?")

# the programs, in Vietnamese and in English
env = dict(os.environ, LC_ALL="C.UTF-8", VNSEARCH_LOCALEDIR=os.path.join(BUILD, "po"))
env.pop("LANGUAGE", None)
cases = [
    ([os.path.join(BUILD, "searcher", "vnsearch"), "--sort", "x", "q"],
     "vnsearch: --sort: cần relevance (độ liên quan) hoặc date (ngày), nhận được 'x'",
     "vnsearch: --sort: expected relevance or date, got 'x'"),
    ([os.path.join(BUILD, "indexer", "vnindex"), "--threads", "0", "x"],
     "vnindex: --threads: cần một số từ 1 đến 64, nhận được '0'",
     "vnindex: --threads: expected a number from 1 to 64, got '0'"),
]
for cmd, vi, en in cases:
    for language, want in (("vi", vi), (None, en)):
        e = dict(env, LANGUAGE=language) if language else env
        p = run(cmd, env=e)
        if p.stderr.strip() != want or p.returncode != 2:
            problems.append(f"{os.path.basename(cmd[0])} with LANGUAGE={language}: {p.returncode} {p.stderr!r}, "
                            f"expected {want!r}")

for m in problems:
    print(m)
print(f"po: {len(langs)} languages, {len(problems)} problems")
sys.exit(1 if problems else 0)
