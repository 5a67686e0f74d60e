#!/bin/bash
# The six-arm JAWS study on 1D viscous Burgers (nu = 0.01, N = 128, GRF initial data):
#   1 one-step MSE              2 + uniform Jacobian penalty     3 + JAWS penalty
#   4 K = 4 unroll              5 K = 4 unroll + JAWS            6 K = 16 unroll
#   7 K = 32 unroll (not in the default ARMS: 2x the time and tape of K = 16)
# trained on t in [0, 1] (frames every 0.02), tested to t = 5 on fresh samples and out of
# distribution (nu = 0.005), over several seeds. Writes OUT/ (data, models, logs, predictions)
# and, through bench/jaws_study.py, the tables OUT/tables.md and docs/images/jaws_*.png.
#
# usage: bench/jaws_study.sh [OUT]    (from the source tree, after building)
# environment: CONFLUX (build/bin/conflux), EPOCHS (30), LR (2e-3, Adam, batch 16), SEEDS ("0 1 2"), JOBS (2 trainings
#   at a time), NTRAIN (8), NTEST (8), WIDTH/LAYERS/MODES/PWIDTH of the FNO (16/2/12/64),
#   LAMBDA (1), BETA (1), RHO (1), SENS (hinge), PROBES (1), ARMS ("1 2 3 4 5 6"),
#   IMGDIR (docs/images), CONFLUX_PYTHON (/usr/bin/python3).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-jaws_study}
CONFLUX=${CONFLUX:-$SRC/build/bin/conflux}
PY=${CONFLUX_PYTHON:-/usr/bin/python3}
EPOCHS=${EPOCHS:-30}
LR=${LR:-2e-3}
SEEDS=${SEEDS:-"0 1 2"}
JOBS=${JOBS:-2}
NTRAIN=${NTRAIN:-8}
NTEST=${NTEST:-8}
WIDTH=${WIDTH:-16} LAYERS=${LAYERS:-2} MODES=${MODES:-12} PWIDTH=${PWIDTH:-64}
LAMBDA=${LAMBDA:-1} BETA=${BETA:-1} RHO=${RHO:-1} SENS=${SENS:-hinge} PROBES=${PROBES:-1}
ARMS=${ARMS:-"1 2 3 4 5 6"}
IMGDIR=${IMGDIR:-$SRC/docs/images}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT"/logs "$OUT"/models "$OUT"/pred
cd "$OUT"

sim() { [ -f "$1" ] || "$CONFLUX" simulate -pde viscous_burgers -nx 128 -ic grf "${@:2}" -o "$1" > /dev/null; }
sim train.h5 -nu 0.01 -nsamples "$NTRAIN" -nt 51 -t_final 1 -seed 100
sim test.h5 -nu 0.01 -nsamples "$NTEST" -nt 251 -t_final 5 -seed 200
sim ood.h5 -nu 0.005 -nsamples "$NTEST" -nt 251 -t_final 5 -seed 300

JAWS="-jaws_lambda $LAMBDA -jaws_beta $BETA -jaws_rho $RHO -jaws_sensitivity $SENS -jaws_probes $PROBES"
arm_opts() {
  case $1 in
    1) echo "" ;;
    2) echo "$JAWS -jaws_weighting uniform" ;;
    3) echo "$JAWS -jaws_weighting adaptive" ;;
    4) echo "-train_unroll 4" ;;
    5) echo "-train_unroll 4 $JAWS -jaws_weighting adaptive" ;;
    6) echo "-train_unroll 16" ;;
    7) echo "-train_unroll 32" ;;
  esac
}

run_one() { # arm seed
  local arm=$1 seed=$2 m=models/arm$1_s$2.h5 log=logs/arm$1_s$2.log
  if [ ! -f "$m" ]; then
    # shellcheck disable=SC2046
    /usr/bin/time -f "time: %U user s, %S sys s, %e wall s, %M KB max RSS" "$CONFLUX" train -model fno -data train.h5 -o "$m" -force -seed "$seed" \
      -train_epochs "$EPOCHS" -train_batch 16 -train_lr "$LR" -train_decay_epochs $(( (EPOCHS + 2) / 3 )) -train_monitor_every 10 \
      -fluxno_width "$WIDTH" -fluxno_layers "$LAYERS" -fluxno_modes "$MODES" -fluxno_proj_width "$PWIDTH" $(arm_opts "$arm") > "$log" 2>&1
  fi
  [ -f pred/arm$1_s$2_test.h5 ] || "$CONFLUX" eval -model "$m" -data test.h5 -times 1,2,5 -o pred/arm$1_s$2_test.h5 -force > logs/arm$1_s$2_eval_test.log 2>&1
  [ -f pred/arm$1_s$2_ood.h5 ] || "$CONFLUX" eval -model "$m" -data ood.h5 -times 1,2,5 -o pred/arm$1_s$2_ood.h5 -force > logs/arm$1_s$2_eval_ood.log 2>&1
  echo "arm $arm seed $seed: $(grep -h 's per epoch;' "$log" | sed 's/train: //')"
}
export -f run_one arm_opts
export CONFLUX EPOCHS LR WIDTH LAYERS MODES PWIDTH JAWS

for s in $SEEDS; do for a in $ARMS; do echo "$a $s"; done; done | xargs -P "$JOBS" -n 2 bash -c 'run_one "$0" "$1"'
cd - > /dev/null
"$PY" "$SRC/bench/jaws_study.py" "$OUT" "$IMGDIR"
