#!/bin/bash
# The long fuzz run: the property tests of tests/fuzz_scenarios.rs (mutated scenarios)
# and tests/fuzz_cli.rs (--set values) on many more inputs than `cargo test` runs.
#
#   bash tests/fuzz/million.sh            # 10 chunks × 100,000 scenarios + 100,000 settings
#   CHUNKS=2 PER_CHUNK=50000 bash tests/fuzz/million.sh
#
# Each chunk runs with its own seed (PROPTEST_RNG_SEED), so chunks test different inputs;
# each prints its time. A failing input is saved under target/fuzz-failures/ (see the test
# files): fix the bug, then add the input to tests/fixtures/regressions/.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHUNKS=${CHUNKS:-10}
PER_CHUNK=${PER_CHUNK:-100000}
SETTINGS=${SETTINGS:-100000}
cargo test --release --test fuzz_scenarios --test fuzz_cli --no-run --quiet
start=$(date +%s)
for chunk in $(seq 1 "$CHUNKS"); do
    t=$(date +%s)
    PROPTEST_RNG_SEED=$chunk FUZZ_CASES=$PER_CHUNK \
        cargo test --release --quiet --test fuzz_scenarios mutated_scenarios -- --test-threads 1 >/dev/null
    echo "chunk $chunk/$CHUNKS: $PER_CHUNK mutated scenarios passed in $(( $(date +%s) - t )) s"
done
t=$(date +%s)
PROPTEST_RNG_SEED=0 FUZZ_CASES=$SETTINGS \
    cargo test --release --quiet --test fuzz_cli set_values_never_panic -- --test-threads 1 >/dev/null
echo "$SETTINGS --set values passed in $(( $(date +%s) - t )) s"
echo "total: $((CHUNKS * PER_CHUNK)) scenarios and $SETTINGS settings in $(( $(date +%s) - start )) s"
