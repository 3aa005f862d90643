#!/usr/bin/env python3
"""bash completion for vnindex and vnsearch (contrib/bash-completion): every
option the programs' --help lists completes (so a new option cannot be
forgotten), and so do the values that have a fixed set: formats, colours,
framework codes from the table, the serve subcommand, .txt files and
folders.  Runs bash with the bash-completion package's functions, as an
interactive shell would load them; without that package the test says so
and skips, except in CI."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import BUILD, CORPUS, SOURCE, VNINDEX, VNSEARCH, expect, main, run  # noqa: E402

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
SCRIPTS = {"vnindex": os.path.join(SOURCE, "contrib", "bash-completion", "vnindex"),
           "vnsearch": os.path.join(BUILD, "contrib", "vnsearch")}
TMP = tempfile.mkdtemp(prefix="vnsearch-test-")


def complete(line, cwd=TMP):
    """What bash offers at the end of `line`."""
    words = line.split(" ")
    cmd = words[0]
    script = f"""
source {BASH_COMPLETION}
source {SCRIPTS[cmd]}
COMP_LINE={line!r}
COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({" ".join(repr(w) for w in words)})
COMP_CWORD={len(words) - 1}
_{cmd} {cmd} {words[-1]!r} {words[-2]!r}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, cwd=cwd,
                       env=dict(os.environ, VNSEARCH_DATA=CORPUS))
    expect(p.returncode == 0, f"bash: {p.stderr}")
    return sorted(set(w for w in p.stdout.splitlines() if w))


def help_options(*cmd):
    """The options --help lists (vnsearch's usage line for serve aside)."""
    text = run(list(cmd) + ["--help"]).stdout
    if cmd[-1] != "serve":
        text = "\n".join(line for line in text.splitlines() if "vnsearch serve" not in line)
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-n)\b", text)))


def test_every_option_in_help_completes():
    for cmd, line in (([VNINDEX], "vnindex --"), ([VNSEARCH], "vnsearch --"), ([VNSEARCH, "serve"],
                                                                              "vnsearch serve --")):
        offered = complete(line)
        missing = [o for o in help_options(*cmd) if o not in offered and o != "-n"]
        expect(not missing, f"{line}: {missing} not offered (offered: {offered})")
    expect("-n" in complete("vnsearch -"), "vnsearch -n")
    expect("--watch" in complete("vnindex --w") and "--rescan" in complete("vnindex --r"), "vnindex --watch")


def test_values_complete():
    expect(complete("vnsearch --format ") == ["csv", "json", "text", "trec", "tsv"], complete("vnsearch --format "))
    expect(complete("vnsearch --color a") == ["always", "auto"], complete("vnsearch --color a"))
    expect(complete("vnsearch --sort ") == ["date", "relevance"], complete("vnsearch --sort "))
    expect(complete("vnsearch --group ") == ["file", "none"], complete("vnsearch --group "))
    with open(os.path.join(CORPUS, "frameworks.tsv"), encoding="utf-8") as fp:
        codes = sorted(line.split("\t")[0] for line in fp
                       if "\t" in line and not line.startswith("#") and not line.startswith("code\t"))
    expect(complete("vnsearch --framework ") == codes, complete("vnsearch --framework "))
    expect(complete("vnsearch --framework MK") == [c for c in codes if c.startswith("MK")],
           complete("vnsearch --framework MK"))
    expect(complete("vnsearch s") == ["serve"], complete("vnsearch s"))
    expect(complete("vnsearch hop s") == [], "serve is offered after a query word")
    expect("127.0.0.1:8080" in complete("vnsearch serve --listen "), complete("vnsearch serve --listen "))


def test_paths_complete_texts_and_folders():
    d = os.path.join(TMP, "tree")
    os.makedirs(os.path.join(d, "sub"))
    for name in ("a.txt", "b.pdf", "c.TXT"):
        open(os.path.join(d, name), "w").close()
    expect(complete("vnindex ", cwd=d) == ["a.txt", "c.TXT", "sub"], complete("vnindex ", cwd=d))
    expect(complete("vnindex --db ", cwd=d) == ["sub"], complete("vnindex --db ", cwd=d))
    expect(complete("vnsearch --db ", cwd=d) == ["sub"], complete("vnsearch --db ", cwd=d))


if __name__ == "__main__":
    if not os.path.exists(BASH_COMPLETION) or not shutil.which("bash"):
        why = f"{BASH_COMPLETION} is missing (package bash-completion; ./install-deps.sh --tests installs it)"
        if os.environ.get("CI"):
            print("FAIL:", why)
            sys.exit(1)
        print("SKIP:", why)
        sys.exit(77)
    status = main([test_every_option_in_help_completes, test_values_complete, test_paths_complete_texts_and_folders])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(status)
