#!/usr/bin/env bash
# Simulation-based calibration of `narcodoor calibrate` (Talts et al. 2018; issue 24, part 3).
#
# If the calibration is right, a truth drawn from the prior and fitted from data the model
# made at that truth sits at a uniformly distributed rank in its posterior, and 90% intervals
# cover it 90% of the time. This script draws N truths of justice.sentence_months from its
# U(12, 120) prior (Python's random.Random(2024), so the draws are fixed), and for each truth i:
#   - runs a two-region country of 10,000 youths at the truth on seed 70000 + i, a seed no
#     particle runs on, with R = 2 replicates, the same number each particle is run on, so
#     the observed data come from the process the calibration assumes (targets averaged over
#     more replicates than the particles would be less noisy than any simulation, and the
#     posterior too wide for them);
#   - makes targets from it: members, prison, recruits and the homicide rate, nationally,
#     over two 24-month windows after the burn-in (as tests/validation/known_truth.sh);
#   - calibrates with independent draws (the default): 100 particles, the prior sample and
#     4 generations, seed 100 + i;
#   - reads the last generation of posterior.csv: the truth's normalised rank is the
#     posterior CDF at the truth (the particles' weights below it over their total), the 90%
#     interval is manifest.json's lo90/hi90 (the weighted 5% and 95% quantiles).
# Pass criteria, fixed before the first run: a chi-square test of the ranks' uniformity on 5
# equal bins at the 5% level (p >= 0.05), and 90% intervals covering 80-100% of the truths.
# A Kolmogorov-Smirnov p-value is reported beside it as information, not as a criterion.
#
# Usage: tests/validation/sbc.sh OUT_DIR [N]      (from the repository's root; N defaults to 25)
# Writes OUT_DIR/sbc.csv (one row per truth) and OUT_DIR/sbc_summary.txt; exits 1 if either
# criterion fails. Stopped and run again, it skips the truths whose calibration finished.
# Draw the figure with: cargo run --release --example sbc_chart -- OUT_DIR/sbc.csv OUT_DIR/sbc.png
# Takes about a minute of CPU per truth (two on 2 busy cores).
set -euo pipefail
out=${1:?usage: sbc.sh OUT_DIR [N]}
n=${2:-25}
bin=${NARCODOOR:-target/release/narcodoor}
here=$(cd "$(dirname "$0")" && pwd)
replicates=2
mkdir -p "$out"
printf 'extends = "%s/two_regions.toml"\n[run]\nname = "sbc_two_regions"\nmonths = 48\n[population]\nyouths = 10_000\n' \
    "$here" > "$out/country.toml"

# The truths, drawn from the prior once for all (repr keeps every digit).
python3 - "$out" "$n" <<'PY'
import random, sys
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(2024)
with open(f"{out}/truths.csv", "w") as f:
    f.write("truth,sentence_months\n")
    for i in range(n):
        f.write(f"{i},{rng.uniform(12.0, 120.0)!r}\n")
PY

start=$(date +%s)
for ((i = 0; i < n; i++)); do
    dir="$out/truth$i"
    if [ -f "$dir/cal/manifest.json" ]; then continue; fi
    mkdir -p "$dir"
    truth=$(awk -F, -v i="$i" 'NR > 1 && $1 == i { print $2 }' "$out/truths.csv")
    printf 'extends = "../country.toml"\n[run]\nreplicates = %d\n[justice]\nsentence_months = %s\n' \
        "$replicates" "$truth" > "$dir/truth.toml"
    "$bin" run "$dir/truth.toml" --seed $((70000 + i)) --quiet --no-charts --force --out "$dir/run"
    python3 "$here/targets_from_run.py" "$dir/run/timeseries.csv" 48 "$dir/targets.csv"
    "$bin" calibrate "$out/country.toml" --targets "$dir/targets.csv" \
        --param justice.sentence_months=12:120 --particles 100 --generations 4 \
        --replicates "$replicates" --seed $((100 + i)) --quiet --no-charts --out "$dir/cal"
    echo "truth $i of $n done ($(($(date +%s) - start)) s since start)"
done

python3 - "$out" "$n" <<'PY'
import csv, json, math, sys
out, n = sys.argv[1], int(sys.argv[2])
truths = {int(r["truth"]): float(r["sentence_months"]) for r in csv.DictReader(open(f"{out}/truths.csv"))}
rows = []
for i in range(n):
    d = f"{out}/truth{i}/cal"
    post = list(csv.DictReader(open(f"{d}/posterior.csv")))
    last = max(int(r["generation"]) for r in post)
    ps = [(float(r["justice.sentence_months"]), float(r["weight"])) for r in post if int(r["generation"]) == last]
    total = sum(w for _, w in ps)
    truth = truths[i]
    rank = sum(w for v, w in ps if v < truth) / total
    p = json.load(open(f"{d}/manifest.json"))["details"]["posterior"][0]
    lo, hi = p["lo90"], p["hi90"]
    rows.append((i, truth, rank, lo, p["median"], hi, int(lo <= truth <= hi), last, len(ps)))
with open(f"{out}/sbc.csv", "w") as f:
    f.write("truth_id,sentence_months,rank,lo90,median,hi90,covered,generations,particles\n")
    for r in rows:
        f.write("{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{},{},{}\n".format(*r))

# Chi-square on 5 equal bins of the rank; 4 degrees of freedom, whose survival function
# has the closed form e^(-x/2) (1 + x/2).
bins = [0] * 5
for r in rows:
    bins[min(int(r[2] * 5), 4)] += 1
expected = n / 5
chi2 = sum((b - expected) ** 2 / expected for b in bins)
p_chi2 = math.exp(-chi2 / 2) * (1 + chi2 / 2)
# Kolmogorov-Smirnov against U(0, 1), with the asymptotic distribution and Stephens's
# small-sample correction of the statistic.
ranks = sorted(r[2] for r in rows)
ks = max(max((k + 1) / n - x, x - k / n) for k, x in enumerate(ranks))
lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * ks
p_ks = min(1.0, max(0.0, 2 * sum((-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam) for j in range(1, 101))))
covered = sum(r[6] for r in rows)
coverage = covered / n
uniform_ok = p_chi2 >= 0.05
coverage_ok = 0.8 <= coverage <= 1.0
lines = [
    f"simulation-based calibration of justice.sentence_months, prior U(12, 120): {n} truths",
    f"rank bins [0,0.2) [0.2,0.4) [0.4,0.6) [0.6,0.8) [0.8,1]: {' '.join(map(str, bins))} (expected {expected:g} each)",
    f"chi-square {chi2:.3f} on 4 degrees of freedom, p = {p_chi2:.4f}: uniformity "
    + ("not rejected" if uniform_ok else "REJECTED") + " at the 5% level",
    f"Kolmogorov-Smirnov D = {ks:.4f}, p = {p_ks:.4f} (information, not a criterion)",
    f"90% intervals cover {covered} of {n} truths ({100 * coverage:.1f}%): "
    + ("within" if coverage_ok else "OUTSIDE") + " 80-100%",
    f"median interval width {sorted(r[5] - r[3] for r in rows)[n // 2]:.2f} months (the prior's is 108)",
    "result: " + ("PASS" if uniform_ok and coverage_ok else "FAIL"),
]
open(f"{out}/sbc_summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if uniform_ok and coverage_ok else 1)
PY
