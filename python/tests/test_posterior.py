"""Parameter uncertainty from Python (``posterior=``, ``draws=``, ``targets=``) against the
command line's ``--posterior``, ``--draws`` and ``--target``: the same files byte for byte,
the same refusals; and ``allow_mismatch``, which refuses what the command line refuses
without ``--allow-mismatch``."""

from __future__ import annotations

import pandas as pd
import pytest

import narcodoor
from conftest import BASELINE, ROOT, cli

SCHOLARSHIPS = ROOT / "scenarios" / "scholarships.toml"
MEXICO = ROOT / "scenarios" / "mexico_2000.toml"
TWO_REGIONS = ROOT / "tests" / "validation" / "two_regions.toml"
SIZE = {"youths": 5000, "months": 24, "replicates": 4}
SIZE_FLAGS = ["--youths", 5000, "--months", 24, "--replicates", 4]
COMPARE_FILES = ["uncertainty.csv", "probabilities.csv", "targets.csv", "acceptability.csv", "posterior_draws.csv"]


@pytest.fixture
def two_draws(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("recruit.intensity,weight\n0.04,1\n0.12,1\n")
    return path


def test_compare_with_a_posterior_writes_the_command_lines_files(tmp_path, two_draws):
    out = tmp_path / "cmp"
    cli("compare", BASELINE, SCHOLARSHIPS, *SIZE_FLAGS, "--posterior", two_draws, "--target", "recruits=-10%@1",
        "--out", out, "--quiet", "--no-charts")
    result = narcodoor.compare(BASELINE, SCHOLARSHIPS, posterior=two_draws, targets=["recruits=-10%@1"], **SIZE)
    for name in COMPARE_FILES:
        assert result.files[name] == (out / name).read_text(), name
    pd.testing.assert_frame_equal(result.uncertainty, pd.read_csv(out / "uncertainty.csv"), check_exact=True)
    assert set(result.uncertainty["draws"]) == {2} and result.uncertainty["p_lower"].between(0, 1).all()
    assert list(result.targets["target"]) == ["recruits=-10%@1"]
    assert result.manifest["details"]["posterior"]["draws"] == 2
    # Saved and loaded back, with its tables.
    result.save(tmp_path / "saved")
    again = narcodoor.load(tmp_path / "saved")
    pd.testing.assert_frame_equal(again.acceptability, result.acceptability)
    # From the command line's directory too.
    pd.testing.assert_frame_equal(narcodoor.load(out).probabilities, result.probabilities)
    plain = narcodoor.compare(BASELINE, SCHOLARSHIPS, **SIZE)
    assert plain.uncertainty is None and plain.targets is None and "uncertainty.csv" not in plain.files


def test_posterior_true_is_the_scenarios_own(tmp_path):
    out = tmp_path / "run"
    shipped = ROOT / "scenarios" / "data" / "mexico_2000_posterior.csv"
    size = {"youths": 20000, "months": 12, "replicates": 4}
    cli("run", MEXICO, "--youths", 20000, "--months", 12, "--replicates", 4, "--posterior", shipped, "--draws", 2,
        "--out", out, "--quiet", "--no-charts")
    result = narcodoor.run(MEXICO, posterior=True, draws=2, **size)
    for name in ["uncertainty.csv", "posterior_draws.csv"]:
        assert result.files[name] == (out / name).read_text(), name
    assert list(result.posterior_draws["draw"]) == [0, 1]
    with pytest.raises(narcodoor.ScenarioError, match="posterior=True: .*baseline.toml ships no posterior"):
        narcodoor.run(BASELINE, posterior=True, **SIZE)
    assert narcodoor.run(BASELINE, youths=2000, months=3, replicates=2).uncertainty is None


def test_bad_posteriors_are_value_errors_naming_the_culprit(tmp_path, two_draws):
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text("recruit.intensty,weight\n0.05,1\n0.06,1\n")
    done = cli("compare", BASELINE, SCHOLARSHIPS, *SIZE_FLAGS, "--posterior", misspelt, "--out", tmp_path / "x",
               check=False)
    assert done.returncode == 2 and "recruit.intensty" in done.stderr
    with pytest.raises(ValueError, match=r"posterior=.*misspelt.csv: column `recruit.intensty` is not a numeric "
                                         r"parameter of baseline"):
        narcodoor.compare(BASELINE, SCHOLARSHIPS, posterior=misspelt, **SIZE)
    negative = tmp_path / "negative.csv"
    negative.write_text("recruit.intensity\n-1\n0.1\n")
    with pytest.raises(ValueError, match="column `recruit.intensity`: particle 0's value -1 is not allowed"):
        narcodoor.run(BASELINE, posterior=negative, **SIZE)
    with pytest.raises(ValueError, match="posterior with 4 replicates and 3 draws"):
        narcodoor.run(BASELINE, posterior=two_draws, draws=3, **SIZE)
    with pytest.raises(ValueError, match="draws= needs posterior="):
        narcodoor.run(BASELINE, draws=2, **SIZE)
    with pytest.raises(ValueError, match="targets= need posterior="):
        narcodoor.compare(BASELINE, SCHOLARSHIPS, targets="recruits=-10%", **SIZE)
    with pytest.raises(ValueError, match='targets item "recruits=-10": .*end with %'):
        narcodoor.compare(BASELINE, SCHOLARSHIPS, posterior=two_draws, targets=["recruits=-10"], **SIZE)
    with pytest.raises(ValueError, match="posterior=3: a path"):
        narcodoor.run(BASELINE, posterior=3, **SIZE)
    with pytest.raises(ValueError, match="draws=2.0: must be an integer"):
        narcodoor.run(BASELINE, posterior=two_draws, draws=2.0, **SIZE)


def test_scenarios_of_different_countries_are_refused_as_on_the_command_line(tmp_path):
    size = {"youths": 4000, "months": 6, "replicates": 2}
    done = cli("compare", BASELINE, TWO_REGIONS, "--youths", 4000, "--months", 6, "--replicates", 2,
               "--out", tmp_path / "x", check=False)
    assert done.returncode == 2 and "do not share the baseline's regions and cartels" in done.stderr
    with pytest.raises(narcodoor.ScenarioError) as info:
        narcodoor.compare(BASELINE, TWO_REGIONS, **size)
    message = str(info.value)
    assert message == done.stderr.removeprefix("error: ").rstrip("\n").replace("--allow-mismatch", "allow_mismatch=True")
    result = narcodoor.compare(BASELINE, TWO_REGIONS, allow_mismatch=True, **size)
    assert any("not the baseline's country (allow_mismatch=True)" in w for w in result.manifest["warnings"])
    with pytest.raises(narcodoor.ScenarioError, match="allow_mismatch='yes': must be True or False"):
        narcodoor.compare(BASELINE, TWO_REGIONS, allow_mismatch="yes", **size)


def test_sweep_with_a_posterior_writes_the_command_lines_files(tmp_path, two_draws):
    design = tmp_path / "design.csv"
    design.write_text("policy.scholarships.coverage\n0.2\n0.6\n")
    out = tmp_path / "sweep"
    cli("sweep", BASELINE, "--design-file", design, *SIZE_FLAGS, "--posterior", two_draws, "--out", out,
        "--quiet", "--no-charts")
    result = narcodoor.sweep(BASELINE, {"policy.scholarships.coverage": [0.2, 0.6]}, posterior=two_draws, **SIZE)
    for name in ["points_uncertainty.csv", "posterior_draws.csv"]:
        assert result.files[name] == (out / name).read_text(), name
    u = result.points_uncertainty
    assert set(u["draws"]) == {2}
    total = u["var_parameter"] + u["var_stochastic"]
    assert ((u["var_total"] - total).abs() <= 1e-7 * u["var_total"].abs().clip(lower=1e-12)).all()
    result.save(tmp_path / "saved")
    back = narcodoor.load(tmp_path / "saved")
    pd.testing.assert_frame_equal(back.points_uncertainty, u, check_exact=True)
    # A swept path that is also uncertain is refused with the command line's message.
    clash = tmp_path / "clash.csv"
    clash.write_text("policy.scholarships.coverage\n0.1\n0.9\n")
    with pytest.raises(narcodoor.ScenarioError, match="policy.scholarships.coverage"):
        narcodoor.sweep(BASELINE, {"policy.scholarships.coverage": [0.2, 0.6]}, posterior=clash, **SIZE)
