#!/bin/sh
# gpu-run.sh [mcbench run OPTIONS...] - runs on the GPU host, from the folder
# scripts/gpu-pack.sh filled (carried there whole or in parts, see
# docs/gpu-host.md). Unpacks into $MCB_ROOT (default /tmp/mcb, which lasts
# while the machine does):
#
#   mcbench.tar.xz         -> $MCB_ROOT/mcbench (bin, lib, suites)
#   mlx-cuda.whl.part-*    -> kept in $MCB_ROOT/parts; once every part is
#                             there (mlx-cuda.sha256), mlx and mlx-cuda are
#                             unpacked into $MCB_ROOT/site, with the host's
#                             nvidia/ CUDA libraries (torch's) linked beside
#                             them, where libmlx.so's RPATH looks
#   mcbench/model/, model.safetensors.part-*
#                          -> $MCB_ROOT/model: the model's small files from
#                             the tarball, its weights once every part is
#                             there (model.sha256); MCBENCH_MODEL_DIR names it
#
# then, with options, runs `mcbench run OPTIONS` in $MCB_ROOT/mcbench with
# the carried libraries on LD_LIBRARY_PATH (for mcbench alone: the peers'
# python3 starts through a wrapper without it, with $MCB_ROOT/site on
# PYTHONPATH) and the NVIDIA OpenCL ICD registered. With no options it
# unpacks, checks and says what it found. MCB_DB names the db (default
# $MCB_ROOT/gpu.sqlite). The run records the commit gpu-pack.sh built.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=${MCB_ROOT:-/tmp/mcb}
db=${MCB_DB:-$root/gpu.sqlite}
mkdir -p "$root/parts"

say() { echo "gpu-run: $*"; }

# ------------------------------------------------------------------ unpack
for p in "$here"/mlx-cuda.whl.part-* "$here"/mlx-cuda.sha256 "$here"/mlx-[0-9]*.whl \
         "$here"/model.safetensors.part-* "$here"/model.sha256; do
    [ -f "$p" ] && cp "$p" "$root/parts/"
done
if [ -f "$here/mcbench.tar.xz" ]; then
    rm -rf "$root/mcbench"
    xz -dc "$here/mcbench.tar.xz" | tar -C "$root" -xf -
fi
[ -x "$root/mcbench/bin/mcbench" ] || { say "no mcbench.tar.xz carried or unpacked yet"; exit 1; }

icd=/usr/local/nvidia/lib64/libnvidia-opencl.so.1
if [ -f "$icd" ] && ! grep -qs "$icd" /etc/OpenCL/vendors/*.icd; then
    mkdir -p /etc/OpenCL/vendors
    echo "$icd" > /etc/OpenCL/vendors/nvidia.icd
fi

site=$root/site
if [ ! -d "$site/mlx" ] && [ -f "$root/parts/mlx-cuda.sha256" ]; then
    have=$(cat "$root"/parts/mlx-cuda.whl.part-* 2>/dev/null | sha256sum | cut -d' ' -f1)
    if [ "$have" = "$(cat "$root/parts/mlx-cuda.sha256")" ]; then
        mkdir -p "$site.tmp"
        python3 -m zipfile -e "$(ls "$root"/parts/mlx-[0-9]*.whl | head -n 1)" "$site.tmp"
        cat "$root"/parts/mlx-cuda.whl.part-* > "$root/parts/mlx-cuda.whl"
        python3 -m zipfile -e "$root/parts/mlx-cuda.whl" "$site.tmp"
        nv=$(python3 -c 'import nvidia, os; print(os.path.realpath(list(nvidia.__path__)[0]))' 2>/dev/null || true)
        [ -n "$nv" ] && ln -sfn "$nv" "$site.tmp/nvidia"
        mv "$site.tmp" "$site"
        rm -f "$root"/parts/mlx-cuda.whl.part-* "$root/parts/mlx-cuda.whl"
        say "mlx for CUDA unpacked into $site"
    else
        say "mlx for CUDA: $(ls "$root"/parts/mlx-cuda.whl.part-* 2>/dev/null | wc -l) part(s) here, not all yet"
    fi
fi

model=$root/model
if [ -d "$root/mcbench/model" ]; then
    mkdir -p "$model"
    cp -R "$root/mcbench/model/." "$model/"
fi
if [ ! -f "$model/model.safetensors" ] && [ -f "$root/parts/model.sha256" ]; then
    have=$(cat "$root"/parts/model.safetensors.part-* 2>/dev/null | sha256sum | cut -d' ' -f1)
    if [ "$have" = "$(cat "$root/parts/model.sha256")" ]; then
        cat "$root"/parts/model.safetensors.part-* > "$model/model.safetensors.tmp"
        mv "$model/model.safetensors.tmp" "$model/model.safetensors"
        rm -f "$root"/parts/model.safetensors.part-*
        say "model weights assembled in $model"
    else
        say "model weights: $(ls "$root"/parts/model.safetensors.part-* 2>/dev/null | wc -l) part(s) here, not all yet"
    fi
fi
[ -f "$model/vocab.txt" ] && export MCBENCH_MODEL_DIR=$model

cat > "$root/python3" <<EOF
#!/bin/sh
unset LD_LIBRARY_PATH
export PYTHONPATH=$site\${PYTHONPATH:+:\$PYTHONPATH}
exec python3 "\$@"
EOF
chmod +x "$root/python3"

cd "$root/mcbench"
export LD_LIBRARY_PATH=$root/mcbench/lib MCBENCH_PYTHON=$root/python3
if [ -f git-commit ] && [ -z "${MCBENCH_GIT_COMMIT:-}" ]; then
    read -r MCBENCH_GIT_COMMIT MCBENCH_GIT_DIRTY < git-commit
    export MCBENCH_GIT_COMMIT MCBENCH_GIT_DIRTY
fi
if [ $# -eq 0 ]; then
    ./bin/mcbench list --suite matmul
    exit 0
fi
./bin/mcbench run --db "$db" "$@"
