#!/usr/bin/env bash
# CI step: the Python package. In a fresh virtual environment: install the pinned tools
# (python/requirements-ci.txt), build and install the package with `pip install ./python`
# (maturin, release build), run its tests (the command line's outputs, errors, Ctrl-C, the
# GIL, EMA Workbench and SALib as clients) and execute examples/tutorial.ipynb end to end.
# Needs the release binary of .ci/run (the tests compare the package with it).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$root/target/ci-python
t0=$(date +%s)
stamp() { echo "-- $1: $(( $(date +%s) - t0 )) s"; }

# Python 3.11 or newer with venv (Debian splits venv out).
if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv
fi
python3 -c 'import sys; assert sys.version_info >= (3, 11), f"Python {sys.version} is too old: the package needs 3.11+"'

rm -rf "$work"
mkdir -p "$work"
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -r python/requirements-ci.txt
stamp "pinned packages installed"

# The extension shares the root's target directory, so the dependencies .ci/run compiled
# are reused; maturin comes from the pinned set (no build isolation).
CARGO_TARGET_DIR=$root/target python -m pip install --quiet --no-build-isolation ./python
stamp "package built and installed"

bin=$root/target/release/narcodoor
test -x "$bin" || cargo build --release --locked
export NARCODOOR_BIN=$bin

# From a neutral directory, so that `import narcodoor` is the installed package and not
# python/narcodoor. Any non-zero pytest exit fails the step, "no tests collected" (5)
# included.
status=0
(cd "$work" && python -m pytest "$root/python/tests" -q -p no:cacheprovider -W ignore::DeprecationWarning) || status=$?
if [ "$status" -ne 0 ]; then
    echo "Python tests failed (pytest exit code $status)" >&2
    exit 1
fi
stamp "pytest passed"

python -m jupyter nbconvert --to notebook --execute examples/tutorial.ipynb \
    --output-dir "$work" --output tutorial.executed.ipynb --ExecutePreprocessor.timeout=600
test -s "$work/tutorial.executed.ipynb"
stamp "tutorial notebook executed"
