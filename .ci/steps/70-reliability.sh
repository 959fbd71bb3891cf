#!/usr/bin/env bash
# Issue 28's short versions: SIGKILL at random moments of sweep, calibrate and optimize,
# resumed and compared byte for byte (9 kills), and the server under load (20 clients for
# 15 s, slow clients cut off, no 5xx, no run lost). Both stop by themselves.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
KILLS=3 SEED=7 bash tests/fuzz/kills.sh
CLIENTS=20 SECONDS=15 DRAIN=60 python3 tests/fuzz/serve_load.py
