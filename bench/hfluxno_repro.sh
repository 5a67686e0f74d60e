#!/bin/bash
# Small CPU-scale HFluxNO study (docs/results/hfluxno.md): cubic family with per-trajectory
# coefficients a, b, c ~ U[-1, 1] (GRF data), HFluxNO (conservative) against the same encoder
# with a direct, non-conservative head and a plain Flux NO trained on the pooled family;
# evaluated with the windowed protocol (T context frames, 20 steps) on cubic (GRF), cubic
# (shock data, 1-5 jumps) and the unseen sine family.
#
# usage: bench/hfluxno_repro.sh CONFLUX WORKDIR [SEEDS (default "0")] [STEPS (1500)]
set -euo pipefail
C=$1
W=$2
SEEDS=${3:-0}
STEPS=${4:-1500}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$W"
cd "$W"
coef="-coef_a_range -1,1 -coef_b_range -1,1 -coef_c_range -1,1 -nx 64 -nt 101 -t_final 0.5"
[ -f cubic_train.h5 ] || $C simulate -pde cubic $coef -nsamples 512 -o cubic_train.h5
[ -f cubic_test.h5 ] || $C simulate -pde cubic $coef -nsamples 16 -seed 101 -o cubic_test.h5
[ -f cubic_shock.h5 ] || $C simulate -pde cubic $coef -nsamples 16 -seed 102 -ic step -ic_jumps_min 1 -ic_jumps_max 5 -o cubic_shock.h5
[ -f sine_test.h5 ] || $C simulate -pde sine -coef_a_range -1,1 -coef_b_range -1,1 -nx 64 -nt 101 -t_final 0.5 -nsamples 16 -seed 103 -o sine_test.h5
for s in $SEEDS; do
  [ -f hf_s$s.h5 ] || nice -n 15 $C train -model hfluxno -data cubic_train.h5 -o hf_s$s.h5 -train_steps $STEPS -train_batch 32 -train_monitor_every 100 -seed $s > hf_s$s.log
  [ -f hd_s$s.h5 ] || nice -n 15 $C train -model hfluxno -data cubic_train.h5 -o hd_s$s.h5 -train_steps $STEPS -train_batch 32 -train_monitor_every 100 -seed $s -hfluxno_update direct > hd_s$s.log
  [ -f fno_pool_s$s.h5 ] || nice -n 15 $C train -model fluxno -data cubic_train.h5 -o fno_pool_s$s.h5 -fluxno_lambda 0 -fluxno_flux none -train_epochs 2 -train_batch 100 -train_schedule cosine -seed $s > fno_pool_s$s.log
  for t in cubic_test cubic_shock sine_test; do
    for m in hf hd; do
      [ -f ${m}_s${s}_$t.json ] || nice -n 15 $C eval -model ${m}_s$s.h5 -data $t.h5 -eval_horizon 20 -eval_json ${m}_s${s}_$t.json > ${m}_s${s}_$t.log
    done
    [ -f fno_pool_s${s}_$t.json ] || nice -n 15 $C eval -model fno_pool_s$s.h5 -data $t.h5 -eval_horizon 20 -eval_context 8 -eval_json fno_pool_s${s}_$t.json > fno_pool_s${s}_$t.log
  done
done
/usr/bin/python3 - <<'PY'
import glob, json, collections
rows = collections.defaultdict(list)
for f in sorted(glob.glob("*_s*_*.json")):
    j = json.load(open(f))
    model = f.split("_s")[0]
    test = f.split("_", 2)[2][:-5] if not f.startswith("fno_pool") else f.split("_", 3)[3][:-5]
    rows[(test, model)].append(j)
names = {"hf": "HFluxNO", "hd": "direct head", "fno_pool": "Flux NO (pooled)"}
print("| test set | model | seeds | 20-step rel l2 | linf | one-step rel l2 | max mass drift |")
print("|---|---|---|---|---|---|---|")
for (test, model), js in sorted(rows.items()):
    n = len(js)
    mean = lambda k: sum(j[k] for j in js) / n
    print("| %s | %s | %d | %.4f | %.4f | %.2e | %.1e |" % (test, names.get(model, model), n, mean("rel_l2"), mean("linf"), mean("one_step_rel_l2"), max(j["max_mass_drift"] for j in js)))
PY
