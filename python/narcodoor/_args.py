"""Checking the Python arguments and speaking Python in error messages.

The checks of values (ranges, kinds, cross-field rules) are the scenario layer's, in Rust;
this module only makes sure each argument is of a type the native module can take, so that
a wrong type is a :class:`ScenarioError` naming the argument rather than an
``OverflowError`` or ``TypeError`` from the conversion, and rewrites the command line's
names in the messages that come back (``--youths 0`` is ``youths=0`` here, ``--set PATH``
is ``set["PATH"]``).
"""

from __future__ import annotations

import numbers
import os
import re
from typing import Any, Callable, Mapping, Sequence, TypeVar, Union

from ._narcodoor import ScenarioError

#: A scenario: a path to a TOML file, or the TOML text itself.
ScenarioLike = Union[str, "os.PathLike[str]"]
#: A parameter value for ``set`` and designs.
Value = Union[float, int, bool, str, Sequence[Any]]

SIM_ARGS = ("replicates", "youths", "months", "seed", "threads")

T = TypeVar("T")


def source(scenario: Any, name: str = "scenario") -> tuple[str, bool]:
    """(text or path, is_text): a str that is not an existing file and looks like TOML
    (it has a newline or an ``=``) is TOML text; anything else is a path."""
    if isinstance(scenario, os.PathLike):
        return os.fspath(scenario), False
    if not isinstance(scenario, str):
        raise ScenarioError(f"{name}={scenario!r}: a scenario is a path or TOML text, not {type(scenario).__name__}")
    if ("\n" in scenario or "=" in scenario) and not os.path.isfile(scenario):
        return scenario, True
    return scenario, False


def value(where: str, v: Any) -> float | str:
    """A Python value as the native layer takes it: a number, or text as ``--set`` takes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return ";".join(x if isinstance(x, str) else str(value(where, x)) for x in v)
    raise ScenarioError(f"{where} = {v!r}: a parameter value is a number, a boolean, text or a list, "
                        f"not {type(v).__name__}")


def settings(sets: Any, name: str = "set") -> list[tuple[str, float | str]]:
    """``set=`` as (path, value) pairs, in order."""
    if sets is None:
        return []
    if not isinstance(sets, Mapping):
        raise ScenarioError(f"{name}={sets!r}: expected a dict of parameter paths to values")
    out = []
    for path, v in sets.items():
        if not isinstance(path, str):
            raise ScenarioError(f"{name}[{path!r}]: a parameter path is text, such as \"youth.school_dropout\"")
        out.append((path, value(f'{name}["{path}"]', v)))
    return out


def sim(**kwargs: Any) -> dict[str, int | None]:
    """The simulation keyword arguments, each None or an integer (sign and range are the
    native layer's to check, naming the argument)."""
    for name, v in kwargs.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise ScenarioError(f"{name}={v!r}: must be an integer, not {type(v).__name__}")
    return {name: None if kwargs[name] is None else int(kwargs[name]) for name in SIM_ARGS}


def flag(progress: Any, name: str = "progress") -> bool:
    if not isinstance(progress, bool):
        raise ScenarioError(f"{name}={progress!r}: must be True or False")
    return progress


def posterior(posterior: Any, draws: Any) -> dict[str, Any]:
    """``posterior=`` (None, a path, or True for the scenario's own) and ``draws=`` as the
    native layer takes them; the file and the counts are checked there."""
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, numbers.Integral)):
        raise ScenarioError(f"draws={draws!r}: must be an integer, not {type(draws).__name__}")
    spec: dict[str, Any] = {"file": None, "shipped": False, "draws": None if draws is None else int(draws)}
    if posterior is True:
        spec["shipped"] = True
    elif isinstance(posterior, (str, os.PathLike)):
        spec["file"] = os.fspath(posterior)
    elif posterior is not None and posterior is not False:
        raise ScenarioError(f"posterior={posterior!r}: a path to a posterior CSV (a calibration's posterior.csv), "
                            "or True for the one the scenario ships")
    return spec


def targets(targets: Any) -> list[str]:
    """``targets=``: one ``"METRIC=CHANGE%[@YEAR]"`` or a list of them."""
    if targets is None:
        return []
    items = [targets] if isinstance(targets, str) else targets
    if not isinstance(items, (list, tuple)) or not all(isinstance(t, str) for t in items):
        raise ScenarioError(f"targets={targets!r}: a list of texts such as \"recruits=-20%@5\"")
    return list(items)


_FLAG = re.compile(r"--(youths|months|replicates|seed|threads) (\S+)")
_SET = re.compile(r"--set ([^\s:=]+)")
_SETTING = re.compile(r"setting `([^`=]+)=([^`]*)`")
_RUN_SETTINGS = "use --replicates, --months and --seed"
# The messages of parameter uncertainty (posterior.rs, posterior_answers.rs) in Python's names.
_POSTERIOR_WORDS = [
    ("--posterior with ", "posterior with "),
    ("raise --replicates to at least", "raise replicates= to at least"),
    ("or set --draws", "or set draws="),
    ("--draws needs --posterior FILE", "draws= needs posterior="),
    ("--target needs --posterior FILE", "targets= need posterior="),
]
_POSTERIOR = re.compile(r"--(posterior|draws) (\S+)")
_TARGET = re.compile(r"--target (\S+?):")


def python_names(message: str, set_name: str = "set") -> str:
    """A message of the scenario layer with the command line's names replaced by Python's:
    ``--youths 0`` → ``youths=0``; ``--set PATH`` and ``setting `PATH=V``` → ``set["PATH"]``
    (``set_name`` is the argument that held the path: ``set``, ``design``...)."""
    message = message.replace(_RUN_SETTINGS, "use the keyword arguments replicates=, months= and seed=")
    for cli, python in _POSTERIOR_WORDS:
        message = message.replace(cli, python)
    message = _POSTERIOR.sub(lambda m: f"{m.group(1)}={m.group(2)}", message)
    message = _TARGET.sub(lambda m: f'targets item "{m.group(1)}":', message)
    message = _FLAG.sub(lambda m: f"{m.group(1)}={m.group(2)}", message)
    message = _SETTING.sub(lambda m: f'{set_name}["{m.group(1)}"] = {m.group(2)}', message)
    return _SET.sub(lambda m: f'{set_name}["{m.group(1)}"]', message)


def native(call: Callable[..., T], *args: Any, set_name: str = "set", **kwargs: Any) -> T:
    """Calls the native module; its ScenarioError comes back in Python's names."""
    try:
        return call(*args, **kwargs)
    except ScenarioError as e:
        raise ScenarioError(python_names(str(e), set_name)) from None
