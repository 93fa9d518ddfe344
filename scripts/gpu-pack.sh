#!/bin/sh
# gpu-pack.sh [DIR] - builds mcbench here and packs what a GPU host needs to
# run it into DIR (default .gpu-pack, git-ignored); docs/gpu-host.md says how
# to carry it and run it there with scripts/gpu-run.sh (copied into DIR).
#
# DIR/mcbench.tar.xz   bin/mcbench, bin/mcreport, suites/ (peer.py too),
#                      kernels/clblast/ (CLBlast's tuned parameters), the
#                      commit built (git-commit: hash and dirty flag) and
#                      the shared libraries the binaries load (ldd), except
#                      glibc's and the compiler runtime's, which the host's
#                      newer ones serve
# DIR/gpu-run.sh       the script to run there
# DIR/mlx-*.whl        with WHEELS=dir holding mlx-V-*.whl and
# DIR/mlx-cuda.whl.part-*      mlx_cuda_13-V-*.whl: the small mlx wheel as
# DIR/mlx-cuda.sha256  it is, and the large CUDA one (90 MB) split as it
#                      is into parts of PART_BYTES (default 45000000) so
#                      that each fits one device call beside the rest; the
#                      sha256 of the whole lets gpu-run.sh know when every
#                      part is there. (A wheel is a zip, already
#                      compressed: xz -9e of its contents saved 15% for
#                      minutes of CPU, and two parts are needed either way.)
# DIR/model.safetensors.part-*  with MODEL=dir (an all-MiniLM-L6-v2 model
# DIR/model.sha256     folder: vocab.txt, tokenizer.json, config.json ...,
#                      model.safetensors): the small files go into
#                      mcbench.tar.xz (mcbench/model/), the 90 MB weights
#                      split into parts of PART_BYTES like the CUDA wheel,
#                      with the sha256 of the whole. Without the weights
#                      there, the embeddings suites' real-model benchmarks
#                      are skipped and the random-weight ones still run.
set -eu
dir=${1:-.gpu-pack}
wheels=${WHEELS:-.whl}
part_bytes=${PART_BYTES:-45000000}

make -j2 all >/dev/null
mkdir -p "$dir"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM

# ------------------------------------------------ mcbench and its libraries
mkdir -p "$stage/mcbench/bin" "$stage/mcbench/lib"
cp bin/mcbench bin/mcreport "$stage/mcbench/bin/"
cp -R suites "$stage/mcbench/"
# CLBlast's tuned parameters (src/backend/ocl_tune.h), found from ./kernels
if [ -d kernels/clblast ]; then
    mkdir -p "$stage/mcbench/kernels"
    cp -R kernels/clblast "$stage/mcbench/kernels/"
fi
# the commit built, for the run's record (MCBENCH_GIT_COMMIT there)
if c=$(git rev-parse HEAD 2>/dev/null); then
    d=0
    [ -z "$(git status --porcelain --untracked-files=no)" ] || d=1
    echo "$c $d" > "$stage/mcbench/git-commit"
fi
ldd bin/mcbench bin/mcreport | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
sort -u | while read -r name path; do
    case $name in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|\
    libstdc++.so.*|libgcc_s.so.*) continue ;;
    esac
    cp -L "$path" "$stage/mcbench/lib/$name"
done
model=${MODEL-}
rm -f "$dir"/model.safetensors.part-* "$dir/model.sha256"
if [ -n "$model" ] && [ -f "$model/vocab.txt" ]; then
    mkdir -p "$stage/mcbench/model"
    find "$model" -maxdepth 1 -type f ! -name model.safetensors \
        -exec cp {} "$stage/mcbench/model/" \;
    [ -d "$model/1_Pooling" ] && cp -R "$model/1_Pooling" "$stage/mcbench/model/"
    if [ -f "$model/model.safetensors" ]; then
        sha256sum "$model/model.safetensors" | cut -d' ' -f1 > "$dir/model.sha256"
        split -b "$part_bytes" "$model/model.safetensors" "$dir/model.safetensors.part-"
    fi
fi
tar -C "$stage" -cf - mcbench | xz -9 > "$dir/mcbench.tar.xz"
cp scripts/gpu-run.sh "$dir/gpu-run.sh"

# ------------------------------------------------------------ mlx for CUDA
small=$(ls "$wheels"/mlx-[0-9]*.whl 2>/dev/null | head -n 1 || true)
cuda=$(ls "$wheels"/mlx_cuda_13-*.whl 2>/dev/null | head -n 1 || true)
if [ -n "$small" ] && [ -n "$cuda" ]; then
    rm -f "$dir"/mlx-[0-9]*.whl "$dir"/mlx-cuda.whl.part-* "$dir/mlx-cuda.sha256"
    cp "$small" "$dir/"
    sha256sum "$cuda" | cut -d' ' -f1 > "$dir/mlx-cuda.sha256"
    split -b "$part_bytes" "$cuda" "$dir/mlx-cuda.whl.part-"
else
    echo "gpu-pack: no mlx and mlx_cuda_13 wheels in $wheels: mlx on CUDA is not packed" >&2
fi
ls -l "$dir" | sed 's/^/gpu-pack: /'
