#!/usr/bin/env python3
"""Regenerates the legacy-encoding test files from corpus paragraphs.

    python3 tests/data/encodings/make-encodings.py     (needs glibc's iconv)

Each paragraph set is written as UTF-8 (the reference: NFC, typographic
punctuation made ASCII, since VISCII has none) and in every encoding old
Vietnamese files come in: CP1258, VISCII and TCVN3 (TCVN5712-1) by glibc's
iconv, VNI-Windows by the table below (typed in from the VNI fonts' order,
independently of vntext/legacy.c, so the two check each other), UTF-16LE
by Python.  test-vntext decodes each and compares with the reference;
test-encodings.py indexes the folder as a whole.
"""
import os
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "..", "corpus")

# (set name, corpus file, 1-based line numbers of the paragraphs taken)
SETS = [
    ("gms", "gms-overview.txt", [1, 3, 5, 15, 17]),
    ("mkc", "mekong-frameworks.txt", [2, 3, 4]),
    ("mjc", "mekong-frameworks.txt", [186, 196]),
]

ASCII_PUNCT = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00a0": " ",
               "·": "-", "\uf0a7": "-"}

# VNI-Windows: the byte after a vowel for (quality, tone), lower case; upper
# case is the same byte minus 0x20.
TONES = {"\u0301": 0xF9, "\u0300": 0xF8, "\u0309": 0xFB, "\u0303": 0xF5, "\u0323": 0xEF}
CIRC = {None: 0xE2, "\u0301": 0xE1, "\u0300": 0xE0, "\u0309": 0xE5, "\u0303": 0xE3, "\u0323": 0xE4}
BREVE = {None: 0xEA, "\u0301": 0xE9, "\u0300": 0xE8, "\u0309": 0xFA, "\u0303": 0xFC, "\u0323": 0xEB}
I_TONES = {"\u0301": 0xED, "\u0300": 0xEC, "\u0309": 0xE6, "\u0303": 0xF3, "\u0323": 0xF2}


def vni_char(ch):
    if ch == "đ":
        return bytes([0xF1])
    if ch == "Đ":
        return bytes([0xD1])
    if ord(ch) < 0x80:
        return ch.encode()
    d = unicodedata.normalize("NFD", ch)
    base, marks = d[0], d[1:]
    upper = base.isupper()
    shift = 0x20 if upper else 0
    quality = next((m for m in marks if m in "\u0302\u0306\u031b"), None)
    tone = next((m for m in marks if m in TONES), None)
    if base not in "aeiouyAEIOUY" or len(marks) != (quality is not None) + (tone is not None):
        return ch.encode("cp1252")  # punctuation the VNI fonts share with Windows-1252
    low = base.lower()
    if low == "i":
        return bytes([I_TONES[tone] - shift])
    if low == "y" and tone == "\u0323":
        return bytes([0xEE - shift])
    if quality == "\u031b":  # horn: ơ ư are one byte, the tone follows
        out = bytes([(0xF4 if low == "o" else 0xF6) - shift])
        return out + (bytes([TONES[tone] - shift]) if tone else b"")
    if quality == "\u0302":
        return base.encode() + bytes([CIRC[tone] - shift])
    if quality == "\u0306":
        return base.encode() + bytes([BREVE[tone] - shift])
    return base.encode() + bytes([TONES[tone] - shift])


def vni(text):
    return b"".join(vni_char(c) for c in text)


def iconv(text, to):
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", to], input=text.encode(), capture_output=True,
                          check=True).stdout


def main():
    for name, src, lines in SETS:
        with open(os.path.join(CORPUS, src), encoding="utf-8") as fp:
            all_lines = fp.read().split("\n")
        paras = []
        for n in lines:
            line = all_lines[n - 1]
            if "[" in line:
                line = line.split("[footnoteRef")[0].split("[bookmark: ")[-1].split("]")[-1]
            for k, v in ASCII_PUNCT.items():
                line = line.replace(k, v)
            paras.append(unicodedata.normalize("NFC", line.strip()))
        text = "\n\n".join(paras) + "\n"
        out = {
            "utf8": text.encode(),
            "cp1258": iconv(text, "CP1258"),
            "viscii": iconv(text, "VISCII"),
            "tcvn3": iconv(text, "TCVN5712-1"),
            "vni": vni(text),
            "utf16le": text.encode("utf-16-le"),
        }
        for enc, data in out.items():
            with open(os.path.join(HERE, f"{name}.{enc}.txt"), "wb") as fp:
                fp.write(data)
        print(f"{name}: {len(text)} characters in {len(out)} encodings", file=sys.stderr)


if __name__ == "__main__":
    main()
