#!/usr/bin/env bash
# Fine-tune the demo detector on the dark demo train split behind each frozen demo enhancer
# (no enhancement, the project-trained Zero-DCE and RUAS, plain and SDAG-guided, seed-0 weights),
# for several fine-tuning seeds, and export the detector weights (float16, enhancer excluded,
# meta['frozen_enhancer'] kept) to checkpoints/demo_finetuned/<row>_s<seed>.pth, the files
# configs/benchmark/demo_finetuned.py pairs with each row.
#
#   bash tools/finetune_demo_zoo.sh                # 10 runs: about 1 h on 2 busy cores, JOBS=2-5
#   ROWS="identity zerodce" SEEDS="0" bash tools/finetune_demo_zoo.sh
#
# Schedule: configs/detectors/demo_retinanet_finetuned.py (one epoch from the normal-light
# weights). JOBS runs go in parallel, one thread each.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
ROWS=${ROWS:-identity zerodce zerodce_sdag ruas ruas_sdag}
SEEDS=${SEEDS:-0 1}
JOBS=${JOBS:-2}
CONFIG=configs/detectors/demo_retinanet_finetuned.py
export OMP_NUM_THREADS=1 PY CONFIG
mkdir -p checkpoints/demo_finetuned work_dirs/demo_finetuned

# The enhancer config and checkpoint of a row ('' = the config's none).
enhancer_of() {
  case "$1" in
    identity) echo "configs/enhancers/identity.py None" ;;
    *) echo "configs/demo_zoo/$1.py checkpoints/demo_zoo/$1_s0.pth" ;;
  esac
}

finetune_one() {  # row seed enhancer-config enhancer-checkpoint
  local row=$1 seed=$2 config=$3 checkpoint=$4 name=$1_s$2
  "$PY" tools/train.py "$CONFIG" --work-dir "work_dirs/demo_finetuned/$name" --seed "$seed" \
    --cfg-options frozen_enhancer.config="$config" frozen_enhancer.checkpoint="$checkpoint" \
    > "work_dirs/demo_finetuned/$name.log" 2>&1 \
    || { echo "FAILED: $name (see work_dirs/demo_finetuned/$name.log)"; return 1; }
  "$PY" tools/export_state_dict.py --half "work_dirs/demo_finetuned/$name/epoch_1.pth" \
    "checkpoints/demo_finetuned/$name.pth" > /dev/null
  echo "done: checkpoints/demo_finetuned/$name.pth"
}
export -f finetune_one

for seed in $SEEDS; do
  for row in $ROWS; do
    echo "$row $seed $(enhancer_of "$row")"
  done
done | xargs -P "$JOBS" -L 1 bash -c 'finetune_one "$@"' _
