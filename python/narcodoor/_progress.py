"""The progress bar of ``progress=True``: a tqdm bar (a widget in a notebook with
ipywidgets, text in a terminal or elsewhere) fed with the engine's own count of simulated
months, which the native module reports while the model runs."""

from __future__ import annotations

import contextlib
import warnings
from typing import Callable, Iterator, Optional

with warnings.catch_warnings():
    # tqdm.auto warns when a notebook has no ipywidgets, then falls back to text.
    warnings.simplefilter("ignore")
    from tqdm.auto import tqdm

Callback = Callable[[int, int], None]


@contextlib.contextmanager
def bar(enabled: bool, label: str) -> Iterator[Optional[Callback]]:
    """A callback ``(done, total)`` that draws the bar, or None when ``enabled`` is false."""
    if not enabled:
        yield None
        return
    shown = tqdm(total=0, desc=label, unit=" months", dynamic_ncols=True,
                 mininterval=0.5)

    def update(done: int, total: int) -> None:
        if total != shown.total:
            shown.total = total
        shown.update(done - shown.n)

    try:
        yield update
    finally:
        shown.close()
