#!/bin/bash
# docs/slurm_sweep.sh on a real Slurm scheduler: a one-node cluster on this machine.
#
#   sudo bash tests/cluster/slurm.sh        # as root, from anywhere in the repository
#
# 1. Checks that slurmctld, slurmd, sbatch and munged are installed (CI installs them), writes a
#    slurm.conf for this machine's cores and memory into a temporary directory, starts
#    munged (unless one already answers), slurmctld and slurmd as root.
# 2. Submits the sweep as a job array of SHARDS tasks plus the dependent merge job
#    (`docs/slurm_sweep.sh submit`) and checks that the merged runs.csv and
#    runs_timeseries.csv have exactly the data rows of the same sweep run unsharded.
# 3. Submits it again into a fresh directory, cancels one array task (scancel) once it has
#    finished some runs but not all, resubmits only that task (`sbatch --array=K`), checks
#    that the runs saved before the cancel are kept (same inode and time: not redone), that
#    the task completes, and that the merge is again identical to the unsharded sweep.
# 4. Stops the daemons it started and removes its directory (kept, with the daemons' logs
#    printed, when a check fails).
#
# Environment: NARCODOOR (binary; built with cargo when unset), SHARDS (4), KEEP=1 keeps
# the work directory. Prints the time of each phase (figures in docs/experiments.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

if [[ $(id -u) -ne 0 ]]; then
    echo "tests/cluster/slurm.sh: run as root (it starts slurmctld, slurmd and munged)" >&2
    exit 2
fi

# --- 1. Packages, configuration, daemons --------------------------------------------------
for tool in slurmctld slurmd sbatch munged; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is missing: apt-get install slurmctld slurmd slurm-client munge (.ci/steps/60-slurm.sh does)" >&2
        exit 1
    fi
done
if [[ -z "${NARCODOOR:-}" ]]; then
    cargo build --release --quiet
    NARCODOOR=$ROOT/target/release/narcodoor
fi

W=$(mktemp -d /tmp/narcodoor-slurm.XXXXXX)
chmod 755 "$W"
STARTED_MUNGE=""
ok=0
log() { echo "== [$(date -u +%T)] $*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
teardown() {
    set +e
    if [[ -f "$W/slurmd.pid" ]]; then kill "$(cat "$W/slurmd.pid")" 2>/dev/null; fi
    if [[ -f "$W/slurmctld.pid" ]]; then kill "$(cat "$W/slurmctld.pid")" 2>/dev/null; fi
    if [[ -n "$STARTED_MUNGE" && -f /run/munge/munged.pid ]]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
    sleep 1
    if [[ $ok -ne 1 ]]; then
        echo "== FAILED; logs in $W" >&2
        for f in "$W"/slurmctld.log "$W"/slurmd.log "$W"/logs/*; do
            [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
        done
    elif [[ "${KEEP:-0}" != 1 ]]; then
        rm -rf "$W"
    fi
}
trap teardown EXIT

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "starting munged"
    if [[ ! -s /etc/munge/munge.key ]]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    runuser -u munge -- /usr/sbin/munged
    STARTED_MUNGE=1
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$W/state" "$W/spool" "$W/logs"
export SLURM_CONF=$W/slurm.conf
cat > "$SLURM_CONF" <<EOF
# A one-node cluster for tests/cluster/slurm.sh: every daemon as root, no cgroups, no
# accounting database.
ClusterName=narcodoor
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

log "starting slurmctld and slurmd ($HOST: $CPUS cores, $MEM_MB MB)"
T0=$(date +%s.%N)
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null || true)
    [[ "$state" == idle ]] && break
    sleep 0.2
done
[[ "$state" == idle ]] || { echo "the node did not come up (state: '$state')" >&2; exit 1; }
log "cluster up in $(elapsed "$T0") s"

# --- Helpers -------------------------------------------------------------------------------
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
# Waits until every job given has left PENDING/RUNNING; fails unless all COMPLETED.
wait_jobs() {
    local j s
    for j in "$@"; do
        while s=$(job_state "$j"); [[ "$s" == PENDING || "$s" == RUNNING || "$s" == CONFIGURING \
            || "$s" == COMPLETING || -z "$s" ]]; do sleep 0.5; done
        [[ "$s" == COMPLETED ]] || { echo "job $j ended $s" >&2; scontrol show job "$j" >&2; exit 1; }
    done
}
# Every array task of job $1 (the array's tasks are separate job records).
array_tasks() { squeue -h -r -j "$1" -o '%i' 2>/dev/null; }
data_rows() { grep -v '^#' "$1"; }
same_data() {  # $1 merged dir, $2 reference dir
    local f
    for f in runs.csv runs_timeseries.csv; do
        if ! cmp -s <(data_rows "$1/$f") <(data_rows "$2/$f"); then
            echo "$1/$f differs from the unsharded $2/$f:" >&2
            diff <(data_rows "$1/$f") <(data_rows "$2/$f") | head -20 >&2
            exit 1
        fi
    done
    echo "   $(($(data_rows "$1/runs.csv" | wc -l) - 1)) runs: data rows of runs.csv and runs_timeseries.csv identical to the unsharded sweep"
}

# --- The sweep -----------------------------------------------------------------------------
export NARCODOOR SHARDS=${SHARDS:-4}
export SCENARIO=$ROOT/scenarios/baseline.toml
export FACTORS="--set policy.scholarships.coverage=0:1:4 --set policy.kingpin.removals_per_year=0,2 --set region.*.poverty=0.3,0.6"
export REPLICATES=3 SWEEP_ARGS="--youths 40000 --months 36"
export CPUS_PER_TASK=1 MEM=1G TIME=00:20:00 MERGE_MEM=500M

log "unsharded reference sweep (one process, $CPUS threads)"
T=$(date +%s.%N)
set -f
# shellcheck disable=SC2086
"$NARCODOOR" sweep "$SCENARIO" $FACTORS --replicates "$REPLICATES" $SWEEP_ARGS --quiet \
    --threads "$CPUS" --out "$W/reference"
set +f
log "reference done in $(elapsed "$T") s"

# --- 2. Array plus dependent merge ---------------------------------------------------------
log "submitting $SHARDS array tasks and the merge"
T=$(date +%s.%N)
cd "$W"
out=$(OUT=$W/sweep LOGS=$W/logs bash "$ROOT/docs/slurm_sweep.sh" submit)
echo "   $out"
array=$(sed -n 's/^array job \([0-9]*\),.*/\1/p' <<<"$out")
merge=$(sed -n 's/.*merge job \([0-9]*\);.*/\1/p' <<<"$out")
wait_jobs "$merge"
log "array and merge completed in $(elapsed "$T") s"
for k in $(seq 0 $((SHARDS - 1))); do
    [[ "$(job_state "${array}_$k")" == COMPLETED ]] || { echo "task $k did not complete" >&2; exit 1; }
done
same_data "$W/sweep/merged" "$W/reference"

# --- 3. Cancel one task mid-run, resubmit it alone -----------------------------------------
K=1
log "submitting again; cancelling task $K once it has saved some runs"
out=$(OUT=$W/sweep2 LOGS=$W/logs bash "$ROOT/docs/slurm_sweep.sh" submit)
array=$(sed -n 's/^array job \([0-9]*\),.*/\1/p' <<<"$out")
merge=$(sed -n 's/.*merge job \([0-9]*\);.*/\1/p' <<<"$out")
runs=$W/sweep2/shard-$K/runs
for _ in $(seq 600); do
    n=$({ find "$runs" -name 'p*.csv' 2>/dev/null || true; } | wc -l)
    [[ $n -ge 2 ]] && break
    sleep 0.05
done
scancel "${array}_$K"
log "cancelled task $K with $n runs saved"
# The merge depends on every task succeeding: it can never start now.
for _ in $(seq 100); do
    s=$(job_state "${array}_$K")
    [[ "$s" == CANCELLED ]] && break
    sleep 0.2
done
[[ "$s" == CANCELLED ]] || { echo "task $K is $s after scancel" >&2; exit 1; }
scancel "$merge"
for k in $(seq 0 $((SHARDS - 1))); do
    [[ $k -eq $K ]] || wait_jobs "${array}_$k"
done
sleep 1
# A stopped shard may leave a manifest, but never one marked complete.
if [[ -e "$W/sweep2/shard-$K/manifest.json" ]] && grep -Eq '"complete": *true' "$W/sweep2/shard-$K/manifest.json"; then
    echo "the cancelled shard looks complete" >&2
    exit 1
fi
total=$(find "$W/sweep/shard-$K/runs" -name 'p*.csv' | wc -l)
saved=$(find "$runs" -name 'p*.csv' | wc -l)
[[ $saved -ge 1 && $saved -lt $total ]] || { echo "cancelled task saved $saved of $total runs" >&2; exit 1; }
(cd "$runs" && stat -c '%n %i %Y' p*.csv | sort) > "$W/before.txt"
echo "   task $K kept $saved of its $total runs"

log "resubmitting only task $K"
T=$(date +%s.%N)
again=$(OUT=$W/sweep2 LOGS=$W/logs sbatch --parsable --array="$K" --cpus-per-task=1 --mem=1G \
    --time=00:20:00 --output="$W/logs/sweep-%A_%a.out" "$ROOT/docs/slurm_sweep.sh")
again=${again%%;*}
wait_jobs "${again}_$K"
log "task $K finished in $(elapsed "$T") s"
(cd "$runs" && stat -c '%n %i %Y' p*.csv | sort) > "$W/after.txt"
missing=$(comm -23 "$W/before.txt" "$W/after.txt" | wc -l)
[[ $missing -eq 0 ]] || { echo "runs saved before the cancel were redone or lost:" >&2; comm -23 "$W/before.txt" "$W/after.txt" >&2; exit 1; }
[[ $(wc -l < "$W/after.txt") -eq $total ]] || { echo "task $K has $(wc -l < "$W/after.txt") of $total runs" >&2; exit 1; }
echo "   resumed: the $saved runs saved before the cancel were kept, the other $((total - saved)) run now"
[[ -s "$W/sweep2/shard-$K/manifest.json" ]]

log "submitting the merge alone"
T=$(date +%s.%N)
out=$(OUT=$W/sweep2 LOGS=$W/logs bash "$ROOT/docs/slurm_sweep.sh" merge)
merge=$(sed -n 's/^merge job \([0-9]*\);.*/\1/p' <<<"$out")
wait_jobs "$merge"
log "merge done in $(elapsed "$T") s"
same_data "$W/sweep2/merged" "$W/reference"

ok=1
log "slurm cluster test passed"
