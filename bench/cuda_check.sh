#!/usr/bin/env bash
# The GPU check of the CUDA backend, in one go (under 5 minutes on an H100/H200):
# build lralg with LRALG_CUDA=ON, run the tests marked `cuda`, run a short benchmark.
#
#   bash bench/cuda_check.sh            # FastRP, projection: 1e6 rows; completion: 1e7 observations;
#                                       # truncated and incremental SVD, top eigenvector: 1e5 x 2e4
#   QUICK=1 bash bench/cuda_check.sh    # 1e5 rows, 1e6 observations, 2e4 x 4e3
#
# The benchmark prints each row as it is measured, so a run cut by the timeout keeps its numbers.
#
# Needs nvcc (CUDA_HOME, default /usr/local/cuda) and a Python environment with
# the test extra; the build requirements (scikit-build-core, pybind11,
# cmeel-eigen) are taken from that environment when present, so the build
# works offline. CuPy, when installed, is timed beside lralg.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CUDA_HOME:-/usr/local/cuda}/bin:$PATH"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
PYTHON="${PYTHON:-python}"

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || echo "nvidia-smi: no GPU listed"
nvcc --version | tail -1

start=$(date +%s)
isolation=()
if "$PYTHON" -c "import scikit_build_core, pybind11, cmeel" 2>/dev/null; then
  isolation=(--no-build-isolation)
fi
LRALG_CUDA=ON "$PYTHON" -m pip install -q "${isolation[@]}" -e . -Cbuild-dir="build/cuda-{wheel_tag}"
echo "build: $(($(date +%s) - start)) s"

"$PYTHON" -c "import lralg; lralg.show_config()" | grep -E "^(version|cuda)"
"$PYTHON" -m pytest tests/test_cuda.py tests/test_cuda_arrays.py -q -p no:cacheprovider
echo "tests: $(($(date +%s) - start)) s"

quick=()
if [ -n "${QUICK:-}" ]; then quick=(--quick); fi
timeout 240 "$PYTHON" -m bench.cuda "${quick[@]}" --repeat 3
echo "total: $(($(date +%s) - start)) s"
