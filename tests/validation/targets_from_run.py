"""Targets of a known-truth calibration from a run at the truth (tests/validation/*.sh).

Usage: python3 targets_from_run.py TIMESERIES_CSV MONTHS OUT_CSV

Writes TARGETS.csv rows for members, prison, recruits and the homicide rate over the
24-month windows that fill MONTHS reported months: each the mean over replicates of the
replicate's window mean, with a tolerance of 0.1. The known-truth case and the
simulation-based calibration make their targets the same way, here.
"""
import csv
import sys
from collections import defaultdict

METRICS = ["members", "prison", "recruits", "homicide_rate"]
WINDOW = 24


def main(timeseries, months, out):
    rows = list(csv.DictReader(open(timeseries)))
    text = "metric,region,start,end,value,tolerance\n"
    for metric in METRICS:
        for a in range(0, months, WINDOW):
            sums = defaultdict(lambda: [0.0, 0])
            for r in rows:
                if a <= int(r["month"]) <= a + WINDOW - 1:
                    sums[r["replicate"]][0] += float(r[metric])
                    sums[r["replicate"]][1] += 1
            value = sum(s / n for s, n in sums.values()) / len(sums)
            text += f"{metric},,{a},{a + WINDOW - 1},{value!r},0.1\n"
    open(out, "w").write(text)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
