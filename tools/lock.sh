#!/usr/bin/env bash
# Regenerate every lock in requirements/ from pyproject.toml (run through `make lock`).
#
#   cpu-dev.txt   runtime + dev, CPU torch: what `make test`, CI and `make run` install
#   cpu.txt       runtime only, CPU torch: the Docker CPU image
#   cuda-dev.txt  runtime + dev, PyTorch's CUDA build of the same torch version
#   cuda.txt      runtime only, CUDA build: the Docker GPU profile
#
# cpu-dev.txt is resolved first; the three others are resolved with its versions as
# constraints, so a package has the same version in every lock and only torch's build
# (and the CUDA libraries it brings) differ. Output is deterministic: the same registry
# state gives the same files, byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

UV=${UV:?set UV to the uv binary (make lock does)}
TORCH=$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' requirements/torch.txt)
# The CPU build of torch is not on PyPI: it comes from PyTorch's own index, or from a
# local folder of wheels: TORCH_CPU_LINKS=/path, or the folders pip is configured with
# (find-links) when they hold that exact build.
LINKS=${TORCH_CPU_LINKS:-}
if [[ -z "$LINKS" ]]; then
    LINKS=https://download.pytorch.org/whl/cpu/torch/
    PY=${PYTHON:-python3}
    if "$PY" -m pip install --dry-run --quiet --no-index --no-deps "torch==$TORCH+cpu" \
            >/dev/null 2>&1; then
        configured="${PIP_FIND_LINKS:-} $("$PY" -m pip config get global.find-links 2>/dev/null)"
        for folder in $configured; do
            if compgen -G "$folder/torch-$TORCH+cpu-*.whl" >/dev/null; then LINKS=$folder; fi
        done
    fi
fi
COMMON=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
        --no-strip-extras --quiet --custom-compile-command "make lock")
# A fixed scratch folder (ignored by git): its paths show in the locks' "via" notes, so a
# random temporary name would make two runs differ.
tmp=build/lock
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

printf 'torch==%s+cpu\n' "$TORCH" >"$tmp/cpu.txt"
"$UV" pip compile pyproject.toml requirements/build.in --extra dev "${COMMON[@]}" \
    --find-links "$LINKS" --no-emit-find-links -c "$tmp/cpu.txt" -o requirements/cpu-dev.txt

# The versions just locked, without hashes and torch's build, as constraints for the rest.
sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' requirements/cpu-dev.txt | grep -v '^torch==' \
    >"$tmp/pins.txt"
cp "$tmp/pins.txt" "$tmp/pins-cuda.txt"
cat "$tmp/cpu.txt" >>"$tmp/pins.txt"
printf 'torch==%s\n' "$TORCH" >>"$tmp/pins-cuda.txt"

"$UV" pip compile pyproject.toml requirements/build.in "${COMMON[@]}" \
    --find-links "$LINKS" --no-emit-find-links -c "$tmp/pins.txt" -o requirements/cpu.txt
"$UV" pip compile pyproject.toml requirements/build.in --extra dev "${COMMON[@]}" \
    -c "$tmp/pins-cuda.txt" -o requirements/cuda-dev.txt
"$UV" pip compile pyproject.toml requirements/build.in "${COMMON[@]}" \
    -c "$tmp/pins-cuda.txt" -o requirements/cuda.txt
"$UV" pip compile requirements/tools.in "${COMMON[@]}" -o requirements/tools.txt
echo "locked torch $TORCH: requirements/{cpu,cpu-dev,cuda,cuda-dev,tools}.txt"
