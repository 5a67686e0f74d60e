#!/usr/bin/env bash
# Reproduces every figure of docs/results/fluxno.md (inviscid Burgers, N = 128).
# Usage: bash bench/fluxno_train_repro.sh [BUILD_DIR] [OUT_DIR]
# Cost: about 75 s of CPU per Flux NO training run on a quiet core (39,000 pair evaluations);
# the whole script (5 Flux NO runs, 1 FNO run, evaluations) about 10 CPU minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
out=${2:-$here/out/fluxno-repro}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
C=$build/bin/conflux
mkdir -p "$out"
cd "$out"
# truth: Godunov + MUSCL-minmod + SSP-RK2; GRF covariance exp(-100 (x-y)^2) = exp(-(x-y)^2/(2 l^2)), l = 0.0707107
T="-pde burgers -fv_riemann godunov -fv_reconstruction muscl -fv_limiter minmod -fv_ssp_order 2 -force"
G="-ic grf -ic_length 0.0707107"
$C simulate $T $G -nx 128 -nsamples 10 -nt 301 -t_final 0.3 -seed 0 -o tr1.h5     # training: frames every 0.001 (dt/dx = 0.128)
$C simulate $T $G -nx 128 -nsamples 2 -nt 301 -t_final 0.3 -seed 2 -o val1.h5     # validation (one-step loss)
$C simulate $T $G -nx 128 -nsamples 4 -nt 61 -t_final 0.6 -seed 2 -o val06.h5     # validation rollouts
$C simulate $T $G -nx 128 -nsamples 10 -nt 121 -t_final 1.2 -seed 1 -o te.h5      # test, frames every 0.01
$C simulate $T $G -nx 128 -nsamples 10 -nt 1201 -t_final 1.2 -seed 1 -o te_fine.h5 # same test, frames every 0.001 (FNO)
$C simulate $T $G -nx 64 -nsamples 10 -nt 121 -t_final 1.2 -seed 1 -o te64.h5
$C simulate $T $G -nx 256 -nsamples 10 -nt 121 -t_final 1.2 -seed 1 -o te256.h5
$C simulate $T -ic step -nx 128 -nsamples 10 -nt 121 -t_final 1.2 -seed 3 -o testep.h5
TR="-data tr1.h5 -val val1.h5 -train_epochs 13 -train_batch 10 -train_schedule cosine -force"
for s in 0 1 2; do
  nice -n 15 $C train -model fluxno $TR -seed $s -o fx_s$s.h5 | tee fx_s$s.log
  for d in te te64 te256 testep; do $C eval -model fx_s$s.h5 -data $d.h5 -times 0.15,0.3,0.6,1.2 | tee ev_fx_s${s}_$d.txt; done
  $C eval -model fx_s$s.h5 -data val06.h5 -times 0.3,0.6 | tee ev_fx_s${s}_val06.txt
done
nice -n 15 $C train -model fluxno $TR -seed 0 -fluxno_lambda 0 -o fx_l0.h5 | tee fx_l0.log
$C eval -model fx_l0.h5 -data te.h5 -times 0.15,0.3,0.6,1.2 | tee ev_fx_l0_te.txt
nice -n 15 $C train -model fno $TR -seed 0 -o fno_s0.h5 | tee fno_s0.log
$C eval -model fno_s0.h5 -data te_fine.h5 -times 0.15,0.3,0.6,1.2 -o pred_fno.h5 -force | tee ev_fno_s0.txt
$C eval -model fx_s0.h5 -data te_fine.h5 -times 0.15,0.3,0.6,1.2 -o pred_fluxno.h5 -force
bash "$here/tools/plot" compare te_fine.h5 pred_fluxno.h5 pred_fno.h5 --labels "Flux NO,FNO" --sample 6 --frames 0,300,600 -o compare_s6.png
bash "$here/tools/plot" compare te_fine.h5 pred_fluxno.h5 pred_fno.h5 --labels "Flux NO,FNO" --sample 0 --frames 0,300,600 -o compare_s0.png
