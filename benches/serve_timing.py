"""Time a `narcodoor serve` run as the page sees it: from POST /api/runs to the first
`month` event and to the `done` event (issue 14: 100,000 youths, 4 replicates, 120 months;
first month within 1 s, done within 5 s on 2 cores). Python standard library only.

Usage: python3 benches/serve_timing.py [target/release/narcodoor] [repeats]
"""

import http.client
import json
import os
import subprocess
import sys
import time

# Wall-clock times depend on what else the machine runs; the server's CPU time does not,
# and CPU time / threads is the wall time a run would take alone on that many cores.
BODY = {"scenario": "baseline", "set": {"policy.scholarships.coverage": 0.6}, "youths": 100000, "replicates": 4, "months": 120}


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(host, port, pid):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    start = time.perf_counter()
    cpu0 = cpu_seconds(pid)
    conn.request("POST", "/api/runs", json.dumps(BODY), {"Content-Type": "application/json"})
    reply = conn.getresponse()
    run_id = json.loads(reply.read())["id"]
    conn.close()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    conn.request("GET", f"/api/runs/{run_id}/events")
    stream = conn.getresponse()
    first = done = None
    months = 0
    while True:
        line = stream.fp.readline()
        if not line:
            break
        if line.startswith(b"event: month"):
            months += 1
            if first is None:
                first = time.perf_counter() - start
                first_cpu = cpu_seconds(pid) - cpu0
        elif line.startswith(b"event: done"):
            done = time.perf_counter() - start
            break
    conn.close()
    return first, done, months, first_cpu, cpu_seconds(pid) - cpu0


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/narcodoor"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    scenarios = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios")
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--scenarios", scenarios], stdout=subprocess.PIPE, text=True)
    try:
        addr = proc.stdout.readline().split("http://")[1].split("/")[0]
        host, port = addr.split(":")
        for i in range(repeats):
            first, done, months, first_cpu, cpu = one_run(host, int(port), proc.pid)
            print(
                f"run {i + 1}: first month after {first:.2f} s, done after {done:.2f} s ({months} months streamed); "
                f"server CPU time {first_cpu:.2f} s to the first month, {cpu:.2f} s in all"
            )
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
