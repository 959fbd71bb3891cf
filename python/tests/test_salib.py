"""SALib as a client, all in Python (the route docs/python.md describes, with no
`narcodoor` program): a Saltelli design made by SALib runs through `narcodoor.sweep`, SALib
analyses the outputs, and its first-order and total indices agree with `narcodoor
sensitivity --method sobol` on the same design (`--design-file`) within their bootstrap
intervals. The sweep's outputs are those of `narcodoor sweep --design-file`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

import narcodoor
from conftest import ROOT, cli

SCENARIO = ROOT / "scenarios" / "baseline.toml"
PROBLEM = {
    "num_vars": 3,
    "names": ["choice.coercion", "recruit.intensity", "youth.job_finding"],
    "bounds": [[0.02, 0.10], [0.04, 0.12], [0.03, 0.09]],
}
SIM = ["--youths", 4000, "--months", 60, "--replicates", 1, "--quiet"]
N = 64  # base sample: N × (k + 2) = 320 runs


def test_salib_and_narcodoor_sobol_indices_agree_on_the_same_design(tmp_path):
    x = sobol_sample.sample(PROBLEM, N, calc_second_order=False, seed=7)
    assert x.shape == (N * (PROBLEM["num_vars"] + 2), PROBLEM["num_vars"])
    design = tmp_path / "saltelli.csv"
    pd.DataFrame(x, columns=PROBLEM["names"]).to_csv(design, index=False)

    # The pure-Python route: SALib's matrix as the design of narcodoor.sweep.
    runs = narcodoor.sweep(SCENARIO, pd.DataFrame(x, columns=PROBLEM["names"]), youths=4000, months=60,
                           replicates=1, errors="raise").runs.sort_values("point")
    assert (runs["status"] == "ok").all() and len(runs) == len(x)
    y = runs["members_mean"].to_numpy()
    cli("sweep", SCENARIO, "--design-file", design, "--out", tmp_path / "sweep", *SIM)
    expected = pd.read_csv(tmp_path / "sweep" / "runs.csv", comment="#").sort_values("point")
    assert np.array_equal(y, expected["members_mean"].to_numpy())
    assert np.std(y) > 0
    salib = sobol_analyze.analyze(PROBLEM, y, calc_second_order=False, conf_level=0.95, seed=7)

    out = tmp_path / "sens"
    cli("sensitivity", SCENARIO, "--method", "sobol", "--design-file", design, "--outcome", "members",
        "--statistic", "mean", "--bootstrap", 1000, "--out", out, "--no-charts", *SIM)
    # Both analysed the same model outputs.
    ours_design = pd.read_csv(out / "design.csv")
    assert np.allclose(np.sort(ours_design["output"].to_numpy()), np.sort(y), rtol=1e-8, atol=1e-8)

    indices = pd.read_csv(out / "indices.csv", comment="#").set_index(["factor", "index"])
    for i, name in enumerate(PROBLEM["names"]):
        for kind, est, conf in [("first", salib["S1"][i], salib["S1_conf"][i]),
                                ("total", salib["ST"][i], salib["ST_conf"][i])]:
            row = indices.loc[(name, kind)]
            # The two 95% bootstrap intervals overlap.
            assert est - conf <= row["ci_hi"] and row["ci_lo"] <= est + conf, (name, kind, est, conf, dict(row))
    # The analysis is not vacuous: some factor matters, with an interval away from zero.
    totals = indices.xs("total", level="index")
    assert (totals["ci_lo"] > 0.05).any(), totals
