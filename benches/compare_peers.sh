#!/usr/bin/env bash
# This engine against the Mesa implementation of the same kernel, side by side, in one run
# on one machine (docs/performance.md quotes its output).
#
#   benches/compare_peers.sh [sizes...]        default sizes: 20000 50000 100000
#
# The peer is ../shared/peers/mesa_kernel.py (or $PEER): NDM-1's kernel (one region, one
# cartel, no levers) written the way a Mesa 3 user would. Both report youth-months per
# second of the stepping loop only (initialisation and output excluded). The script makes
# its own Python virtual environment under target/peer-venv with Mesa from PyPI, builds the
# engine's timing example, and prints a table with the ratios, plus the kernel's mean
# members and recruits from both implementations as a docking check.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/peers/mesa_kernel.py}
MONTHS=${MONTHS:-120}
BURN_IN=${BURN_IN:-60}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(20000 50000 100000)
[ -f "$PEER" ] || { echo "no peer at $PEER (set PEER=path/to/mesa_kernel.py)" >&2; exit 2; }

VENV=target/peer-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "mesa==3.3.1" numpy pandas
fi
cargo build --release --quiet --example kernel_rate
ENGINE=target/release/examples/kernel_rate

rate() { sed -n 's/^agent_steps_per_second=//p'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "mesa $("$VENV/bin/python" -c 'import mesa; print(mesa.__version__)'), narcodoor $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1); $BURN_IN burn-in + $MONTHS months"
printf '%8s %14s %14s %8s %14s %8s   %s\n' youths "mesa y-m/s" "engine 1t" ratio "engine 2t" ratio "members (mesa / engine)"
for n in "${SIZES[@]}"; do
    out=$(mktemp -d)
    mesa_log=$("$VENV/bin/python" "$PEER" --youths "$n" --months "$MONTHS" --burn-in "$BURN_IN" --seed 1 --out "$out")
    mesa=$(echo "$mesa_log" | rate)
    mesa_members=$("$VENV/bin/python" -c "import pandas as p; print(round(p.read_csv('$out/timeseries.csv')['members'].mean(), 1))")
    e1_log=$("$ENGINE" benches/kernel.toml "$n" "$MONTHS" "$BURN_IN" 1)
    e2_log=$("$ENGINE" benches/kernel.toml "$n" "$MONTHS" "$BURN_IN" 2)
    e1=$(echo "$e1_log" | rate)
    e2=$(echo "$e2_log" | rate)
    members=$(echo "$e1_log" | field members)
    awk -v n="$n" -v m="$mesa" -v a="$e1" -v b="$e2" -v mm="$mesa_members" -v em="$members" \
        'BEGIN { printf "%8s %14.0f %14.0f %8.0f %14.0f %8.0f   %s / %s\n", n, m, a, a / m, b, b / m, mm, em }' 
    rm -rf "$out"
done
