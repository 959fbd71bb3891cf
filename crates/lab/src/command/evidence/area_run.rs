//! The area estimators applied to a study's runs: one treated replicate's regional series
//! becomes a [`Panel`], the study's design (difference in differences or event study)
//! gives that replicate's estimate and, for an event study, its own and neighbours'
//! responses in event time; across replicates these become the study's effect and the
//! rows of `event_time.csv`.

use crate::command::evidence::LEVEL;
use crate::command::evidence::area_spec::{AreaDesign, Response};
use crate::command::evidence::files::EventTimeRow;
use crate::command::evidence::registry::{EffectScale, Outcome, Study};
use crate::experiment::outcomes::is_flow;
use narcodoor_engine::ReplicateResult;
use narcodoor_model::metrics::is_real;
use narcodoor_numerics::area::{self, AreaScale, Months, Panel};
use narcodoor_numerics::stats::{MeanCi, mean_ci};

/// One replicate measured by an area design.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AreaReplicate {
    /// The study's estimate over its outcome window (NaN when undefined: see `problem`).
    pub estimate: f64,
    /// An event study's responses, one per event time; empty otherwise.
    pub own: Vec<f64>,
    pub neighbours: Vec<f64>,
    /// Why the estimate is undefined in this replicate, if it is.
    pub problem: Option<String>,
}

fn scale_of(s: EffectScale) -> AreaScale {
    // The registry refuses percentage points with an area estimator.
    if s == EffectScale::Difference { AreaScale::Difference } else { AreaScale::Relative }
}

/// A replicate's months and its regions' values of one metric, column by column.
fn series(res: &ReplicateResult, metric: usize) -> (Vec<u32>, Vec<Vec<f64>>) {
    let months = res.months.iter().map(|m| m.month).collect();
    let nr = res.months.first().map_or(0, |m| m.metrics.regions.len());
    let values = (0..nr).map(|r| res.months.iter().map(|m| m.metrics.regions[r][metric]).collect()).collect();
    (months, values)
}

/// Measures one treated replicate with the outcome's area design (none: `None`).
pub fn measure(o: &Outcome, treated: &ReplicateResult) -> Option<AreaReplicate> {
    let design = o.area.as_ref()?;
    let (months, values) = series(treated, o.metric);
    let panel = Panel { months: &months, values: &values, flow: is_flow(o.metric), rate: is_real(o.metric) };
    let scale = scale_of(o.scale);
    let post = Months { first: o.first, last: o.last };
    let (group_control, pre) = match design {
        AreaDesign::DifferenceInDifferences { control, pre } => (control, *pre),
        AreaDesign::EventStudy { design, .. } => (&design.comparison, design.pre()),
    };
    let (estimate, problem) =
        match area::difference_in_differences(&panel, &o.regions, group_control, pre, post, scale) {
            Ok(v) => (v, None),
            Err(e) => (f64::NAN, Some(format!("replicate {}: {e}", treated.replicate))),
        };
    let mut out = AreaReplicate { estimate, problem, ..Default::default() };
    if let AreaDesign::EventStudy { design, .. } = design {
        // A month of event time whose level is zero is NaN on its own (event_time.csv).
        let values = |group: &[usize]| -> Vec<f64> {
            area::event_response(&panel, design, group, scale)
                .into_iter()
                .map(|r| r.unwrap_or(f64::NAN))
                .collect()
        };
        out.own = values(&design.own);
        if !design.neighbours.is_empty() {
            out.neighbours = values(&design.neighbours);
        }
    }
    Some(out)
}

/// The study's effect across replicates: the mean of the per-replicate estimates with a
/// Student t interval, as a replicated field study would average them.
pub fn effect(reps: &[AreaReplicate]) -> MeanCi {
    let xs: Vec<f64> = reps.iter().map(|r| r.estimate).collect();
    mean_ci(&xs, LEVEL)
}

/// The problems of a study's replicates, as warnings for the manifest.
pub fn warnings(study: &Study, reps: &[AreaReplicate]) -> Vec<String> {
    let problems: Vec<&str> = reps.iter().filter_map(|r| r.problem.as_deref()).collect();
    match problems.first() {
        None => Vec::new(),
        Some(first) => vec![format!(
            "{}: the {} estimate is undefined in {} of {} replicates ({first}); its effect is NaN (more youths give larger counts)",
            study.id,
            study.outcome.estimator.name(),
            problems.len(),
            reps.len()
        )],
    }
}

/// The rows of `event_time.csv` for an event study (none for other designs): own and
/// neighbours' responses in event time, each the mean across replicates with its interval.
pub fn event_time_rows(study: &Study, reps: &[AreaReplicate]) -> Vec<EventTimeRow> {
    let Some(AreaDesign::EventStudy { design, response }) = &study.outcome.area else { return Vec::new() };
    let mut rows = Vec::new();
    let groups: [(&str, fn(&AreaReplicate) -> &Vec<f64>, bool); 2] = [
        ("own", |r| &r.own, *response == Response::Own),
        ("neighbours", |r| &r.neighbours, *response == Response::Neighbours),
    ];
    for (name, get, reported) in groups {
        if name == "neighbours" && design.neighbours.is_empty() {
            continue;
        }
        for (i, (t, months)) in design.bins().into_iter().enumerate() {
            let xs: Vec<f64> = reps.iter().map(|r| get(r).get(i).copied().unwrap_or(f64::NAN)).collect();
            let ci = mean_ci(&xs, LEVEL);
            rows.push(EventTimeRow {
                study: study.id.clone(),
                group: name.into(),
                reported,
                event_time: t,
                months: format!("{}-{}", months.first, months.last),
                scale: study.outcome.scale.name().into(),
                effect: ci.mean,
                lo: ci.lo,
                hi: ci.hi,
            });
        }
    }
    rows
}
