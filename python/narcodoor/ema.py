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

EMA Workbench names must be Python identifiers, so a path's name there is the path with
every other character replaced by ``_`` (:func:`name`); the model function receives the
paths themselves (EMA's ``variable_name``).
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping, Sequence, Union

from ema_workbench import (
    CategoricalParameter,
    IntegerParameter,
    Model,
    Policy,
    RealParameter,
    ScalarOutcome,
)
from ema_workbench.em_framework.parameters import Parameter

from . import ScenarioLike, sweep

__all__ = ["model", "policy", "name", "Range"]

#: A parameter's range: ``(lo, hi)`` (integers give an ``IntegerParameter``), a list of
#: categories, or a ready-made EMA parameter whose ``variable_name`` is the path.
Range = Union[tuple[float, float], Sequence[Any], Parameter]

DEFAULT_OUTCOMES = ("homicides_total", "recruits_total", "members_mean")


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


def policy(label: str, values: Mapping[str, Any]) -> Policy:
    """An EMA ``Policy`` named ``label`` that sets levers given by path."""
    return Policy(label, **{name(p): v for p, v in values.items()})


def model(
    scenario: ScenarioLike,
    uncertainties: Mapping[str, Range] | Iterable[Parameter],
    levers: Mapping[str, Range] | Iterable[Parameter] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    replicates: int | None = None,
    youths: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    label: str = "narcodoor",
) -> Model:
    """An ``ema_workbench.Model`` of a scenario.

    Args:
        scenario: a path to a TOML scenario, or TOML text.
        uncertainties: parameter paths to ranges (see :data:`Range`).
        levers: parameter paths to ranges; policies set them (:func:`policy`).
        outcomes: ``runs.csv`` outcome columns, each a ``ScalarOutcome`` (mean over replicates).
        replicates, youths, months, seed, threads: as in :func:`narcodoor.run`.
        label: the EMA model's name.

    An experiment at a point the scenario rules refuse (say, shares that add up to more
    than one) gives NaN outcomes, as ``runs.csv`` records the point with its error.
    """

    def function(**values: Any) -> dict[str, float]:
        runs = sweep(scenario, {p: [v] for p, v in values.items()}, replicates, youths, months, seed, threads).runs
        if (runs["status"] != "ok").any():
            return {o: math.nan for o in outcomes}
        return {o: float(runs[o].mean()) for o in outcomes}

    m = Model(label, function=function)
    m.uncertainties = _parameters(uncertainties)
    m.levers = _parameters(levers)
    m.outcomes = [ScalarOutcome(name(o), variable_name=o) for o in outcomes]
    return m
