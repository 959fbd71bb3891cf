//! Plausibility warnings: values the scenario layer accepts (they are inside the key's
//! allowed range, so the model can run them) but that are far outside the documented
//! ranges, or levers that can never act. `validate` prints them with file, line and key
//! and exits 0; `validate --strict` makes them errors (exit 2).
//!
//! The two mistakes these catch were made by a real user: `policy.policing.increase = 50`
//! meaning +50% (a share: 50 is +5,000%, 51 times the enforcement), and a lever starting in
//! month 300 of a 240-month run.

use super::error::{ErrorKind, Origin, Problem};
use super::explain::ExplainRow;
use super::schema::Schema;
use narcodoor_model::params::Params;

/// A share (unit `share`, `share of salary`) above this is far outside every documented
/// range: 1 already means +100%, and no lever's documented values reach 3 (+300%).
pub const SHARE_LIMIT: f64 = 3.0;

/// The warnings of a loaded scenario: `rows` are its `explain` rows, `origin` finds the
/// file and line that wrote a key.
pub fn warnings(p: &Params, rows: &[ExplainRow], origin: &dyn Fn(&str) -> Origin) -> Vec<Problem> {
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.unit.starts_with("share") && r.max.is_none()) {
        let Ok(v) = r.value.parse::<f64>() else { continue };
        if v > SHARE_LIMIT {
            out.push(warning(
                origin(&r.path),
                &r.path,
                format!(
                    "{} = {v} is a share (0.5 means +50%), so this is +{}%; values above {SHARE_LIMIT} are \
                     far outside the documented range (docs/model.md). Did you mean {}?",
                    r.path,
                    v * 100.0,
                    v / 100.0
                ),
            ));
        }
    }
    out.extend(levers_that_never_act(p, origin));
    out
}

/// Levers whose schedule starts at or after the end of the run.
fn levers_that_never_act(p: &Params, origin: &dyn Fn(&str) -> Origin) -> Vec<Problem> {
    let months = p.run.months;
    let schema = Schema::new();
    let mut out = Vec::new();
    for lever in &schema.levers {
        let first = lever.schedule(p).into_iter();
        for s in first.chain(lever.more_schedules(p)).filter(|s| s.start_month >= months) {
            let key = format!("policy.{}.start_month", lever.name);
            let message = format!(
                "{key} = {} but the run has {months} months (0–{}): the lever never acts",
                s.start_month,
                months.saturating_sub(1)
            );
            out.push(warning(origin(&key), &key, message));
        }
    }
    out
}

fn warning(origin: Origin, key: &str, message: String) -> Problem {
    Problem::new(ErrorKind::Implausible, origin, key, message)
}
