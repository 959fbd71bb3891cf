#!/usr/bin/env bash
# docs/slurm_sweep.sh on a one-node Slurm cluster (installs slurmctld, slurmd, munge):
# array + dependent merge equal to the unsharded sweep; a cancelled task resumes.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >/dev/null
fi
cargo build --release --locked --quiet
NARCODOOR=$PWD/target/release/narcodoor bash tests/cluster/slurm.sh
