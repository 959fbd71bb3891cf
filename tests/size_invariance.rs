//! Rates do not depend on the population's size (issue 12, section 3): calibrating on
//! fewer youths (`--youths`) is only sound if a run at 1/20 of a scenario's youths gives the
//! same rates as the full size, within their intervals.
//!
//! The scenario is the calibrated Mexico one (32 states, five cartels, dated operations
//! and removals), at 400,000 youths ("full") and 20,000 (1/20; the smallest state then has
//! about 116 youths). Per replicate we take rates that a calibration targets: the national
//! homicide rate over 2000–2006 and over 2007–2012, Chihuahua's over 2010–2012, and members
//! and recruits per 1,000 youths over 2007–2012. For each, the difference of the two
//! means must lie within 1.96 standard errors of the difference (Welch), i.e. the sizes
//! agree within their 95% intervals. Run with `--nocapture` to see the figures.

mod common;

use common::*;
use narcodoor::engine::ReplicateResult;
use narcodoor::model::metrics::index_of;
use narcodoor::model::params::Params;

const FULL: u64 = 400_000;
const SMALL: u64 = FULL / 20;

fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

/// Per replicate: national homicide rate 2000–06 and 2007–12, Chihuahua's 2010–12, and
/// members and recruits per 1,000 youths 2007–12 (reported months from 2000-01).
fn rates(p: &Params, results: &[ReplicateResult]) -> Vec<(&'static str, Vec<f64>)> {
    let youths = p.total_youths() as f64;
    let chihuahua = region(p, "Chihuahua");
    let hr = index_of("homicide_rate").unwrap();
    let chi: Vec<f64> =
        results.iter().map(|r| r.months[120..156].iter().map(|m| m.metrics.regions[chihuahua][hr]).sum::<f64>() / 36.0).collect();
    let per_1000 = |metric, from, to| -> Vec<f64> {
        mean_over(results, metric, from, to).into_iter().map(|x| x / youths * 1000.0).collect()
    };
    vec![
        ("national homicide rate 2000-06", mean_over(results, "homicide_rate", 0, 84)),
        ("national homicide rate 2007-12", mean_over(results, "homicide_rate", 84, 156)),
        ("Chihuahua homicide rate 2010-12", chi),
        ("members per 1000 youths 2007-12", per_1000("members", 84, 156)),
        ("monthly recruits per 1000 youths 2007-12", per_1000("recruits", 84, 156)),
    ]
}

#[test]
fn rates_at_a_twentieth_of_the_youths_match_the_full_size() {
    let path = scenario_path("mexico_2000.toml");
    let full = load(&path, overrides(Some(FULL), Some(156), Some(4)));
    let small = load(&path, overrides(Some(SMALL), Some(156), Some(16)));
    let a = rates(&full, &run(&full, 2));
    let b = rates(&small, &run(&small, 2));
    let mut failures = Vec::new();
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        let ((mx, sx), (my, sy)) = (mean_se(x), mean_se(y));
        let bound = 1.96 * (sx * sx + sy * sy).sqrt();
        println!("{name}: {FULL} youths {mx:.3} ± {:.3}, {SMALL} youths {my:.3} ± {:.3}; |diff| {:.3} vs {bound:.3}",
            1.96 * sx, 1.96 * sy, (mx - my).abs());
        if (mx - my).abs() > bound {
            failures.push(format!("{name}: {mx:.3} at {FULL} youths vs {my:.3} at {SMALL} (bound {bound:.3})"));
        }
    }
    assert!(failures.is_empty(), "rates depend on the population size: {failures:#?}");
}
