//! `narcodoor serve` over real HTTP on 127.0.0.1 with a port the system picks: every
//! endpoint, every bad request the issue names, two concurrent runs, cancellation (asked
//! and idle), and results equal byte for byte to `narcodoor compare` on the same inputs.
//!
//! The client is a few lines of std: HTTP/1.1 with `Connection: close`, so a response
//! (an event stream included) is whatever the server sends until it closes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

const BIN: &str = env!("CARGO_BIN_EXE_narcodoor");

/// A server started for one test, stopped when dropped.
pub(super) struct Server {
    child: Child,
    addr: String,
}

impl Server {
    pub(super) fn start(extra: &[&str]) -> Server {
        let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--threads", "2", "--scenarios"])
            .arg(&scenarios)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start narcodoor serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        assert!(addr.starts_with("127.0.0.1:"), "binds loopback by default: {addr}");
        Server { child, addr }
    }

    pub(super) fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> Response {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(b) = body {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        if let Some(b) = body {
            // A server may answer (413) and close before reading a large body.
            let _ = s.write_all(b);
        }
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        Response::parse(&raw)
    }

    pub(super) fn get(&self, path: &str) -> Response {
        self.request("GET", path, None)
    }

    pub(super) fn post(&self, body: &Json) -> Response {
        self.request("POST", "/api/runs", Some(body.to_string().as_bytes()))
    }

    /// The server still answers.
    fn alive(&self) {
        assert_eq!(self.get("/api/scenarios").status, 200);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: String,
    pub(super) body: String,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let text = String::from_utf8_lossy(raw).to_string();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no response: {text:?}"));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        Response { status, headers: head.to_string(), body }
    }

    pub(super) fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub(super) fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_string()
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The events of a finished stream: (name, data).
pub(super) fn events(body: &str) -> Vec<(String, Json)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str(v.trim()).ok();
                }
            }
            Some((name?, data?))
        })
        .collect()
}

fn small_run(set: Json) -> Json {
    json!({"scenario": "baseline", "set": set, "youths": 3000, "replicates": 3, "months": 12})
}

pub(super) fn submit(server: &Server, body: &Json) -> String {
    let r = server.post(body);
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(r.headers.to_ascii_lowercase().contains(&format!("location: /api/runs/{id}")), "{}", r.headers);
    id
}

pub(super) fn wait_status(server: &Server, id: &str, want: &str, limit: Duration) -> Json {
    let start = Instant::now();
    loop {
        let doc = server.get(&format!("/api/runs/{id}")).json();
        if doc["status"] == want {
            return doc;
        }
        assert!(start.elapsed() < limit, "run {id} is {} after {limit:?}, not {want}", doc["status"]);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn scenarios_parameters_and_page() {
    let server = Server::start(&[]);
    let list = server.get("/api/scenarios").json();
    let base = list.as_array().unwrap().iter().find(|s| s["name"] == "baseline").expect("baseline listed");
    assert!(base["description"].as_str().unwrap().contains("Four regions"));
    assert!(list.as_array().unwrap().len() > 5);

    let params = server.get("/api/scenarios/baseline/parameters").json();
    let find = |path: &str| params.as_array().unwrap().iter().find(|p| p["path"] == path).cloned();
    let cov = find("policy.scholarships.coverage").expect("off levers' keys are listed");
    for key in ["value", "default", "unit", "meaning", "min", "max"] {
        assert!(cov.get(key).is_some(), "{key} in {cov}");
    }
    assert_eq!((cov["min"].as_f64(), cov["max"].as_f64()), (Some(0.0), Some(1.0)));
    assert_eq!(cov["enabled"], false);
    // The page builds its groups of levers from these, as the model declares them.
    assert_eq!(
        (cov["lever"].as_str(), cov["lever_group"].as_str()),
        (Some("scholarships"), Some("Legitimate doors"))
    );
    assert_eq!(cov["lever_meaning"], "scholarships for poor students (6.1)");
    for lever in narcodoor::model::params::LEVERS {
        assert!(params.as_array().unwrap().iter().any(|p| p["lever"] == lever), "{lever} listed");
    }
    let youths = find("population.youths").unwrap();
    assert_eq!(youths["value"], 200000);
    assert_eq!(youths["kind"], "integer");
    assert!(find("region.Norte.poverty").is_some(), "regions as explain and --set name them");

    assert_eq!(server.get("/api/scenarios/nosuch/parameters").status, 404);
    assert_eq!(server.get("/api/scenarios/..%2Fbaseline/parameters").status, 404);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("narcodoor policy lab") && page.body.contains("/app.js"));
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    assert_eq!(server.get("/app.js").status, 200);
    assert_eq!(server.get("/style.css").status, 200);
    assert_eq!(server.get("/nosuch").status, 404);
}

#[test]
fn bad_requests_get_their_status_and_the_scenario_layers_message() {
    let server = Server::start(&["--max-youths", "50000"]);
    let r = server.request("POST", "/api/runs", Some(b"{\"scenario\": \"baseline\""));
    assert_eq!(r.status, 400, "malformed JSON: {}", r.body);
    let r = server.post(&json!({"scenario": "baseline", "colour": "red"}));
    assert_eq!(r.status, 400);
    assert!(r.error().contains("colour"), "{}", r.error());
    let big = format!("{{\"scenario\": \"baseline\", \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    assert_eq!(server.request("POST", "/api/runs", Some(big.as_bytes())).status, 413);
    assert_eq!(server.post(&json!({"scenario": "nosuch"})).status, 404);
    assert_eq!(server.post(&json!({"scenario": "../scenarios/baseline"})).status, 404);

    // A bad value and an unknown path: the message of the scenario layer, as for --set.
    let mut p = narcodoor::scenario::load(Path::new("scenarios/baseline.toml")).unwrap().params;
    let want = narcodoor::scenario::set_value(&mut p, "policy.scholarships.coverage", "1.5")
        .unwrap_err()
        .to_string();
    let r = server.post(&small_run(json!({"policy.scholarships.coverage": 1.5})));
    assert_eq!((r.status, r.error()), (400, want));
    let want =
        narcodoor::scenario::set_value(&mut p, "policy.scholarship.coverage", "0.5").unwrap_err().to_string();
    let r = server.post(&small_run(json!({"policy.scholarship.coverage": 0.5})));
    assert_eq!((r.status, r.error()), (400, want.clone()));
    assert!(want.contains("scholarships"), "suggests the right lever: {want}");
    let r = server.post(&small_run(json!({"policy.scholarships.coverage": [1, 2]})));
    assert_eq!(r.status, 400);

    let r = server.post(&json!({"scenario": "baseline", "youths": 50001, "replicates": 2, "months": 12}));
    assert_eq!(r.status, 400);
    assert!(r.error().contains("--max-youths"), "{}", r.error());
    let r = server.post(&json!({"scenario": "baseline", "months": 12}));
    assert_eq!(r.status, 400, "the scenario's own 200,000 youths are above the bound");
    let r = server.post(&json!({"scenario": "baseline", "youths": 1000, "replicates": 51, "months": 12}));
    assert_eq!(r.status, 400);
    for body in [
        json!({"scenario": "baseline", "youths": 0}),
        json!({"scenario": "baseline", "youths": -5}),
        json!({"scenario": "baseline", "youths": 1000, "months": 0}),
        json!({"scenario": "baseline", "youths": 1000, "set": {"run.seed": 3}}),
        json!({"scenario": "baseline", "youths": 1000, "set": {"": 1}}),
        json!({"scenario": "baseline", "youths": 1000, "set": {"region.Norte.poverty": "lots"}}),
        json!({"scenario": "baseline", "youths": 1000, "set": {"policy.demand.reduction": null}}),
        json!({"scenario": 7}),
        json!([1, 2]),
    ] {
        let r = server.post(&body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(!r.error().is_empty());
    }
    for path in ["/api/runs/nosuch", "/api/runs/nosuch/events", "/api/runs/nosuch/files/effects.csv"] {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
    assert_eq!(server.request("DELETE", "/api/runs/nosuch", None).status, 404);
    server.alive();
}

#[test]
fn the_queue_is_bounded() {
    let server = Server::start(&["--max-queued", "1"]);
    let body = json!({"scenario": "baseline", "youths": 20000, "replicates": 2, "months": 600});
    let statuses: Vec<u16> = (0..4).map(|_| server.post(&body).status).collect();
    assert!(statuses.iter().all(|s| *s == 202 || *s == 429), "{statuses:?}");
    assert_eq!(statuses[0], 202);
    assert!(statuses.contains(&429), "{statuses:?}");
    server.alive();
}

/// Runs `narcodoor compare` on a bundled scenario and the run's `scenario.toml`.
pub(super) fn compare_outputs(baseline: &str, scenario_toml: &str, dir: &Path, size: &[&str]) {
    let file = dir.join("lab.toml");
    std::fs::write(&file, scenario_toml).unwrap();
    let ok = Command::new(BIN).arg("validate").arg(&file).status().unwrap();
    assert!(ok.success(), "scenario.toml validates");
    let out = Command::new(BIN)
        .args(["compare", baseline])
        .arg(&file)
        .args(size)
        .args(["--no-charts", "--quiet", "--threads", "1", "--out"])
        .arg(dir.join("cmp"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn two_concurrent_runs_stream_months_and_equal_compare() {
    let server = Server::start(&[]);
    let runs = [
        // Levers only: the policy arm is forked from the baseline's burn-in.
        small_run(
            json!({"policy.scholarships.coverage": 0.6, "policy.demand.reduction": 0.3, "policy.youth_jobs.slots_per_1000": 20}),
        ),
        // A rule changes too: both arms simulate their own burn-in.
        small_run(json!({"policy.policing.increase": 1.0, "youth.job_loss": 0.03})),
    ];
    let ids: Vec<String> = runs.iter().map(|b| submit(&server, b)).collect();
    let server = &server;
    let streams: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .iter()
            .map(|id| s.spawn(move || server.get(&format!("/api/runs/{id}/events")).body))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (id, stream) in ids.iter().zip(&streams) {
        let ev = events(stream);
        assert_eq!(ev[0].0, "start", "{stream}");
        let months: Vec<&Json> = ev.iter().filter(|(n, _)| n == "month").map(|(_, d)| d).collect();
        assert_eq!(months.len(), 12);
        let numbers: Vec<u64> = months.iter().map(|m| m["month"].as_u64().unwrap()).collect();
        assert_eq!(numbers, (0..12).collect::<Vec<u64>>(), "one event per reported month, in order");
        let m = &months[11]["policy"]["members"];
        assert!(m["lo"].as_f64().unwrap() <= m["mean"].as_f64().unwrap());
        let (last, done) = ev.last().unwrap();
        assert_eq!(last, "done");
        assert_eq!(done["effects"].as_array().unwrap().len(), 18 + 9, "key rows, then spending by lever");
        assert_eq!(done["shared_burn_in"], stream == &streams[0], "the burn-in is shared for levers only");

        let status = server.get(&format!("/api/runs/{id}")).json();
        assert_eq!(status["status"], "done");
        assert_eq!(status["result"]["effects"], done["effects"]);

        let tmp = tempfile::tempdir().unwrap();
        let file = |name: &str| {
            let r = server.get(&format!("/api/runs/{id}/files/{name}"));
            assert_eq!(r.status, 200, "{name}");
            r.body
        };
        compare_outputs(
            "scenarios/baseline.toml",
            &file("scenario.toml"),
            tmp.path(),
            &["--youths", "3000", "--replicates", "3", "--months", "12"],
        );
        let cmp = |rel: &str| std::fs::read_to_string(tmp.path().join("cmp").join(rel)).unwrap();
        assert_eq!(file("effects.csv"), cmp("effects.csv"));
        assert_eq!(file("timeseries.csv"), cmp("scenarios/baseline-lab/timeseries.csv"));
        assert_eq!(file("summary.csv"), cmp("scenarios/baseline-lab/summary.csv"));
        assert_eq!(file("baseline_timeseries.csv"), cmp("scenarios/baseline/timeseries.csv"));
        assert_eq!(file("baseline_summary.csv"), cmp("scenarios/baseline/summary.csv"));
        let manifest: Json = serde_json::from_str(&file("manifest.json")).unwrap();
        assert_eq!(
            (manifest["experiment"].as_str(), manifest["complete"].as_bool()),
            (Some("serve"), Some(true))
        );
        // The streamed month is the summary's row.
        let summary = file("summary.csv");
        let last_row = summary.lines().last().unwrap();
        let members = m["mean"].as_f64().unwrap();
        let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|c| *c == "members_mean").unwrap();
        let written: f64 = last_row.split(',').nth(col).unwrap().parse().unwrap();
        assert!((written - members).abs() <= 1e-6 * members.abs().max(1.0), "{written} vs {members}");
    }
    assert_eq!(server.get(&format!("/api/runs/{}/files/secret.txt", ids[0])).status, 404);
    assert_eq!(server.get(&format!("/api/runs/{}/files/..%2F..%2Fetc%2Fpasswd", ids[0])).status, 404);
    assert_eq!(server.request("DELETE", &format!("/api/runs/{}", ids[0]), None).status, 409);
}

#[test]
fn runs_are_cancelled_on_request_and_when_nobody_listens() {
    let server = Server::start(&["--idle-seconds", "1"]);
    let long = json!({"scenario": "baseline", "youths": 100000, "replicates": 2, "months": 1200});
    let id = submit(&server, &long);
    std::thread::sleep(Duration::from_millis(300));
    let r = server.request("DELETE", &format!("/api/runs/{id}"), None);
    assert_eq!(r.status, 202, "{}", r.body);
    wait_status(&server, &id, "cancelled", Duration::from_secs(30));
    let ev = events(&server.get(&format!("/api/runs/{id}/events")).body);
    assert_eq!(ev.last().unwrap().0, "cancelled");
    assert_eq!(server.get(&format!("/api/runs/{id}/files/effects.csv")).status, 409);
    assert_eq!(server.request("DELETE", &format!("/api/runs/{id}"), None).status, 409);

    // Nobody listens: no stream, no status request for longer than --idle-seconds. The run
    // is the largest the server takes (about 15 s on an idle 2-core machine), so it cannot
    // finish before the idle check; each look at it counts as listening, so the test looks
    // only after 2.5 s of silence, and again after as long if a starved server had not yet
    // acted (a bound against hangs only, not a measure of speed).
    let longest = json!({"scenario": "baseline", "youths": 1_000_000, "replicates": 2, "months": 1200});
    let id = submit(&server, &longest);
    let started = Instant::now();
    let doc = loop {
        std::thread::sleep(Duration::from_millis(2500));
        let doc = server.get(&format!("/api/runs/{id}")).json();
        if (doc["status"] != "running" && doc["status"] != "queued")
            || started.elapsed() > Duration::from_secs(300)
        {
            break doc;
        }
    };
    assert_eq!(doc["status"], "cancelled", "{doc}");
    assert!(doc["months_done"].as_u64().unwrap() < 1200);
    server.alive();
}

/// The server's resident memory in kB (Linux).
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A bounded load test on loopback: 20 clients send 10 requests each (listings, parameters,
/// small runs, statuses, bad requests) at once. Nothing fails but the intended 429s, and
/// memory stays bounded. Prints the figures quoted in docs/server.md.
#[test]
fn load_200_requests_from_20_clients() {
    let server = Server::start(&["--max-queued", "4"]);
    let before = rss_kb(server.child.id());
    let clock = Instant::now();
    let results: Vec<(u16, &str, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|client| {
                let server = &server;
                s.spawn(move || {
                    let mut out = Vec::new();
                    for i in 0..10 {
                        let t = Instant::now();
                        let (kind, status) = match (client + i) % 5 {
                            0 => ("list", server.get("/api/scenarios").status),
                            1 => ("parameters", server.get("/api/scenarios/kingpin/parameters").status),
                            2 => ("run", server.post(&json!({"scenario": "baseline", "youths": 2000, "replicates": 2, "months": 6})).status),
                            3 => ("bad", server.post(&json!({"scenario": "baseline", "youths": 2000, "set": {"youth.nosuch": 1}})).status),
                            _ => ("page", server.get("/").status),
                        };
                        out.push((status, kind, t.elapsed()));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let seconds = clock.elapsed().as_secs_f64();
    let after = rss_kb(server.child.id());
    assert_eq!(results.len(), 200);
    for (status, kind, _) in &results {
        let ok = match *kind {
            "run" => *status == 202 || *status == 429,
            "bad" => *status == 400,
            _ => *status == 200,
        };
        assert!(ok, "{kind}: {status}");
    }
    let runs = results.iter().filter(|r| r.1 == "run").count();
    let refused = results.iter().filter(|r| r.0 == 429).count();
    let mut times: Vec<f64> = results.iter().map(|r| r.2.as_secs_f64() * 1000.0).collect();
    times.sort_by(f64::total_cmp);
    println!(
        "load: 200 requests from 20 clients in {seconds:.2} s; {runs} run submissions, {refused} refused with 429; \
         latency median {:.1} ms, 95th percentile {:.1} ms, max {:.1} ms; server RSS {} kB before, {} kB after",
        times[100], times[190], times[199], before, after
    );
    assert!(seconds < 60.0);
    assert!(after < before + 200 * 1024, "memory grew from {before} kB to {after} kB");
    server.alive();
}
