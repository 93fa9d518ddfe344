#!/usr/bin/env python3
"""Writes the ids HF's fast tokenizer gives, the fixtures the C WordPiece
(src/lib/wordpiece.c) is checked against by tests/unit/test_wordpiece_hf.c:

  tests/fixtures/corpus-ids.txt          suites/corpus/embeddings.txt
  tests/fixtures/wordpiece/hard.txt      the hard cases below, one a line
  tests/fixtures/wordpiece/hard-ids.txt  and their ids

Each ids file has a '#' header saying how it was made, then a line per
sentence: its ids, space separated, [CLS] first and [SEP] last, no
truncation, no padding (the C tests pad and truncate themselves).

    .venv/bin/python scripts/wordpiece-fixture.py MODEL_DIR
(MODEL_DIR: all-MiniLM-L6-v2's, with tokenizer.json; scripts/model-fetch.sh
prints one.) Run from the top of the tree.
"""
import hashlib
import os
import sys

import tokenizers
from tokenizers import Tokenizer

# What the corpus does not exercise: every step of the BERT normaliser and
# pre-tokenizer, HF's added tokens, the 100-character word limit, and code
# points whose Unicode category changed after HF's Unicode 8.0 tables.
HARD = [
    "Hello, WORLD! It's 3:45 p.m. \u2014 isn't it?",
    "\u00dcn\u00efc\u00f6d\u00e9 \u00c0\u00c9\u00ce\u00d5\u00dc \u00e7\u00e0 et l\u00e0; "
    "Stra\u00dfe, \u03a3\u0391\u03a3 \u03c3\u03bf\u03c6\u03af\u03b1, \u0130stanbul",
    "x[CLS]y [MASK] [cls] [SEP [UNK]] [PAD][PAD]",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3001\u4e2d\u6587\u53e5\u5b50\u3002"
    "\ud55c\uad6d\uc5b4 \ubb38\uc7a5",
    "emoji \U0001f600\U0001f44d\U0001f3fd\u2764\ufe0f flag \U0001f1eb\U0001f1f7 "
    "zwj \U0001f469\u200d\U0001f4bb",
    "tab\there nbsp\u00a0here ideographic\u3000space line\u2028sep para\u2029sep",
    "soft\u00adhyphen zero\u200bwidth bom\ufeffmark rtl\u202emark",
    "control\x01\x02\x7f\x0b\x0c\x85 chars and \ufffd replacement",
    "combining e\u0301 a\u0308 stacked q\u0323\u0307 q\u0307\u0323 "
    "\U0001d165\U0001d16d\U0001d16e ligature \ufb01 \u00bd \u2460 \u2167 \u212b \u2126",
    "$100 + 5% ^caret `tick` ~tilde | pipe \\ backslash @at #hash &amp; *star* _under_",
    "Arabic \u0627\u0644\u0639\u0631\u0628\u064a\u0629 Hebrew \u05e2\u05b4\u05d1\u05b0"
    "\u05e8\u05b4\u05d9\u05ea Hindi \u0939\u093f\u0928\u094d\u0926\u0940 Thai "
    "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",
    "",
    "   ",
    "compat \uf900\uf902 ext-b \U00020000 ext-e \U0002b820 \U0002b920 supplement \U0002f800",
    "since Unicode 8: \u0898 \u2e52 \U00013430 \u166d \u1734 a\u08d3b a\u2e44b",
    "a" * 100,
    "a" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism "
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "unbelievably un-believ-ably UNBELIEVABLY, re\u00e9valuate co\u00f6perate na\u00efvet\u00e9",
    "\u201csmart quotes\u201d \u2018single\u2019 \u00abguillemets\u00bb \u2039one\u203a "
    "\u2026 ellipsis \u2013 en \u2014 em",
    "1,234,567.89 3.14159 2024-06-01 10:30 +44 (0)20 7946 0958 v2.0.1",
    "Greek \u1f00\u1f04\u1f82\u1fb7 Vietnamese Ti\u1ebfng Vi\u1ec7t Polish \u0141\u00f3d\u017a "
    "Turkish \u0131\u0130 Dutch \u0132",
]


def write_ids(tok, lines, out_path, source, model_dir):
    with open(model_dir + "/tokenizer.json", "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        out.write("# Token ids of %s, one line each, from HF tokenizers %s's fast\n"
                  "# tokenizer (tokenizer.json sha256 %s, all-MiniLM-L6-v2),\n"
                  "# no truncation or padding. Made by scripts/wordpiece-fixture.py;\n"
                  "# do not edit.\n" % (source, tokenizers.__version__, digest))
        for e in tok.encode_batch(lines):
            out.write(" ".join(str(i) for i in e.ids) + "\n")


def main():
    model_dir = sys.argv[1]
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    # newline="" keeps a '\r' inside a line as the C code sees it
    with open("suites/corpus/embeddings.txt", encoding="utf-8", newline="") as f:
        corpus = f.read().split("\n")
    if corpus and corpus[-1] == "":
        corpus.pop()
    write_ids(tok, corpus, "tests/fixtures/corpus-ids.txt", "suites/corpus/embeddings.txt",
              model_dir)
    os.makedirs("tests/fixtures/wordpiece", exist_ok=True)
    with open("tests/fixtures/wordpiece/hard.txt", "w", encoding="utf-8", newline="") as f:
        for s in HARD:
            assert "\n" not in s and "\r" not in s
            f.write(s + "\n")
    write_ids(tok, HARD, "tests/fixtures/wordpiece/hard-ids.txt",
              "tests/fixtures/wordpiece/hard.txt (HARD in the script)", model_dir)


if __name__ == "__main__":
    main()
