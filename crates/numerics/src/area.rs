//! Area designs (issue 24, part 1): the estimators a field study of areas uses, applied to
//! one replicate's monthly regional series, so the model can be measured the way a
//! difference in differences or an event study measured the world.
//!
//! The registry's default comparison (`evidence`'s paired estimator) sets a treated
//! scenario beside the same country without the lever on common random numbers: the
//! model's clean counterfactual, which no field study has. A field study has only the
//! treated world: treated areas against control areas, before against after. Here the
//! same is done on the treated scenario's regional outputs, so whatever the field design
//! cannot separate (a common shock that is not common, spillovers onto the control areas,
//! trends that differ between regions) is in the estimate, as it is in the study's.
//!
//! Everything here is pure arithmetic on plain numbers: no IO, no model, no serde. A
//! series is one metric, region by region and month by month ([`Panel`]); a group of
//! regions is pooled month by month (counts summed, rates and indices averaged with equal
//! weights, as a panel regression weighs its units), and a window is reduced as the
//! registry reduces it (a flow by its monthly mean, scaled back to the window's total
//! where a difference needs the unit; a stock or rate by its mean).

/// Reported months `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Months {
    pub first: u32,
    pub last: u32,
}

impl Months {
    pub fn len(self) -> u32 {
        self.last - self.first + 1
    }
}

/// The scale of an area estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaScale {
    /// 100 × (ratio of ratios − 1): (T_post / T_pre) / (C_post / C_pre), in percent. This
    /// is exp(β) − 1 of a log-linear two-by-two difference in differences (group and
    /// period effects, one interaction), the form in which the studies report a rate
    /// ratio or a percentage change; the log form 100 × β itself would read +58.8 for a
    /// rise of 80% and is not what the published figures are.
    Relative,
    /// (T_post − T_pre) − (C_post − C_pre) in the metric's unit: for a flow, per window
    /// (the pre-period's monthly mean scaled to the post window's length, so the effect is
    /// in the unit of the post window's total, as the registry totals a flow); for a stock
    /// or a rate, of the window means.
    Difference,
}

/// One replicate's monthly series of one metric.
#[derive(Clone, Copy, Debug)]
pub struct Panel<'a> {
    /// The reported month of each column.
    pub months: &'a [u32],
    /// `values[r][k]`: region `r` in column `k`.
    pub values: &'a [Vec<f64>],
    /// A flow (recruits, homicides) rather than a stock or a rate: its window effect on
    /// the difference scale is a total.
    pub flow: bool,
    /// A rate or an index: pooled over regions by the mean, not the sum.
    pub rate: bool,
}

/// Why an estimate could not be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AreaError {
    #[error("month {0} is not in the series")]
    MissingMonth(u32),
    #[error("a group of regions is empty")]
    EmptyGroup,
    #[error("the {group} regions' level over months {first}-{last} is zero: a relative change is undefined")]
    ZeroLevel { group: &'static str, first: u32, last: u32 },
}

impl Panel<'_> {
    /// A group of regions in column `k`: counts summed, rates averaged.
    fn pooled(&self, group: &[usize], k: usize) -> f64 {
        let total: f64 = group.iter().map(|&r| self.values[r][k]).sum();
        if self.rate { total / group.len() as f64 } else { total }
    }

    /// The group's monthly mean over a window (every month must be in the series).
    pub fn level(&self, group: &[usize], w: Months) -> Result<f64, AreaError> {
        if group.is_empty() {
            return Err(AreaError::EmptyGroup);
        }
        let mut total = 0.0;
        for month in w.first..=w.last {
            let k = self.months.iter().position(|&m| m == month).ok_or(AreaError::MissingMonth(month))?;
            total += self.pooled(group, k);
        }
        Ok(total / w.len() as f64)
    }
}

/// A two-by-two difference in differences: the `treated` regions against the `control`
/// regions, window `pre` against window `post`.
pub fn difference_in_differences(
    panel: &Panel<'_>,
    treated: &[usize],
    control: &[usize],
    pre: Months,
    post: Months,
    scale: AreaScale,
) -> Result<f64, AreaError> {
    let (t0, t1) = (panel.level(treated, pre)?, panel.level(treated, post)?);
    let (c0, c1) = (panel.level(control, pre)?, panel.level(control, post)?);
    match scale {
        AreaScale::Relative => {
            for (v, group, w) in [(t0, "treated", pre), (c0, "control", pre), (c1, "control", post)] {
                if v == 0.0 {
                    return Err(AreaError::ZeroLevel { group, first: w.first, last: w.last });
                }
            }
            Ok(100.0 * ((t1 / t0) / (c1 / c0) - 1.0))
        }
        AreaScale::Difference => {
            let per = if panel.flow { post.len() as f64 } else { 1.0 };
            Ok(per * ((t1 - t0) - (c1 - c0)))
        }
    }
}

/// An event study's regions and times: a dated event at `month` whose own regions are
/// `own`; `neighbours` are the regions adjacent to them (see [`neighbours_of`]) that the
/// study follows, `comparison` the regions the event did not touch.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDesign {
    pub month: u32,
    /// Event time from `first` to `last` months relative to `month` (first < 0 ≤ last);
    /// the months before the event (event time `first..=-1`) are the pre-period.
    pub first: i32,
    pub last: i32,
    /// Months of event time per bin (1: month by month); `first` and `last + 1` are
    /// multiples of it, so a bin starts at the event.
    pub bin: u32,
    pub own: Vec<usize>,
    pub neighbours: Vec<usize>,
    pub comparison: Vec<usize>,
}

impl EventDesign {
    /// The pre-event months, event time `first..=-1`.
    pub fn pre(&self) -> Months {
        Months { first: (self.month as i64 + self.first as i64) as u32, last: self.month - 1 }
    }

    /// The reported month at event time `t`.
    pub fn month_at(&self, t: i32) -> u32 {
        (self.month as i64 + t as i64) as u32
    }

    /// The bins of event time: each bin's first event-time month and its reported months.
    pub fn bins(&self) -> Vec<(i32, Months)> {
        let w = self.bin.max(1) as i32;
        (self.first..=self.last)
            .step_by(w as usize)
            .map(|t| (t, Months { first: self.month_at(t), last: self.month_at((t + w - 1).min(self.last)) }))
            .collect()
    }
}

/// The response in event time of one group: one value per bin of event time (see
/// [`EventDesign::bins`]), each bin's monthly level against the mean of the pre-event
/// months, net of the comparison regions' change over the same months (a difference in
/// differences whose post window is the bin; on the difference scale a flow's effect is
/// per bin). Before the event the values are placebo estimates: they show whether the
/// group and the comparison moved together when nothing had happened yet. Each bin is its
/// own estimate, so a bin whose level is zero leaves the others defined; bins of a few
/// months keep a region's small monthly counts away from zero.
pub fn event_response(
    panel: &Panel<'_>,
    design: &EventDesign,
    group: &[usize],
    scale: AreaScale,
) -> Vec<Result<f64, AreaError>> {
    let pre = design.pre();
    design
        .bins()
        .into_iter()
        .map(|(_, post)| difference_in_differences(panel, group, &design.comparison, pre, post, scale))
        .collect()
}

/// The neighbours of an event's regions: every region adjacent to one of `own` in the
/// scenario's adjacency lists (`Region::neighbours`, symmetric), other than `own`
/// themselves, in region order.
pub fn neighbours_of(own: &[usize], adjacency: &[Vec<usize>]) -> Vec<usize> {
    let mut out: Vec<usize> = own.iter().flat_map(|&r| adjacency[r].iter().copied()).collect();
    out.retain(|r| !own.contains(r));
    out.sort_unstable();
    out.dedup();
    out
}

/// The regions the event did not touch: neither its own regions nor adjacent to them.
pub fn untouched(own: &[usize], adjacency: &[Vec<usize>]) -> Vec<usize> {
    let near = neighbours_of(own, adjacency);
    (0..adjacency.len()).filter(|r| !own.contains(r) && !near.contains(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONTHS: [u32; 4] = [0, 1, 2, 3];

    fn panel(values: &[Vec<f64>], flow: bool, rate: bool) -> Panel<'_> {
        Panel { months: &MONTHS, values, flow, rate }
    }

    const PRE: Months = Months { first: 0, last: 1 };
    const POST: Months = Months { first: 2, last: 3 };

    #[test]
    fn a_difference_in_differences_nets_out_the_common_change() {
        // Treated 10 → 18 a month, control 20 → 30: ratios 1.8 and 1.5.
        let values = vec![vec![10.0, 10.0, 18.0, 18.0], vec![20.0, 20.0, 30.0, 30.0]];
        let p = panel(&values, true, false);
        let rel = difference_in_differences(&p, &[0], &[1], PRE, POST, AreaScale::Relative).unwrap();
        assert!((rel - 20.0).abs() < 1e-12, "{rel}");
        // A flow: (18 − 10) − (30 − 20) = −2 a month, −4 over the two post months.
        let diff = difference_in_differences(&p, &[0], &[1], PRE, POST, AreaScale::Difference).unwrap();
        assert!((diff + 4.0).abs() < 1e-12, "{diff}");
        // A stock: the same in window means.
        let s = panel(&values, false, false);
        let diff = difference_in_differences(&s, &[0], &[1], PRE, POST, AreaScale::Difference).unwrap();
        assert!((diff + 2.0).abs() < 1e-12, "{diff}");
    }

    #[test]
    fn a_pure_common_shock_gives_no_effect() {
        let values = vec![vec![5.0, 7.0, 10.0, 14.0], vec![50.0, 70.0, 100.0, 140.0]];
        let p = panel(&values, true, false);
        let rel = difference_in_differences(&p, &[0], &[1], PRE, POST, AreaScale::Relative).unwrap();
        assert!(rel.abs() < 1e-12, "{rel}");
    }

    #[test]
    fn groups_sum_counts_and_average_rates() {
        // Control regions 1 and 2: summed 10 → 20 (×2); averaged as rates 5 → 10 (×2, the
        // same ratio) but a difference of 5, not 10.
        let values = vec![vec![4.0, 4.0, 6.0, 6.0], vec![4.0, 4.0, 8.0, 8.0], vec![6.0, 6.0, 12.0, 12.0]];
        let counts = panel(&values, false, false);
        let rates = panel(&values, false, true);
        let d = |p: &Panel<'_>| {
            difference_in_differences(p, &[0], &[1, 2], PRE, POST, AreaScale::Difference).unwrap()
        };
        assert!((d(&counts) - (2.0 - 10.0)).abs() < 1e-12);
        assert!((d(&rates) - (2.0 - 5.0)).abs() < 1e-12);
        let r = difference_in_differences(&rates, &[0], &[1, 2], PRE, POST, AreaScale::Relative).unwrap();
        assert!((r - 100.0 * (1.5 / 2.0 - 1.0)).abs() < 1e-12, "{r}");
    }

    #[test]
    fn undefined_estimates_are_errors() {
        let values = vec![vec![0.0, 0.0, 3.0, 3.0], vec![1.0, 1.0, 1.0, 1.0]];
        let p = panel(&values, true, false);
        let e = difference_in_differences(&p, &[0], &[1], PRE, POST, AreaScale::Relative);
        assert_eq!(e, Err(AreaError::ZeroLevel { group: "treated", first: 0, last: 1 }));
        let late = Months { first: 3, last: 4 };
        assert_eq!(
            difference_in_differences(&p, &[0], &[1], PRE, late, AreaScale::Difference),
            Err(AreaError::MissingMonth(4))
        );
        assert_eq!(p.level(&[], PRE), Err(AreaError::EmptyGroup));
    }

    #[test]
    fn an_event_study_gives_own_and_neighbour_responses_in_event_time() {
        // Event at month 2; own region 0 doubles, neighbour 1 rises by half, the
        // comparison region 2 rises by a quarter in the event month only (a common shock).
        let values = vec![vec![10.0, 10.0, 25.0, 20.0], vec![4.0, 4.0, 7.5, 6.0], vec![8.0, 8.0, 10.0, 8.0]];
        let p = panel(&values, true, false);
        let d = EventDesign {
            month: 2,
            first: -2,
            last: 1,
            bin: 1,
            own: vec![0],
            neighbours: vec![1],
            comparison: vec![2],
        };
        assert_eq!(d.pre(), Months { first: 0, last: 1 });
        let own: Vec<f64> =
            event_response(&p, &d, &d.own, AreaScale::Relative).into_iter().map(Result::unwrap).collect();
        let near: Vec<f64> = event_response(&p, &d, &d.neighbours, AreaScale::Relative)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let want_own = [0.0, 0.0, 100.0, 100.0];
        let want_near = [0.0, 0.0, 50.0, 50.0];
        for (got, want) in own.iter().zip(want_own).chain(near.iter().zip(want_near)) {
            assert!((got - want).abs() < 1e-12, "{own:?} {near:?}");
        }
        // A month whose comparison level is zero is undefined on its own.
        let values = vec![vec![10.0, 10.0, 25.0, 20.0], vec![4.0, 4.0, 7.5, 6.0], vec![8.0, 8.0, 0.0, 8.0]];
        let p = panel(&values, true, false);
        let own = event_response(&p, &d, &d.own, AreaScale::Relative);
        assert_eq!(own[2], Err(AreaError::ZeroLevel { group: "control", first: 2, last: 2 }));
        assert!(own[3].is_ok(), "{own:?}");
        // Bins of two months: the pre bin is a placebo of zero, the post bin pools the
        // months (own 22.5 against 10, comparison 4 against 8).
        let bins = EventDesign { bin: 2, ..d.clone() };
        assert_eq!(bins.bins(), vec![(-2, Months { first: 0, last: 1 }), (0, Months { first: 2, last: 3 })]);
        let own = event_response(&p, &bins, &bins.own, AreaScale::Relative);
        assert_eq!(own[0], Ok(0.0));
        let want = 100.0 * ((22.5 / 10.0) / (4.0 / 8.0) - 1.0);
        assert!((own[1].clone().unwrap() - want).abs() < 1e-12, "{own:?}");
    }

    #[test]
    fn neighbours_follow_the_adjacency_and_untouched_is_the_rest() {
        // The baseline's map: Norte–Bajio, Bajio–Capital, Bajio–Sur, Capital–Sur.
        let adjacency = vec![vec![1], vec![0, 2, 3], vec![1, 3], vec![1, 2]];
        assert_eq!(neighbours_of(&[3], &adjacency), vec![1, 2]);
        assert_eq!(untouched(&[3], &adjacency), vec![0]);
        // Two own regions: a neighbour of either, never one of them.
        assert_eq!(neighbours_of(&[2, 3], &adjacency), vec![1]);
        assert_eq!(untouched(&[1], &adjacency), Vec::<usize>::new());
    }
}
