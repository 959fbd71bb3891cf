#!/bin/bash
# A narcodoor parameter sweep as a Slurm job array: SHARDS shards (16 by default) run in
# parallel on the cluster, then one job merges them into the files of the whole sweep.
#
#   bash docs/slurm_sweep.sh submit     # submits the array, then the merge (it waits for
#                                       # every task of the array to succeed)
#   bash docs/slurm_sweep.sh merge      # submits only the merge (after resubmitting a task)
#
# Each array task runs one shard of the design (`--shard K/SHARDS`: the points whose index
# modulo SHARDS is K) into its own directory. Every finished run is saved at once, so a task
# that fails, is cancelled or reaches its time limit loses only the runs in progress:
# resubmit just that task (`sbatch --array=7 docs/slurm_sweep.sh`) and it resumes; then
# `bash docs/slurm_sweep.sh merge`. tests/cluster/slurm.sh does all of this on a one-node
# cluster. Run from the repository's root (or set SCENARIO and OUT to absolute paths).
#
# Everything site- or question-specific comes from the environment (sbatch passes the
# submitting shell's environment to the tasks), with these defaults:
#   NARCODOOR=narcodoor            the binary
#   SCENARIO=scenarios/baseline.toml
#   OUT=sweep                      shard-K/ directories and merged/ go here
#   LOGS=logs                      Slurm's output files
#   SHARDS=16                      array tasks
#   REPLICATES=20                  replicates per design point
#   FACTORS="--set policy.scholarships.coverage=0:1:6 --set policy.kingpin.removals_per_year=0,1,2,4
#            --set region.*.poverty=0.3,0.45,0.6"     the design (split on spaces, no globbing)
#   SWEEP_ARGS=                    extra sweep flags, e.g. "--youths 20000 --months 24"
#   CPUS_PER_TASK=4  MEM=4G  TIME=02:00:00   resources of one array task
#   PARTITION=  ACCOUNT=           passed as --partition / --account when set
# The #SBATCH lines below are only used when the script is submitted by hand with sbatch;
# the submit mode passes its own values, which take precedence.
#
#SBATCH --job-name=narcodoor-sweep
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=logs/sweep-%A_%a.out

set -euo pipefail

SHARDS=${SHARDS:-16}
NARCODOOR=${NARCODOOR:-narcodoor}
SCENARIO=${SCENARIO:-scenarios/baseline.toml}
OUT=${OUT:-sweep}
LOGS=${LOGS:-logs}
REPLICATES=${REPLICATES:-20}
SWEEP_ARGS=${SWEEP_ARGS:-}
FACTORS=${FACTORS:-"--set policy.scholarships.coverage=0:1:6 --set policy.kingpin.removals_per_year=0,1,2,4 --set region.*.poverty=0.3,0.45,0.6"}
export SHARDS NARCODOOR SCENARIO OUT LOGS REPLICATES SWEEP_ARGS FACTORS

# Options common to every job this script submits.
site_options() {
    [[ -n "${PARTITION:-}" ]] && printf '%s\n' "--partition=$PARTITION"
    [[ -n "${ACCOUNT:-}" ]] && printf '%s\n' "--account=$ACCOUNT"
    return 0
}

submit_merge() {  # $1: an sbatch --dependency value, or empty
    local shards dependency=()
    shards=$(for k in $(seq 0 $((SHARDS - 1))); do printf '%q ' "$OUT/shard-$k"; done)
    [[ -n "${1:-}" ]] && dependency=(--dependency="$1")
    mapfile -t site < <(site_options)
    sbatch --parsable "${dependency[@]}" "${site[@]}" --job-name=narcodoor-merge \
        --output="$LOGS/merge-%j.out" --time=00:30:00 --mem="${MERGE_MEM:-2G}" \
        --wrap "$(printf '%q' "$NARCODOOR") merge $shards --out $(printf '%q' "$OUT/merged")"
}

case "${1:-}" in
    submit)
        mkdir -p "$LOGS" "$OUT"
        mapfile -t site < <(site_options)
        array=$(sbatch --parsable "${site[@]}" --array="0-$((SHARDS - 1))" \
            --cpus-per-task="${CPUS_PER_TASK:-4}" --mem="${MEM:-4G}" --time="${TIME:-02:00:00}" \
            --output="$LOGS/sweep-%A_%a.out" "$0")
        array=${array%%;*}
        merge=$(submit_merge "afterok:$array")
        echo "array job $array, merge job ${merge%%;*}; results in $OUT/merged"
        exit 0
        ;;
    merge)
        mkdir -p "$LOGS"
        merge=$(submit_merge "${DEPENDENCY:-}")
        echo "merge job ${merge%%;*}; results in $OUT/merged"
        exit 0
        ;;
esac

# One array task: shard $SLURM_ARRAY_TASK_ID of $SHARDS. Same command, same flags in every
# task (the design is checked again at merge time), only --shard and --out differ.
set -f  # FACTORS and SWEEP_ARGS are lists of flags: split them, but never glob
# shellcheck disable=SC2086
exec "$NARCODOOR" sweep "$SCENARIO" \
    $FACTORS \
    --replicates "$REPLICATES" \
    --threads "${SLURM_CPUS_PER_TASK:-1}" \
    --quiet \
    $SWEEP_ARGS \
    --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
    --out "$OUT/shard-$SLURM_ARRAY_TASK_ID"
