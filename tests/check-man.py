#!/usr/bin/env python3
"""The man pages: each renders with `man -l` without a groff warning, has the
sections a man page needs, and documents every option the program's --help
lists (so the two stay in step).

    check-man.py PAGE PROGRAM [SUBCOMMAND...]
"""
import os
import re
import subprocess
import sys

SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES", "ENVIRONMENT", "EXAMPLES"]
# the same in a page of man/vi/ (its Vietnamese summary)
SECTIONS_VI = ["TÊN", "TÓM TẮT", "MÔ TẢ", "TÙY CHỌN", "TRẠNG THÁI THOÁT", "TỆP", "MÔI TRƯỜNG", "VÍ DỤ"]


def main():
    page, program, subcommands = sys.argv[1], sys.argv[2], sys.argv[3:]
    env = dict(os.environ, MANWIDTH="100", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True, env=env)
    problems = []
    if r.returncode != 0:
        problems.append("man -l exited %d: %s" % (r.returncode, r.stderr.strip()))
    if r.stderr.strip():
        problems.append("groff warnings: " + r.stderr.strip().replace("\n", " | "))
    text = re.sub(r".\x08", "", r.stdout)  # overstrike bold/underline
    sections = SECTIONS_VI if os.path.basename(os.path.dirname(os.path.abspath(page))) == "vi" else SECTIONS
    for s in sections:
        if not re.search(r"^%s$" % re.escape(s), text, re.M):
            problems.append("no %s section" % s)
    if "@VERSION@" in text:
        problems.append("@VERSION@ was not substituted")
    # the English --help, whatever the caller's LANGUAGE (the pages are English)
    english = dict(os.environ, LC_ALL="C.UTF-8")
    english.pop("LANGUAGE", None)
    helps = [subprocess.run([program, "--help"], capture_output=True, text=True, env=english).stdout]
    for sub in subcommands:
        helps.append(subprocess.run([program, sub, "--help"], capture_output=True, text=True, env=english).stdout)
    options = set()
    for h in helps:
        options |= set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", h))
    if len(options) < 5:
        problems.append("%s --help lists only %d options: is it the right program?" % (program, len(options)))
    flat = text.replace("\u2010", "-").replace("\u2212", "-")
    for opt in sorted(options):
        if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), flat):
            problems.append("%s is in --help but not in the man page" % opt)
    for p in problems:
        print("%s: %s" % (os.path.basename(page), p))
    if problems:
        return 1
    print("%s: renders cleanly, %d sections, %d options documented" % (os.path.basename(page), len(sections),
                                                                       len(options)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
