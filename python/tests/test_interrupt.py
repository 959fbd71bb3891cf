"""Ctrl-C stops a run within a second and raises KeyboardInterrupt."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from conftest import BASELINE

SCRIPT = f"""
import sys, time, narcodoor
print("ready", flush=True)
try:
    narcodoor.run({str(BASELINE)!r}, replicates=200, threads=2)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(7)
print("finished", flush=True)
"""


def test_ctrl_c_interrupts_a_run_within_a_second():
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.5)  # the run is under way (200 replicates take minutes)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    line = proc.stdout.readline().strip()
    elapsed = time.monotonic() - sent
    out, err = proc.communicate(timeout=60)
    assert (line, proc.returncode) == ("interrupted", 7), (line, out, err)
    assert "panicked" not in err, err
    assert elapsed < 1.0, elapsed
