//! Do rates depend on the population's size? (issue 12, section 3: calibrating on fewer
//! youths, `--youths`, is only sound if they do not.)
//!
//! The scenario is the Mexico one (32 states, five cartels, dated operations and
//! removals), run to December 2012. Per replicate we take the rates a calibration targets:
//! the national homicide rate over 2000–2006 and 2007–2012 and Chihuahua's over 2010–2012
//! (and, in the second test, members and recruits per 1,000 youths over 2007–2012). Two
//! sizes agree when the difference of their means lies within 1.96 standard errors of the
//! difference (Welch), i.e. within their 95% intervals. Run with `--nocapture` to see the
//! figures.
//!
//! What holds (docs/mexico.md, section 6), with the scenario as committed (calibrated
//! parameters, `recruit.presence_floor` fitted with them): rates and membership of a
//! twentieth of Mexico (1.8 million youths, the reference size) match the whole country's,
//! and homicide rates at 400,000 youths (the calibration's size) match the reference size.
//! Smaller runs are not sound at this membership (about 2 per 1,000 youths): 180,000 youths
//! and fewer are measurably less violent (crowding against demand and local extinction,
//! docs/model.md note 40). A change of the scenario's parameters must re-run this file.

use crate::common::*;
use narcodoor::engine::ReplicateResult;
use narcodoor::model::metrics::index_of;
use narcodoor::model::params::Params;

fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

type Rates = Vec<(&'static str, Vec<f64>)>;

/// Per replicate: homicide rates (national 2000–06 and 2007–12, Chihuahua 2010–12), and
/// with `members`, members and monthly recruits per 1,000 youths 2007–12.
fn rates(p: &Params, results: &[ReplicateResult], members: bool) -> Rates {
    let youths = p.total_youths() as f64;
    let chihuahua = region(p, "Chihuahua");
    let hr = index_of("homicide_rate").unwrap();
    let chi = results
        .iter()
        .map(|r| r.months[120..156].iter().map(|m| m.metrics.regions[chihuahua][hr]).sum::<f64>() / 36.0)
        .collect();
    let per_1000 = |metric, from, to| -> Vec<f64> {
        mean_over(results, metric, from, to).into_iter().map(|x| x / youths * 1000.0).collect()
    };
    let mut out = vec![
        ("national homicide rate 2000-06", mean_over(results, "homicide_rate", 0, 84)),
        ("national homicide rate 2007-12", mean_over(results, "homicide_rate", 84, 156)),
        ("Chihuahua homicide rate 2010-12", chi),
    ];
    if members {
        out.push(("members per 1000 youths 2007-12", per_1000("members", 84, 156)));
        out.push(("monthly recruits per 1000 youths 2007-12", per_1000("recruits", 84, 156)));
    }
    out
}

/// Runs the Mexico scenario at two sizes (youths and replicates; `None` youths: the
/// scenario's own, the whole country) and returns the rates that disagree.
fn disagreements(full: (Option<u64>, u32), small: (u64, u32), members: bool) -> Vec<String> {
    let path = scenario_path("mexico_2000.toml");
    let load_at = |youths: Option<u64>, reps: u32| load(&path, overrides(youths, Some(156), Some(reps)));
    let (pf, ps) = (load_at(full.0, full.1), load_at(Some(small.0), small.1));
    let full_youths = pf.total_youths();
    let a = rates(&pf, &run(&pf, 2), members);
    let b = rates(&ps, &run(&ps, 2), members);
    let mut out = Vec::new();
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        let ((mx, sx), (my, sy)) = (mean_se(x), mean_se(y));
        let bound = 1.96 * (sx * sx + sy * sy).sqrt();
        println!(
            "{name}: {} youths {mx:.3} ± {:.3}, {} youths {my:.3} ± {:.3}; |diff| {:.3}, bound {bound:.3}",
            full_youths,
            1.96 * sx,
            small.0,
            1.96 * sy,
            (mx - my).abs()
        );
        if (mx - my).abs() > bound {
            out.push(format!(
                "{name}: {mx:.3} at {} youths vs {my:.3} at {} (bound {bound:.3})",
                full_youths, small.0
            ));
        }
    }
    out
}

#[test]
fn homicide_rates_at_400000_youths_match_the_reference_size() {
    let failures = disagreements((Some(1_800_000), 3), (400_000, 6), false);
    assert!(failures.is_empty(), "homicide rates depend on the population size: {failures:#?}");
}

/// The scenario's own size is Mexico's 36,638,326 youths; a twentieth of it is the
/// reference size of docs/mexico.md. About 100 s on 2 cores (two whole-country runs).
#[test]
fn rates_at_a_twentieth_of_the_youths_match_the_full_size() {
    let full = load(&scenario_path("mexico_2000.toml"), overrides(None, None, None)).total_youths();
    let failures = disagreements((None, 2), (full / 20, 8), true);
    assert!(failures.is_empty(), "rates depend on the population size: {failures:#?}");
}
