"""narcodoor from Python: run the NDM-1 model of youth recruitment into drug cartels.

The model is the Rust library; this package calls it directly (no command line, no
files to parse) and hands back pandas DataFrames whose columns are exactly those of the
CSV files ``narcodoor run``, ``compare`` and ``sweep`` write, with the same values::

    import narcodoor
    result = narcodoor.run("scenarios/baseline.toml", replicates=4, youths=50_000)
    result.timeseries.groupby("month")["members"].mean().plot()

A scenario is a path to a TOML file or TOML text. ``set`` maps parameter paths (those
:func:`parameters` lists, e.g. ``"policy.scholarships.coverage"``) to values: numbers are
set as numbers (integers rounded), booleans as ``true``/``false``, lists as ``a;b;c``,
anything else as its text. Arguments after the scenario are keyword-only. Bad input of any
kind raises :class:`ScenarioError`, a ``ValueError`` naming the argument at fault (it
pickles, so it crosses process pools). ``progress=True`` draws a progress bar. The GIL is
released while the model runs, and Ctrl-C (``KeyboardInterrupt``) stops a run within a
second.

:func:`outcomes` lists the outcome columns of sweeps and EMA models; ``narcodoor.ema``
builds EMA Workbench models; designs from SALib, :func:`grid` or anywhere else run with
:func:`sweep`; :func:`load` reads back what ``save`` (or the command line) wrote.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from typing import Any, Literal, Mapping, Sequence

import pandas as pd

from . import _args, _narcodoor
from ._args import ScenarioLike, Value
from ._narcodoor import ScenarioError, __version__
from ._progress import bar
from ._results import CompareResult, RunResult, SweepResult, load

__all__ = [
    "ScenarioError",
    "PointsFailedWarning",
    "RunResult",
    "CompareResult",
    "SweepResult",
    "run",
    "compare",
    "sweep",
    "grid",
    "parameters",
    "outcomes",
    "validate",
    "load",
    "ScenarioLike",
    "Value",
    "__version__",
]


def __dir__() -> list[str]:
    return sorted(__all__)


class PointsFailedWarning(UserWarning):
    """Some points of a sweep were refused by the scenario rules (their rows have
    ``status == "error"`` and NaN outcomes)."""


def _source(scenario: Any, sets: Any = None, label: str | None = None, name: str = "scenario",
            set_name: str = "set") -> dict[str, Any]:
    text, is_text = _args.source(scenario, name)
    return {"scenario": text, "is_text": is_text, "label": label, "sets": _args.settings(sets, set_name)}


def run(
    scenario: ScenarioLike,
    *,
    set: Mapping[str, Value] | None = None,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    posterior: str | os.PathLike[str] | bool | None = None,
    draws: int | None = None,
    progress: bool = False,
) -> RunResult:
    """Runs every replicate of a scenario, like ``narcodoor run``.

    Args:
        scenario: a path to a TOML scenario file, or TOML text.
        set: parameter paths to values, applied in order after loading (``run.*``
            settings have their own arguments).
        replicates, youths, months, seed: override the scenario, as the flags of the
            same names do (``youths`` rescales the regions proportionally).
        threads: worker threads (default: all cores); results are identical for any value.
        posterior: parameter uncertainty, as ``--posterior``: a posterior CSV (a
            calibration's ``posterior.csv``), or ``True`` for the one the scenario ships
            (``data/<name>_posterior.csv`` beside its file). Replicate r runs draw r mod K.
        draws: K, the parameter vectors drawn (default: half the replicates), as ``--draws``.
        progress: draw a progress bar (simulated months).

    Returns:
        A :class:`RunResult` whose DataFrames have the columns of the CSV files (under a
        posterior also ``.uncertainty`` and ``.posterior_draws``).

    Raises:
        ScenarioError: bad input, naming the argument at fault.
        KeyboardInterrupt: Ctrl-C while the model runs (it stops within a second).
    """
    source = _source(scenario, set)
    sim = _args.sim(replicates=replicates, youths=youths, months=months, seed=seed, threads=threads)
    spec = _args.posterior(posterior, draws)
    with bar(_args.flag(progress), "narcodoor.run") as callback:
        return RunResult.of(_args.native(_narcodoor.run, source, sim, callback, spec))


def _arm(label: Any, spec: Any) -> dict[str, Any]:
    """One scenario of a labelled comparison: a path or TOML text, ``(scenario, set)``, or
    ``{"scenario": ..., "set": {...}}``."""
    if not isinstance(label, str):
        raise ScenarioError(f"compare: the label {label!r} is not text")
    name = f'scenarios["{label}"]'
    if isinstance(spec, Mapping):
        unknown = sorted(k for k in spec if k not in ("scenario", "set"))
        if unknown or "scenario" not in spec:
            raise ScenarioError(f"{name}: expected {{\"scenario\": ..., \"set\": {{...}}}}, got the keys {sorted(spec)}")
        scenario, sets, set_name = spec["scenario"], spec.get("set"), f'{name}["set"]'
    elif isinstance(spec, tuple):
        if len(spec) != 2:
            raise ScenarioError(f"{name}: expected (scenario, set), got {len(spec)} items")
        scenario, sets, set_name = spec[0], spec[1], f"{name}[1]"
    else:
        scenario, sets, set_name = spec, None, "set"
    source = _source(scenario, sets, label, name, set_name)
    # Checked here, arm by arm, so that a bad path is named with its label.
    _args.native(_narcodoor.check, source, source["sets"], set_name=set_name)
    return source


def compare(
    base: ScenarioLike | Mapping[str, Any],
    *others: ScenarioLike,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    posterior: str | os.PathLike[str] | bool | None = None,
    draws: int | None = None,
    targets: str | Sequence[str] | None = None,
    allow_mismatch: bool = False,
    progress: bool = False,
) -> CompareResult:
    """Compares scenarios with a baseline, replicate by replicate with common random
    numbers, like ``narcodoor compare``.

    Args:
        base: the baseline scenario, followed by the others; or one mapping of labels to
            scenarios, the baseline first: each a path, TOML text, ``(scenario, set)`` or
            ``{"scenario": ..., "set": {...}}``. The labels name the scenarios in the
            results.
        posterior, draws: parameter uncertainty, as for :func:`run` (``True``: the
            baseline scenario's own posterior); replicate r of every scenario runs draw
            r mod K, the same draw and random streams in each.
        targets: under a posterior, stated changes whose probability ``.targets`` gives,
            as ``--target``: ``"recruits=-20%@5"`` (year 5) or ``"homicides=-10%"`` (the run).
        allow_mismatch: compare scenarios that do not share the baseline's regions and
            cartels (refused otherwise, as without ``--allow-mismatch``).

    Returns:
        A :class:`CompareResult`: ``.effects`` (``effects.csv``: for each other scenario
        and key metric, the paired difference from the baseline with its 95% interval,
        and the cost per unit averted), ``.report`` (``report.md``); under a posterior also
        ``.uncertainty``, ``.probabilities``, ``.acceptability``, ``.posterior_draws`` and
        with targets ``.targets``.

    Raises:
        ScenarioError: bad input, or scenarios that cannot be compared.
    """
    if isinstance(base, Mapping):
        if others:
            raise ScenarioError("compare: give either one mapping of labels to scenarios or the scenarios themselves")
        sources = [_arm(label, spec) for label, spec in base.items()]
    else:
        sources = [_source(s, name="base" if i == 0 else f"others[{i - 1}]") for i, s in enumerate((base, *others))]
    if len(sources) < 2:
        raise ScenarioError("compare needs a baseline and at least one other scenario")
    sim = _args.sim(replicates=replicates, youths=youths, months=months, seed=seed, threads=threads)
    spec = _args.posterior(posterior, draws)
    checks = {"allow_mismatch": _args.flag(allow_mismatch, "allow_mismatch"), "targets": _args.targets(targets)}
    with bar(_args.flag(progress), "narcodoor.compare") as callback:
        try:
            return CompareResult.of(_args.native(_narcodoor.compare, sources, sim, callback, spec, checks))
        except ScenarioError as e:
            # A label is set as the scenario's run.name: name it as the label it was.
            raise ScenarioError(str(e).replace('set["run.name"] = ', "the label ")) from None


def _design(design: Any) -> pd.DataFrame:
    """A design as a DataFrame, refusing what pandas would reject with its own words."""
    if isinstance(design, pd.DataFrame):
        frame = design
    elif isinstance(design, Mapping):
        lengths = {}
        for path, values in design.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
                raise ScenarioError(f'design["{path}"] = {values!r}: give a list of values, one per point '
                                    "(narcodoor.grid() makes every combination of levels)")
            lengths[path] = len(values)
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{p}: {n}" for p, n in lengths.items())
            raise ScenarioError(f"design: the columns have different lengths ({shown}); a design lists points "
                                "row by row (narcodoor.grid() makes every combination of levels)")
        frame = pd.DataFrame({p: list(v) for p, v in design.items()})
    else:
        raise ScenarioError(f"design={design!r}: expected a DataFrame or a dict of parameter paths to lists")
    if frame.empty or len(frame.columns) == 0:
        raise ScenarioError("design: the design has no points")
    return frame


def _failed(runs: pd.DataFrame, errors: str) -> None:
    bad = runs[runs["status"] != "ok"]
    if bad.empty or errors == "ignore":
        return
    points, total = bad["point"].nunique(), runs["point"].nunique()
    first = str(bad["error"].iloc[0])
    message = f"{points} of {total} design points failed (their outcomes are NaN); the first error: {first}"
    if errors == "raise":
        raise ScenarioError(_args.python_names(message, "design"))
    warnings.warn(_args.python_names(message, "design"), PointsFailedWarning, stacklevel=3)


def sweep(
    scenario: ScenarioLike,
    design: pd.DataFrame | Mapping[str, Sequence[Value]],
    *,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    errors: Literal["warn", "raise", "ignore"] = "warn",
    posterior: str | os.PathLike[str] | bool | None = None,
    draws: int | None = None,
    progress: bool = False,
) -> SweepResult:
    """Runs a scenario at every point of a design, like ``narcodoor sweep --design-file``.

    Args:
        design: columns named by parameter paths, one row per point (a DataFrame from
            SALib, EMA Workbench, :func:`grid`..., or a dict of equally long lists).
            Every point runs with the scenario's seed: replicate r of every point shares
            its random numbers.
        errors: what to do when the scenario rules refuse some points (their rows have
            ``status == "error"``, the error, and NaN outcomes): ``"warn"`` (a
            :class:`PointsFailedWarning`), ``"raise"`` (a :class:`ScenarioError`) or
            ``"ignore"``.
        posterior, draws: parameter uncertainty, as :func:`run` takes them (``--posterior``,
            ``--draws``): replicate r of every point runs draw r mod K; a path both in the
            design and in the posterior is refused.

    Returns:
        A :class:`SweepResult` (under a posterior also ``.points_uncertainty`` and
        ``.posterior_draws``).
    """
    if errors not in ("warn", "raise", "ignore"):
        raise ScenarioError(f'errors={errors!r}: must be "warn", "raise" or "ignore"')
    frame = _design(design)
    paths = [str(c) for c in frame.columns]
    rows = [[_args.value(f'design["{p}"]', v) for p, v in zip(paths, row)]
            for row in frame.itertuples(index=False, name=None)]
    source = _source(scenario)
    sim = _args.sim(replicates=replicates, youths=youths, months=months, seed=seed, threads=threads)
    spec = _args.posterior(posterior, draws)
    with bar(_args.flag(progress), "narcodoor.sweep") as callback:
        files = _args.native(_narcodoor.sweep, source, paths, rows, sim, callback, spec, set_name="design")
    result = SweepResult.of(files)
    _failed(result.runs, errors)
    return result


def grid(levels: Mapping[str, Value | Sequence[Value]]) -> pd.DataFrame:
    """A full factorial design: every combination of the levels, the first path varying
    slowest (as Mesa's ``batch_run`` and ``itertools.product`` do). A single value (not a
    list) is one level.

    >>> narcodoor.grid({"policy.scholarships.coverage": [0, 0.5], "choice.coercion": 0.05})
    """
    if not isinstance(levels, Mapping) or not levels:
        raise ScenarioError(f"grid: expected a dict of parameter paths to levels, got {levels!r}")
    lists = {p: list(v) if isinstance(v, (list, tuple, range, pd.Series)) or hasattr(v, "tolist") else [v]
             for p, v in levels.items()}
    for p, v in lists.items():
        if not v:
            raise ScenarioError(f'grid: "{p}" has no levels')
    return pd.DataFrame(list(itertools.product(*lists.values())), columns=list(lists))


def parameters(scenario: ScenarioLike) -> pd.DataFrame:
    """Every parameter of a scenario, as ``narcodoor explain`` prints it, and every lever's
    keys whether the scenario uses the lever or not.

    Returns:
        A DataFrame with columns ``group, path, value, default, unit, meaning, kind, min,
        max, enabled, changed``: values are TOML text; ``kind`` is number, integer, bool,
        text or list; ``min``/``max`` bound the allowed range (None where unbounded;
        integers for integer keys); ``enabled`` is whether a lever is on (None outside
        ``policy.*``); ``changed`` marks values that differ from their default (never
        those of a lever that is off).
    """
    rows = _args.native(_narcodoor.parameters, _source(scenario))
    columns = ["group", "path", "value", "default", "unit", "meaning", "kind", "min", "max", "enabled"]
    frame = pd.DataFrame(rows, columns=columns)
    for bound in ("min", "max"):
        frame[bound] = pd.Series([_bound(k, b) for k, b in zip(frame["kind"], frame[bound])], dtype=object)
    # A lever that is off has changed nothing, though its `enabled` differs from the
    # default `explain` shows for levers in use.
    frame["changed"] = (frame["value"] != frame["default"]) & (frame["enabled"] != False)  # noqa: E712
    return frame


def _bound(kind: str, b: float | None) -> float | int | None:
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return None
    return int(b) if kind == "integer" else b


def outcomes() -> pd.DataFrame:
    """The outcome columns of :func:`sweep`'s ``runs`` (and of ``narcodoor.ema`` models):
    each metric at the horizon (``members_horizon``), summed over the run (``_total``) or
    averaged over it (``_mean``).

    Returns:
        A DataFrame with columns ``outcome, metric, statistic``.
    """
    return pd.DataFrame(_narcodoor.outcomes(), columns=["outcome", "metric", "statistic"])


def validate(scenario: ScenarioLike) -> dict[str, Any]:
    """Checks a scenario without running it, like ``narcodoor validate``.

    Returns:
        ``{"name", "regions", "youths", "files"}`` (``files``: the ``extends`` chain, root first).

    Raises:
        ScenarioError: the first problems, with file, line and key.
    """
    name, regions, youths, files = _args.native(_narcodoor.validate, _source(scenario))
    return {"name": name, "regions": regions, "youths": youths, "files": [str(f) for f in files]}


def _check(scenario: ScenarioLike, values: Mapping[str, Sequence[Value]], set_name: str) -> None:
    """Refuses unknown parameter paths and values of the wrong type (not those merely out
    of range), before anything runs: for ``narcodoor.ema``."""
    pairs = [(p, _args.value(f'{set_name}["{p}"]', v)) for p, vs in values.items() for v in vs]
    _args.native(_narcodoor.check, _source(scenario), pairs, set_name=set_name)
