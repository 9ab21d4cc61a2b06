#!/usr/bin/env bash
# Create .venv and install the project with its test tools. Safe to run again: it only installs
# what is missing. Offline at run time: nothing here or in the product downloads model weights.
#
#   TORCH_SPEC       which torch to install first (default: torch==2.13.0, the CPU build on this
#                    project's machines).
#   TORCH_INDEX_URL  where that torch comes from, for this one install only. GPU users:
#                    TORCH_SPEC=torch TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
#                    (or their own CUDA index); see models/README.md.
#   EXTRAS           extras to install besides `test` (default: none). GPU users: EXTRAS=gpu, for
#                    gpt-oss in MXFP4 (transformers and kernels pinned together, triton, accelerate).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
# torch first and pinned: an unpinned torch from PyPI pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "${TORCH_SPEC:-torch==2.13.0}" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
.venv/bin/python -m pip install --quiet -e ".[test${EXTRAS:+,$EXTRAS}]"
echo "ready: .venv/bin/rag --help"
