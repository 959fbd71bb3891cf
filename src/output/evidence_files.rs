//! The files of `narcodoor evidence`: `evidence.csv` (one row per study, the published and
//! the model's effect side by side with the verdict), `charts/forest.png` (the same rows as
//! a forest plot grouped by lever) and `report.md` (the table, then each study's citation,
//! what was verified where, and how its setting was mapped onto the model).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use super::atomic::write_in;
use super::charts::{ChartText, ForestRow, forest};
use super::experiment_tables::{Real, write_table};
use crate::experiment::evidence::registry::Study;
use crate::output::tables::fmt_real;

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
}

/// The columns of `evidence.csv`, in order.
pub const HEADER: [&str; 14] = [
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
];

fn write_csv(path: &Path, rows: &[EvidenceRow]) -> std::io::Result<()> {
    let records = rows.iter().map(|r| {
        (
            (&r.study, &r.lever, &r.design, &r.outcome, &r.window, &r.scale),
            (Real(r.published_effect), Real(r.published_lo), Real(r.published_hi)),
            (Real(r.model_effect), Real(r.model_lo), Real(r.model_hi)),
            (&r.verdict, &r.sign_agreement),
        )
    });
    write_table(path, &HEADER, records)
}

/// Writes every file; returns the files written (relative to `dir`) and the warnings.
pub fn write_all(
    dir: &Path,
    studies: &[&Study],
    rows: &[EvidenceRow],
    charts: bool,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let path = dir.join("evidence.csv");
    write_csv(&path, rows).with_context(|| format!("cannot write {}", path.display()))?;
    let mut files = vec!["evidence.csv".to_string()];
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
    write_in(dir, "report.md", report(studies, rows).as_bytes())?;
    files.push("report.md".into());
    Ok((files, warnings))
}

fn forest_chart(
    path: &Path,
    studies: &[&Study],
    rows: &[EvidenceRow],
) -> Result<(), super::charts::ChartError> {
    let items: Vec<ForestRow> = studies
        .iter()
        .zip(rows)
        .map(|(s, r)| ForestRow {
            label: format!("{} ({})", s.short, unit_label(&r.scale)),
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
    s.push_str("| study | lever | design | outcome | window (months) | published [lo, hi] | model [lo, hi] | verdict | sign |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for (st, r) in studies.iter().zip(rows) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} [{}, {}] {} | {} [{}, {}] | {} | {} |",
            st.short,
            r.lever,
            r.design.replace('_', " "),
            r.outcome,
            r.window,
            num(r.published_effect),
            num(r.published_lo),
            num(r.published_hi),
            unit_label(&r.scale),
            num(r.model_effect),
            num(r.model_lo),
            num(r.model_hi),
            r.verdict,
            r.sign_agreement
        );
    }
    for st in studies {
        let _ = write!(
            s,
            "\n## {} ({})\n\n{}\n\n- **Verified:** {}\n- **Design:** {}\n- **Setting:** {}\n- **Mapping onto the model:** {}\n- **Lever as run:** {}\n- **Published interval:** {}\n",
            st.short,
            st.id,
            st.citation.trim(),
            st.verified.trim(),
            st.design.name().replace('_', " "),
            st.setting.trim(),
            st.mapping.trim(),
            st.lever_as_run.trim(),
            st.published.interval.trim()
        );
    }
    s
}
