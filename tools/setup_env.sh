#!/usr/bin/env bash
# Create .venv (if missing) and install the OpenMMLab stack + sdag_bench, idempotently.
#
# torch==2.13.0 is pinned to the CPU build; mmcv==2.1.0 is installed WITH compiled ops:
# from a prebuilt wheel in $SDAG_WHEELS (default ../shared/wheels) when present, else built
# from source (MMCV_WITH_OPS=1, about 30 minutes on 2 cores). A second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY=${PYTHON:-python3.11}
WHEELS=${SDAG_WHEELS:-../shared/wheels}
STAMP="$VENV/.sdag_bench_installed"
REQ_HASH=$( (cat tools/setup_env.sh setup.cfg pyproject.toml 2>/dev/null) | sha256sum | cut -c1-16)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQ_HASH" ]; then
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip "$@"; }
have() { "$VENV/bin/python" - "$@" <<'PYEOF'
import importlib.metadata as m, sys
name, ver = sys.argv[1], sys.argv[2]
try:
    sys.exit(0 if m.version(name).split('+')[0] == ver else 1)
except m.PackageNotFoundError:
    sys.exit(1)
PYEOF
}

pip install -q --disable-pip-version-check --upgrade 'pip>=24' 'setuptools>=77,<80' wheel
have torch 2.13.0 || pip install -q torch==2.13.0
pip install -q 'numpy<2.5' ninja psutil mmengine==0.10.7

if ! "$VENV/bin/python" -c 'import mmcv, mmcv._ext; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
  if ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    echo "[setup] installing mmcv 2.1.0 (with ops) from $WHEELS"
    pip install -q --no-deps --find-links "$WHEELS" --no-index mmcv==2.1.0
    pip install -q addict packaging Pillow pyyaml yapf opencv-python
  else
    echo "[setup] no prebuilt mmcv wheel: building mmcv 2.1.0 with ops from source (~30 min on 2 cores)"
    MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=$(nproc) pip install --no-build-isolation mmcv==2.1.0
  fi
fi
"$VENV/bin/python" -c 'import mmcv._ext' || { echo "mmcv compiled ops missing" >&2; exit 1; }

pip install -q mmdet==3.3.0 pycocotools opencv-python pandas matplotlib scipy tqdm pytest \
    tabulate scikit-image
pip install -q --no-deps --no-build-isolation -e .
"$VENV/bin/python" -c 'from mmcv.ops import nms, RoIAlign; import mmdet, sdag_bench'
echo "$REQ_HASH" > "$STAMP"
echo "[setup] environment ready in $VENV"
