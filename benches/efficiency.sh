#!/usr/bin/env bash
# Parallel efficiency from 1 to 2 threads, measured in pairs so that the machine's drift
# (these are shared 2-vCPU machines) cancels: each pair times the same run on 1 thread and
# then on 2, back to back, and efficiency = t1 / (2 × t2) is taken pair by pair. Prints
# every pair, then the median, minimum and maximum, and the median rates. The outputs of
# the two runs of a pair are identical (tests/determinism.rs); only the time differs.
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
done | awk -v n="$YOUTHS" -v m="$((MONTHS + BURN_IN))" '
    function median(a, k,   i, j, t) {
        for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { k++; t1[k] = $1; t2[k] = $2; e[k] = $1 / (2 * $2)
      printf "pair %2d: 1 thread %.3f s, 2 threads %.3f s, efficiency %.3f\n", k, $1, $2, e[k] }
    END {
        lo = 1e9; hi = 0
        for (i = 1; i <= k; i++) { if (e[i] < lo) lo = e[i]; if (e[i] > hi) hi = e[i] }
        me = median(e, k); m1 = median(t1, k); m2 = median(t2, k)
        printf "efficiency 1 -> 2 threads: median %.3f (min %.3f, max %.3f) over %d pairs\n", me, lo, hi, k
        printf "median rate: 1 thread %.1f M youth-months/s, 2 threads %.1f M youth-months/s\n", n * m / m1 / 1e6, n * m / m2 / 1e6
    }'
