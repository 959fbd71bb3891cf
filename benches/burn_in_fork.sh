#!/usr/bin/env bash
# Does simulating the burn-in once pay? Times whole `narcodoor compare` processes of the
# baseline and four bundled policies with two binaries, in back-to-back pairs (old then
# new, so that the drift of a shared machine cancels), and prints each pair's ratio
# new/old and their median (below 1: the new binary is faster; the speed-up is its
# inverse). The rates count every youth-month as if simulated (5 × 360 per replicate).
#
#   benches/burn_in_fork.sh <old binary> <new binary> [youths] [replicates] [threads] [pairs]
#   default: 20000 youths, 8 replicates, 2 threads, 5 pairs (baseline's 120 + 240 months)
#
# Build the old binary from the commit before the change (git worktree, cargo build
# --release) and pass both paths.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${1:?usage: benches/burn_in_fork.sh <old binary> <new binary> [youths] [replicates] [threads] [pairs]}
NEW=${2:?usage: benches/burn_in_fork.sh <old binary> <new binary> [youths] [replicates] [threads] [pairs]}
YOUTHS=${3:-20000}
REPS=${4:-8}
THREADS=${5:-2}
PAIRS=${6:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
FILES="scenarios/baseline.toml scenarios/scholarships.toml scenarios/youth_jobs.toml scenarios/kingpin.toml scenarios/enforcement_surge.toml"
secs() {
    local start end
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$1" compare $FILES --youths "$YOUTHS" --replicates "$REPS" --threads "$THREADS" --quiet --no-charts --out "$OUT/$2" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
echo "compare of baseline + 4 policies; $YOUTHS youths, $REPS replicates, $THREADS thread(s), $PAIRS pairs"
secs "$NEW" warm >/dev/null
for ((i = 0; i < PAIRS; i++)); do
    echo "$(secs "$OLD" old) $(secs "$NEW" new)"
    cmp -s "$OUT/old/effects.csv" "$OUT/new/effects.csv" || { echo "effects.csv differ" >&2; exit 1; }
done | awk -v first=old -v second=new -v ratio=new/old \
    -v youth_months="$((YOUTHS * REPS * 5 * 360))" -f benches/pairs.awk
