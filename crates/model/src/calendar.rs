//! Calendar months for dated scenarios.
//!
//! A scenario with `run.start = "YYYY-MM"` names the calendar month of reported month 0;
//! outputs then carry a `date` column, charts count in years, and levers and kingpin events
//! may be dated instead of numbered. A `YearMonth` is a count of months since January of
//! year 0, so that differences are plain subtractions.

use std::fmt;

/// A calendar month, stored as `12 × year + (month − 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth(pub u32);

/// The years a date may name: wide enough for history and projections, narrow enough that
/// a typo such as `"20007-01"` is caught.
pub const YEARS: std::ops::RangeInclusive<u32> = 1000..=9999;

impl YearMonth {
    /// Parses `"YYYY-MM"` (four-digit year, two-digit month 01–12); anything else is `None`.
    pub fn parse(s: &str) -> Option<YearMonth> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (y, m): (u32, u32) = (y.parse().ok()?, m.parse().ok()?);
        (YEARS.contains(&y) && (1..=12).contains(&m)).then_some(YearMonth(12 * y + m - 1))
    }

    pub fn year(self) -> u32 {
        self.0 / 12
    }

    /// 1..=12.
    pub fn month(self) -> u32 {
        self.0 % 12 + 1
    }

    /// The month `months` after this one.
    pub fn plus(self, months: u32) -> YearMonth {
        YearMonth(self.0 + months)
    }

    /// Reported month of `self` in a run starting at `start` (negative before the start).
    pub fn since(self, start: YearMonth) -> i64 {
        i64::from(self.0) - i64::from(start.0)
    }

    /// The month as a fractional year (January 2007 = 2007.0), for chart axes.
    pub fn as_year(self) -> f64 {
        f64::from(self.0) / 12.0
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// The date of reported month `t` when the run has a start, for the `date` columns.
pub fn label(start: Option<YearMonth>, t: u32) -> Option<String> {
    start.map(|s| s.plus(t).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_print_and_count() {
        let s = YearMonth::parse("2000-01").unwrap();
        assert_eq!(s.to_string(), "2000-01");
        let d = YearMonth::parse("2006-12").unwrap();
        assert_eq!(d.since(s), 83);
        assert_eq!(s.plus(179).to_string(), "2014-12");
        assert_eq!(s.plus(12).as_year(), 2001.0);
        for bad in
            ["2000-1", "2000-13", "2000-00", "200-01", "2000/01", "x000-01", "20000-01", "2000-01-01", ""]
        {
            assert!(YearMonth::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(label(None, 3), None);
        assert_eq!(label(Some(s), 3).as_deref(), Some("2000-04"));
    }
}
