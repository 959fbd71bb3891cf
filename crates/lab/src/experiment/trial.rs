//! The effects a trial measures (issue 24): intention to treat and, where the lever did not
//! reach every youth offered it (or reached some controls), the effect on the treated.
//!
//! A replicate's effect on an outcome is the difference between the arms' counts over a
//! window of months per 100 youths enrolled, treatment minus control, as a field trial
//! reports it ("3.95 fewer violent-crime arrests per 100 youths"). The interval is a
//! Student t interval over replicates; the relative effect divides it by the control's mean
//! rate (taken as known, as `evidence` does: a ratio per replicate is unstable when the
//! control's counts are small). The effect on the treated is the Wald (Bloom) estimate:
//! intention to treat divided by the difference in the share of each arm the lever reached.

use narcodoor_engine::ReplicateResult;
use narcodoor_model::metrics::m;
use narcodoor_model::trial::{ArmMonth, TrialMonth};

use narcodoor_numerics::stats::{MeanCi, mean_ci};

/// The outcomes a trial's effects are reported for: flows counted over the window.
pub const OUTCOMES: [&str; 3] = ["recruits", "arrests", "deaths"];

fn flow(a: &ArmMonth, outcome: usize) -> u64 {
    match outcome {
        0 => a.recruits,
        1 => a.arrests,
        _ => a.deaths,
    }
}

/// Every replicate's trial months, as they arrive.
#[derive(Clone, Debug, Default)]
pub struct TrialSeries {
    /// Reported months (the same in every replicate).
    pub months: Vec<u32>,
    /// Per replicate, in replicate order: each month's arms.
    pub replicates: Vec<Vec<TrialMonth>>,
}

impl TrialSeries {
    /// Adds a replicate's trial months (a run without a trial adds nothing).
    pub fn add(&mut self, res: &ReplicateResult) {
        let arms: Vec<TrialMonth> = res.months.iter().filter_map(|m| m.trial).collect();
        if arms.is_empty() {
            return;
        }
        if self.months.is_empty() {
            self.months = res.months.iter().map(|m| m.month).collect();
        }
        self.replicates.push(arms);
    }

    pub fn is_empty(&self) -> bool {
        self.replicates.is_empty()
    }
}

/// One outcome's effect over a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrialEffect {
    pub outcome: &'static str,
    /// Mean enrolled per arm by the window's end, control first.
    pub enrolled: [f64; 2],
    /// Mean count per 100 enrolled, control then treatment.
    pub rate: [f64; 2],
    /// Treatment minus control, per 100 enrolled.
    pub difference: MeanCi,
    /// 100 × difference / the control's mean rate, with the interval scaled alike.
    pub relative: (f64, f64, f64),
    /// Mean share of each arm the lever reached by the window's end, control first.
    pub reached: [f64; 2],
    /// The effect on the treated, per 100 treated: difference / (reached T − reached C).
    pub on_treated: (f64, f64, f64),
}

/// The effect of the trial on outcome `outcome` (an index of `OUTCOMES`) over the reported
/// months `first..=last`; `None` when the window holds no month or an arm is empty.
pub fn effect(series: &TrialSeries, outcome: usize, first: u32, last: u32) -> Option<TrialEffect> {
    let idx: Vec<usize> =
        (0..series.months.len()).filter(|&i| (first..=last).contains(&series.months[i])).collect();
    let end = *idx.last()?;
    let mut diffs = Vec::new();
    let (mut enrolled, mut rate, mut reached) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    let n = series.replicates.len() as f64;
    for rep in &series.replicates {
        let mut per100 = [0.0; 2];
        for arm in 0..2 {
            let e = rep[end][arm].enrolled as f64;
            if e == 0.0 {
                return None;
            }
            let count: u64 = idx.iter().map(|&i| flow(&rep[i][arm], outcome)).sum();
            per100[arm] = 100.0 * count as f64 / e;
            enrolled[arm] += e / n;
            rate[arm] += per100[arm] / n;
            reached[arm] += rep[end][arm].treated as f64 / e / n;
        }
        diffs.push(per100[1] - per100[0]);
    }
    let difference = mean_ci(&diffs, 0.95);
    let scale = |x: f64, by: f64| if by > 0.0 { 100.0 * x / by } else { f64::NAN };
    let relative =
        (scale(difference.mean, rate[0]), scale(difference.lo, rate[0]), scale(difference.hi, rate[0]));
    let take_up = reached[1] - reached[0];
    let tot = |x: f64| if take_up > 0.0 { x / take_up } else { f64::NAN };
    let on_treated = (tot(difference.mean), tot(difference.lo), tot(difference.hi));
    Some(TrialEffect {
        outcome: OUTCOMES[outcome],
        enrolled,
        rate,
        difference,
        relative,
        reached,
        on_treated,
    })
}

/// Every outcome's effect over the whole run.
pub fn effects(series: &TrialSeries) -> Vec<TrialEffect> {
    let (Some(&first), Some(&last)) = (series.months.first(), series.months.last()) else {
        return Vec::new();
    };
    (0..OUTCOMES.len()).filter_map(|o| effect(series, o, first, last)).collect()
}

/// The trial outcome (an index of `OUTCOMES`) a registry metric is read as: a
/// member's arrest, a recruitment, a member's death. `None` for any other metric.
pub fn trial_outcome(metric: usize) -> Option<usize> {
    match metric {
        x if x == m::RECRUITS => Some(0),
        x if x == m::MEMBER_ARRESTS => Some(1),
        x if x == m::MEMBER_DEATHS => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_engine::MonthReport;
    use narcodoor_model::metrics::{MonthMetrics, N_METRICS};

    fn arm(enrolled: u64, arrests: u64, treated: u64) -> ArmMonth {
        ArmMonth { enrolled, arrests, treated, ..ArmMonth::default() }
    }

    fn replicate(r: u32, arrests: [u64; 2]) -> ReplicateResult {
        let months = (0..2)
            .map(|t| MonthReport {
                month: t,
                metrics: MonthMetrics { national: [0.0; N_METRICS], regions: Vec::new() },
                events: Vec::new(),
                trial: Some([arm(100, arrests[0], 0), arm(200, arrests[1], 100)]),
            })
            .collect();
        ReplicateResult { replicate: r, months }
    }

    #[test]
    fn known_answer_rates_differences_and_the_wald_estimate() {
        let mut s = TrialSeries::default();
        // Control: 4 arrests a month among 100; treatment: 6 a month among 200, half reached.
        s.add(&replicate(0, [4, 6]));
        s.add(&replicate(1, [4, 4]));
        let e = effect(&s, 1, 0, 1).unwrap();
        assert_eq!(e.rate, [8.0, 5.0]); // (6+6)/200 and (4+4)/200 per 100, averaged
        assert_eq!(e.difference.mean, -3.0);
        assert!((e.relative.0 - -37.5).abs() < 1e-12);
        assert_eq!(e.reached, [0.0, 0.5]);
        assert!((e.on_treated.0 - -6.0).abs() < 1e-12);
        // Replicate differences -2 and -4: the interval is mean ± t(0.975, 1) × 1.
        assert!((e.difference.hi - e.difference.mean - 12.706).abs() < 1e-3, "{:?}", e.difference);
        // One month only, and a window with no month.
        assert_eq!(effect(&s, 1, 1, 1).unwrap().rate, [4.0, 2.5]);
        assert!(effect(&s, 1, 5, 9).is_none());
    }

    #[test]
    fn an_empty_arm_has_no_effect() {
        let mut s = TrialSeries::default();
        let mut r = replicate(0, [1, 1]);
        for m in &mut r.months {
            m.trial.as_mut().unwrap()[0].enrolled = 0;
        }
        s.add(&r);
        assert!(effects(&s).is_empty());
    }
}
