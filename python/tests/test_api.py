"""The package against the command line: same files, same errors; and the calling
conventions (TOML text, set, parameters, validate, compare)."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

import narcodoor
from conftest import BASELINE, TINY, cli

RUN_FILES = ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv", "events.csv"]


def test_baseline_run_equals_the_command_lines_column_by_column(tmp_path):
    # The bundled baseline as it is (200,000 youths, 30 years), with two replicates.
    cli("run", BASELINE, "--replicates", 2, "--out", tmp_path, "--no-charts", "--quiet")
    result = narcodoor.run(BASELINE, replicates=2)
    expected = pd.read_csv(tmp_path / "timeseries.csv")
    assert list(result.timeseries.columns) == list(expected.columns)
    assert len(result.timeseries) == 2 * 240
    for column in expected.columns:
        assert result.timeseries[column].equals(expected[column]), column
    # Every file byte for byte, and the other tables with the files' columns.
    for name in RUN_FILES:
        assert result.files[name] == (tmp_path / name).read_text(), name
    for attr, name in [("summary", "summary.csv"), ("regions", "regions.csv"), ("events", "events.csv"),
                       ("regions_summary", "regions_summary.csv")]:
        frame = getattr(result, attr)
        assert list(frame.columns) == list(pd.read_csv(tmp_path / name).columns), name
    assert result.manifest["seed"] == 1 and result.manifest["replicates"] == 2


def test_toml_text_and_set_equal_a_file_with_the_same_values(tmp_path):
    text = f'extends = "{BASELINE}"\n[youth]\nschool_dropout = 0.01\n[policy.scholarships]\ncoverage = 0.5\n'
    path = tmp_path / "s.toml"
    path.write_text(text)
    small = dict(youths=3000, months=12, replicates=2)
    from_text = narcodoor.run(text, **small)
    from_file = narcodoor.run(path, **small)
    from_set = narcodoor.run(BASELINE, set={"youth.school_dropout": 0.01, "policy.scholarships.coverage": 0.5}, **small)
    assert from_text.files["timeseries.csv"] == from_file.files["timeseries.csv"]
    assert from_set.files["timeseries.csv"] == from_file.files["timeseries.csv"]
    assert not from_set.timeseries.equals(narcodoor.run(BASELINE, **small).timeseries)


def test_bad_input_raises_scenario_error_with_the_command_lines_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "%s"\n[youth]\nschool_dropuot = 0.1\n' % BASELINE)
    done = cli("validate", bad, check=False)
    assert done.returncode == 2
    with pytest.raises(narcodoor.ScenarioError) as info:
        narcodoor.validate(bad)
    assert isinstance(info.value, ValueError)
    assert "error: " + str(info.value) + "\n" == done.stderr
    assert "did you mean school_dropout" in str(info.value)
    with pytest.raises(narcodoor.ScenarioError, match="did you mean youth.school_dropout"):
        narcodoor.run(BASELINE, set={"youth.school_dropuot": 0.1})
    with pytest.raises(narcodoor.ScenarioError, match="run settings"):
        narcodoor.run(BASELINE, set={"run.months": 12})
    with pytest.raises(narcodoor.ScenarioError, match="threads=0: must be at least 1"):
        narcodoor.run(BASELINE, threads=0)
    with pytest.raises(narcodoor.ScenarioError, match="must be"):
        narcodoor.run("[youth]\nschool_dropout = -1\n")
    with pytest.raises(narcodoor.ScenarioError, match="no-such.toml"):
        narcodoor.run("no-such.toml")


def test_parameters_are_what_explain_prints():
    frame = narcodoor.parameters(BASELINE)
    assert list(frame.columns) == ["group", "path", "value", "default", "unit", "meaning", "kind", "min", "max",
                                   "enabled", "changed"]
    text = cli("explain", "--wide", BASELINE).stdout
    # explain prints the levers in use; parameters() lists the others' keys too.
    for row in frame[frame["enabled"] != False].itertuples():  # noqa: E712 (None or True)
        assert row.path in text and row.meaning in text, row.path
    dropout = frame.set_index("path").loc["youth.school_dropout"]
    assert dropout["group"] == "[youth]" and dropout["unit"] == "per month"
    assert (dropout["kind"], dropout["min"], dropout["max"]) == ("number", 0.0, 1.0)
    assert frame.set_index("path").loc["population.youths", "changed"]
    assert narcodoor.validate(BASELINE) == {"name": "baseline", "regions": 4, "youths": 200000, "files": [str(BASELINE)]}


def test_compare_returns_the_command_lines_effects_table(tmp_path):
    other = TINY.parent / "scenarios"
    policy = tmp_path / "policy.toml"
    policy.write_text(f'extends = "{TINY}"\n[run]\nname = "policy"\n[policy.demand]\nreduction = 0.4\n')
    cli("compare", TINY, policy, "--out", tmp_path / "cmp", "--months", 12, "--replicates", 3, "--quiet", "--no-charts")
    result = narcodoor.compare(TINY, policy, months=12, replicates=3)
    expected = pd.read_csv(tmp_path / "cmp" / "effects.csv")
    pd.testing.assert_frame_equal(result.effects, expected, check_exact=True)
    assert "policy" in result.report
    assert result.files["effects.csv"] == (tmp_path / "cmp" / "effects.csv").read_text()
    with pytest.raises(narcodoor.ScenarioError):
        narcodoor.compare(TINY)
    assert other.exists()


def test_the_gil_is_released_while_the_model_runs():
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.monotonic()
    narcodoor.run(BASELINE, replicates=2, months=60, threads=1)
    seconds = time.monotonic() - start
    done.set()
    counter.join()
    # Python ran alongside: at least a quarter of the ticks a free interpreter would make.
    assert seconds > 0.2 and ticks > 0.25 * seconds / 0.0011, (seconds, ticks)
