#!/usr/bin/env python3
"""The lab under load (issue 28): `narcodoor serve` on loopback, CLIENTS concurrent clients
for SECONDS seconds mixing runs, polls, cancels, parameter lookups and malformed requests,
plus slow clients that trickle headers or bodies.

    python3 tests/fuzz/serve_load.py                 # 50 clients, 60 s
    CLIENTS=20 SECONDS=15 python3 tests/fuzz/serve_load.py   # the short version CI runs

The server binds 127.0.0.1 on a port it chooses itself (--port 0); all traffic goes there
and nowhere else. Only the standard library is used. Checked at the end (exit 1 if any
fails):
- no answer is a 5xx, but 503 with Retry-After for a connection over the cap;
- every 429 and 503 carries Retry-After;
- every accepted run (202) is seen finished (done, failed or cancelled) before the end:
  none lost;
- slow clients (headers or a body trickled a byte a second) are cut off by the server's
  timeouts, and meanwhile the server still answers others;
- the server's peak resident memory (VmHWM) is printed, and must stay under MAX_MB.
It stops by itself: every client stops at SECONDS, the wait for runs to finish is bounded
by DRAIN seconds, and the server is then killed.
"""
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("BIN", os.path.join(ROOT, "target", "release", "narcodoor"))
CLIENTS = int(os.environ.get("CLIENTS", "50"))
SECONDS = float(os.environ.get("SECONDS", "60"))
DRAIN = float(os.environ.get("DRAIN", "60"))
MAX_MB = float(os.environ.get("MAX_MB", "1024"))
SEED = int(os.environ.get("SEED", "28"))
HOST = "127.0.0.1"

lock = threading.Lock()
statuses = {}  # status code -> count
problems = []
accepted = {}  # run id -> last status seen


def note(code, headers=None, what=""):
    with lock:
        statuses[code] = statuses.get(code, 0) + 1
        if code in (429, 503) and not (headers or {}).get("retry-after"):
            problems.append(f"{code} without Retry-After: {what}")
        if code >= 500 and code != 503:
            problems.append(f"{code} on {what}")


def request(port, method, path, body=None, timeout=30):
    """One request on a fresh connection; returns (status, headers, parsed body or text)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"content-type": "application/json"} if body else {})
        r = conn.getresponse()
        data = r.read()
        headers = {k.lower(): v for k, v in r.getheaders()}
        note(r.status, headers, f"{method} {path}")
        try:
            return r.status, headers, json.loads(data)
        except ValueError:
            return r.status, headers, data
    finally:
        conn.close()


SMALL = {"youths": 3000, "months": 12, "replicates": 2}


def run_body(rng, scenario):
    return json.dumps({"scenario": scenario, "set": {"policy.scholarships.coverage": rng.random()}, **SMALL})


MALFORMED = [
    b"{",
    b"not json",
    b'{"scenario": "no_such_scenario"}',
    b'{"scenario": "baseline", "youths": -5}',
    b'{"scenario": "baseline", "set": {"no.such.path": 1}}',
    b'{"scenario": "baseline", "youths": 1e30, "months": 99999999}',
    b"[]",
    b'{"scenario": 7}',
    b"x" * 70000,
]


def client(port, k, deadline, scenarios, params):
    rng = random.Random(SEED * 1000 + k)
    mine = []
    while time.time() < deadline:
        action = rng.choice(["run", "run", "poll", "poll", "cancel", "params", "malformed", "list"])
        try:
            if action == "run":
                code, _, body = request(port, "POST", "/api/runs", run_body(rng, rng.choice(scenarios)))
                if code == 202:
                    with lock:
                        accepted[body["id"]] = "queued"
                    mine.append(body["id"])
            elif action == "poll" and mine:
                poll(port, rng.choice(mine))
            elif action == "cancel" and mine:
                run_id = rng.choice(mine)
                code, _, _ = request(port, "DELETE", f"/api/runs/{run_id}")
                if code not in (202, 409, 410):
                    with lock:
                        problems.append(f"cancel of {run_id}: {code}")
            elif action == "params":
                request(port, "GET", f"/api/scenarios/{rng.choice(params)}/parameters")
            elif action == "malformed":
                path = rng.choice(["/api/runs", "/api/runs/", "/api/runs/0-deadbeef", "/../etc/passwd", "/api/x"])
                method = "POST" if path == "/api/runs" else rng.choice(["GET", "DELETE", "PUT"])
                request(port, method, path, rng.choice(MALFORMED) if method != "GET" else None)
            else:
                request(port, "GET", "/api/scenarios")
        except (OSError, http.client.HTTPException) as e:
            with lock:
                problems.append(f"client {k} {action}: {e!r}")
        time.sleep(rng.uniform(0.0, 0.2))


def poll(port, run_id):
    code, _, body = request(port, "GET", f"/api/runs/{run_id}")
    if code == 200:
        with lock:
            accepted[run_id] = body.get("status", "?")
    elif code == 410:
        # Ended, and forgotten by the server (it keeps the last runs): the message says how.
        status = re.search(r"ended \((\w+)\)", body.get("error", ""))
        with lock:
            accepted[run_id] = status.group(1) if status else "forgotten"
    elif code == 404 and accepted.get(run_id) not in FINISHED:
        with lock:
            problems.append(f"run {run_id} lost (404 before it was seen finished)")
    return code


FINISHED = ("done", "failed", "cancelled")


def trickle(port, what, results):
    """A slow client: sends headers (or a body) a byte a second; records how long the
    server kept the connection open."""
    s = socket.create_connection((HOST, port))
    head = b"POST /api/runs HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
    data = head + b"content-length: 1000\r\n" if what == "headers" else head + b"content-length: 1000\r\n\r\n"
    if what == "body":
        s.sendall(data)
        data = b"{" * 1000
    start = time.time()
    answer = b""
    s.settimeout(1.0)
    try:
        for byte in data:
            s.sendall(bytes([byte]))
            try:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
                break
            except socket.timeout:
                pass
            if time.time() - start > SECONDS:
                break
    except OSError:
        pass
    results.append((what, time.time() - start, answer.split(b"\r\n", 1)[0].decode(errors="replace")))
    s.close()


def peak_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
        return int(m.group(1)) / 1024 if m else float("nan")
    except OSError:
        return float("nan")


def main():
    server = subprocess.Popen(
        [BIN, "serve", "--host", HOST, "--port", "0", "--threads", "1", "--max-queued", "8", "--idle-seconds", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
        _, _, listed = request(port, "GET", "/api/scenarios")
        names = [s["name"] for s in listed]
        scenarios = [n for n in ("baseline", "scholarships") if n in names] or names[:1]
        start = time.time()
        deadline = start + SECONDS
        slow = []
        threads = [threading.Thread(target=trickle, args=(port, w, slow)) for w in ("headers", "body") * 5]
        threads += [
            threading.Thread(target=client, args=(port, k, deadline, scenarios, names)) for k in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Every accepted run must reach an end; polled until DRAIN runs out.
        end = time.time() + DRAIN
        pending = [i for i, s in accepted.items() if s not in FINISHED]
        while pending and time.time() < end:
            for run_id in pending:
                poll(port, run_id)
            pending = [i for i, s in accepted.items() if s not in FINISHED]
            time.sleep(0.5)
        peak = peak_mb(server.pid)
    finally:
        server.kill()
        server.wait()
    report(time.time() - start, slow, pending, peak)


def report(elapsed, slow, pending, peak):
    ends = {}
    for s in accepted.values():
        ends[s] = ends.get(s, 0) + 1
    print(f"{CLIENTS} clients for {SECONDS:.0f} s ({elapsed:.0f} s with the drain)")
    print(f"answers by status: {dict(sorted(statuses.items()))}; {sum(statuses.values())} requests")
    print(f"accepted runs: {len(accepted)}, ended as {ends}")
    for what, secs, first in slow:
        print(f"slow client trickling its {what}: cut off after {secs:.1f} s ({first or 'closed'})")
    print(f"server peak resident memory (VmHWM): {peak:.0f} MB")
    for what, secs, first in slow:
        if secs > 15:
            problems.append(f"a client trickling its {what} was kept {secs:.0f} s")
    if pending:
        problems.append(f"{len(pending)} accepted runs never finished: {pending[:5]}")
    if not peak < MAX_MB:
        problems.append(f"peak memory {peak:.0f} MB over {MAX_MB} MB")
    for p in problems[:20]:
        print("PROBLEM:", p)
    print("PASS" if not problems else f"FAIL: {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
