//! Across-replicate summaries, accumulated as replicates arrive.
//!
//! Each (month, metric) keeps a Welford accumulator, so memory does not grow with the
//! number of replicates and the numbers are the same whatever the thread count (replicates
//! are always added in replicate order). Intervals are Student t 95% intervals of the mean
//! with n − 1 degrees of freedom: replicates are independent draws of the same stochastic
//! process and a few dozen of them are typical, so the normal approximation would be too
//! narrow. Every quantity summarised here is a metric (a count, a stock, a rate or
//! spending) and none can be negative, so an interval is the t interval intersected with
//! [0, ∞): its lower end is never below 0. The true mean lies in [0, ∞) for certain, so
//! cutting off the impossible part keeps the coverage of the t interval (at least 95%)
//! while no reader sees "82 [−32, 196]" prisoners.

use narcodoor_engine::ReplicateResult;
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::{N_METRICS, Row};
use narcodoor_numerics::stats::t_critical;

/// The confidence level of every interval the tool reports.
pub const LEVEL: f64 = 0.95;

/// Welford's running mean and sum of squared deviations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn n(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Sample standard deviation (NaN below two values).
    pub fn sd(&self) -> f64 {
        if self.n < 2 { f64::NAN } else { (self.m2 / (self.n - 1) as f64).sqrt() }
    }

    /// The t interval of the mean; with one value the interval is the value itself.
    pub fn interval(&self, level: f64) -> Interval {
        self.interval_with(t_critical(level, self.n as usize))
    }

    /// The interval with the critical value given (computed once for many intervals),
    /// truncated at 0 below (the values summarised are never negative).
    pub fn interval_with(&self, t_crit: f64) -> Interval {
        let mean = self.mean();
        if self.n < 2 {
            return Interval { mean, lo: mean, hi: mean };
        }
        let half = t_crit * self.sd() / (self.n as f64).sqrt();
        Interval { mean, lo: (mean - half).max(0.0), hi: mean + half }
    }
}

/// Accumulates national rows (and, optionally, every region's) over replicates.
#[derive(Clone, Debug)]
pub struct SummaryBuilder {
    months: Vec<u32>,
    national: Vec<[Welford; N_METRICS]>,
    regions: Vec<Vec<[Welford; N_METRICS]>>,
    /// Each replicate's national metrics summed over the months.
    totals: Vec<Row>,
    replicates: usize,
}

impl SummaryBuilder {
    pub fn new(regions: usize) -> Self {
        SummaryBuilder {
            months: Vec::new(),
            national: Vec::new(),
            regions: vec![Vec::new(); regions],
            totals: Vec::new(),
            replicates: 0,
        }
    }

    pub fn add(&mut self, result: &ReplicateResult) {
        if self.national.is_empty() {
            self.months = result.months.iter().map(|m| m.month).collect();
            self.national = vec![[Welford::default(); N_METRICS]; self.months.len()];
            for r in &mut self.regions {
                *r = vec![[Welford::default(); N_METRICS]; self.months.len()];
            }
        }
        let mut total = [0.0; N_METRICS];
        for (t, m) in result.months.iter().enumerate() {
            for (a, b) in total.iter_mut().zip(&m.metrics.national) {
                *a += b;
            }
            push_row(&mut self.national[t], &m.metrics.national);
            for (r, row) in m.metrics.regions.iter().enumerate() {
                push_row(&mut self.regions[r][t], row);
            }
        }
        self.totals.push(total);
        self.replicates += 1;
    }

    /// Each replicate's national metrics summed over the reported months.
    pub fn totals(&self) -> &[Row] {
        &self.totals
    }

    /// The interval of a metric's total over the run, across replicates.
    pub fn total_interval(&self, metric: usize) -> Interval {
        let mut w = Welford::default();
        self.totals.iter().for_each(|row| w.push(row[metric]));
        w.interval(LEVEL)
    }

    pub fn national(&self) -> Summary {
        finish(self.replicates, &self.months, &self.national)
    }

    pub fn region(&self, r: usize) -> Summary {
        finish(self.replicates, &self.months, &self.regions[r])
    }
}

/// Calendar-year means of every metric, nationally and by region, accumulated over
/// replicates like [`SummaryBuilder`]'s months: what statistics offices publish (an annual
/// homicide rate is the mean of the twelve monthly annualised rates), and what a
/// per-region chart of a dated run draws. A year the run covers only in part is the mean
/// of the months it covers (`months_in_year` says how many).
#[derive(Clone, Debug)]
pub struct AnnualBuilder {
    years: Vec<u32>,
    months_in_year: Vec<u32>,
    national: Vec<[Welford; N_METRICS]>,
    regions: Vec<Vec<[Welford; N_METRICS]>>,
    replicates: usize,
}

impl AnnualBuilder {
    pub fn new(regions: usize) -> Self {
        AnnualBuilder {
            years: Vec::new(),
            months_in_year: Vec::new(),
            national: Vec::new(),
            regions: vec![Vec::new(); regions],
            replicates: 0,
        }
    }

    /// Adds one replicate of a run whose reported month 0 is `start`.
    pub fn add(&mut self, result: &ReplicateResult, start: YearMonth) {
        let year_of = |t: u32| start.plus(t).year();
        if self.years.is_empty() {
            for m in &result.months {
                let y = year_of(m.month);
                match self.years.last() {
                    Some(&last) if last == y => *self.months_in_year.last_mut().expect("a year") += 1,
                    _ => {
                        self.years.push(y);
                        self.months_in_year.push(1);
                    }
                }
            }
            self.national = vec![[Welford::default(); N_METRICS]; self.years.len()];
            for r in &mut self.regions {
                *r = vec![[Welford::default(); N_METRICS]; self.years.len()];
            }
        }
        let mut national = vec![[0.0; N_METRICS]; self.years.len()];
        let mut regions = vec![national.clone(); self.regions.len()];
        for m in &result.months {
            let i = self.years.iter().position(|&y| y == year_of(m.month)).expect("a year of the run");
            add_into(&mut national[i], &m.metrics.national);
            for (r, row) in m.metrics.regions.iter().enumerate() {
                add_into(&mut regions[r][i], row);
            }
        }
        for (i, &n) in self.months_in_year.iter().enumerate() {
            let mean = |sums: &Row| -> Row { std::array::from_fn(|k| sums[k] / f64::from(n)) };
            push_row(&mut self.national[i], &mean(&national[i]));
            for (r, acc) in self.regions.iter_mut().enumerate() {
                push_row(&mut acc[i], &mean(&regions[r][i]));
            }
        }
        self.replicates += 1;
    }

    /// How many reported months of each year the run covers.
    pub fn months_in_year(&self) -> &[u32] {
        &self.months_in_year
    }

    /// The national annual means; `Summary::months` holds the calendar years.
    pub fn national(&self) -> Summary {
        finish(self.replicates, &self.years, &self.national)
    }

    /// Region `r`'s annual means; `Summary::months` holds the calendar years.
    pub fn region(&self, r: usize) -> Summary {
        finish(self.replicates, &self.years, &self.regions[r])
    }
}

fn add_into(acc: &mut Row, row: &Row) {
    for (a, b) in acc.iter_mut().zip(row) {
        *a += b;
    }
}

fn push_row(acc: &mut [Welford; N_METRICS], row: &Row) {
    for (a, &x) in acc.iter_mut().zip(row) {
        a.push(x);
    }
}

fn finish(replicates: usize, months: &[u32], acc: &[[Welford; N_METRICS]]) -> Summary {
    let t_crit = t_critical(LEVEL, replicates);
    Summary {
        replicates,
        months: months.to_vec(),
        rows: acc.iter().map(|row| std::array::from_fn(|i| row[i].interval_with(t_crit))).collect(),
    }
}

/// A mean with its 95% confidence interval across replicates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The across-replicate summary of every national metric, month by month.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub replicates: usize,
    pub months: Vec<u32>,
    /// `rows[month][metric]`.
    pub rows: Vec<[Interval; N_METRICS]>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_the_two_pass_formulas() {
        let xs = [3.0, 5.0, 4.0, 10.0, 8.0];
        let mut w = Welford::default();
        xs.iter().for_each(|&x| w.push(x));
        let mean = 6.0;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 4.0;
        assert!((w.mean() - mean).abs() < 1e-12 && (w.sd() - var.sqrt()).abs() < 1e-12);
        let iv = w.interval(0.95);
        // t(0.975, 4) = 2.776445.
        let half = 2.776445105 * var.sqrt() / 5f64.sqrt();
        assert!((iv.hi - mean - half).abs() < 1e-6 && (mean - iv.lo - half).abs() < 1e-6);
    }

    #[test]
    fn an_interval_of_a_count_never_goes_below_zero() {
        // Two replicates of a rare count: the t interval would be 5 ± 63.5.
        let mut w = Welford::default();
        [0.0, 10.0].iter().for_each(|&x| w.push(x));
        let iv = w.interval(0.95);
        assert_eq!(iv.lo, 0.0);
        assert!((iv.hi - (5.0 + 12.706204736 * 50f64.sqrt() / 2f64.sqrt())).abs() < 1e-6, "{iv:?}");
        // An interval far from 0 is the plain t interval.
        let mut w = Welford::default();
        [100.0, 102.0, 98.0].iter().for_each(|&x| w.push(x));
        assert!(w.interval(0.95).lo > 90.0);
    }

    #[test]
    fn annual_means_are_the_means_of_the_months_each_year_covers() {
        use narcodoor_engine::{MonthReport, ReplicateResult};
        use narcodoor_model::metrics::{MonthMetrics, m};
        // Reported months 0..15 from 2000-11: two months of 2000, twelve of 2001, one of 2002.
        let month = |t: u32| {
            let mut national = [0.0; N_METRICS];
            national[m::HOMICIDE_RATE] = f64::from(t);
            let metrics = MonthMetrics { national, regions: vec![[1.0; N_METRICS]] };
            MonthReport { month: t, metrics, events: Vec::new(), trial: None }
        };
        let result = ReplicateResult { replicate: 0, months: (0..15).map(month).collect() };
        let mut b = AnnualBuilder::new(1);
        b.add(&result, YearMonth::parse("2000-11").unwrap());
        b.add(&result, YearMonth::parse("2000-11").unwrap());
        let n = b.national();
        assert_eq!((n.months.clone(), b.months_in_year().to_vec()), (vec![2000, 2001, 2002], vec![2, 12, 1]));
        let means: Vec<f64> = n.rows.iter().map(|r| r[m::HOMICIDE_RATE].mean).collect();
        assert_eq!(means, vec![0.5, 7.5, 14.0]);
        assert_eq!(b.region(0).rows[1][m::HOMICIDE_RATE].mean, 1.0);
    }

    #[test]
    fn one_value_is_its_own_interval() {
        let mut w = Welford::default();
        w.push(7.0);
        assert_eq!(w.interval(0.95), Interval { mean: 7.0, lo: 7.0, hi: 7.0 });
    }
}
