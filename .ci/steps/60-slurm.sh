#!/usr/bin/env bash
# docs/slurm_sweep.sh on a one-node Slurm cluster (installs slurmctld, slurmd, munge):
# array + dependent merge equal to the unsharded sweep; a cancelled task resumes.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
NARCODOOR=$PWD/target/release/narcodoor bash tests/cluster/slurm.sh
