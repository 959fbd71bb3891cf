//! `narcodoor serve` under parameter uncertainty (`"posterior": true`): the scenario list
//! says which scenarios ship a posterior; a run on `mexico_2000` under its shipped
//! posterior reports the effects over draws and writes the files `narcodoor compare
//! --posterior` writes on the same inputs, byte for byte; and every request that cannot
//! run under a posterior is a `400` naming the field.

use std::time::Duration;

use serde_json::{Value as Json, json};

use super::server::{Server, compare_outputs, events, submit, wait_status};

const POSTERIOR: &str = "scenarios/data/mexico_2000_posterior.csv";

fn mexico(extra: Json) -> Json {
    let mut body = json!({"scenario": "mexico_2000", "youths": 20000, "replicates": 4, "months": 24});
    if let (Some(b), Json::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    body
}

/// The rows of a CSV file's text as maps from column to cell.
fn csv_rows(text: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect())
        .collect()
}

#[test]
fn a_run_under_the_shipped_posterior_equals_compare_posterior() {
    let server = Server::start(&[]);
    let list = server.get("/api/scenarios").json();
    let flag = |name: &str| {
        list.as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["posterior"].clone()
    };
    assert_eq!((flag("mexico_2000"), flag("baseline")), (json!(true), json!(false)));

    let id =
        submit(&server, &mexico(json!({"posterior": true, "set": {"policy.scholarships.coverage": 0.6}})));
    let stream = server.get(&format!("/api/runs/{id}/events")).body;
    let ev = events(&stream);
    assert_eq!((ev[0].0.as_str(), &ev[0].1["draws"]), ("start", &json!(2)), "{stream}");
    let (last, done) = ev.last().unwrap();
    assert_eq!(last, "done", "{stream}");
    let u = &done["uncertainty"];
    assert_eq!((u["draws"].as_u64(), u["file"].as_str()), (Some(2), Some("data/mexico_2000_posterior.csv")));
    let file = |name: &str| {
        let r = server.get(&format!("/api/runs/{id}/files/{name}"));
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        r.body
    };
    // The result's rows are the file's rows, one for one, with its column names.
    let rows = csv_rows(&file("uncertainty.csv"));
    let effects = u["effects"].as_array().unwrap();
    assert_eq!(effects.len(), rows.len());
    assert!(effects.len() >= 10, "each key metric at the horizon and over the run: {}", effects.len());
    for (e, row) in effects.iter().zip(&rows) {
        for (column, cell) in row {
            match &e[column] {
                Json::String(s) => assert_eq!(s, cell, "{column}"),
                Json::Number(n) => {
                    let (x, y) = (n.as_f64().unwrap(), cell.parse::<f64>().unwrap());
                    assert!((x - y).abs() <= 1e-8 * x.abs().max(1.0), "{column}: {x} vs {cell}");
                }
                other => panic!("{column}: {other} for {cell}"),
            }
        }
        assert!(e["lo"].as_f64() <= e["mean"].as_f64() && e["mean"].as_f64() <= e["hi"].as_f64(), "{e}");
    }
    let listed: Vec<&str> = done["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for name in ["uncertainty.csv", "probabilities.csv", "acceptability.csv", "posterior_draws.csv"] {
        assert!(listed.contains(&name), "{name} in {listed:?}");
    }
    let manifest: Json = serde_json::from_str(&file("manifest.json")).unwrap();
    assert_eq!(manifest["details"]["posterior"]["draws"], 2, "{}", manifest["details"]);

    // `compare --posterior` on the same inputs writes the same files.
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--youths", "20000", "--replicates", "4", "--months", "24", "--posterior", POSTERIOR];
    compare_outputs("scenarios/mexico_2000.toml", &file("scenario.toml"), tmp.path(), &args);
    let cmp = |rel: &str| std::fs::read_to_string(tmp.path().join("cmp").join(rel)).unwrap();
    for name in
        ["effects.csv", "uncertainty.csv", "probabilities.csv", "acceptability.csv", "posterior_draws.csv"]
    {
        assert_eq!(file(name), cmp(name), "{name}");
    }

    // A run without the posterior has none of these files.
    let plain = submit(&server, &mexico(json!({})));
    wait_status(&server, &plain, "done", Duration::from_secs(120));
    let r = server.get(&format!("/api/runs/{plain}/files/uncertainty.csv"));
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.error().contains("posterior"), "{}", r.error());
    assert!(server.get(&format!("/api/runs/{plain}")).json()["result"].get("uncertainty").is_none());
}

#[test]
fn requests_that_cannot_run_under_a_posterior_are_400_naming_the_field() {
    let server = Server::start(&[]);
    for (body, field) in [
        (
            json!({"scenario": "baseline", "youths": 3000, "replicates": 4, "months": 12, "posterior": true}),
            "posterior",
        ),
        (mexico(json!({"posterior": true, "replicates": 3})), "replicates"),
        (mexico(json!({"posterior": true, "draws": 3})), "draws"),
        (mexico(json!({"posterior": true, "draws": 1})), "draws"),
        (mexico(json!({"posterior": true, "draws": 51})), "draws"),
        (mexico(json!({"draws": 2})), "draws"),
        (mexico(json!({"posterior": "yes"})), "posterior"),
        (mexico(json!({"posterior": true, "draws": -2})), "draws"),
    ] {
        let r = server.post(&body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(field), "{body}: {} does not name {field}", r.error());
    }
    let r = server.post(
        &json!({"scenario": "baseline", "youths": 3000, "replicates": 4, "months": 12, "posterior": true}),
    );
    assert!(r.error().contains("mexico_2000"), "names the scenarios that ship one: {}", r.error());
    assert!(!r.error().contains(env!("CARGO_MANIFEST_DIR")), "no server path: {}", r.error());
    // `false` is the default: a plain run.
    assert_eq!(server.post(&mexico(json!({"posterior": false}))).status, 202);
}
