#!/bin/bash
# The long fuzz run: the property tests of tests/integration/fuzz_scenarios.rs (mutated scenarios) and
# tests/integration/fuzz_cli.rs (generated command lines and --set values) on many more inputs, and
# from other seeds, than `cargo test` runs (it always draws from one fixed seed).
#
#   bash tests/fuzz/million.sh                 # 10 chunks × 100,000 scenarios, 100,000
#                                              # settings, 20,000 command lines; a new seed
#   SEED=12345 bash tests/fuzz/million.sh      # repeat an earlier run exactly
#   CHUNKS=2 PER_CHUNK=50000 COMMANDS=2000 bash tests/fuzz/million.sh
#
# The seed is printed first; chunk k uses SEED + k (PROPTEST_RNG_SEED), so chunks test
# different inputs and any one can be repeated alone with the line it prints. A failing
# input is replayed first by later runs (tests/fixtures/regressions/proptest/) and, for
# mutated scenarios, saved under target/fuzz-failures/: fix the bug, then add the input to
# tests/fixtures/regressions/ (a scenario file, or a line of cli_args.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
CHUNKS=${CHUNKS:-10}
PER_CHUNK=${PER_CHUNK:-100000}
SETTINGS=${SETTINGS:-100000}
COMMANDS=${COMMANDS:-20000}
echo "seed $SEED (SEED=$SEED repeats this run)"
cargo test --release --test integration --no-run --quiet
start=$(date +%s)
run() { # name, seed, cases, test file (module), test name
    local t
    t=$(date +%s)
    PROPTEST_RNG_SEED=$2 FUZZ_CASES=$3 \
        cargo test --release --quiet --test integration "$4::$5" -- --exact --test-threads 1 >/dev/null
    echo "$1: $3 cases from PROPTEST_RNG_SEED=$2 passed in $(( $(date +%s) - t )) s"
}
for chunk in $(seq 1 "$CHUNKS"); do
    run "mutated scenarios, chunk $chunk/$CHUNKS" $((SEED + chunk)) "$PER_CHUNK" \
        fuzz_scenarios mutated_scenarios_are_refused_cleanly_or_run
done
run "--set values" "$SEED" "$SETTINGS" fuzz_cli set_values_never_panic
run "command lines" "$SEED" "$COMMANDS" fuzz_cli generated_command_lines_never_panic
echo "total: $((CHUNKS * PER_CHUNK)) scenarios, $SETTINGS settings and $COMMANDS command lines in $(( $(date +%s) - start )) s"
