#!/usr/bin/env bash
# The known-truth case of issue 24: does `calibrate` recover a parameter it was not told?
#
# A two-region country of 100,000 youths; targets are the mean of 8 replicates on seed 1001
# (a seed no particle runs on) at justice.sentence_months = 60: members, prison, recruits
# and the homicide rate, nationally, over four 24-month windows after the burn-in. The
# calibration frees justice.sentence_months over a 12–120 prior: 200 particles, the prior
# sample and 5 generations, 2 replicates per particle, seed 1. With independent draws (the
# default) the 90% interval must cover 60; with --common-random-numbers (pass "crn" as the
# second argument) every particle meets the same two replicates, as calibrate once did.
#
# Usage: tests/validation/known_truth.sh OUT_DIR [crn]     (from the repository's root)
# Prints the posterior median, the 90% interval and whether it covers the truth; writes
# the calibration to OUT_DIR/cal. Takes about 10 minutes on 2 cores.
set -euo pipefail
out=${1:?usage: known_truth.sh OUT_DIR [crn]}
mode=${2:-independent}
bin=${NARCODOOR:-target/release/narcodoor}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
printf 'extends = "%s/two_regions.toml"\n[run]\nname = "two_regions"\n' "$here" > "$out/country.toml"
printf 'extends = "country.toml"\n[run]\nreplicates = 8\n[justice]\nsentence_months = 60\n' > "$out/truth.toml"
"$bin" run "$out/truth.toml" --seed 1001 --quiet --no-charts --out "$out/truth"
python3 "$here/targets_from_run.py" "$out/truth/timeseries.csv" 96 "$out/targets.csv"
extra=()
if [ "$mode" = crn ]; then extra=(--common-random-numbers); fi
"$bin" calibrate "$out/country.toml" --targets "$out/targets.csv" \
    --param justice.sentence_months=12:120 --particles 200 --generations 5 --replicates 2 \
    --seed 1 --quiet --no-charts "${extra[@]}" --out "$out/cal"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
m = json.load(open(f"{out}/cal/manifest.json"))
p = m["details"]["posterior"][0]
lo, hi = p["lo90"], p["hi90"]
print(f"{p['path']}: median {p.get('median')}, 90% interval [{lo:.1f}, {hi:.1f}], truth 60: "
      + ("covered" if lo <= 60 <= hi else "MISSED"))
PY
