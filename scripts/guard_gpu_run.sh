#!/bin/bash
# One GPU-machine run of the injection classifier's whole evaluation, four trainings side by side on one GPU
# (a 4-layer MiniLM leaves an H100 mostly idle; four processes took ~2.5-3 minutes of wall time in all):
#   1. 5-fold CV (seed 7) + the final model's fine-tuned weights (delta, exported on CPU afterwards)
#   2. 5-fold CV with seed 8 (the shipped threshold comes from both seeds' out-of-fold scores)
#   3-4. leave-one-source-out over every public source, split in two
# Results land in $OUT (the device tool's output folder): results.json (CV, second seed, LOSO with per-window
# scores, what train_guard.py --prefilter and guard_training/report.py read), delta.part*.safetensors, logs.txt.
#
#   here:    .venv/bin/python scripts/pack_guard_base.py pack .guard_pack      (after changing the training rows)
#   there:   bash scripts/guard_gpu_run.sh [extra train_guard.py args, e.g. --epochs 5]   (carry .guard_pack)
#            two recipes side by side (8 processes, ~6 min with --epochs 5; each lane leaves 4 files in $OUT/LANE,
#            8 in all, the most the device tool brings back: do not tar them, a tar of both is over its 16 MiB):
#            python3 scripts/pack_guard_base.py rebuild .guard_pack .guard_base
#            LANE=a bash scripts/guard_gpu_run.sh --epochs 5 & LANE=b bash scripts/guard_gpu_run.sh ... & wait
#   here:    .venv/bin/python scripts/train_guard.py --export-from-delta D/delta.part0.safetensors D/delta.part1.safetensors
# The device tool sends at most 64 MiB: the tracked tree (~55 MB, most of it the three ONNX/npz models, which
# training does not read) and the 21 MB pack are over it. For the call, take the models out of the index and
# ignore them, then put them back (the files stay on disk):
#   M="services/guard/models/injection/model.int8.onnx services/guard/models/embedder/encoder.int8.onnx
#      services/guard/models/prefilter/prefilter.npz"; git rm -q --cached $M; printf '/%s\n' $M >> .git/info/exclude
#   ... the device call ...;  git reset -q; remove those lines from .git/info/exclude
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
OUT=${OUT:?set OUT to the output folder}/${LANE:-}
T=/tmp/gpu-${LANE:-run}  # this lane's logs and partial results
mkdir -p "$OUT" "$T"
[ -f .guard_base/config.json ] || python3 scripts/pack_guard_base.py rebuild .guard_pack .guard_base || exit 1
common=(--base-model .guard_base --no-export --budget-s "${BUDGET:-420}" "$@")
python3 scripts/train_guard.py "${common[@]}" --cv 5 --delta-out "$OUT/delta" --results $T/cv.json > $T/cv.log 2>&1 &
python3 scripts/train_guard.py "${common[@]}" --cv 5 --seed 8 --no-final --results $T/cv8.json > $T/cv8.log 2>&1 &
python3 scripts/train_guard.py "${common[@]}" --no-final --loso --loso-sources jackhhao jbb_artifacts deepset \
    --results $T/l1.json > $T/l1.log 2>&1 &
python3 scripts/train_guard.py "${common[@]}" --no-final --loso --loso-sources bipia notinject self_instruct \
    wildguard_benign --results $T/l2.json > $T/l2.log 2>&1 &
wait
T=$T python3 - <<'PY'
import json, os
T = os.environ["T"]

def load(path):
    return json.load(open(path)) if os.path.exists(path) else {}

merged = load(T + "/cv.json")  # a step that did not finish (budget, crash) is simply absent
seed8 = load(T + "/cv8.json")
if "cv" in seed8:
    merged["cv_seed8"], merged["cv_seed8_threshold"] = seed8["cv"], seed8["cv_threshold"]
for part in (seed8, load(T + "/l1.json"), load(T + "/l2.json")):
    merged.setdefault("rows", part.get("rows"))
    for key in ("loso", "loso_windows"):
        merged.setdefault(key, {}).update(part.get(key, {}))
json.dump(merged, open(os.environ["OUT"] + "/results.json", "w"))
PY
for f in cv cv8 l1 l2; do echo "=== $f"; grep -v "UNEXPECTED\|^$\|Notes:\|can be ignored\|Loading weights\|LOAD REPORT\|epoch" \
    $T/$f.log | grep -v "^encoder\|^pooler\|^embeddings\|^---\|^Key "; done > "$OUT/logs.txt"
grep -A9 "out-of-fold\|train without\|skip" "$OUT/logs.txt"
