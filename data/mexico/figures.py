#!/usr/bin/env python3
"""Figures and tables of docs/mexico.md from a run of scenarios/mexico_2000.toml.

usage: python3 data/mexico/figures.py RUN_DIR [YOUTHS]   (needs matplotlib)

Reads RUN_DIR/timeseries.csv and regions.csv (every replicate) and the observed targets
(data/mexico/targets_2000_2012.csv: years 2000-2012 only), and writes
docs/img/mexico_national.csv/.png, docs/img/mexico_states.csv,
docs/img/mexico_states_scatter.png and docs/img/mexico_rise.csv (the rise of each state's
rate from 2001-2006, before the campaign, to 2010-2012, observed and simulated, with the
ranks; sorted by the observed rise). Intervals are Student t 95% intervals of the mean
over replicates (as summary.csv), plus the replicates' range.
"""
import csv
import math
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

run = sys.argv[1]
youths = float(sys.argv[2]) if len(sys.argv) > 2 else 1_800_000
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


def interval(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, m, m
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = T975.get(n - 1, 1.96) * sd / math.sqrt(n)
    return m, m - h, m + h


obs_nat, obs_state = {}, {}
for t in csv.DictReader(open("data/mexico/targets_2000_2012.csv")):
    if t["metric"] != "homicide_rate":
        continue
    y = int(t["start"][:4])
    if t["region"]:
        obs_state[(t["region"], y)] = float(t["value"])
    else:
        obs_nat[y] = float(t["value"])

# per replicate, per year: mean of the monthly values (the annual rate)
nat = defaultdict(lambda: defaultdict(list))
members = defaultdict(lambda: defaultdict(list))
for r in csv.DictReader(open(f"{run}/timeseries.csv")):
    y, rep = int(r["date"][:4]), r["replicate"]
    nat[y][rep].append(float(r["homicide_rate"]))
    members[y][rep].append(float(r["members"]))
reg = defaultdict(lambda: defaultdict(list))  # 2010-2012 monthly rates
before = defaultdict(lambda: defaultdict(list))  # 2001-2006 (before the campaign)
for r in csv.DictReader(open(f"{run}/regions.csv")):
    y = int(r["date"][:4])
    if 2010 <= y <= 2012:
        reg[r["region"]][r["replicate"]].append(float(r["homicide_rate"]))
    elif 2001 <= y <= 2006:
        before[r["region"]][r["replicate"]].append(float(r["homicide_rate"]))

years = sorted(nat)
rows = []
for y in years:
    per_rep = [sum(v) / len(v) for v in nat[y].values()]
    mem = [sum(v) / len(v) for v in members[y].values()]
    m, lo, hi = interval(per_rep)
    mm, mlo, mhi = interval(mem)
    rows.append((y, obs_nat.get(y), m, lo, hi, min(per_rep), max(per_rep), mm, mlo, mhi))
with open("docs/img/mexico_national.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["year", "observed_rate", "sim_mean", "sim_lo", "sim_hi", "sim_min", "sim_max",
                "members_mean", "members_lo", "members_hi"])
    for r in rows:
        w.writerow([r[0], "" if r[1] is None else r[1]] + [round(x, 2) for x in r[2:]])

fig, ax = plt.subplots(figsize=(8, 4.5))
ax.fill_between([r[0] for r in rows], [r[3] for r in rows], [r[4] for r in rows], alpha=0.3, label="simulated, 95% interval of the mean")
ax.plot([r[0] for r in rows], [r[2] for r in rows], "-o", label="simulated mean")
oy = [y for y in years if y in obs_nat]
ax.plot(oy, [obs_nat[y] for y in oy], "-s", color="black", label="INEGI (2000-2012)")
ax.axvline(2012.5, color="grey", ls=":")
ax.text(2012.7, ax.get_ylim()[1] * 0.9, "forecast", color="grey")
ax.set_xlabel("year")
ax.set_ylabel("homicides per 100,000 per year")
ax.set_title("Mexico: national homicide rate, simulated vs observed")
ax.legend(loc="upper left")
fig.tight_layout()
fig.savefig("docs/img/mexico_national.png", dpi=110)


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):  # average ranks for ties
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))


states = sorted(reg)
srows = []
for s in states:
    per_rep = [sum(v) / len(v) for v in reg[s].values()]
    m, lo, hi = interval(per_rep)
    o = sum(obs_state.get((s, y), 0.0) for y in (2010, 2011, 2012)) / 3
    o0 = sum(obs_state.get((s, y), 0.0) for y in (2004, 2005, 2006)) / 3
    srows.append((s, o0, o, m, lo, hi))
rho = spearman([r[2] for r in srows], [r[3] for r in srows])
with open("docs/img/mexico_states.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["state", "observed_2004_2006", "observed_2010_2012", "sim_mean", "sim_lo", "sim_hi", "log_ratio"])
    for r in sorted(srows, key=lambda r: -abs(math.log((r[3] + 0.1) / (r[2] + 0.1)))):
        w.writerow([r[0]] + [round(x, 2) for x in r[1:]] + [round(math.log((r[3] + 0.1) / (r[2] + 0.1)), 3)])

# The rise in the right states: per state, the mean annual rate 2010-2012 minus the mean
# 2001-2006; the simulated rise is taken per replicate, then averaged.
def mean(xs):
    return sum(xs) / len(xs)


rise = []
for s in states:
    o_before = mean([obs_state.get((s, y), 0.0) for y in range(2001, 2007)])
    o_after = mean([obs_state.get((s, y), 0.0) for y in (2010, 2011, 2012)])
    per_rep = [mean(reg[s][k]) - mean(before[s][k]) for k in reg[s]]
    m, lo, hi = interval(per_rep)
    sim_before = mean([mean(v) for v in before[s].values()])
    rise.append([s, o_before, o_after, o_after - o_before, sim_before, sim_before + m, m, lo, hi])
rho_rise = spearman([r[3] for r in rise], [r[6] for r in rise])
obs_rank = ranks([-r[3] for r in rise])
sim_rank = ranks([-r[6] for r in rise])
with open("docs/img/mexico_rise.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["state", "observed_2001_2006", "observed_2010_2012", "observed_rise", "observed_rank",
                "sim_2001_2006", "sim_2010_2012", "sim_rise", "sim_rise_lo", "sim_rise_hi", "sim_rank"])
    for i in sorted(range(len(rise)), key=lambda i: obs_rank[i]):
        r = rise[i]
        w.writerow([r[0]] + [round(x, 2) for x in r[1:4]] + [round(obs_rank[i] + 1, 1)]
                   + [round(x, 2) for x in r[4:]] + [round(sim_rank[i] + 1, 1)])

fig, ax = plt.subplots(figsize=(7, 7))
ax.errorbar([r[2] for r in srows], [r[3] for r in srows],
            yerr=[[r[3] - r[4] for r in srows], [r[5] - r[3] for r in srows]], fmt="o", ms=4)
for r in srows:
    ax.annotate(r[0], (r[2], r[3]), fontsize=7, xytext=(3, 3), textcoords="offset points")
top = max(max(r[2] for r in srows), max(r[5] for r in srows)) * 1.1
ax.plot([1, top], [1, top], color="grey", ls="--", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("observed homicide rate 2010-2012 (INEGI), per 100,000")
ax.set_ylabel("simulated 2010-2012, per 100,000 (mean, 95% interval)")
ax.set_title(f"32 states, 2010-2012: Spearman rho = {rho:.2f}")
fig.tight_layout()
fig.savefig("docs/img/mexico_states_scatter.png", dpi=110)
print(f"spearman 2010-2012: {rho:.3f}")
print(f"spearman of the rise 2001-06 -> 2010-12: {rho_rise:.3f}; top 8 by observed rise (observed, simulated, simulated rank):")
for i in sorted(range(len(rise)), key=lambda i: obs_rank[i])[:8]:
    print(f"  {rise[i][0]}: {rise[i][3]:.1f}, {rise[i][6]:.1f} ({sim_rank[i] + 1:g})")
for r in rows:
    print(r[0], r[1], [round(x, 1) for x in r[2:]])
