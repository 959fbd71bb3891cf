#!/usr/bin/env bash
# The optimiser against a brute-force grid at no greater cost (issue 13): two levers of the
# baseline, recruits against mean monthly spending. NSGA-II evaluates 8 × (3 + 1) = 32
# candidates; the grid 6 × 6 = 36 points, both on the same replicates (common random
# numbers). Prints both fronts' hypervolumes (reference point: 1.1 × the worst value of
# either objective over both sets) and their ratio. Usage: benches/optimize_vs_grid.sh [DIR]
set -euo pipefail
BIN=${BIN:-target/release/narcodoor}
DIR=${1:-results/optimize-vs-grid}
SIZE=(--youths 10000 --months 36 --replicates 2 --seed 1 --quiet)
rm -rf "$DIR"; mkdir -p "$DIR"
"$BIN" optimize scenarios/baseline.toml --lever policy.scholarships.coverage=0:0.9 \
    --lever policy.youth_jobs.slots_per_1000=0:40 --objective recruits --objective spending_total:mean \
    --population 8 --generations 3 "${SIZE[@]}" --no-charts --out "$DIR/opt"
"$BIN" sweep scenarios/baseline.toml --set policy.scholarships.coverage=0:0.9:6 \
    --set policy.youth_jobs.slots_per_1000=0:40:6 "${SIZE[@]}" --out "$DIR/grid"
python3 - "$DIR" <<'PY'
import csv, sys
d = sys.argv[1]
def rows(p):
    return list(csv.DictReader(l for l in open(p) if not l.startswith('#')))
opt = [(float(r['recruits_total']), float(r['spending_total_mean'])) for r in rows(f'{d}/opt/evaluated.csv') if r['error'] == '']
pts = {}
for r in rows(f'{d}/grid/runs.csv'):
    pts.setdefault(r['point'], []).append((float(r['recruits_total']), float(r['spending_total']) / 36))
grid = [(sum(a for a, _ in v) / len(v), sum(b for _, b in v) / len(v)) for v in pts.values()]
ref = [1.1 * max(p[k] for p in opt + grid) for k in (0, 1)]
def hv(points):
    area, best = 0.0, ref[1]
    for x, y in sorted(points):
        if y < best:
            area += (ref[0] - x) * (best - y); best = y
    return area
h_opt, h_grid = hv(opt), hv(grid)
print(f'optimiser: {len(opt)} candidates, hypervolume {h_opt:.6g}')
print(f'grid:      {len(grid)} points, hypervolume {h_grid:.6g}')
print(f'ratio optimiser/grid: {h_opt / h_grid:.4f}')
PY
