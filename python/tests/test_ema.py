"""EMA Workbench as a client: a small run of examples/ema_scenario_discovery.py. Its
outcomes equal those of `narcodoor sweep --design-file` at the same points (common random
numbers make them exact), and PRIM finds a box; and a failing experiment in EMA's process
pool reports its real ScenarioError."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from conftest import ROOT, cli
from narcodoor import ema

# Large enough that total homicides vary (tiny runs tie at a few homicides, and PRIM needs
# some runs strictly above the threshold).
SIM = dict(youths=10_000, months=60, replicates=2)


def load_example():
    spec = importlib.util.spec_from_file_location("ema_example", ROOT / "examples" / "ema_scenario_discovery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ema_example_outcomes_equal_the_sweeps_and_prim_finds_a_box(tmp_path):
    example = load_example()
    _, experiments, outcomes, box = example.main(scenarios=12, out=tmp_path / "ema", **SIM)
    assert len(experiments) == 12 * 2
    assert set(experiments["policy"]) == {"none", "scholarships"}
    for figure in ["homicides_by_policy.png", "prim_tradeoff.png", "prim_box.png"]:
        assert (tmp_path / "ema" / figure).stat().st_size > 1000, figure

    # The same points through the command line.
    paths = list(example.UNCERTAINTIES) + list(example.LEVERS)
    design = pd.DataFrame({p: experiments[ema.name(p)] for p in paths})
    design.to_csv(tmp_path / "design.csv", index=False)
    out = tmp_path / "sweep"
    cli("sweep", example.SCENARIO, "--design-file", tmp_path / "design.csv", "--out", out, "--quiet",
        "--youths", SIM["youths"], "--months", SIM["months"], "--replicates", SIM["replicates"])
    runs = pd.read_csv(out / "runs.csv", comment="#")
    assert (runs["status"] == "ok").all()
    per_point = runs.groupby("point", sort=True)
    for column in ["homicides_total", "recruits_total", "members_mean"]:
        expected = per_point[column].mean().to_numpy()
        got = np.asarray(outcomes[ema.name(column)], dtype=float)
        assert np.array_equal(got, expected), (column, got, expected)
    # The outcomes vary with the experiment: the comparison is not between constants.
    assert np.unique(outcomes[ema.name("recruits_total")]).size > 1

    # PRIM returns a box: limits on the uncertainties, with coverage and density.
    assert box is not None
    limits = box.box_lims[box._cur_box] if hasattr(box, "_cur_box") else box.box_lims[-1]
    assert set(ema.name(p) for p in example.UNCERTAINTIES) <= set(limits.columns)
    assert 0 < box.coverage <= 1 and 0 < box.density <= 1



PARALLEL = f"""
from ema_workbench import MultiprocessingEvaluator
from narcodoor import ema
m = ema.model({str(ROOT / "scenarios" / "baseline.toml")!r}, uncertainties={{"youth.school_dropout": (0.005, 1.5)}},
              outcomes=["homicides_total"], youths=2000, months=6, replicates=1, threads=1, errors="raise")
with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
    evaluator.perform_experiments(scenarios=4)
"""


PARALLEL_NAN = f"""
import logging
from ema_workbench import MultiprocessingEvaluator
from ema_workbench.util import ema_logging
from narcodoor import ema
ema_logging.log_to_stderr(logging.WARNING)
m = ema.model({str(ROOT / "scenarios" / "baseline.toml")!r}, uncertainties={{"youth.school_dropout": (0.005, 1.5)}},
              outcomes=["homicides_total"], youths=2000, months=6, replicates=1, threads=1)
with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
    experiments, outcomes = evaluator.perform_experiments(scenarios=6)
print("nan", int(sum(x != x for x in outcomes["homicides_total"])), "of", len(experiments))
"""


def test_a_parallel_run_completes_and_each_failed_experiment_logs_its_real_error():
    # The default errors="nan": the run finishes, failed experiments have NaN outcomes, and
    # each one's ScenarioError message reaches the caller through EMA's forwarded log.
    proc = subprocess.run([sys.executable, "-c", PARALLEL_NAN], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    nan, total = [int(x) for x in proc.stdout.split()[-3::2]]
    assert total == 6 and nan >= 1, proc.stdout
    logged = proc.stderr.count("failed, its outcomes are NaN")
    assert logged == nan, proc.stderr
    assert proc.stderr.count("must be a probability or share in [0, 1]") >= nan, proc.stderr


def test_a_failing_experiment_in_a_process_pool_reports_its_real_error():
    # School dropout is a probability: a Latin hypercube over (0.005, 1.5) draws values
    # above 1, which the scenario rules refuse. With errors="raise" the experiment raises
    # its ScenarioError in the worker; EMA Workbench 2.5.3 prints the worker's error (with
    # the ScenarioError's message, not a PicklingError) and then waits for the missing
    # experiment, so the run is stopped once the message is out.
    proc = subprocess.Popen([sys.executable, "-c", PARALLEL], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    lines = []
    deadline = time.monotonic() + 120
    try:
        for line in proc.stderr:
            lines.append(line)
            if "Caused by: ScenarioError" in line or time.monotonic() > deadline:
                break
    finally:
        proc.kill()
        proc.wait()
    shown = "".join(lines)
    assert "Caused by: ScenarioError" in shown, shown
    assert "must be a probability or share in [0, 1]" in lines[-1], shown
    assert "PicklingError" not in shown and "_narcodoor" not in shown, shown
