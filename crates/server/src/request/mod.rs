//! A run request (`POST /api/runs`) checked and turned into the two arms of a comparison.
//!
//! Every value goes through the scenario layer: the request's `youths`, `replicates` and
//! `months` through `Scenario::apply` (as the command line's flags), and each `set` entry
//! through `set_value` (as `--set path=value`), so a bad value gets the message the
//! command line gives. The server's own bounds (`Limits`) are checked on top.
//! `"posterior": true` asks for parameter uncertainty from the scenario's shipped
//! posterior (`uncertain.rs`).

pub mod uncertain;

use serde::Deserialize;
use serde_json::Value as Json;

use self::uncertain::Uncertain;
use super::Limits;
use super::catalog::Catalog;
use narcodoor_lab::command::compare;
use narcodoor_lab::scenario::{self, Overrides, Scenario};

/// The body of `POST /api/runs`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    pub scenario: String,
    #[serde(default)]
    pub set: serde_json::Map<String, Json>,
    pub youths: Option<u64>,
    pub replicates: Option<u32>,
    pub months: Option<u32>,
    /// Run under the scenario's shipped posterior (replicate r under draw r mod draws).
    #[serde(default, deserialize_with = "posterior_flag")]
    pub posterior: bool,
    /// Parameter vectors drawn from the posterior (default: half the replicates).
    #[serde(default, deserialize_with = "draws_count")]
    pub draws: Option<u32>,
}

// The two fields of parameter uncertainty name themselves when their type is wrong (serde's
// own message names only the type).
fn posterior_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Json::deserialize(d)? {
        Json::Bool(b) => Ok(b),
        other => Err(serde::de::Error::custom(format!("posterior = {other}: expected true or false"))),
    }
}

fn draws_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::Number(n) if n.as_u64().is_some_and(|k| k <= u32::MAX as u64) => {
            Ok(n.as_u64().map(|k| k as u32))
        }
        other => Err(serde::de::Error::custom(format!("draws = {other}: expected a whole number of draws"))),
    }
}

/// Why a request cannot run.
#[derive(Debug)]
pub enum Rejection {
    /// `400`: a bad value, with the message for the client.
    Bad(String),
    /// `404`: no scenario of that name.
    UnknownScenario(String),
}

/// A checked run: the scenario as requested (the baseline arm) and with the changes.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub name: String,
    pub base: Scenario,
    pub policy: Scenario,
    /// The changes as `path = value` text, in the order applied.
    pub changes: Vec<(String, String)>,
    /// The arms' labels in outputs: the baseline's run name and the policy's.
    pub labels: [String; 2],
    /// Parameter uncertainty, when the request asks for it.
    pub uncertain: Option<Uncertain>,
}

/// A `set` value as the command line would write it after `--set path=`.
fn value_text(path: &str, v: &Json) -> Result<String, Rejection> {
    match v {
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        Json::String(s) => Ok(s.clone()),
        _ => Err(Rejection::Bad(format!(
            "set.{path}: expected a number, a boolean or a string as --set would take it, not {v}"
        ))),
    }
}

fn bad(message: impl Into<String>) -> Rejection {
    Rejection::Bad(message.into())
}

/// Checks the request's sizes against the server's bounds before anything is built.
fn check_bounds(req: &RunRequest, limits: &Limits) -> Result<(), Rejection> {
    if let Some(y) = req.youths.filter(|&y| y > limits.max_youths) {
        return Err(bad(format!(
            "youths = {y}: this server runs at most {} youths (--max-youths)",
            limits.max_youths
        )));
    }
    if let Some(r) = req.replicates.filter(|&r| r > limits.max_replicates) {
        return Err(bad(format!("replicates = {r}: at most {} replicates per run", limits.max_replicates)));
    }
    if let Some(m) = req.months.filter(|&m| m > limits.max_months) {
        return Err(bad(format!("months = {m}: at most {} months per run", limits.max_months)));
    }
    // Each draw runs at least two replicates, so no more draws than replicates fit.
    if let Some(d) = req.draws.filter(|&d| d > limits.max_replicates) {
        return Err(bad(format!("draws = {d}: at most {} draws per run", limits.max_replicates)));
    }
    Ok(())
}

/// The same bounds on the scenario as resolved (its file may ask for more than the request).
fn check_resolved(s: &Scenario, limits: &Limits) -> Result<(), Rejection> {
    let p = &s.params;
    if p.total_youths() > limits.max_youths {
        return Err(bad(format!(
            "the scenario has {} youths; this server runs at most {} (give \"youths\")",
            p.total_youths(),
            limits.max_youths
        )));
    }
    if p.run.replicates > limits.max_replicates {
        return Err(bad(format!(
            "the scenario asks for {} replicates; at most {} (give \"replicates\")",
            p.run.replicates, limits.max_replicates
        )));
    }
    if p.run.months > limits.max_months {
        return Err(bad(format!(
            "the scenario runs {} months; at most {} (give \"months\")",
            p.run.months, limits.max_months
        )));
    }
    Ok(())
}

/// Parses and checks a request body.
pub fn prepare(body: &[u8], catalog: &Catalog, limits: &Limits) -> Result<Prepared, Rejection> {
    let req: RunRequest =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid run request: {e}")))?;
    check_bounds(&req, limits)?;
    let entry = catalog.get(&req.scenario).ok_or_else(|| {
        Rejection::UnknownScenario(format!(
            "unknown scenario {:?}; known: {}",
            req.scenario,
            catalog.names().join(", ")
        ))
    })?;
    let mut base = entry.scenario.clone();
    let overrides =
        Overrides { youths: req.youths, months: req.months, replicates: req.replicates, seed: None };
    base.apply(&overrides).map_err(|e| bad(e.to_string()))?;
    check_resolved(&base, limits)?;
    let mut policy = base.clone();
    let mut changes = Vec::new();
    for (path, v) in &req.set {
        if path.trim().starts_with("run.") {
            return Err(bad(format!(
                "set.{path}: run settings are shared by both arms; give \"youths\", \"replicates\" or \"months\" instead"
            )));
        }
        let text = value_text(path, v)?;
        scenario::set_value(&mut policy.params, path, &text).map_err(|e| bad(e.to_string()))?;
        changes.push((path.clone(), text));
    }
    check_resolved(&policy, limits)?;
    // Both arms' replicates are one list of jobs; the worker's thread count is not known
    // here, so the check assumes a thread per job (the most that can run at once).
    let jobs = 2 * base.params.run.replicates as usize;
    narcodoor_lab::limits::check_memory(&policy.params, jobs, jobs).map_err(|e| bad(e.to_string()))?;
    let names = [base.params.run.name.clone(), format!("{}-lab", base.params.run.name)];
    let labels = compare::labels(&names);
    policy.params.run.name = labels[1].clone();
    let uncertain =
        uncertain::prepare((req.posterior, req.draws), entry, [&base, &policy], &catalog.with_posterior())?;
    Ok(Prepared {
        name: entry.name.clone(),
        base,
        policy,
        changes,
        labels: [labels[0].clone(), labels[1].clone()],
        uncertain,
    })
}
