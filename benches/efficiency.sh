#!/usr/bin/env bash
# Parallel efficiency from 1 to 2 threads, measured in pairs so that the machine's drift
# (these are shared 2-vCPU machines) cancels: each pair times the same run on 1 thread and
# then on 2, back to back, and efficiency = t1 / (2 × t2) is taken pair by pair. Prints
# every pair, then the median, minimum and maximum, and the median rates. The outputs of
# the two runs of a pair are identical (tests/integration/determinism.rs); only the time differs.
#
#   benches/efficiency.sh [scenario] [youths] [months] [burn-in] [pairs]
#   default: benches/all_levers.toml 1000000 120 24 15
#
# Times only the month loop (examples/kernel_rate.rs), not initialisation or output.
#
# With LOADED=1, each one-thread run has an identical one-thread run beside it on the other
# core, so that it suffers the same sharing of caches, memory and host as a two-thread run;
# the ratio then measures what the parallel code itself loses (fork-joins, sequential
# parts, imbalance), not what the machine loses when both cores are busy.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${1:-benches/all_levers.toml}
YOUTHS=${2:-1000000}
MONTHS=${3:-120}
BURN_IN=${4:-24}
PAIRS=${5:-15}
cargo build --release --quiet --example kernel_rate
ENGINE=target/release/examples/kernel_rate
LOADED=${LOADED:-0}
secs() { "$ENGINE" "$SCENARIO" "$YOUTHS" "$MONTHS" "$BURN_IN" "$1" | sed -n 's/.*stepping \([0-9.]*\)s.*/\1/p'; }
one() {
    if [[ $LOADED == 1 ]]; then
        "$ENGINE" "$SCENARIO" "$YOUTHS" "$MONTHS" "$BURN_IN" 1 >/dev/null &
        local beside=$!
        secs 1
        wait "$beside"
    else
        secs 1
    fi
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); $SCENARIO, $YOUTHS youths, $BURN_IN + $MONTHS months, $PAIRS pairs; loaded one-thread runs: $LOADED"
secs 1 >/dev/null # warm-up: page cache, frequency
for ((i = 0; i < PAIRS; i++)); do
    echo "$(one) $(secs 2)"
done | awk -v first="1 thread" -v second="2 threads" -v ratio=efficiency \
    -v youth_months="$((YOUTHS * (MONTHS + BURN_IN)))" -f benches/pairs.awk
