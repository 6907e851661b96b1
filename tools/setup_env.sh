#!/usr/bin/env bash
# Create .venv (if missing) and install the OpenMMLab stack + sdag_bench, idempotently.
#
# Every version comes from requirements/constraints.txt (the stack the suite is tested with); the
# package is installed WITH its dependencies (`pip install -e .[tests] -c constraints`), so a
# package imported but not declared in setup.cfg is missing here and the tests say so.
#
# torch: $SDAG_TORCH_SPEC (default torch==2.13.0) from pip's usual sources, plus
# $SDAG_TORCH_INDEX_URL as an extra index when set, e.g. https://download.pytorch.org/whl/cpu for
# the small CPU-only build or https://download.pytorch.org/whl/cu128 for a CUDA build (README,
# Quick start): 2.13.0+cpu / 2.13.0+cu128 rank above PyPI's 2.13.0, and torch's own dependencies
# still come, pinned, from the usual index.
# mmcv==2.1.0 is installed WITH compiled ops: from a prebuilt CPU wheel in $SDAG_WHEELS (default
# ../shared/wheels) when present and torch is a CPU build, else built from source
# (MMCV_WITH_OPS=1, about 30 minutes on 2 cores; with CUDA ops when torch sees a GPU or
# FORCE_CUDA=1). A second run installs nothing; the stamp changes with this script, setup.cfg,
# pyproject.toml, the constraints file and the torch variables.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY=${PYTHON:-python3.11}
WHEELS=${SDAG_WHEELS:-../shared/wheels}
CONSTRAINTS=requirements/constraints.txt
TORCH_SPEC=${SDAG_TORCH_SPEC:-torch==2.13.0}
TORCH_INDEX_URL=${SDAG_TORCH_INDEX_URL:-}
STAMP="$VENV/.sdag_bench_installed"
REQ_HASH=$( (cat tools/setup_env.sh setup.cfg pyproject.toml "$CONSTRAINTS" 2>/dev/null;
             echo "$TORCH_SPEC $TORCH_INDEX_URL") | sha256sum | cut -c1-16)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQ_HASH" ]; then
  exit 0
fi
[ -f "$CONSTRAINTS" ] || { echo "[setup] $CONSTRAINTS is missing" >&2; exit 1; }

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip "$@"; }
pipc() { pip install -q --disable-pip-version-check -c "$CONSTRAINTS" "$@"; }
have() { "$VENV/bin/python" - "$@" <<'PYEOF'
import importlib.metadata as m, sys
name, ver = sys.argv[1], sys.argv[2]
try:
    sys.exit(0 if m.version(name).split('+')[0] == ver else 1)
except m.PackageNotFoundError:
    sys.exit(1)
PYEOF
}
torch_pin=$(sed -n 's/^torch==\([^ ;#]*\).*/\1/p' "$CONSTRAINTS")

pipc --upgrade pip setuptools wheel
if ! have torch "$torch_pin"; then
  echo "[setup] installing $TORCH_SPEC${TORCH_INDEX_URL:+ from $TORCH_INDEX_URL}"
  if [ -n "$TORCH_INDEX_URL" ]; then
    pipc --extra-index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
  else
    pipc "$TORCH_SPEC"
  fi
fi
# what the mmcv build needs before mmcv itself
pipc numpy ninja psutil mmengine

if ! "$VENV/bin/python" -c 'import mmcv, mmcv._ext; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
  cpu_torch=$("$VENV/bin/python" -c 'import torch; print(int(torch.version.cuda is None))')
  if [ "$cpu_torch" = 1 ] && ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    echo "[setup] installing mmcv 2.1.0 (with CPU ops) from $WHEELS"
    pip install -q --no-deps --find-links "$WHEELS" --no-index mmcv==2.1.0
  else
    echo "[setup] building mmcv 2.1.0 with ops from source (~30 min on 2 cores)"
    MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-0} MAX_JOBS=$(nproc) \
      pipc --no-build-isolation mmcv==2.1.0
  fi
fi
"$VENV/bin/python" -c 'import mmcv._ext' || { echo "mmcv compiled ops missing" >&2; exit 1; }

# the package with every dependency setup.cfg declares (mmdet, pycocotools, pandas, ...), pinned
pipc --no-build-isolation -e '.[tests]'
"$VENV/bin/python" -m pip check
"$VENV/bin/python" -c 'from mmcv.ops import nms, RoIAlign; import mmdet, sdag_bench'
echo "$REQ_HASH" > "$STAMP"
echo "[setup] environment ready in $VENV"
