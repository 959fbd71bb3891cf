//! What an experiment reads from a finished replicate: each national metric at the horizon
//! (a stock or rate in the last reported month, a flow over the last [`TRAILING_MONTHS`]
//! reported months), summed over the reported months, and averaged over them.
//!
//! A flow's horizon is a trailing year, not one month: a single month of recruits or
//! spending is a handful of events (a kingpin removal either falls in that month or not), so
//! "0 pesos at the horizon" could be read as a policy that spent nothing.
//!
//! Compare, sweep and sensitivity all reduce a replicate to these numbers, so that the
//! same words mean the same thing in every output: `horizon`, `total` and `mean`. Which of
//! `total` and `mean` is "the run's" value of a metric depends on what the metric is: a flow
//! (recruits, homicides, pesos spent per month) adds up over months, so its run value is
//! the total; a stock or a rate (members, youths in school, the homicide rate) does not, so
//! its run value is the mean over the months (total member-months / months).

use narcodoor_engine::ReplicateResult;
use narcodoor_model::metrics::{METRICS, N_METRICS, Row, m};

/// A reduction of a metric's monthly series to one number per replicate; written (CSV,
/// JSON) as its [`Statistic::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    /// A stock or rate in the last reported month; a flow summed over the last
    /// [`TRAILING_MONTHS`] reported months (all of them in a shorter run).
    Horizon,
    /// The sum over the reported months.
    Total,
    /// The mean over the reported months.
    Mean,
}

impl Statistic {
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Horizon => "horizon",
            Statistic::Total => "total",
            Statistic::Mean => "mean",
        }
    }

    pub fn parse(s: &str) -> Option<Statistic> {
        match s {
            "horizon" => Some(Statistic::Horizon),
            "total" => Some(Statistic::Total),
            "mean" => Some(Statistic::Mean),
            _ => None,
        }
    }

    /// How a column or a label describes the statistic of a metric.
    pub fn describe(self) -> &'static str {
        match self {
            Statistic::Horizon => "at the horizon (flows: last 12 months)",
            Statistic::Total => "total over the run",
            Statistic::Mean => "mean over the run",
        }
    }
}

/// The months over which a flow's horizon value is summed.
pub const TRAILING_MONTHS: usize = 12;

/// True for metrics counted per month that add up over time (flows and money).
pub fn is_flow(metric: usize) -> bool {
    matches!(
        metric,
        m::RECRUITS
            | m::MINOR_RECRUITS
            | m::MEMBER_DEATHS
            | m::MEMBER_ARRESTS
            | m::MEMBER_EXITS
            | m::MEMBER_AGEOUTS
            | m::CIVILIAN_HOMICIDES
            | m::HOMICIDES
            | m::CONSUMPTION
            | m::CAR_THEFTS
            | m::KINGPINS_REMOVED
    ) || metric >= m::SPENDING_TOTAL
}

/// The statistic that summarises a metric over the whole run: the total of a flow, the
/// mean of a stock or a rate.
pub fn run_statistic(metric: usize) -> Statistic {
    if is_flow(metric) { Statistic::Total } else { Statistic::Mean }
}

/// The column name of a metric's statistic, such as `recruits_total`.
pub fn column(metric: usize, stat: Statistic) -> String {
    format!("{}_{}", METRICS[metric], stat.name())
}

/// The unit of one month's value of a metric, as an axis title says it.
fn monthly_unit(metric: usize) -> &'static str {
    match metric {
        m::HOMICIDES | m::CIVILIAN_HOMICIDES => "homicides",
        m::HOMICIDE_RATE => "homicides per 100,000 per year",
        m::CARTELS_ACTIVE => "cartels",
        m::VIOLENCE => "index",
        m::CORRUPTION | m::COLLECTIVE_EFFICACY => "share",
        m::CONSUMPTION => "doses",
        m::CAR_THEFTS => "car thefts",
        m::KINGPINS_REMOVED => "removals",
        i if i >= m::SPENDING_TOTAL => "pesos of 2010",
        _ => "youths",
    }
}

/// The unit of a metric reduced by a statistic: a flow's mean is per month, a stock's
/// total is a sum of monthly stocks (youths × months); otherwise the metric's own unit.
pub fn unit(metric: usize, stat: Statistic) -> String {
    let u = monthly_unit(metric);
    match (is_flow(metric), stat) {
        (true, Statistic::Mean) => format!("{u} per month"),
        (false, Statistic::Total) => format!("{u} × months"),
        _ => u.to_string(),
    }
}

/// A metric reduced by a statistic in words, with its unit, for an axis title:
/// "recruits over the run (youths)", "spending_total, mean over the run (pesos of 2010 per
/// month)". A column name such as `spending_total_mean` leaves the reader to
/// guess both what was averaged and in what (issue 27, item 9).
pub fn axis_title(metric: usize, stat: Statistic) -> String {
    let what = match (is_flow(metric), stat) {
        (true, Statistic::Total) => "over the run".to_string(),
        (true, Statistic::Mean) => ", mean over the run".to_string(),
        (true, Statistic::Horizon) => format!("over the last {TRAILING_MONTHS} months"),
        (false, Statistic::Mean) => ", mean over the run".to_string(),
        (false, Statistic::Total) => "summed over the run's months".to_string(),
        (false, Statistic::Horizon) => "in the last month".to_string(),
    };
    let sep = if what.starts_with(',') { "" } else { " " };
    format!("{}{sep}{what} ({})", METRICS[metric], unit(metric, stat))
}

/// One replicate reduced to its horizon and total rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduced {
    pub horizon: Row,
    pub total: Row,
    pub months: usize,
}

impl Reduced {
    /// The replicate's national metrics reduced.
    pub fn of(result: &ReplicateResult) -> Reduced {
        Reduced::of_rows(result.months.iter().map(|mo| &mo.metrics.national))
    }

    /// Region `r`'s metrics reduced (`r` indexes the replicate's regions).
    pub fn of_region(result: &ReplicateResult, r: usize) -> Reduced {
        Reduced::of_rows(result.months.iter().map(|mo| &mo.metrics.regions[r]))
    }

    /// One row per reported month, in order.
    fn of_rows<'a>(rows: impl Iterator<Item = &'a Row>) -> Reduced {
        let rows: Vec<&Row> = rows.collect();
        let mut total = [0.0; N_METRICS];
        for row in &rows {
            for (t, v) in total.iter_mut().zip(*row) {
                *t += v;
            }
        }
        let mut horizon = rows.last().map_or([f64::NAN; N_METRICS], |r| **r);
        let trailing = &rows[rows.len().saturating_sub(TRAILING_MONTHS)..];
        for (metric, h) in horizon.iter_mut().enumerate().filter(|(i, _)| is_flow(*i)) {
            // Summed in month order, as the total is, so the bytes do not depend on threads.
            *h = trailing.iter().map(|r| r[metric]).sum();
        }
        Reduced { horizon, total, months: rows.len() }
    }

    /// Every replicate's value of `metric`'s `stat`, in the replicates' order.
    pub fn values(rs: &[Reduced], metric: usize, stat: Statistic) -> Vec<f64> {
        rs.iter().map(|r| r.value(metric, stat)).collect()
    }

    pub fn value(&self, metric: usize, stat: Statistic) -> f64 {
        match stat {
            Statistic::Horizon => self.horizon[metric],
            Statistic::Total => self.total[metric],
            Statistic::Mean => self.total[metric] / self.months as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_engine::MonthReport;
    use narcodoor_model::metrics::MonthMetrics;

    #[test]
    fn a_flows_horizon_is_its_last_twelve_months_and_a_stocks_its_last_month() {
        let month = |t: u32| MonthReport {
            month: t,
            metrics: MonthMetrics {
                national: std::array::from_fn(|i| {
                    if i == m::MEMBERS { 100.0 + t as f64 } else { 1.0 + t as f64 }
                }),
                regions: Vec::new(),
            },
            events: Vec::new(),
            trial: None,
        };
        let r = ReplicateResult { replicate: 0, months: (0..30).map(month).collect() };
        let red = Reduced::of(&r);
        // Months 18..=29 hold 19..=30 recruits each.
        assert_eq!(red.value(m::RECRUITS, Statistic::Horizon), (19..=30).sum::<u32>() as f64);
        assert_eq!(red.value(m::SPENDING_TOTAL, Statistic::Horizon), (19..=30).sum::<u32>() as f64);
        assert_eq!(red.value(m::MEMBERS, Statistic::Horizon), 129.0);
        assert_eq!(red.value(m::RECRUITS, Statistic::Total), (1..=30).sum::<u32>() as f64);
    }

    /// Fails if: an axis title loses its unit or says "mean" of a flow without saying per
    /// what (the optimiser's axes were bare column names, issue 27 item 9).
    #[test]
    fn axis_titles_say_what_was_reduced_and_in_what_unit() {
        assert_eq!(axis_title(m::RECRUITS, Statistic::Total), "recruits over the run (youths)");
        assert_eq!(
            axis_title(m::SPENDING_TOTAL, Statistic::Mean),
            "spending_total, mean over the run (pesos of 2010 per month)"
        );
        assert_eq!(axis_title(m::MEMBERS, Statistic::Mean), "members, mean over the run (youths)");
        assert_eq!(
            axis_title(m::HOMICIDE_RATE, Statistic::Horizon),
            "homicide_rate in the last month (homicides per 100,000 per year)"
        );
        assert_eq!(
            axis_title(m::HOMICIDES, Statistic::Horizon),
            "homicides over the last 12 months (homicides)"
        );
        assert_eq!(unit(m::PRISON, Statistic::Total), "youths × months");
        assert_eq!(unit(m::SPENDING_FIRST + 2, Statistic::Total), "pesos of 2010");
    }

    #[test]
    fn reduces_a_replicate_to_horizon_total_and_mean() {
        let month = |t: u32, recruits: f64| MonthReport {
            month: t,
            metrics: MonthMetrics {
                national: std::array::from_fn(|i| if i == m::RECRUITS { recruits } else { 1.0 }),
                regions: Vec::new(),
            },
            events: Vec::new(),
            trial: None,
        };
        let r = ReplicateResult { replicate: 0, months: vec![month(0, 2.0), month(1, 3.0), month(2, 7.0)] };
        let red = Reduced::of(&r);
        // A flow's horizon is its trailing 12 months: here the whole 3-month run.
        assert_eq!(red.value(m::RECRUITS, Statistic::Horizon), 12.0);
        assert_eq!(red.value(m::MEMBERS, Statistic::Horizon), 1.0);
        assert_eq!(red.value(m::RECRUITS, Statistic::Total), 12.0);
        assert_eq!(red.value(m::RECRUITS, Statistic::Mean), 4.0);
        assert_eq!(run_statistic(m::RECRUITS), Statistic::Total);
        assert_eq!(run_statistic(m::MEMBERS), Statistic::Mean);
        assert_eq!(run_statistic(m::HOMICIDE_RATE), Statistic::Mean);
        assert_eq!(run_statistic(m::SPENDING_FIRST + 3), Statistic::Total);
        assert_eq!(column(m::HOMICIDES, Statistic::Total), "homicides_total");
        for stat in [Statistic::Horizon, Statistic::Total, Statistic::Mean] {
            assert_eq!(serde_json::to_value(stat).unwrap(), stat.name(), "serde and name() agree");
        }
    }
}
