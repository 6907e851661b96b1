#!/usr/bin/env bash
# Train the learnable enhancers of the demo zoo on the dark demo train split (unsupervised: no
# normal-light image is ever used), plainly and with SDAG guidance, for several seeds, and export
# plain state dicts to checkpoints/demo_zoo/<method>[_sdag]_s<seed>.pth (the files the configs in
# configs/demo_zoo/ load).
#
#   bash tools/train_demo_zoo.sh                                   # everything (1.5-2 h, 2 cores)
#   METHODS="zerodce" SEEDS="0 1 2" ITERS=300 bash tools/train_demo_zoo.sh
#
# The short CPU schedule (ITERS iterations, batch 8, 128-px crops, learning rate below) replaces
# the official thousands of iterations; it is the same for the plain and the guided run of a
# method, so the comparison is fair. JOBS runs go in parallel, one thread each.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
METHODS=${METHODS:-zerodce zerodce_pp sci ruas}
SEEDS=${SEEDS:-0 1 2}
ITERS=${ITERS:-300}
JOBS=${JOBS:-2}
export OMP_NUM_THREADS=1 PY ITERS
mkdir -p checkpoints/demo_zoo work_dirs/demo_zoo

# Learning rate of the short schedule: 10x Zero-DCE's 1e-4 for Zero-DCE and Zero-DCE++; SCI keeps
# its official 3e-4 (at 1e-3 its illumination saturates at 1 within 150 iterations, where the clamp
# stops every gradient, and it becomes the identity); RUAS keeps its official SGD rate.
lr_of() {
  case "$1" in
    ruas) echo 0.015 ;;
    sci) echo 3e-4 ;;
    *) echo 1e-3 ;;
  esac
}

# The guided config of each method (configs/sdag/<name>_sdag.py).
guided_of() {
  case "$1" in
    zerodce_pp) echo zerodcepp_sdag ;;
    *) echo "$1_sdag" ;;
  esac
}

train_one() {  # config output-name seed lr
  local config=$1 name=$2_s$3 seed=$3 lr=$4
  "$PY" tools/train.py "$config" --work-dir "work_dirs/demo_zoo/$name" --seed "$seed" \
    --cfg-options train_cfg.max_iters="$ITERS" optim_wrapper.optimizer.lr="$lr" \
    default_hooks.checkpoint.interval="$ITERS" > "work_dirs/demo_zoo/$name.log" 2>&1 \
    || { echo "FAILED: $name (see work_dirs/demo_zoo/$name.log)"; return 1; }
  "$PY" tools/export_state_dict.py "work_dirs/demo_zoo/$name/iter_$ITERS.pth" \
    "checkpoints/demo_zoo/$name.pth" > /dev/null
  echo "done: checkpoints/demo_zoo/$name.pth"
}
export -f train_one

# One job per (seed, method, plain|guided), seeds outermost so that seed 0 of every method is
# ready first.
for seed in $SEEDS; do
  for method in $METHODS; do
    lr=$(lr_of "$method")
    echo "configs/enhancers/$method.py $method $seed $lr"
    echo "configs/sdag/$(guided_of "$method").py ${method}_sdag $seed $lr"
  done
done | xargs -P "$JOBS" -L 1 bash -c 'train_one "$@"' _
