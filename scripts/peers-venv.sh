#!/bin/sh
# Makes the project-local virtual environment that the peer backends (mlx,
# torch; src/backend/backend_peer.c) run in, and installs numpy, MLX (CPU
# build) and PyTorch (CPU build) into it. Idempotent: does nothing when all
# three already import. Never fails: without python3-venv or a network the
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

imports() { "$venv/bin/python3" -c "import $1" >/dev/null 2>&1; }

if [ "${PEERS-1}" = 0 ]; then
    note "PEERS=0: not setting up the peers (mlx, torch); they will be skipped"
    exit 0
fi
if [ -x "$venv/bin/python3" ] && imports numpy && imports mlx.core && imports torch; then
    exit 0
fi
note "installing the peers' packages (numpy, mlx[cpu], torch) into $venv;" \
     "torch from PyPI brings its CUDA libraries, about 5 GB in all."
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
for m in numpy mlx.core torch; do
    if imports $m; then
        note "$m: $("$venv/bin/python3" -c "import $m as x; print(getattr(x, '__version__', '?'))" 2>/dev/null)"
    else
        note "$m: not available"
    fi
done
exit 0
