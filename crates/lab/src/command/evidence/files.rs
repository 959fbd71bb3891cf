//! The files of `narcodoor evidence`: `evidence.csv` (one row per study, the published and
//! the model's effect side by side with the verdict), `charts/forest.png` (the same rows as
//! a forest plot grouped by lever) and `report.md` (the table, then each study's citation,
//! what was verified where, and how its setting was mapped onto the model).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::command::evidence::area_spec::{AreaDesign, Estimator, Response};
use crate::command::evidence::registry::Study;
use crate::output::atomic::write_in;
use crate::output::experiment_tables::{Real, write_table};
use crate::spelling::fmt_real;
use narcodoor_charts::{ChartText, ForestRow, forest};

/// One row of `evidence.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceRow {
    pub study: String,
    pub lever: String,
    pub design: String,
    pub outcome: String,
    /// Reported months of the window, `first-last`.
    pub window: String,
    pub scale: String,
    pub published_effect: f64,
    pub published_lo: f64,
    pub published_hi: f64,
    pub model_effect: f64,
    pub model_lo: f64,
    pub model_hi: f64,
    pub verdict: String,
    /// `yes` or `no`.
    pub sign_agreement: String,
    /// `paired`, `difference_in_differences` or `event_study`: what made `model_*`.
    pub estimator: String,
    /// The paired comparison of the two scenarios (the model's counterfactual effect,
    /// which an area design cannot see); for `paired`, the model's effect again.
    pub counterfactual_effect: f64,
    pub counterfactual_lo: f64,
    pub counterfactual_hi: f64,
    /// Under `--posterior`: the effect over the posterior's draws.
    pub posterior: Option<PosteriorColumns>,
}

/// A study's effect over a posterior's draws (`evidence --posterior`): the mean and the
/// 5%/95% quantiles of the effect its estimator gives on each draw's replicates, the
/// parameters' share of the paired effect's variance, and the verdict of that interval.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorColumns {
    pub effect: f64,
    pub lo: f64,
    pub hi: f64,
    pub parameter_share: f64,
    pub verdict: String,
}

/// The columns `evidence.csv` gains, at its end, under `--posterior`.
pub const POSTERIOR_HEADER: [&str; 5] =
    ["posterior_effect", "posterior_lo", "posterior_hi", "parameter_share", "posterior_verdict"];

/// The columns of `evidence.csv`, in order. The first fourteen are a contract; the
/// estimator and the counterfactual were added after them.
pub const HEADER: [&str; 18] = [
    "study",
    "lever",
    "design",
    "outcome",
    "window",
    "scale",
    "published_effect",
    "published_lo",
    "published_hi",
    "model_effect",
    "model_lo",
    "model_hi",
    "verdict",
    "sign_agreement",
    "estimator",
    "counterfactual_effect",
    "counterfactual_lo",
    "counterfactual_hi",
];

/// One row of `event_time.csv`: an event study's response of one group in one month of
/// event time (a bin of months), the mean across replicates with its 95% interval.
#[derive(Clone, Debug, PartialEq)]
pub struct EventTimeRow {
    pub study: String,
    /// `own` or `neighbours`.
    pub group: String,
    /// Whether this group is the one the study's row of `evidence.csv` reports.
    pub reported: bool,
    /// The first month of the bin relative to the event (negative before it).
    pub event_time: i32,
    /// The bin's reported months, `first-last`.
    pub months: String,
    pub scale: String,
    pub effect: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The columns of `event_time.csv`, in order.
pub const EVENT_TIME_HEADER: [&str; 9] =
    ["study", "group", "reported", "event_time", "months", "scale", "effect", "lo", "hi"];

fn write_event_time(path: &Path, rows: &[EventTimeRow]) -> std::io::Result<()> {
    let records = rows.iter().map(|r| {
        (
            (&r.study, &r.group, if r.reported { "yes" } else { "no" }, r.event_time, &r.months, &r.scale),
            (Real(r.effect), Real(r.lo), Real(r.hi)),
        )
    });
    write_table(path, &EVENT_TIME_HEADER, records)
}

fn write_csv(path: &Path, rows: &[EvidenceRow]) -> std::io::Result<()> {
    let records = rows.iter().map(|r| {
        (
            (&r.study, &r.lever, &r.design, &r.outcome, &r.window, &r.scale),
            (Real(r.published_effect), Real(r.published_lo), Real(r.published_hi)),
            (Real(r.model_effect), Real(r.model_lo), Real(r.model_hi)),
            (&r.verdict, &r.sign_agreement, &r.estimator),
            (Real(r.counterfactual_effect), Real(r.counterfactual_lo), Real(r.counterfactual_hi)),
        )
    });
    if rows.iter().all(|r| r.posterior.is_none()) {
        return write_table(path, &HEADER, records);
    }
    let mut header = HEADER.to_vec();
    header.extend(POSTERIOR_HEADER);
    let extra = rows.iter().map(|r| {
        let p = r.posterior.as_ref().expect("every row has a posterior when one has");
        (Real(p.effect), Real(p.lo), Real(p.hi), Real(p.parameter_share), &p.verdict)
    });
    write_table(path, &header, records.zip(extra))
}

/// Writes every file; returns the files written (relative to `dir`) and the warnings.
pub fn write_all(
    dir: &Path,
    studies: &[&Study],
    rows: &[EvidenceRow],
    event_rows: &[EventTimeRow],
    notes: &[String],
    charts: bool,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let path = dir.join("evidence.csv");
    write_csv(&path, rows).with_context(|| format!("cannot write {}", path.display()))?;
    let mut files = vec!["evidence.csv".to_string()];
    if !event_rows.is_empty() {
        let path = dir.join("event_time.csv");
        write_event_time(&path, event_rows).with_context(|| format!("cannot write {}", path.display()))?;
        files.push("event_time.csv".into());
    }
    let mut warnings = Vec::new();
    if charts {
        let charts_dir = dir.join("charts");
        std::fs::create_dir_all(&charts_dir)
            .with_context(|| format!("cannot create {}", charts_dir.display()))?;
        match forest_chart(&charts_dir.join("forest.png"), studies, rows) {
            Ok(()) => files.push("charts/forest.png".into()),
            Err(e) => warnings.push(format!("charts/forest.png not drawn: {e}")),
        }
    }
    let mut text = report(studies, rows);
    if !notes.is_empty() {
        text.push_str("\n## Notes\n\n");
        for n in notes {
            let _ = writeln!(text, "- {n}");
        }
    }
    write_in(dir, "report.md", text.as_bytes())?;
    files.push("report.md".into());
    Ok((files, warnings))
}

fn forest_chart(
    path: &Path,
    studies: &[&Study],
    rows: &[EvidenceRow],
) -> Result<(), narcodoor_charts::ChartError> {
    let items: Vec<ForestRow> = studies
        .iter()
        .zip(rows)
        .map(|(s, r)| ForestRow {
            label: format!("{} ({}, {})", s.short, unit_label(&r.scale), estimator_label(&r.estimator)),
            group: s.lever.clone(),
            published: (r.published_effect, r.published_lo, r.published_hi),
            model: (r.model_effect, r.model_lo, r.model_hi),
        })
        .collect();
    let text = ChartText {
        title: "Field studies against the model: published (interval or band) and model (95% interval across replicates)",
        x_label: "study (scale)",
        y_label: "effect of the lever (% change, percentage points or per 100,000, as labelled)",
    };
    forest(path, &text, &items)
}

/// The estimator as a forest row names it: an area design's interval is wide for a reason
/// the reader should see beside the row.
fn estimator_label(estimator: &str) -> &'static str {
    match estimator {
        "difference_in_differences" => "DiD",
        "event_study" => "event study",
        "arms" => "trial arms",
        _ => "paired",
    }
}

fn unit_label(scale: &str) -> &'static str {
    match scale {
        "relative" => "%",
        "percentage_points" => "pp",
        _ => "difference",
    }
}

/// A value for the report: one decimal, or three below one so that a small effect (a
/// thousandth of a percentage point) does not read as zero.
fn num(v: f64) -> String {
    match v {
        _ if !v.is_finite() => fmt_real(v),
        _ if v != 0.0 && v.abs() < 1.0 => format!("{v:.3}"),
        _ => format!("{v:.1}"),
    }
}

/// What a study's estimator compares, in words, with region names.
fn estimator_text(st: &Study) -> String {
    let o = &st.outcome;
    let names = |rs: &[usize]| -> String {
        let v: Vec<&str> = rs.iter().map(|&r| st.control.params.regions[r].name.as_str()).collect();
        if v.is_empty() { "the nation".into() } else { v.join(", ") }
    };
    let post = format!("months {}-{}", o.first, o.last);
    if o.estimator == Estimator::Arms {
        return format!(
            "trial arms in the treated scenario ([trial]): the lottery's winners against its losers in {}, per 100 youths enrolled, {post}; the paired comparison of the scenarios (the whole region) is the counterfactual",
            names(&o.regions)
        );
    }
    match &o.area {
        None => format!(
            "paired: the treated scenario against the control scenario in {}, {post}, replicate by replicate",
            names(&o.regions)
        ),
        Some(AreaDesign::DifferenceInDifferences { control, pre }) => format!(
            "difference in differences in the treated scenario: {} against {}, {post} against months {}-{}; the paired comparison is the counterfactual",
            names(&o.regions),
            names(control),
            pre.first,
            pre.last
        ),
        Some(AreaDesign::EventStudy { design, response }) => format!(
            "event study in the treated scenario around month {}: the {} response ({}) against the untouched {}, {post} against months {}-{} (event time {} to {} in bins of {} months in event_time.csv, own regions {}, neighbours {}); the paired comparison is the counterfactual",
            design.month,
            if *response == Response::Own { "own" } else { "neighbours'" },
            names(&o.regions),
            names(&design.comparison),
            design.pre().first,
            design.pre().last,
            design.first,
            design.last,
            design.bin,
            names(&design.own),
            names(&design.neighbours)
        ),
    }
}

/// `report.md`: the headline, the table, then one section per study.
pub fn report(studies: &[&Study], rows: &[EvidenceRow]) -> String {
    let inside = rows.iter().filter(|r| r.verdict == "inside").count();
    let mut s = String::from("# The model against the field studies\n\n");
    let _ = writeln!(s, "**{inside} of {} studies inside their published interval.**\n", rows.len());
    s.push_str(
        "A verdict is *inside* when the model's mean effect lies in the published interval, \
         *overlapping* when it does not but the model's 95% interval across replicates meets \
         the published one, *outside* otherwise. Signs agree when the model's mean is not zero \
         and has the published sign or, for a published null (an effect of zero), when the \
         model's interval holds zero. The model is not \
         tuned to these studies: a miss is a measurement.\n\n",
    );
    s.push_str(
        "The model's effect is made by each study's estimator: *paired*, the treated scenario \
         against the control scenario replicate by replicate on common random numbers (the \
         model's counterfactual); or an area design on the treated scenario alone, as the field \
         study measured it: a *difference in differences* (treated against control regions, a \
         pre window against the outcome window) or an *event study* (the event's own regions or \
         their neighbours against the regions it did not touch, against the months before the \
         event). For an area design the paired comparison is given beside it as the \
         counterfactual: the distance between the two is what the field design cannot see \
         (spillovers onto its control regions, shocks that are not common).\n\n",
    );
    s.push_str("| study | lever | design | estimator | outcome | window (months) | published [lo, hi] | model [lo, hi] | counterfactual [lo, hi] | verdict | sign |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (st, r) in studies.iter().zip(rows) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} [{}, {}] {} | {} [{}, {}] | {} [{}, {}] | {} | {} |",
            st.short,
            r.lever,
            r.design.replace('_', " "),
            r.estimator.replace('_', " "),
            r.outcome,
            r.window,
            num(r.published_effect),
            num(r.published_lo),
            num(r.published_hi),
            unit_label(&r.scale),
            num(r.model_effect),
            num(r.model_lo),
            num(r.model_hi),
            num(r.counterfactual_effect),
            num(r.counterfactual_lo),
            num(r.counterfactual_hi),
            r.verdict,
            r.sign_agreement
        );
    }
    posterior_section(&mut s, studies, rows);
    for st in studies {
        let _ = write!(
            s,
            "\n## {} ({})\n\n{}\n\n- **Verified:** {}\n- **Design:** {}\n- **Estimator:** {}\n- **Setting:** {}\n- **Mapping onto the model:** {}\n- **Lever as run:** {}\n- **Published interval:** {}\n",
            st.short,
            st.id,
            st.citation.trim(),
            st.verified.trim(),
            st.design.name().replace('_', " "),
            estimator_text(st),
            st.setting.trim(),
            st.mapping.trim(),
            st.lever_as_run.trim(),
            st.published.interval.trim()
        );
    }
    s
}

/// Under `--posterior`: what the effects become over the posterior's draws.
fn posterior_section(s: &mut String, studies: &[&Study], rows: &[EvidenceRow]) {
    if rows.iter().any(|r| r.posterior.is_none()) {
        return;
    }
    let inside = rows.iter().filter(|r| r.posterior.as_ref().is_some_and(|p| p.verdict == "inside")).count();
    s.push_str("\n## Under parameter uncertainty\n\n");
    let _ = writeln!(
        s,
        "Every study's replicates ran under draws of the posterior given with `--posterior` \
         (replicate r of both scenarios under draw r mod K). The posterior effect is the \
         study's estimator on each draw's replicates, averaged over the draws, with the 5% and \
         95% quantiles of those effects as its interval; its verdict sets that interval beside \
         the published one as above. The parameter share is the part of the variance of the \
         paired effect across replicates that the draws explain. \
         **{inside} of {} studies inside their published interval over the posterior.**\n",
        rows.len()
    );
    s.push_str("| study | published [lo, hi] | posterior effect [5%, 95%] | parameter share | verdict |\n");
    s.push_str("|---|---|---|---|---|\n");
    for (st, r) in studies.iter().zip(rows) {
        let p = r.posterior.as_ref().expect("checked above");
        let _ = writeln!(
            s,
            "| {} | {} [{}, {}] {} | {} [{}, {}] | {:.2} | {} |",
            st.short,
            num(r.published_effect),
            num(r.published_lo),
            num(r.published_hi),
            unit_label(&r.scale),
            num(p.effect),
            num(p.lo),
            num(p.hi),
            p.parameter_share,
            p.verdict
        );
    }
}
