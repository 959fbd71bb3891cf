"""Shared fixtures: the repository, the command-line binary (for the tests that compare
the package with it; set NARCODOOR_BIN or build it with `cargo build --release`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
TINY = ROOT / "tests" / "fixtures" / "tiny_all_levers.toml"


def binary() -> Path:
    path = Path(os.environ.get("NARCODOOR_BIN", ROOT / "target" / "release" / "narcodoor"))
    if not path.is_file():
        raise RuntimeError(f"{path} not found: build it with `cargo build --release` or set NARCODOOR_BIN")
    return path


def cli(*args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs the narcodoor command line (only to compare the package with it)."""
    done = subprocess.run([str(binary()), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    if check and done.returncode != 0:
        raise AssertionError(f"narcodoor {args}: exit {done.returncode}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
