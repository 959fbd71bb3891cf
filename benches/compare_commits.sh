#!/usr/bin/env bash
# Is this commit faster or slower than another? Times the same whole run with the month loop
# of both (examples/kernel_rate.rs) in back-to-back pairs, old then new, so that the
# machine's drift (these are shared 2-vCPU machines) cancels, and prints each pair's ratio
# new/old and their median (below 1: the working tree is faster).
#
#   benches/compare_commits.sh <old commit> [scenario] [youths] [months] [burn-in] [threads] [pairs]
#   default: benches/all_levers.toml 1000000 120 24 2 10
#
# The old commit is built in a temporary git worktree; the new binary is the working tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD_REV=${1:?usage: benches/compare_commits.sh <old commit> [scenario] [youths] [months] [burn-in] [threads] [pairs]}
SCENARIO=${2:-benches/all_levers.toml}
YOUTHS=${3:-1000000}
MONTHS=${4:-120}
BURN_IN=${5:-24}
THREADS=${6:-2}
PAIRS=${7:-10}

TREE=$(mktemp -d)
trap 'git worktree remove --force "$TREE" >/dev/null 2>&1 || rm -rf "$TREE"' EXIT
git worktree add --detach --quiet "$TREE" "$OLD_REV"
(cd "$TREE" && CARGO_TARGET_DIR="$TREE/target" cargo build --release --quiet --example kernel_rate)
cargo build --release --quiet --example kernel_rate
OLD="$TREE/target/release/examples/kernel_rate"
NEW=target/release/examples/kernel_rate
secs() { "$1" "$SCENARIO" "$YOUTHS" "$MONTHS" "$BURN_IN" "$THREADS" | sed -n 's/.*stepping \([0-9.]*\)s.*/\1/p'; }

echo "old $(git rev-parse --short "$OLD_REV"), new: working tree; $SCENARIO, $YOUTHS youths, $BURN_IN + $MONTHS months, $THREADS thread(s), $PAIRS pairs"
secs "$NEW" >/dev/null # warm-up
for ((i = 0; i < PAIRS; i++)); do
    echo "$(secs "$OLD") $(secs "$NEW")"
done | awk -v first=old -v second=new -v ratio=new/old \
    -v youth_months="$((YOUTHS * (MONTHS + BURN_IN)))" -f benches/pairs.awk
