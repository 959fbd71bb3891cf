"""Type hints of the native module (Rust, pyo3). Use the functions of ``narcodoor``
itself, which turn these files' text into DataFrames."""

from os import PathLike

__version__: str

class ScenarioError(ValueError):
    """Bad input: a scenario error, a bad parameter path or value, a run that would not
    fit in memory. The message is the one the narcodoor command prints."""

def run(
    scenario: str,
    is_text: bool,
    sets: list[tuple[str, float | str]],
    youths: int | None = None,
    months: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> dict[str, str]:
    """Runs a scenario; the text of timeseries.csv, summary.csv, regions.csv,
    regions_summary.csv, events.csv and manifest.json, by file name."""

def compare(
    scenarios: list[tuple[str, bool]],
    youths: int | None = None,
    months: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> dict[str, str]:
    """Compares scenarios with the first; the text of effects.csv and report.md."""

def sweep(
    scenario: str,
    is_text: bool,
    paths: list[str],
    rows: list[list[float | str]],
    youths: int | None = None,
    months: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> dict[str, str]:
    """Runs the points of a design; the text of runs.csv and runs_timeseries.csv."""

def parameters(scenario: str, is_text: bool) -> list[tuple[str, str, str, str, str, str]]:
    """(group, path, value, default, unit, meaning) of every parameter."""

def validate(scenario: str, is_text: bool) -> tuple[str, int, int, list[PathLike[str]]]:
    """(name, regions, youths, extends chain) of a valid scenario."""
