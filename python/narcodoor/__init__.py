"""narcodoor from Python: run the NDM-1 model of youth recruitment into drug cartels.

The model is the Rust library; this package calls it directly (no command line, no
files to parse) and hands back pandas DataFrames whose columns are exactly those of the
CSV files ``narcodoor run``, ``compare`` and ``sweep`` write, with the same values::

    import narcodoor
    result = narcodoor.run("scenarios/baseline.toml", replicates=4, youths=50_000)
    result.timeseries.groupby("month")["members"].mean().plot()

A scenario is a path to a TOML file or TOML text. ``set`` maps parameter paths (as
``narcodoor sweep --set`` takes them, e.g. ``"policy.scholarships.coverage"``) to values:
numbers are set as numbers (integers rounded), booleans as ``true``/``false``, lists as
``a;b;c``, anything else as its text. Bad input raises :class:`ScenarioError`, a
``ValueError`` carrying the message the command line prints. The GIL is released while
the model runs, and Ctrl-C (``KeyboardInterrupt``) stops a run within a second.

``narcodoor.ema`` builds EMA Workbench models; designs from SALib or anywhere else run
with :func:`sweep`.
"""

from __future__ import annotations

import io
import json
import numbers
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, Union

import pandas as pd

from . import _narcodoor
from ._narcodoor import ScenarioError, __version__

__all__ = [
    "ScenarioError",
    "RunResult",
    "SweepResult",
    "run",
    "compare",
    "sweep",
    "parameters",
    "validate",
    "__version__",
]

#: A scenario: a path to a TOML file, or the TOML text itself.
ScenarioLike = Union[str, "os.PathLike[str]"]
#: A parameter value for ``set`` and designs.
Value = Union[float, int, bool, str, Sequence[Any]]


def _source(scenario: ScenarioLike) -> tuple[str, bool]:
    """(text or path, is_text): a str that is not an existing file and looks like TOML
    (it has a newline or an ``=``) is TOML text; anything else is a path."""
    if isinstance(scenario, os.PathLike):
        return os.fspath(scenario), False
    if not isinstance(scenario, str):
        raise TypeError(f"scenario must be a path or TOML text, not {type(scenario).__name__}")
    if ("\n" in scenario or "=" in scenario) and not os.path.isfile(scenario):
        return scenario, True
    return scenario, False


def _value(path: str, v: Any) -> float | str:
    """A Python value as the native layer takes it: a number, or text as --set takes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return ";".join(str(_value(path, x)) if not isinstance(x, str) else x for x in v)
    raise TypeError(f"{path}: cannot set a parameter to {v!r} ({type(v).__name__})")


def _frame(text: str) -> pd.DataFrame:
    """A CSV file's text as a DataFrame, without the ``#`` metadata lines some files open with."""
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body))


@dataclass
class RunResult:
    """The outputs of :func:`run`: the files of ``narcodoor run`` as DataFrames.

    Attributes:
        timeseries: one row per replicate and month (``timeseries.csv``).
        summary: means and 95% intervals across replicates per month (``summary.csv``).
        regions: one row per replicate, month and region (``regions.csv``).
        regions_summary: each region's means and intervals (``regions_summary.csv``).
        events: kingpin removals and splits (``events.csv``).
        manifest: ``manifest.json`` as a dict (seed, resolved scenario, versions, ...).
        files: the text of every file, by name, byte for byte as the command line writes it.
    """

    timeseries: pd.DataFrame
    summary: pd.DataFrame
    regions: pd.DataFrame
    regions_summary: pd.DataFrame
    events: pd.DataFrame
    manifest: dict[str, Any]
    files: dict[str, str] = field(repr=False)

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Writes the files into ``directory`` (created if needed), as ``narcodoor run --no-charts`` would."""
        os.makedirs(directory, exist_ok=True)
        for name, text in self.files.items():
            with open(os.path.join(directory, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)


@dataclass
class SweepResult:
    """The outputs of :func:`sweep`.

    Attributes:
        runs: one row per design point and replicate with the outcome columns (``runs.csv``).
        timeseries: the national metrics of every run and month (``runs_timeseries.csv``).
        files: the text of both files, by name.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    files: dict[str, str] = field(repr=False)


def run(
    scenario: ScenarioLike,
    set: Mapping[str, Value] | None = None,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> RunResult:
    """Runs every replicate of a scenario, like ``narcodoor run``.

    Args:
        scenario: a path to a TOML scenario file, or TOML text.
        set: parameter paths to values, applied in order after loading (``run.*``
            settings have their own arguments).
        replicates, youths, months, seed: override the scenario, as the flags of the
            same names do (``youths`` rescales the regions proportionally).
        threads: worker threads (default: all cores); results are identical for any value.

    Returns:
        A :class:`RunResult` whose DataFrames have the columns of the CSV files.

    Raises:
        ScenarioError: bad input, with the command line's message.
        KeyboardInterrupt: Ctrl-C while the model runs (it stops within a second).
    """
    text, is_text = _source(scenario)
    sets = [(p, _value(p, v)) for p, v in (set or {}).items()]
    files = _narcodoor.run(text, is_text, sets, youths, months, replicates, seed, threads)
    return RunResult(
        timeseries=_frame(files["timeseries.csv"]),
        summary=_frame(files["summary.csv"]),
        regions=_frame(files["regions.csv"]),
        regions_summary=_frame(files["regions_summary.csv"]),
        events=_frame(files["events.csv"]),
        manifest=json.loads(files["manifest.json"]),
        files=files,
    )


def compare(
    base: ScenarioLike,
    *others: ScenarioLike,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Compares scenarios with a baseline, replicate by replicate with common random
    numbers, like ``narcodoor compare``.

    Returns:
        The effects table (``effects.csv``): for each other scenario and key metric, the
        paired difference from the baseline with its 95% interval, and the cost per unit
        averted. ``.attrs["report"]`` holds ``report.md``.

    Raises:
        ScenarioError: bad input, or scenarios that cannot be compared.
    """
    if not others:
        raise ScenarioError("compare needs a baseline and at least one other scenario")
    sources = [_source(s) for s in (base, *others)]
    files = _narcodoor.compare(sources, youths, months, replicates, seed, threads)
    effects = _frame(files["effects.csv"])
    effects.attrs["report"] = files["report.md"]
    return effects


def sweep(
    scenario: ScenarioLike,
    design: pd.DataFrame | Mapping[str, Sequence[Value]],
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> SweepResult:
    """Runs a scenario at every point of a design, like ``narcodoor sweep --design-file``.

    Args:
        design: columns named by parameter paths, one row per point (a DataFrame from
            SALib, EMA Workbench, ``itertools.product``...). Every point runs with the
            scenario's seed: replicate r of every point shares its random numbers.

    Returns:
        A :class:`SweepResult`; invalid points are recorded with their error, as in ``runs.csv``.
    """
    frame = design if isinstance(design, pd.DataFrame) else pd.DataFrame(dict(design))
    paths = [str(c) for c in frame.columns]
    rows = [[_value(p, v) for p, v in zip(paths, row)] for row in frame.itertuples(index=False, name=None)]
    text, is_text = _source(scenario)
    files = _narcodoor.sweep(text, is_text, paths, rows, youths, months, replicates, seed, threads)
    return SweepResult(
        runs=_frame(files["runs.csv"]),
        timeseries=_frame(files["runs_timeseries.csv"]),
        files=files,
    )


def parameters(scenario: ScenarioLike) -> pd.DataFrame:
    """Every parameter of a scenario, as ``narcodoor explain`` prints it.

    Returns:
        A DataFrame with columns ``group, path, value, default, unit, meaning, changed``
        (``changed`` marks values that differ from their default; values are TOML text).
    """
    text, is_text = _source(scenario)
    rows = _narcodoor.parameters(text, is_text)
    frame = pd.DataFrame(rows, columns=["group", "path", "value", "default", "unit", "meaning"])
    frame["changed"] = frame["value"] != frame["default"]
    return frame


def validate(scenario: ScenarioLike) -> dict[str, Any]:
    """Checks a scenario without running it, like ``narcodoor validate``.

    Returns:
        ``{"name", "regions", "youths", "files"}`` (``files``: the ``extends`` chain, root first).

    Raises:
        ScenarioError: the first problems, with file, line and key.
    """
    text, is_text = _source(scenario)
    name, regions, youths, files = _narcodoor.validate(text, is_text)
    return {"name": name, "regions": regions, "youths": youths, "files": [os.fspath(f) for f in files]}
