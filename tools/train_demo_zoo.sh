#!/usr/bin/env bash
# Train learnable enhancers on the dark demo train split (unsupervised: no normal-light image is
# ever used), plainly and with SDAG guidance, for several seeds, and export plain state dicts to
# checkpoints/trained/<config>_s<seed>.pth.
#
#   METHODS="zerodce" SEEDS="0 1 2" ITERS=300 LR=1e-3 bash tools/train_demo_zoo.sh
#
# The short CPU schedule (ITERS at learning rate LR) replaces the official 5000+ iterations at
# 1e-4. Two runs go in parallel, one thread each.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
METHODS=${METHODS:-zerodce}
SEEDS=${SEEDS:-0 1 2}
ITERS=${ITERS:-300}
LR=${LR:-1e-3}
export OMP_NUM_THREADS=1
mkdir -p checkpoints/trained work_dirs/zoo

train() {  # config seed
  local name
  name=$(basename "$1" .py)_s$2
  "$PY" tools/train.py "$1" --work-dir "work_dirs/zoo/$name" --seed "$2" \
    --cfg-options train_cfg.max_iters="$ITERS" optim_wrapper.optimizer.lr="$LR" \
    default_hooks.checkpoint.interval="$ITERS" > "work_dirs/zoo/$name.log" 2>&1
  "$PY" tools/export_state_dict.py "work_dirs/zoo/$name/iter_$ITERS.pth" \
    "checkpoints/trained/$name.pth"
}

for method in $METHODS; do
  for seed in $SEEDS; do
    train "configs/enhancers/$method.py" "$seed" &
    train "configs/sdag/${method}_sdag.py" "$seed"
    wait
  done
done
