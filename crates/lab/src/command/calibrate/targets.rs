//! `TARGETS.csv` of `narcodoor calibrate`: the observed values a calibration fits, read and
//! checked against the scenario before anything runs, and the distance of a simulation
//! from them.
//!
//! Columns `metric,region,start,end,value,tolerance` (any order, by header name). `metric`
//! is a column of `timeseries.csv` (`region` empty) or of `regions.csv` (`region` a region
//! name); `start` and `end` are inclusive reported months, or `YYYY-MM` dates when the
//! scenario has `run.start`; `value` is the observed mean of the metric's monthly values
//! over the window (not negative); `tolerance` is the relative error that counts as one
//! unit of distance. Every problem is an input error (exit code 2) naming the file, the line and the field.
//!
//! A row may instead name a study of the evidence registry (`evidence/<id>.toml`, the
//! studies of `narcodoor evidence`): `metric` is `study:<id>`, `region`, `start` and `end`
//! are empty, `value` is empty or the study's published effect, and `tolerance` is empty or
//! the published interval written `LO:HI` (either is checked against the registry, so a
//! file that states them fails once the registry changes). Such a row fits the model's
//! effect of the study's lever, measured as `narcodoor evidence` measures it
//! ([`crate::command::calibrate::studies`]), to the published effect, in units of the published
//! interval ([`interval_error`]); an unknown id is an input error naming it. A study may be
//! named once.

use std::path::Path;

use crate::command::evidence::{self, registry::Study};
use crate::error::InputError;
use narcodoor_engine::ReplicateResult;
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::metrics::{METRICS, index_of};
use narcodoor_model::params::Params;

/// One checked target row. A study row ([`Target::study`]) has no metric, region or window
/// of its own (`metric`, `region`, `start` and `end` are 0, `None`, 0, 0 and unused), its
/// `value` is the published effect and its `tolerance` is NaN (the interval is the study's).
#[derive(Clone, Debug)]
pub struct Target {
    /// The line in the file (1-based; the header is line 1).
    pub line: usize,
    pub metric: usize,
    /// The region's index, or `None` for the national series.
    pub region: Option<usize>,
    pub region_name: String,
    /// Inclusive reported months.
    pub start: u32,
    pub end: u32,
    /// As written in the file (a month or a date).
    pub start_text: String,
    pub end_text: String,
    pub value: f64,
    pub tolerance: f64,
    /// The offset of the log ratio: a tenth of the mean |value| of the target's group.
    pub offset: f64,
    /// The row's share of the squared distance: 1 / (groups × rows in its group).
    pub weight: f64,
    /// The registry study a study row names (loaded, its scenarios at the registry's sizes).
    pub study: Option<Box<Study>>,
}

impl Target {
    /// The published interval of a study row.
    pub fn published_interval(&self) -> Option<(f64, f64)> {
        self.study.as_ref().map(|s| (s.published.lo, s.published.hi))
    }

    /// The `metric` field as written: a metric's name, or `study:<id>`.
    pub fn metric_text(&self) -> String {
        match &self.study {
            Some(s) => format!("{STUDY_PREFIX}{}", s.id),
            None => METRICS[self.metric].to_string(),
        }
    }
}

/// What a study row's `metric` field starts with.
pub const STUDY_PREFIX: &str = "study:";

/// A target's group: its metric, national or regional, or its study. Each group counts
/// equally in the distance, however many rows it has; a study is a group of its own, as a
/// metric is, because it measures another thing (a lever's effect, not a level), so one
/// study weighs as much as a whole series and twenty series rows do not drown it.
fn group_of(t: &Target) -> (usize, bool, String) {
    match &t.study {
        Some(s) => (usize::MAX, false, s.id.clone()),
        None => (t.metric, t.region.is_some(), String::new()),
    }
}

/// Sets each row's offset and weight from its group; a group whose values are all 0 has no
/// scale and is an input error naming its first row.
fn set_groups(rows: &mut [Target], file: &str) -> anyhow::Result<()> {
    let mut groups: Vec<(usize, bool, String)> = rows.iter().map(group_of).collect();
    groups.sort_unstable();
    groups.dedup();
    for g in &groups {
        let members: Vec<usize> = (0..rows.len()).filter(|&i| group_of(&rows[i]) == *g).collect();
        if members.len() > 1 && rows[members[0]].study.is_some() {
            let (a, b) = (rows[members[0]].line, rows[members[1]].line);
            let msg = format!("{file}:{b}: field `metric`: study {} is named twice (lines {a} and {b})", g.2);
            return Err(InputError::new(msg).into());
        }
        let mean = members.iter().map(|&i| rows[i].value.abs()).sum::<f64>() / members.len() as f64;
        if mean == 0.0 && rows[members[0]].study.is_none() {
            let line = rows[members[0]].line;
            let msg = format!(
                "{file}:{line}: field `value`: every target of {}{} is 0, so the log-ratio distance has no scale",
                METRICS[g.0],
                if g.1 { " by region" } else { "" }
            );
            return Err(InputError::new(msg).into());
        }
        for &i in &members {
            rows[i].offset = OFFSET_SHARE * mean;
            rows[i].weight = 1.0 / (groups.len() * members.len()) as f64;
        }
    }
    Ok(())
}

const COLUMNS: [&str; 6] = ["metric", "region", "start", "end", "value", "tolerance"];

/// Splits a CSV line into fields (double-quoted fields may hold commas and `""`).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

/// Reads and checks a targets file against the scenario `p` (study rows against the bundled
/// evidence registry).
pub fn read_targets(path: &Path, p: &Params) -> anyhow::Result<Vec<Target>> {
    let text = narcodoor_scenario::input_file::read_text(path)
        .map_err(|e| InputError::new(format!("--targets {e}")))?;
    parse_targets(&text, &path.display().to_string(), p)
}

/// Checks the text of a targets file named `file` in messages.
pub fn parse_targets(text: &str, file: &str, p: &Params) -> anyhow::Result<Vec<Target>> {
    parse_targets_in(text, file, p, &evidence::registry::default_dir())
}

/// [`parse_targets`] with study rows looked up in the registry `registry`.
pub fn parse_targets_in(text: &str, file: &str, p: &Params, registry: &Path) -> anyhow::Result<Vec<Target>> {
    let mut lines =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((h, header)) = lines.next() else {
        return Err(
            InputError::new(format!("{file}: empty; expected the header {}", COLUMNS.join(","))).into()
        );
    };
    let names = split_csv(header);
    let mut pos = [0usize; 6];
    for (k, c) in COLUMNS.iter().enumerate() {
        pos[k] = names.iter().position(|n| n == c).ok_or_else(|| {
            InputError::new(format!(
                "{file}:{}: field `{c}`: missing from the header (expected {})",
                h + 1,
                COLUMNS.join(",")
            ))
        })?;
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let fields = split_csv(line);
        if fields.len() != names.len() {
            let msg = format!("{file}:{}: {} fields, the header has {}", i + 1, fields.len(), names.len());
            return Err(InputError::new(msg).into());
        }
        let get = |k: usize| fields[pos[k]].as_str();
        if let Some(id) = get(0).strip_prefix(STUDY_PREFIX) {
            out.push(parse_study_row(file, i + 1, id, get, registry)?);
        } else {
            out.push(parse_row(file, i + 1, get, p)?);
        }
    }
    if out.is_empty() {
        return Err(InputError::new(format!("{file}: no target rows")).into());
    }
    set_groups(&mut out, file)?;
    Ok(out)
}

fn parse_row<'a>(
    file: &str,
    line: usize,
    get: impl Fn(usize) -> &'a str,
    p: &Params,
) -> anyhow::Result<Target> {
    let err = |field: &str, msg: String| -> anyhow::Error {
        InputError::new(format!("{file}:{line}: field `{field}`: {msg}")).into()
    };
    let metric = index_of(get(0)).ok_or_else(|| {
        err("metric", format!("`{}` is not a metric; choose one of {}", get(0), METRICS.join(", ")))
    })?;
    let region_name = get(1).to_string();
    let region = if region_name.is_empty() {
        None
    } else {
        let names: Vec<&str> = p.regions.iter().map(|r| r.name.as_str()).collect();
        Some(names.iter().position(|n| *n == region_name).ok_or_else(|| {
            err("region", format!("`{region_name}` is not a region of the scenario ({})", names.join(", ")))
        })?)
    };
    let month = |k: usize, field: &str| -> anyhow::Result<u32> {
        let s = get(k);
        let t: i64 = match (s.parse::<i64>(), p.run.start, YearMonth::parse(s)) {
            (Ok(t), _, _) => t,
            (_, Some(start), Some(d)) => d.since(start),
            (_, None, Some(_)) => {
                return Err(err(field, format!("`{s}` is a date but the scenario has no run.start")));
            }
            _ => {
                return Err(err(
                    field,
                    format!("`{s}` is not a reported month (an integer) or a YYYY-MM date"),
                ));
            }
        };
        if t < 0 || t >= i64::from(p.run.months) {
            return Err(err(
                field,
                format!("`{s}` is outside the run's reported months 0..{}", p.run.months.saturating_sub(1)),
            ));
        }
        Ok(t as u32)
    };
    let (start, end) = (month(2, "start")?, month(3, "end")?);
    if start > end {
        return Err(err("end", format!("the window ends ({}) before it starts ({})", get(3), get(2))));
    }
    let number = |k: usize, field: &str| -> anyhow::Result<f64> {
        get(k)
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| err(field, format!("`{}` is not a finite number", get(k))))
    };
    let value = number(4, "value")?;
    let tolerance = number(5, "tolerance")?;
    if tolerance <= 0.0 {
        return Err(err("tolerance", format!("{tolerance} must be positive (a relative error)")));
    }
    if value < 0.0 {
        return Err(err("value", format!("{value} is negative; the metrics are counts and rates")));
    }
    let (start_text, end_text) = (get(2).to_string(), get(3).to_string());
    Ok(Target {
        line,
        metric,
        region,
        region_name,
        start,
        end,
        start_text,
        end_text,
        value,
        tolerance,
        offset: 0.0,
        weight: 0.0,
        study: None,
    })
}

/// A `study:<id>` row: the study loaded from `registry`, the row's other fields checked
/// against it.
fn parse_study_row<'a>(
    file: &str,
    line: usize,
    id: &str,
    get: impl Fn(usize) -> &'a str,
    registry: &Path,
) -> anyhow::Result<Target> {
    let err = |field: &str, msg: String| -> anyhow::Error {
        InputError::new(format!("{file}:{line}: field `{field}`: {msg}")).into()
    };
    let ids = evidence::registry::ids(registry)?;
    if !ids.iter().any(|k| k == id) {
        return Err(err(
            "metric",
            format!(
                "no study {id:?} in the evidence registry {}; its studies are {}",
                registry.display(),
                ids.join(", ")
            ),
        ));
    }
    for (k, field) in [(1, "region"), (2, "start"), (3, "end")] {
        if !get(k).is_empty() {
            return Err(err(
                field,
                format!("`{}`: leave it empty in a study row (the study sets it)", get(k)),
            ));
        }
    }
    let study = evidence::load_registry(registry, &[id.to_string()])?.remove(0);
    let (effect, lo, hi) = (study.published.effect, study.published.lo, study.published.hi);
    if let Some(v) = Some(get(4)).filter(|v| !v.is_empty()) {
        if v.parse::<f64>().ok() != Some(effect) {
            let msg = format!(
                "`{v}` is not study {id}'s published effect {effect} (leave it empty to take it from the registry)"
            );
            return Err(err("value", msg));
        }
    }
    if let Some(v) = Some(get(5)).filter(|v| !v.is_empty()) {
        let parsed =
            v.split_once(':').map(|(a, b)| (a.trim().parse::<f64>().ok(), b.trim().parse::<f64>().ok()));
        if parsed != Some((Some(lo), Some(hi))) {
            let msg = format!(
                "`{v}` is not study {id}'s published interval {lo}:{hi} (leave it empty to take it from the registry)"
            );
            return Err(err("tolerance", msg));
        }
    }
    if lo == effect && hi == effect {
        return Err(err(
            "metric",
            format!("study {id} publishes no interval around {effect}, so it has no scale"),
        ));
    }
    Ok(Target {
        line,
        metric: 0,
        region: None,
        region_name: String::new(),
        start: 0,
        end: 0,
        start_text: String::new(),
        end_text: String::new(),
        value: effect,
        tolerance: f64::NAN,
        offset: 0.0,
        weight: 0.0,
        study: Some(Box::new(study)),
    })
}

/// Each target's window mean in one replicate (NaN for a study row, whose value is an
/// effect measured on the study's own runs).
pub fn window_means(targets: &[Target], r: &ReplicateResult) -> Vec<f64> {
    targets
        .iter()
        .map(|t| {
            if t.study.is_some() {
                return f64::NAN;
            }
            let months = &r.months[t.start as usize..=t.end as usize];
            let sum: f64 = months
                .iter()
                .map(|m| match t.region {
                    None => m.metrics.national[t.metric],
                    Some(k) => m.metrics.regions[k][t.metric],
                })
                .sum();
            sum / months.len() as f64
        })
        .collect()
}

/// One target's error in units of its tolerance: ln((s + c) / (v + c)) / ln(1 + tolerance),
/// with c the target's offset. Symmetric in the ratio (twice too high costs about what half
/// as high does), finite for observed zeros, and one unit at a relative error of
/// `tolerance` above the value. A study row's error is [`interval_error`].
pub fn scaled_error(t: &Target, simulated: f64) -> f64 {
    match t.published_interval() {
        Some((lo, hi)) => interval_error(simulated, t.value, lo, hi),
        None => log_ratio_error(simulated, t.value, t.offset, t.tolerance),
    }
}

/// A model effect's error against a published effect, in units of the published interval:
/// (model − effect) / the half-width on the side the model falls, so either end of the
/// interval is one unit, as a tolerance is for a series row. A study's interval is its own
/// statement of how well it pinned the effect down, so a model effect at its edge is as
/// far off as a series value at its tolerance; an asymmetric interval (a band running from
/// the paper's estimate to no effect, say) is honoured on each side, not averaged. A side
/// of zero width (an effect at the end of its band, as in prieto2023_recruitment) borrows
/// the other side's width rather than making every step past it infinitely costly. The
/// difference is not a log ratio: effects are signed and may be zero.
pub fn interval_error(model: f64, effect: f64, lo: f64, hi: f64) -> f64 {
    let (above, below) = (hi - effect, effect - lo);
    let half = match (model >= effect, above > 0.0, below > 0.0) {
        (true, true, _) | (false, true, false) => above,
        _ => below,
    };
    (model - effect) / half
}

/// [`scaled_error`] from plain numbers (those of fit.csv, for its chart).
pub fn log_ratio_error(simulated: f64, value: f64, offset: f64, tolerance: f64) -> f64 {
    ((simulated + offset) / (value + offset)).ln() / tolerance.ln_1p()
}

/// The offset of a group's log ratios: this share of the mean |value| of its rows.
pub const OFFSET_SHARE: f64 = 0.1;

/// The distance of simulated window means from the targets: the square root of the
/// weighted sum of squared [`scaled_error`]s, each group (metric, national or regional)
/// weighing the same. Non-finite when a simulation is.
pub fn distance(targets: &[Target], simulated: &[f64]) -> f64 {
    targets.iter().zip(simulated).map(|(t, &s)| t.weight * scaled_error(t, s).powi(2)).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        let text = "[run]\nmonths = 24\n[population]\npeers = 4\n\
                    [[region]]\nname = \"North\"\nyouths = 500\n[[region]]\nname = \"South\"\nyouths = 300\n";
        narcodoor_scenario::load_str(text, Path::new("t.toml")).unwrap().params
    }

    #[test]
    fn reads_targets_in_any_column_order() {
        let text = "region,metric,start,end,value,tolerance\n,homicide_rate,0,11,20,0.1\n\"South\",members,12,23,5.5,0.2\n";
        let t = parse_targets(text, "T.csv", &params()).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].metric, t[0].region, t[0].start, t[0].end, t[0].line),
            (index_of("homicide_rate").unwrap(), None, 0, 11, 2)
        );
        assert_eq!((t[1].region, t[1].value, t[1].tolerance), (Some(1), 5.5, 0.2));
        // Two groups of one row each: half the weight each; offsets a tenth of the value.
        let d = (24.0f64 / 22.0).ln() / 1.1f64.ln();
        assert!((distance(&t, &[22.0, 5.5]) - (0.5 * d * d).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_distance_is_symmetric_in_the_ratio_and_weighs_groups_equally() {
        let mut text = String::from("metric,region,start,end,value,tolerance\nhomicide_rate,,0,11,20,0.1\n");
        for k in 0..9 {
            let region = if k % 2 == 0 { "North" } else { "South" };
            text.push_str(&format!("homicide_rate,{region},{k},{k},{},0.25\n", 10 * k));
        }
        let t = parse_targets(&text, "T.csv", &params()).unwrap();
        // A zero row is accepted (its group has a scale), and the zero row is fitted exactly
        // by a zero simulation.
        assert_eq!(t[1].value, 0.0);
        assert!(scaled_error(&t[1], 0.0).abs() < 1e-12);
        // Twice too high and half as high cost about the same, where the relative error of
        // the old distance charged 2 units for one and at most 1 / tolerance = 4 for the other.
        let (up, down) = (scaled_error(&t[9], 160.0), -scaled_error(&t[9], 40.0));
        assert!(up > 0.0 && (down / up - 1.0).abs() < 0.15, "up {up}, down {down}");
        // The one national row weighs as much as the nine regional ones together.
        let mut sim: Vec<f64> = t.iter().map(|t| t.value).collect();
        sim[0] = 40.0;
        let national = scaled_error(&t[0], 40.0);
        assert!((distance(&t, &sim) - (0.5 * national * national).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn bad_rows_name_file_line_and_field() {
        let head = "metric,region,start,end,value,tolerance\n";
        for (row, expect) in [
            ("homicides_x,,0,1,2,0.1", "T.csv:2: field `metric`"),
            ("homicides,West,0,1,2,0.1", "T.csv:2: field `region`"),
            ("homicides,,0,24,2,0.1", "T.csv:2: field `end`"),
            ("homicides,,5,4,2,0.1", "T.csv:2: field `end`"),
            ("homicides,,-1,4,2,0.1", "T.csv:2: field `start`"),
            ("homicides,,2007-01,4,2,0.1", "T.csv:2: field `start`"),
            ("homicides,,0,4,0,0.1", "T.csv:2: field `value`"),
            ("homicides,,0,4,-1,0.1", "T.csv:2: field `value`"),
            ("homicides,,0,4,x,0.1", "T.csv:2: field `value`"),
            ("homicides,,0,4,2,0", "T.csv:2: field `tolerance`"),
            ("homicides,,0,4", "T.csv:2: 4 fields"),
        ] {
            let e = parse_targets(&format!("{head}{row}\n"), "T.csv", &params()).unwrap_err();
            assert!(e.is::<InputError>());
            assert!(e.to_string().starts_with(expect), "{row}: {e}");
        }
        let e = parse_targets("metric,start,end,value,tolerance\n", "T.csv", &params()).unwrap_err();
        assert!(e.to_string().contains("field `region`"), "{e}");
    }

    #[test]
    fn dates_need_run_start() {
        let mut p = params();
        p.run.start = YearMonth::parse("2000-01");
        let t = parse_targets(
            "metric,region,start,end,value,tolerance\nhomicides,,2000-06,2001-12,3,0.1\n",
            "T.csv",
            &p,
        )
        .unwrap();
        assert_eq!((t[0].start, t[0].end), (5, 23));
    }

    /// Fails if: a study row's error is not (model − effect) / the half-width on the
    /// model's side, or a side of zero width does not borrow the other's.
    #[test]
    fn a_study_row_counts_in_published_intervals() {
        // Heller 2014: -43 in [-64.5, -21.5]: either end is one unit, no effect two.
        assert_eq!(interval_error(-21.5, -43.0, -64.5, -21.5), 1.0);
        assert_eq!(interval_error(-64.5, -43.0, -64.5, -21.5), -1.0);
        assert_eq!(interval_error(0.0, -43.0, -64.5, -21.5), 2.0);
        // Chioda et al. 2016: -6.5 in [-21, 0], each side on its own width.
        assert_eq!(interval_error(0.0, -6.5, -21.0, 0.0), 1.0);
        assert_eq!(interval_error(-21.0, -6.5, -21.0, 0.0), -1.0);
        assert_eq!(interval_error(-13.75, -6.5, -21.0, 0.0), -0.5);
        // Prieto-Curiel et al. 2023: -45.6 at the low end of [-45.6, -25].
        assert!((interval_error(-66.2, -45.6, -45.6, -25.0) + 1.0).abs() < 1e-12);
        assert!((interval_error(-35.3, -45.6, -45.6, -25.0) - 0.5).abs() < 1e-12);
    }

    /// Fails if: a study row is not read from the registry, is not a group of its own, or
    /// changes the series rows' terms.
    #[test]
    fn a_study_row_is_read_from_the_registry_as_its_own_group() {
        let text = "metric,region,start,end,value,tolerance\nhomicides,,0,11,20,0.1\nstudy:heller2014,,,,,\n\
                    study:chioda2016,,,,-6.5,-21:0\n";
        let t = parse_targets(text, "T.csv", &params()).unwrap();
        assert_eq!(t[1].metric_text(), "study:heller2014");
        assert_eq!((t[1].value, t[1].published_interval()), (-43.0, Some((-64.5, -21.5))));
        assert_eq!((t[2].value, t[2].published_interval()), (-6.5, Some((-21.0, 0.0))));
        // Three groups of one row each; the series row on its value, Heller at its
        // interval's upper end (one unit), Chioda at -13.75 (half a unit below).
        assert!(t.iter().all(|t| (t.weight - 1.0 / 3.0).abs() < 1e-15));
        let d = distance(&t, &[20.0, -21.5, -13.75]);
        assert!((d - (1.25f64 / 3.0).sqrt()).abs() < 1e-12, "{d}");
        // The series row's term is the one it has without the studies.
        let alone = parse_targets(
            "metric,region,start,end,value,tolerance\nhomicides,,0,11,20,0.1\n",
            "T.csv",
            &params(),
        )
        .unwrap();
        assert_eq!(scaled_error(&alone[0], 30.0), scaled_error(&t[0], 30.0));
        // The model's window means leave a study row to its own runs.
        assert!(t[1].study.is_some() && t[1].tolerance.is_nan());
    }

    #[test]
    fn bad_study_rows_name_file_line_and_field() {
        let head = "metric,region,start,end,value,tolerance\n";
        for (row, expect) in [
            ("study:nobody2099,,,,,", "T.csv:2: field `metric`: no study \"nobody2099\""),
            ("study:heller2014,North,,,,", "T.csv:2: field `region`"),
            ("study:heller2014,,0,,,", "T.csv:2: field `start`"),
            ("study:heller2014,,,5,,", "T.csv:2: field `end`"),
            (
                "study:heller2014,,,,-40,",
                "T.csv:2: field `value`: `-40` is not study heller2014's published effect -43",
            ),
            ("study:heller2014,,,,,0.1", "T.csv:2: field `tolerance`"),
            ("study:heller2014,,,,,-64.5:-20", "T.csv:2: field `tolerance`"),
            (
                "study:heller2014,,,,,\nstudy:heller2014,,,,,",
                "T.csv:3: field `metric`: study heller2014 is named twice (lines 2 and 3)",
            ),
        ] {
            let e = parse_targets(&format!("{head}{row}\n"), "T.csv", &params()).unwrap_err();
            assert!(e.is::<InputError>(), "{row}: {e}");
            assert!(e.to_string().starts_with(expect), "{row}: {e}");
        }
        // A study that publishes a point and no interval has no scale.
        let dir = tempfile::tempdir().unwrap();
        let reg = evidence::registry::default_dir();
        let text = std::fs::read_to_string(reg.join("heller2014.toml")).unwrap();
        let text = text.replace("lo = -64.5", "lo = -43.0").replace("hi = -21.5", "hi = -43.0");
        std::fs::write(dir.path().join("point.toml"), text).unwrap();
        let e = parse_targets_in(&format!("{head}study:point,,,,,\n"), "T.csv", &params(), dir.path())
            .unwrap_err();
        assert!(
            e.to_string().starts_with("T.csv:2: field `metric`: study point publishes no interval"),
            "{e}"
        );
    }
}
