"""Type hints of the native module (Rust, pyo3). Use the functions of ``narcodoor``
itself, which check the arguments' types, turn these files' text into DataFrames and speak
Python's names in messages."""

from os import PathLike
from typing import Callable, TypedDict

__version__: str

class ScenarioError(ValueError):
    """Bad input: a scenario error, a bad parameter path or value, a run that would not
    fit in memory. Declared as ``narcodoor.ScenarioError``, so that it pickles."""

class Source(TypedDict):
    scenario: str
    is_text: bool
    label: str | None
    sets: list[tuple[str, float | str]]

class Sim(TypedDict):
    replicates: int | None
    youths: int | None
    months: int | None
    seed: int | None
    threads: int | None

class Posterior(TypedDict):
    file: str | None
    shipped: bool
    draws: int | None

class CompareSpec(TypedDict):
    allow_mismatch: bool
    targets: list[str]

#: Called with (months simulated, months to simulate) while the model runs.
Progress = Callable[[int, int], None]

def run(
    source: Source, sim: Sim, progress: Progress | None = None, posterior: Posterior | None = None
) -> dict[str, str]:
    """Runs a scenario; the text of timeseries.csv, summary.csv, regions.csv,
    regions_summary.csv, events.csv and manifest.json, by file name (under a posterior also
    posterior_draws.csv and uncertainty.csv)."""

def compare(
    sources: list[Source],
    sim: Sim,
    progress: Progress | None = None,
    posterior: Posterior | None = None,
    spec: CompareSpec | None = None,
) -> dict[str, str]:
    """Compares scenarios with the first; the text of effects.csv, report.md and manifest.json
    (under a posterior also posterior_draws.csv, uncertainty.csv, probabilities.csv,
    acceptability.csv and, with targets, targets.csv)."""

def sweep(
    source: Source,
    paths: list[str],
    rows: list[list[float | str]],
    sim: Sim,
    progress: Progress | None = None,
    posterior: Posterior | None = None,
) -> dict[str, str]:
    """Runs the points of a design; the text of runs.csv, runs_timeseries.csv and manifest.json
    (under a posterior also posterior_draws.csv and points_uncertainty.csv)."""

def check(source: Source, values: list[tuple[str, float | str]]) -> None:
    """Refuses unknown paths, run settings and values of the wrong type, as a sweep does."""

def outcomes() -> list[tuple[str, str, str]]:
    """(column, metric, statistic) of every outcome column of runs.csv."""

def parameters(
    source: Source,
) -> list[tuple[str, str, str, str, str, str, str, float | None, float | None, bool | None]]:
    """(group, path, value, default, unit, meaning, kind, min, max, enabled) of every
    parameter, every lever's keys included."""

def validate(source: Source) -> tuple[str, int, int, list[PathLike[str]]]:
    """(name, regions, youths, extends chain) of a valid scenario."""
