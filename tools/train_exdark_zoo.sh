#!/usr/bin/env bash
# The ExDark zoo, from the real photos to committed checkpoints: SDAG pretrained over the frozen
# stem of darknet YOLOv3-tiny on the ExDark train photos, then Zero-DCE, SCI and RUAS (and
# Zero-DCE++ if listed) trained on the same photos, plainly and with SDAG guidance, per seed.
#
#   bash tools/train_exdark_zoo.sh                       # everything, prints its time
#   STEPS=zoo VARIANTS=plain SEEDS=0 METHODS=zerodce bash tools/train_exdark_zoo.sh
#
# Steps (STEPS, default "sdag zoo"):
#   sdag  python tools/train.py configs/sdag/sdag_pretrain_yolov3_tiny_exdark.py (400 iterations,
#         a checkpoint every 200); tools/sdag_ranking.py on the 30 held-out photos at every
#         checkpoint (the curve: work_dirs/exdark_zoo/sdag_curve/iter_N.json); the checkpoint
#         SDAG_ITER (chosen from that curve) exported to checkpoints/sdag_yolov3_tiny_exdark.pth.
#   zoo   python tools/train.py configs/exdark_zoo/<method>[_sdag].py --seed S, exported to
#         checkpoints/exdark_zoo/<method>[_sdag]_s<S>.pth (the files the configs load). The
#         schedule is the configs' own (configs/exdark_zoo/_base_/exdark_train.py).
# JOBS runs go in parallel, one thread each; seeds outermost, so seed 0 of every method is first.
# Needs ../shared/assets (the photos) and checkpoints/darknet/yolov3_tiny_coco.pth (make darknet).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
STEPS=${STEPS:-sdag zoo}
METHODS=${METHODS:-zerodce sci ruas}
VARIANTS=${VARIANTS:-plain sdag}
SEEDS=${SEEDS:-0 1}
JOBS=${JOBS:-2}
SDAG_CONFIG=configs/sdag/sdag_pretrain_yolov3_tiny_exdark.py
SDAG_WORK=work_dirs/exdark_zoo/sdag_yolov3_tiny_exdark
SDAG_ITER=${SDAG_ITER:-200}
export OMP_NUM_THREADS=1 PY
mkdir -p checkpoints/exdark_zoo work_dirs/exdark_zoo
start=$(date +%s)

if [[ " $STEPS " == *" sdag "* ]]; then
  "$PY" tools/train.py "$SDAG_CONFIG" --work-dir "$SDAG_WORK" > "$SDAG_WORK.log" 2>&1 \
    || { echo "FAILED: SDAG pretraining (see $SDAG_WORK.log)"; exit 1; }
  mkdir -p work_dirs/exdark_zoo/sdag_curve
  for ckpt in "" $(ls "$SDAG_WORK"/iter_*.pth | sort -V); do
    name=$(basename "${ckpt:-iter_0}" .pth)
    "$PY" tools/sdag_ranking.py "$SDAG_CONFIG" ${ckpt:+--checkpoint "$ckpt"} \
      --out "work_dirs/exdark_zoo/sdag_curve/$name.json" | head -1
  done
  "$PY" tools/export_state_dict.py "$SDAG_WORK/iter_$SDAG_ITER.pth" \
    checkpoints/sdag_yolov3_tiny_exdark.pth > /dev/null
  echo "done: checkpoints/sdag_yolov3_tiny_exdark.pth (iteration $SDAG_ITER)"
fi

train_one() {  # config-name seed
  local name=$1 seed=$2 work="work_dirs/exdark_zoo/$1_s$2"
  "$PY" tools/train.py "configs/exdark_zoo/$name.py" --work-dir "$work" --seed "$seed" \
    > "$work.log" 2>&1 || { echo "FAILED: $name seed $seed (see $work.log)"; return 1; }
  "$PY" tools/export_state_dict.py "$(cat "$work/last_checkpoint")" \
    "checkpoints/exdark_zoo/$1_s$2.pth" > /dev/null
  echo "done: checkpoints/exdark_zoo/$1_s$2.pth"
}
export -f train_one

if [[ " $STEPS " == *" zoo "* ]]; then
  for seed in $SEEDS; do
    for method in $METHODS; do
      if [[ " $VARIANTS " == *" plain "* ]]; then echo "$method $seed"; fi
      if [[ " $VARIANTS " == *" sdag "* ]]; then echo "${method}_sdag $seed"; fi
    done
  done | xargs -P "$JOBS" -L 1 bash -c 'train_one "$@"' _
fi
echo "train_exdark_zoo.sh ($STEPS): $(( $(date +%s) - start )) s on this machine"
