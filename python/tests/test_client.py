"""Python as a first-class client (issue 30): every argument checked and named, errors that
pickle and speak Python, discovery of levers and outcomes, progress, labelled comparisons,
save and load, grids and failing points, and the package's surface."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle
import warnings

import pandas as pd
import pytest

import narcodoor
from conftest import BASELINE, TINY, cli
from narcodoor import _narcodoor

SMALL = dict(youths=2000, months=6, replicates=2)


# 1. Bad numbers are ScenarioErrors that name the argument.

@pytest.mark.parametrize("kwargs, named", [
    (dict(youths=-5), "youths=-5"),
    (dict(seed=-1), "seed=-1"),
    (dict(replicates=-1), "replicates=-1"),
    (dict(months=-3), "months=-3"),
    (dict(threads=-2), "threads=-2"),
    (dict(youths=5000.0), "youths=5000.0"),
    (dict(replicates="2"), "replicates='2'"),
    (dict(seed=True), "seed=True"),
    (dict(seed=2**70), f"seed={2**70}"),
    (dict(threads=0), "threads=0"),
    (dict(youths=0), "youths=0"),
    (dict(months=0), "months=0"),
    (dict(replicates=0), "replicates=0"),
    (dict(set="youth.school_dropout=0.1"), "set="),
    (dict(set={"youth.school_dropout": object()}), 'set["youth.school_dropout"]'),
    (dict(set={3: 0.1}), "set[3]"),
    (dict(progress="yes"), "progress='yes'"),
])
def test_every_keyword_argument_is_checked_and_named(kwargs, named):
    with pytest.raises(narcodoor.ScenarioError) as info:
        narcodoor.run(TINY, **kwargs)
    assert isinstance(info.value, ValueError)
    assert named in str(info.value), str(info.value)
    assert "--" not in str(info.value), str(info.value)


def test_sweep_and_compare_check_their_arguments_too():
    with pytest.raises(narcodoor.ScenarioError, match="months=-1"):
        narcodoor.sweep(TINY, {"choice.coercion": [0.05]}, months=-1)
    with pytest.raises(narcodoor.ScenarioError, match="seed=1.5"):
        narcodoor.compare(TINY, TINY, seed=1.5)
    with pytest.raises(narcodoor.ScenarioError, match="scenario=42"):
        narcodoor.run(42)
    with pytest.raises(narcodoor.ScenarioError, match=r"errors='loud'"):
        narcodoor.sweep(TINY, {"choice.coercion": [0.05]}, errors="loud")


# 2. ScenarioError pickles, and crosses a process pool with its message.

def test_scenario_error_pickles_under_the_public_module():
    with pytest.raises(narcodoor.ScenarioError) as info:
        narcodoor.run(TINY, set={"youth.school_dropuot": 0.1})
    assert narcodoor.ScenarioError.__module__ == "narcodoor"
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is narcodoor.ScenarioError and str(back) == str(info.value)


def test_scenario_error_crosses_a_process_pool():
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(narcodoor.run, TINY, set={"youth.school_dropuot": 0.1}, **SMALL)
        with pytest.raises(narcodoor.ScenarioError, match="did you mean youth.school_dropout"):
            future.result(timeout=120)


# 3. Levers and outcomes can be discovered from Python; names are checked early.

def test_parameters_list_every_lever_on_or_off():
    frame = narcodoor.parameters(BASELINE).set_index("path")
    enabled = frame[frame.index.str.match(r"policy\.\w+\.enabled$")]
    assert len(enabled) == 9, list(enabled.index)
    assert set(enabled["kind"]) == {"bool"}
    assert not enabled["enabled"].any() and (enabled["value"] == "false").all()
    assert not frame[frame["enabled"] == False]["changed"].any()  # noqa: E712 (off levers changed nothing)
    coverage = frame.loc["policy.scholarships.coverage"]
    assert (coverage["kind"], coverage["min"], coverage["max"], coverage["enabled"]) == ("number", 0.0, 1.0, False)
    assert frame.loc["youth.school_dropout", "enabled"] is None
    # Integer bounds are integers, not floats printed as 4.294967e+09.
    integer = frame[(frame["kind"] == "integer") & frame["max"].notna()]
    assert len(integer) > 0 and all(type(x) is int for x in integer["max"])
    assert "e+" not in frame.to_string()
    on = narcodoor.parameters(TINY).set_index("path")
    assert on.loc["policy.scholarships.enabled", "enabled"] and on.loc["policy.scholarships.enabled", "value"] == "true"


def test_outcomes_are_the_sweeps_outcome_columns():
    outcomes = narcodoor.outcomes()
    assert list(outcomes.columns) == ["outcome", "metric", "statistic"]
    assert set(outcomes["statistic"]) == {"horizon", "total", "mean"}
    assert (outcomes["metric"] + "_" + outcomes["statistic"] == outcomes["outcome"]).all()
    runs = narcodoor.sweep(TINY, {"choice.coercion": [0.05]}, **SMALL).runs
    assert list(runs.columns[-len(outcomes):]) == list(outcomes["outcome"])


def test_ema_model_checks_names_when_it_is_built():
    ema = pytest.importorskip("narcodoor.ema")
    with pytest.raises(narcodoor.ScenarioError, match='outcomes: "homicides_totl" is not an outcome; did you mean homicides_total'):
        ema.model(BASELINE, uncertainties={"choice.coercion": (0.02, 0.1)}, outcomes=["homicides_totl"])
    with pytest.raises(narcodoor.ScenarioError, match=r'uncertainties\["choice.coercio"\].*did you mean choice.coercion'):
        ema.model(BASELINE, uncertainties={"choice.coercio": (0.02, 0.1)})
    with pytest.raises(narcodoor.ScenarioError, match=r'levers\["policy.scholarship.coverage"\]'):
        ema.model(BASELINE, uncertainties={"choice.coercion": (0.02, 0.1)},
                  levers={"policy.scholarship.coverage": (0.0, 0.8)})
    with pytest.raises(narcodoor.ScenarioError, match="run settings"):
        ema.model(BASELINE, uncertainties={"run.months": (12, 24)})


# 4. Messages use Python's names.

def test_messages_use_pythons_names():
    cases = [
        (dict(set={"policy.scholarship.coverage": 0.8}), 'set["policy.scholarship.coverage"]'),
        (dict(youths=0), "youths=0"),
        (dict(set={"run.months": 12}), "use the keyword arguments replicates=, months= and seed="),
        (dict(set={"youth.school_dropout": 2.0}), 'set["youth.school_dropout"] = 2'),
    ]
    for kwargs, expected in cases:
        with pytest.raises(narcodoor.ScenarioError) as info:
            narcodoor.run(TINY, **kwargs)
        message = str(info.value)
        assert expected in message and "--" not in message and "setting `" not in message, message
    with pytest.raises(narcodoor.ScenarioError) as info:
        narcodoor.sweep(TINY, {"run.seed": [1, 2]})
    assert 'design["run.seed"]' in str(info.value) and "--" not in str(info.value), str(info.value)


# 5. Progress: a bar fed by the engine's count of months.

def test_progress_counts_every_simulated_month_and_changes_nothing(capsys):
    counts = []
    source = {"scenario": str(TINY), "is_text": False, "label": None, "sets": []}
    sim = dict(SMALL, seed=None, threads=1, months=24)
    files = _narcodoor.run(source, sim, lambda done, total: counts.append((done, total)))
    assert counts, "no progress reported"
    done, total = counts[-1]
    # 2 replicates × (12 burn-in + 24) months, all counted.
    assert (done, total) == (2 * 36, 2 * 36), counts
    assert all(a[0] <= b[0] for a, b in zip(counts, counts[1:]))
    quiet = narcodoor.run(TINY, **dict(SMALL, months=24, threads=1))
    shown = narcodoor.run(TINY, progress=True, **dict(SMALL, months=24, threads=1))
    # The same outputs (the manifests differ only in their clocks).
    for name in quiet.files:
        if name != "manifest.json":
            assert shown.files[name] == quiet.files[name] == files[name], name
    err = capsys.readouterr().err
    assert "narcodoor.run" in err and "100%" in err and "72/72" in err, err


# 6. compare takes labelled scenarios, with settings.

def test_compare_takes_labelled_scenarios_with_settings(tmp_path):
    text = f'extends = "{TINY}"\n[policy.scholarships]\ncoverage = 0.8\n'
    result = narcodoor.compare({
        "base": TINY,
        "coverage_08": (TINY, {"policy.scholarships.coverage": 0.8}),
        "as_text": {"scenario": text},
    }, **SMALL)
    effects = result.effects
    assert list(dict.fromkeys(effects["scenario"])) == ["coverage_08", "as_text"]
    numbers = effects.drop(columns="scenario").groupby(effects["scenario"], sort=False)
    by_set, by_text = (g.reset_index(drop=True) for _, g in numbers)
    pd.testing.assert_frame_equal(by_set, by_text, check_exact=True)
    assert "coverage_08" in result.report and "as_text" in result.report
    with pytest.raises(narcodoor.ScenarioError, match=r'scenarios\["x"\]\[1\]\["youth.school_dropuot"\]'):
        narcodoor.compare({"base": TINY, "x": (TINY, {"youth.school_dropuot": 0.1})}, **SMALL)
    with pytest.raises(narcodoor.ScenarioError, match="the label a/b: run.name = a/b: must be a non-empty name"):
        narcodoor.compare({"base": TINY, "a/b": TINY}, **SMALL)
    with pytest.raises(narcodoor.ScenarioError, match="at least one other"):
        narcodoor.compare({"base": TINY})


# 7. Save and load.

def test_results_save_and_load_back(tmp_path):
    run = narcodoor.run(TINY, **SMALL)
    sweep = narcodoor.sweep(TINY, {"choice.coercion": [0.04, 0.06]}, **SMALL)
    compared = narcodoor.compare(TINY, TINY, **SMALL)
    for name, result in [("run", run), ("sweep", sweep), ("compare", compared)]:
        result.save(tmp_path / name)
        back = narcodoor.load(tmp_path / name)
        assert type(back) is type(result) and back.files == result.files, name
    pd.testing.assert_frame_equal(narcodoor.load(tmp_path / "run").timeseries, run.timeseries)
    pd.testing.assert_frame_equal(narcodoor.load(tmp_path / "sweep").runs, sweep.runs)
    # runs.csv opens with provenance lines: pandas reads it with comment="#".
    assert sweep.files["runs.csv"].startswith("#")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "sweep" / "runs.csv", comment="#"), sweep.runs)
    # A directory the command line wrote loads too.
    cli("run", TINY, "--out", tmp_path / "cli", "--no-charts", "--quiet", "--youths", 2000, "--months", 6,
        "--replicates", 2)
    assert narcodoor.load(tmp_path / "cli").files["timeseries.csv"] == run.files["timeseries.csv"]
    with pytest.raises(narcodoor.ScenarioError, match="not a narcodoor result"):
        narcodoor.load(tmp_path / "nothing")


# 9. Designs: grid, clear errors, failing points.

def test_grid_is_a_full_factorial():
    g = narcodoor.grid({"a": [1, 2], "b": [0.1, 0.2, 0.3], "c": "x"})
    assert list(g.columns) == ["a", "b", "c"] and len(g) == 6
    assert list(g.itertuples(index=False, name=None))[:4] == [(1, 0.1, "x"), (1, 0.2, "x"), (1, 0.3, "x"),
                                                              (2, 0.1, "x")]
    with pytest.raises(narcodoor.ScenarioError, match="no levels"):
        narcodoor.grid({"a": []})


def test_designs_of_unequal_lengths_or_scalars_are_refused_clearly():
    with pytest.raises(narcodoor.ScenarioError, match=r"different lengths \(choice.coercion: 2, recruit.intensity: 3\)"):
        narcodoor.sweep(TINY, {"choice.coercion": [0.04, 0.06], "recruit.intensity": [0.05, 0.06, 0.07]})
    with pytest.raises(narcodoor.ScenarioError, match=r'design\["choice.coercion"\] = 0.05: give a list'):
        narcodoor.sweep(TINY, {"choice.coercion": 0.05})
    with pytest.raises(narcodoor.ScenarioError, match="no points"):
        narcodoor.sweep(TINY, {"choice.coercion": []})


def test_failing_points_warn_or_raise_on_request():
    design = {"youth.school_dropout": [1.5, 2.0]}
    with pytest.warns(narcodoor.PointsFailedWarning, match="2 of 2 design points failed.*school_dropout"):
        result = narcodoor.sweep(TINY, design, **SMALL)
    assert (result.runs["status"] == "error").all() and result.runs["members_mean"].isna().all()
    with pytest.raises(narcodoor.ScenarioError, match="1 of 2 design points failed"):
        narcodoor.sweep(TINY, {"youth.school_dropout": [0.01, 1.5]}, errors="raise", **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        narcodoor.sweep(TINY, design, errors="ignore", **SMALL)
        narcodoor.sweep(TINY, {"youth.school_dropout": [0.01]}, **SMALL)


# 10. The package's surface.

def test_repr_dir_and_keyword_only_arguments():
    result = narcodoor.run(TINY, **SMALL)
    assert len(repr(result)) < 300 and "'tiny'" in repr(result) and "2 replicates" in repr(result), repr(result)
    sweep = narcodoor.sweep(TINY, {"choice.coercion": [0.04, 0.06]}, **SMALL)
    assert "2 points, 4 runs (0 failed)" in repr(sweep), repr(sweep)
    names = dir(narcodoor)
    for private in ["Any", "Mapping", "io", "json", "os", "pd", "dataclass", "itertools", "warnings"]:
        assert private not in names, private
    assert {"run", "compare", "sweep", "grid", "parameters", "outcomes", "load", "ScenarioError"} <= set(names)
    with pytest.raises(TypeError):
        narcodoor.run(TINY, {"youth.school_dropout": 0.1})  # set is keyword-only
    with pytest.raises(TypeError):
        narcodoor.sweep(TINY, {"choice.coercion": [0.05]}, 2)
