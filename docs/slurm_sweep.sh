#!/bin/bash
# A narcodoor parameter sweep as a Slurm job array: 16 shards run in parallel on the
# cluster, then one job merges them into the files of the whole sweep.
#
#   bash docs/slurm_sweep.sh submit     # submits the array, then the merge (it waits for
#                                       # every task of the array to succeed)
#
# Each array task runs one shard of the design (`--shard K/16`: the points whose index
# modulo 16 is K) into its own directory. Every finished run is saved at once, so a task
# that fails or reaches its time limit loses only the runs in progress: resubmit just that
# task (`sbatch --array=7 docs/slurm_sweep.sh`) and it resumes; then merge by hand with the
# command at the bottom. Adapt the #SBATCH lines (partition, account, time) to your cluster
# and the sweep's --set lines to your question. Run from the repository's root (or set
# SCENARIO and OUT to absolute paths); NARCODOOR may name the binary.
#
#SBATCH --job-name=narcodoor-sweep
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=logs/sweep-%A_%a.out

set -euo pipefail

SHARDS=16
NARCODOOR=${NARCODOOR:-narcodoor}
SCENARIO=${SCENARIO:-scenarios/baseline.toml}
OUT=${OUT:-sweep}

if [[ "${1:-}" == "submit" ]]; then
    mkdir -p logs "$OUT"
    array=$(sbatch --parsable --array=0-$((SHARDS - 1)) "$0")
    shards=$(for k in $(seq 0 $((SHARDS - 1))); do printf '%s ' "$OUT/shard-$k"; done)
    sbatch --dependency="afterok:${array%%;*}" --job-name=narcodoor-merge \
        --output=logs/merge-%j.out --time=00:30:00 --mem=2G \
        --wrap "$NARCODOOR merge $shards --out $OUT/merged"
    echo "submitted array job ${array%%;*} and its merge; results in $OUT/merged"
    exit 0
fi

# One array task: shard $SLURM_ARRAY_TASK_ID of $SHARDS. Same command, same flags in every
# task (the design is checked again at merge time), only --shard and --out differ.
"$NARCODOOR" sweep "$SCENARIO" \
    --set policy.scholarships.coverage=0:1:6 \
    --set policy.kingpin.removals_per_year=0,1,2,4 \
    --set 'region.*.poverty=0.3,0.45,0.6' \
    --replicates 20 \
    --threads "${SLURM_CPUS_PER_TASK:-1}" \
    --quiet \
    --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
    --out "$OUT/shard-$SLURM_ARRAY_TASK_ID"

# The merge, by hand after resubmitting a failed task:
#   narcodoor merge sweep/shard-{0..15} --out sweep/merged
