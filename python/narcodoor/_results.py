"""The results of :func:`narcodoor.run`, :func:`~narcodoor.compare` and
:func:`~narcodoor.sweep`, saved to a directory and loaded back.

Each result keeps the text of the files the command line writes (``files``) and reads them
into DataFrames; ``save`` writes that text byte for byte, and :func:`load` reads a
directory written by ``save`` or by the command line itself (``narcodoor run``,
``compare`` or ``sweep``), telling which from its ``manifest.json``.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ._narcodoor import ScenarioError

RUN_FILES = ["timeseries.csv", "summary.csv", "regions.csv", "regions_summary.csv", "events.csv", "manifest.json"]
COMPARE_FILES = ["effects.csv", "report.md", "manifest.json"]
SWEEP_FILES = ["runs.csv", "runs_timeseries.csv", "manifest.json"]
#: The files a run or comparison under a posterior adds (``targets.csv`` only with targets;
#: a run writes the first two).
POSTERIOR_FILES = ["posterior_draws.csv", "uncertainty.csv", "probabilities.csv", "targets.csv", "acceptability.csv"]


def _optional(files: dict[str, str], name: str) -> pd.DataFrame | None:
    return frame(files[name]) if name in files else None


def frame(text: str) -> pd.DataFrame:
    """A CSV file's text as a DataFrame, without the ``#`` provenance lines some files
    (``runs.csv``) open with: ``pd.read_csv(path, comment="#")`` reads those files too."""
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body))


def _save(files: dict[str, str], directory: str | os.PathLike[str]) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)


def _shape(df: pd.DataFrame) -> str:
    return f"{len(df)}×{len(df.columns)}"


class _Saved:
    files: dict[str, str]

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Writes the files into ``directory`` (created if needed), byte for byte as the
        command line writes them (no charts); :func:`narcodoor.load` reads them back."""
        _save(self.files, directory)


@dataclass(repr=False)
class RunResult(_Saved):
    """The outputs of :func:`narcodoor.run`: the files of ``narcodoor run`` as DataFrames.

    Attributes:
        timeseries: one row per replicate and month (``timeseries.csv``).
        summary: means and 95% intervals across replicates per month (``summary.csv``).
        regions: one row per replicate, month and region (``regions.csv``).
        regions_summary: each region's means and intervals (``regions_summary.csv``).
        events: kingpin removals and splits (``events.csv``).
        manifest: ``manifest.json`` as a dict (seed, resolved scenario, versions, ...).
        files: the text of every file, by name, byte for byte as the command line writes it.
        uncertainty: under a posterior, each key metric over the draws with the two parts
            of its variance (``uncertainty.csv``); None otherwise.
        posterior_draws: under a posterior, what each draw ran with (``posterior_draws.csv``).
    """

    timeseries: pd.DataFrame
    summary: pd.DataFrame
    regions: pd.DataFrame
    regions_summary: pd.DataFrame
    events: pd.DataFrame
    manifest: dict[str, Any]
    files: dict[str, str] = field(repr=False)
    uncertainty: pd.DataFrame | None = None
    posterior_draws: pd.DataFrame | None = None

    @classmethod
    def of(cls, files: dict[str, str]) -> RunResult:
        return cls(
            timeseries=frame(files["timeseries.csv"]),
            summary=frame(files["summary.csv"]),
            regions=frame(files["regions.csv"]),
            regions_summary=frame(files["regions_summary.csv"]),
            events=frame(files["events.csv"]),
            manifest=json.loads(files["manifest.json"]),
            files=files,
            uncertainty=_optional(files, "uncertainty.csv"),
            posterior_draws=_optional(files, "posterior_draws.csv"),
        )

    def __repr__(self) -> str:
        m = self.manifest
        name = m.get("scenario", {}).get("run", {}).get("name", "?")
        return (f"<RunResult {name!r}: {m.get('replicates')} replicates × {m.get('months')} months, "
                f"seed {m.get('seed')}; timeseries {_shape(self.timeseries)}, summary {_shape(self.summary)}, "
                f"regions {_shape(self.regions)}, events {_shape(self.events)}>")


@dataclass(repr=False)
class CompareResult(_Saved):
    """The outputs of :func:`narcodoor.compare`.

    Attributes:
        effects: for each compared scenario and key metric, the paired difference from the
            baseline with its 95% interval, and the cost per unit averted (``effects.csv``).
        report: ``report.md``.
        manifest: ``manifest.json`` as a dict.
        files: the text of the files, by name.
        uncertainty: under a posterior, each effect over the draws: its 90% interval, the
            two parts of its variance and ``p_lower`` (``uncertainty.csv``); None otherwise.
        probabilities: under a posterior, for each pair of scenarios the probability that
            the first is lower (``probabilities.csv``).
        targets: with ``targets=``, the probability of meeting each (``targets.csv``).
        acceptability: under a posterior, the cost-effectiveness acceptability curves
            (``acceptability.csv``).
        posterior_draws: under a posterior, what each draw ran with (``posterior_draws.csv``).
    """

    effects: pd.DataFrame
    report: str
    manifest: dict[str, Any]
    files: dict[str, str] = field(repr=False)
    uncertainty: pd.DataFrame | None = None
    probabilities: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    acceptability: pd.DataFrame | None = None
    posterior_draws: pd.DataFrame | None = None

    @classmethod
    def of(cls, files: dict[str, str]) -> CompareResult:
        return cls(frame(files["effects.csv"]), files["report.md"], json.loads(files["manifest.json"]), files,
                   *(_optional(files, name) for name in ["uncertainty.csv", "probabilities.csv", "targets.csv",
                                                         "acceptability.csv", "posterior_draws.csv"]))

    def __repr__(self) -> str:
        labels = list(dict.fromkeys(self.effects["scenario"])) if "scenario" in self.effects else []
        return f"<CompareResult: {labels} against the baseline; effects {_shape(self.effects)}>"


@dataclass(repr=False)
class SweepResult(_Saved):
    """The outputs of :func:`narcodoor.sweep`.

    Attributes:
        runs: one row per design point and replicate with the outcome columns (``runs.csv``).
        timeseries: the national metrics of every run and month (``runs_timeseries.csv``).
        manifest: ``manifest.json`` as a dict.
        files: the text of the files, by name.
        points_uncertainty: under a posterior, each point's outcomes over the draws with the
            two parts of their variance (``points_uncertainty.csv``); None otherwise.
        posterior_draws: under a posterior, what each draw ran with; None otherwise.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    manifest: dict[str, Any]
    files: dict[str, str] = field(repr=False)
    points_uncertainty: pd.DataFrame | None = None
    posterior_draws: pd.DataFrame | None = None

    @classmethod
    def of(cls, files: dict[str, str]) -> SweepResult:
        return cls(frame(files["runs.csv"]), frame(files["runs_timeseries.csv"]),
                   json.loads(files["manifest.json"]), files,
                   _optional(files, "points_uncertainty.csv"), _optional(files, "posterior_draws.csv"))

    def __repr__(self) -> str:
        failed = int((self.runs["status"] != "ok").sum()) if "status" in self.runs else 0
        points = self.runs["point"].nunique() if "point" in self.runs else "?"
        return f"<SweepResult: {points} points, {len(self.runs)} runs ({failed} failed); runs {_shape(self.runs)}>"


KINDS: dict[str, tuple[type, list[str]]] = {
    "run": (RunResult, RUN_FILES),
    "compare": (CompareResult, COMPARE_FILES),
    "sweep": (SweepResult, SWEEP_FILES),
}


def load(directory: str | os.PathLike[str]) -> RunResult | CompareResult | SweepResult:
    """Reads a result back from a directory written by ``save`` or by ``narcodoor run``,
    ``compare`` or ``sweep`` (its ``manifest.json`` tells which).

    Raises:
        ScenarioError: the directory is not such a result, or a file is missing.
    """
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path, encoding="utf-8") as f:
            kind = json.load(f).get("experiment")
    except (OSError, ValueError) as e:
        raise ScenarioError(f"{os.fspath(directory)}: not a narcodoor result (cannot read manifest.json: {e})") from None
    if kind not in KINDS:
        raise ScenarioError(f"{path}: a result of `{kind}`, which load does not read (run, compare or sweep)")
    cls, names = KINDS[kind]
    files = {}
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8", newline="") as f:
                files[name] = f.read()
        except OSError as e:
            raise ScenarioError(f"{os.fspath(directory)}: a `{kind}` result without {name} ({e})") from None
    # The files of a posterior, when the command ran under one (a sweep's per-point spread).
    for name in POSTERIOR_FILES + ["points_uncertainty.csv"]:
        if os.path.isfile(os.path.join(directory, name)):
            with open(os.path.join(directory, name), encoding="utf-8", newline="") as f:
                files[name] = f.read()
    return cls.of(files)
