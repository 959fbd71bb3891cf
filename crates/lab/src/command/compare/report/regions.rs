//! The regional section of `report.md` (`narcodoor compare`): where each outcome moved
//! significantly, region by region, read from the rows of `regional_effects.csv`.
//!
//! The section names the regions, not every number: the file holds them all. An outcome
//! that falls significantly in some regions while it rises in others was moved, not
//! removed (the balloon effect), and the section says so in words, since a national
//! difference near zero hides exactly that.

use crate::command::compare::report::human;
use crate::experiment::effects::{EffectRow, RegionalEffectRow};
use narcodoor_numerics::stats::Change;

/// A region's difference with its interval, for a table cell.
fn region_cell(r: &RegionalEffectRow) -> String {
    let e = &r.effect;
    format!("{} ({} [{}, {}])", r.region, human(e.difference), human(e.lo), human(e.hi))
}

/// One scenario's metric and statistic across regions: the regions significantly lower
/// and higher, as table cells.
struct Moved<'a> {
    first: &'a EffectRow,
    lower: Vec<String>,
    higher: Vec<String>,
}

/// Groups the rows by (scenario, metric, statistic), in file order, keeping the groups
/// where some region changed significantly.
fn moved(rows: &[RegionalEffectRow]) -> Vec<Moved<'_>> {
    let mut out: Vec<Moved> = Vec::new();
    for r in rows {
        let e = &r.effect;
        let same = |m: &Moved| {
            m.first.scenario == e.scenario && m.first.metric == e.metric && m.first.statistic == e.statistic
        };
        if !out.last().is_some_and(same) {
            out.push(Moved { first: e, lower: Vec::new(), higher: Vec::new() });
        }
        let group = out.last_mut().expect("a group was just pushed");
        match e.change {
            Change::Lower => group.lower.push(region_cell(r)),
            Change::Higher => group.higher.push(region_cell(r)),
            Change::None | Change::NotSignificant => {}
        }
    }
    out.retain(|m| !m.lower.is_empty() || !m.higher.is_empty());
    out
}

/// Writes the "Effects by region" section.
pub fn regional_section(s: &mut String, rows: &[RegionalEffectRow], replicates: u32) {
    s.push_str("## Effects by region\n\n");
    s.push_str(
        "`regional_effects.csv` holds the paired difference of every key metric in every region, \
         with the same 95% intervals as above; each scenario's `scenarios/<label>/regions.csv` and \
         `regions_summary.csv` hold its regional series. An outcome that falls significantly in some \
         regions and rises in others was moved between regions rather than removed (the balloon \
         effect).\n\n",
    );
    if replicates < 2 {
        s.push_str(
            "With a single replicate there is no interval and no test: see the file for the differences.\n\n",
        );
        return;
    }
    let groups = moved(rows);
    if groups.is_empty() {
        s.push_str("No outcome changed significantly in any region.\n\n");
        return;
    }
    s.push_str(
        "| scenario | metric | significantly lower in [95% CI] | significantly higher in [95% CI] |\n",
    );
    s.push_str("|---|---|---|---|\n");
    let mut balloons = Vec::new();
    for g in &groups {
        let metric =
            format!("{} ({})", g.first.metric.name().replace('_', " "), g.first.statistic.describe());
        let cell = |v: &[String]| if v.is_empty() { "—".to_string() } else { v.join("; ") };
        s.push_str(&format!(
            "| {} | {metric} | {} | {} |\n",
            g.first.scenario,
            cell(&g.lower),
            cell(&g.higher)
        ));
        if !g.lower.is_empty() && !g.higher.is_empty() {
            balloons.push(format!("**{}**: {metric}", g.first.scenario));
        }
    }
    s.push('\n');
    if !balloons.is_empty() {
        s.push_str("Moved between regions (lower in some, higher in others):\n\n");
        for b in balloons {
            s.push_str(&format!("- {b}\n"));
        }
        s.push('\n');
    }
}
