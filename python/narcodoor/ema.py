"""EMA Workbench models of narcodoor scenarios.

:func:`model` wraps a scenario as an ``ema_workbench.Model`` whose uncertainties and levers
are parameter paths with ranges and whose outcomes are columns of ``runs.csv`` (a metric's
horizon value, ``members_horizon``, or its run total or mean, ``homicides_total``,
``members_mean``). Each experiment runs through :func:`narcodoor.sweep` with the
experiment as a one-point design, so its outcomes are those ``narcodoor sweep
--design-file`` gives for the same point (common random numbers: every experiment uses the
scenario's seed), averaged over the replicates::

    from ema_workbench import perform_experiments
    from narcodoor import ema

    m = ema.model("scenarios/baseline.toml",
                  uncertainties={"choice.peer_weight": (1.0, 3.0)},
                  levers={"policy.scholarships.coverage": (0.0, 0.8)},
                  outcomes=["homicides_total"], youths=20_000)
    experiments, outcomes = perform_experiments(m, scenarios=50, policies=[
        ema.policy("none", {"policy.scholarships.coverage": 0.0}),
        ema.policy("scholarships", {"policy.scholarships.coverage": 0.5})])

Names are checked when the model is built: an unknown outcome, parameter path or a value of
the wrong type raises :class:`narcodoor.ScenarioError` there, not when the experiments
start. With ``errors="raise"`` an experiment the scenario rules refuse raises its
``ScenarioError`` (which pickles, so EMA's ``MultiprocessingEvaluator`` reports the real
message); by default it gives NaN outcomes and logs the error through EMA's logger (which the
``MultiprocessingEvaluator`` forwards from its workers: ``ema_logging.log_to_stderr(logging.WARNING)``
shows it), so the run completes and every failed experiment says why.

EMA Workbench names must be Python identifiers, so a path's name there is the path with
every other character replaced by ``_`` (:func:`name`); the model function receives the
paths themselves (EMA's ``variable_name``).
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Iterable, Literal, Mapping, Sequence, Union

from ema_workbench import (
    CategoricalParameter,
    IntegerParameter,
    Model,
    Policy,
    RealParameter,
    ScalarOutcome,
)
from ema_workbench.em_framework.parameters import Parameter
from ema_workbench.util import ema_logging

from . import ScenarioError, ScenarioLike, _check, outcomes as _outcomes, sweep

__all__ = ["model", "policy", "name", "Range"]

#: A parameter's range: ``(lo, hi)`` (integers give an ``IntegerParameter``), a list of
#: categories, or a ready-made EMA parameter whose ``variable_name`` is the path.
Range = Union[tuple[float, float], Sequence[Any], Parameter]

DEFAULT_OUTCOMES = ("homicides_total", "recruits_total", "members_mean")

# EMA Workbench's own logger: its MultiprocessingEvaluator forwards what workers log through
# it to the parent process, so a failed experiment's message reaches the caller there too.
_log = ema_logging.get_module_logger(__name__)


def name(path: str) -> str:
    """The EMA Workbench name of a parameter path: ``policy.kingpin.shock`` → ``policy_kingpin_shock``."""
    ident = re.sub(r"\W", "_", path)
    return ident if ident.isidentifier() else f"p_{ident}"


def _parameter(path: str, spec: Range) -> Parameter:
    if isinstance(spec, Parameter):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(x, (int, float)) for x in spec):
        lo, hi = spec
        if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool):
            return IntegerParameter(name(path), lo, hi, variable_name=path)
        return RealParameter(name(path), float(lo), float(hi), variable_name=path)
    return CategoricalParameter(name(path), list(spec), variable_name=path)


def _parameters(specs: Mapping[str, Range] | Iterable[Parameter] | None) -> list[Parameter]:
    if specs is None:
        return []
    if isinstance(specs, Mapping):
        return [_parameter(p, s) for p, s in specs.items()]
    return list(specs)


def _values(p: Parameter) -> list[Any]:
    """The values that probe a parameter: its bounds or its categories."""
    if isinstance(p, CategoricalParameter):
        return [c.value for c in p.categories]
    return [p.lower_bound, p.upper_bound]


def _check_parameters(scenario: ScenarioLike, params: list[Parameter], argument: str) -> None:
    """Refuses unknown paths and values of the wrong type, naming the argument."""
    _check(scenario, {p.variable_name[0]: _values(p) for p in params}, argument)


def _check_outcomes(outcomes: Sequence[str]) -> None:
    known = list(_outcomes()["outcome"])
    for o in outcomes:
        if o not in known:
            close = difflib.get_close_matches(o, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else " (narcodoor.outcomes() lists them)"
            raise ScenarioError(f'outcomes: "{o}" is not an outcome{hint}')


def policy(label: str, values: Mapping[str, Any]) -> Policy:
    """An EMA ``Policy`` named ``label`` that sets levers given by path."""
    return Policy(label, **{name(p): v for p, v in values.items()})


class _Experiment:
    """The model function of :func:`model`: one experiment as a one-point sweep. A class
    rather than a closure so that it pickles (EMA's ``MultiprocessingEvaluator`` may send
    the model to its worker processes)."""

    def __init__(self, scenario: ScenarioLike, outcomes: list[str], sim: dict[str, Any], errors: str):
        self.scenario, self.outcomes, self.sim, self.errors = scenario, outcomes, sim, errors

    def __call__(self, **values: Any) -> dict[str, float]:
        design = {p: [v] for p, v in values.items()}
        runs = sweep(self.scenario, design, errors="raise" if self.errors == "raise" else "ignore", **self.sim).runs
        failed = runs["status"] != "ok"
        if failed.any():
            # NaN outcomes, and the real error said (never lost in a worker process).
            _log.warning("experiment %s failed, its outcomes are NaN: %s", values, runs.loc[failed, "error"].iloc[0])
            return {o: math.nan for o in self.outcomes}
        return {o: float(runs[o].mean()) for o in self.outcomes}


def model(
    scenario: ScenarioLike,
    *,
    uncertainties: Mapping[str, Range] | Iterable[Parameter],
    levers: Mapping[str, Range] | Iterable[Parameter] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    errors: Literal["nan", "raise"] = "nan",
    label: str = "narcodoor",
) -> Model:
    """An ``ema_workbench.Model`` of a scenario.

    Args:
        scenario: a path to a TOML scenario, or TOML text.
        uncertainties: parameter paths to ranges (see :data:`Range`).
        levers: parameter paths to ranges; policies set them (:func:`policy`).
        outcomes: ``runs.csv`` outcome columns (:func:`narcodoor.outcomes`), each a
            ``ScalarOutcome`` (mean over replicates).
        replicates, youths, months, seed, threads: as in :func:`narcodoor.run`.
        errors: an experiment at a point the scenario rules refuse (say, shares that add
            up to more than one) gives NaN outcomes (``"nan"``, as ``runs.csv`` records
            the point with its error) or raises its ``ScenarioError`` (``"raise"``).
        label: the EMA model's name.

    Raises:
        ScenarioError: an unknown outcome, an unknown parameter path or a value of the
            wrong type (values merely out of range are the experiments' to refuse).
    """
    if errors not in ("nan", "raise"):
        raise ScenarioError(f'errors={errors!r}: must be "nan" or "raise"')
    outcomes = list(outcomes)
    _check_outcomes(outcomes)
    sim = dict(replicates=replicates, youths=youths, months=months, seed=seed, threads=threads)

    function = _Experiment(scenario, outcomes, sim, errors)
    m = Model(label, function=function)
    m.uncertainties = _parameters(uncertainties)
    m.levers = _parameters(levers)
    _check_parameters(scenario, list(m.uncertainties), "uncertainties")
    _check_parameters(scenario, list(m.levers), "levers")
    m.outcomes = [ScalarOutcome(name(o), variable_name=o) for o in outcomes]
    return m
