#!/usr/bin/env python3
"""The calibration distance of a finished run against one or more targets files.

usage: python3 data/mexico/distance.py RUN_DIR TARGETS.csv [TARGETS.csv ...]

Scores RUN_DIR/timeseries.csv and regions.csv (every replicate) as `narcodoor calibrate`
scores a particle: per target row, the window mean of the metric's monthly values in each
replicate, averaged over the replicates; distance = root mean square over the rows of
(simulated - value) / (tolerance x |value|). Windows are `YYYY-MM` (the scenario sets
run.start). Also prints the share of the squared distance that each kind of row carries
(national, state, members) and how many of the state rows are simulated too low.
"""
import csv
import math
import sys
from collections import defaultdict

run = sys.argv[1]
series = defaultdict(lambda: defaultdict(dict))  # (metric, region) -> replicate -> date -> value
for name, region_col in (("timeseries.csv", None), ("regions.csv", "region")):
    for r in csv.DictReader(open(f"{run}/{name}")):
        region = r[region_col] if region_col else ""
        for metric in ("homicide_rate", "members"):
            if metric in r and r[metric] != "":
                series[(metric, region)][r["replicate"]][r["date"]] = float(r[metric])

for path in sys.argv[2:]:
    sq, parts, low, states = 0.0, defaultdict(float), 0, 0
    rows = list(csv.DictReader(open(path)))
    for t in rows:
        reps = series[(t["metric"], t["region"])]
        sims = []
        for by_date in reps.values():
            xs = [v for d, v in by_date.items() if t["start"] <= d <= t["end"]]
            sims.append(sum(xs) / len(xs))
        sim = sum(sims) / len(sims)
        value, tol = float(t["value"]), float(t["tolerance"])
        e = ((sim - value) / (tol * abs(value))) ** 2
        sq += e
        kind = "members" if t["metric"] == "members" else ("state" if t["region"] else "national")
        parts[kind] += e
        if kind == "state":
            states += 1
            low += sim < value
    d = math.sqrt(sq / len(rows))
    share = ", ".join(f"{k} {parts[k] / sq:.0%}" for k in ("national", "state", "members"))
    print(f"{path}: {len(rows)} rows, distance {d:.3f} (share of squared distance: {share}; "
          f"state rows simulated too low: {low} of {states})")
