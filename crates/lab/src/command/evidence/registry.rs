//! The registry of field studies `narcodoor evidence` measures the model against: one TOML
//! file per study in `evidence/<id>.toml`, read and checked here into [`Study`] values.
//!
//! A study is a measurement, not a knob: its file records the citation, what was verified
//! and where, the design, how its setting is mapped onto a model country (two scenarios,
//! control and treated, given as scenario text that extends a bundled scenario), the
//! outcome with its window and scale, and the published effect with its interval (or a
//! band, with the reason, when the study published none). Everything is validated before
//! anything runs: a bad file is an `InputError` naming the file and the field (exit 2).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::command::evidence::area_spec::{self, AreaDesign, AreaFields, Estimator, EventFile};
use crate::error::InputError;
use narcodoor_model::metrics::{index_of, is_real};
use narcodoor_scenario::{self as scenario, Scenario};

/// How the study identified its effect, and so how the model emulates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// A randomised offer to individuals (treatment and control arms).
    IndividualTrial,
    /// A regression discontinuity at an eligibility threshold.
    RegressionDiscontinuity,
    /// Treated against control areas with a pre-period.
    AreaDifferenceInDifferences,
    /// The response of an area (and its neighbours) around a dated event.
    EventStudy,
    /// A published model's scenario set beside the same scenario in narcodoor.
    Docking,
}

impl Design {
    pub fn name(self) -> &'static str {
        match self {
            Design::IndividualTrial => "individual_trial",
            Design::RegressionDiscontinuity => "regression_discontinuity",
            Design::AreaDifferenceInDifferences => "area_difference_in_differences",
            Design::EventStudy => "event_study",
            Design::Docking => "docking",
        }
    }
}

/// The scale an effect is expressed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectScale {
    /// 100 × (treated / control − 1), in percent.
    Relative,
    /// treated − control, in the metric's own unit (a rate per 100,000, say).
    Difference,
    /// 100 × (treated − control) / the control's mean of the `per` metrics: a share of
    /// the youths, in percentage points.
    PercentagePoints,
}

impl EffectScale {
    pub fn name(self) -> &'static str {
        match self {
            EffectScale::Relative => "relative",
            EffectScale::Difference => "difference",
            EffectScale::PercentagePoints => "percentage_points",
        }
    }

    /// The unit a reader sees beside a value on this scale.
    pub fn unit(self) -> &'static str {
        match self {
            EffectScale::Relative => "%",
            EffectScale::Difference => "",
            EffectScale::PercentagePoints => " pp",
        }
    }
}

/// A study's file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyFile {
    citation: String,
    short: String,
    lever: String,
    design: Design,
    verified: String,
    setting: SettingFile,
    outcome: OutcomeFile,
    published: Published,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingFile {
    /// The study's own setting, in words.
    description: String,
    /// How the setting is mapped onto the model country, and what the mapping assumes.
    mapping: String,
    /// The lever as the study ran it, with its cost.
    lever: String,
    /// Scenario text of the control arm (extends a bundled scenario).
    control: String,
    /// Scenario text of the treated arm.
    treated: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeFile {
    description: String,
    metric: String,
    /// Reported months [first, last] of the window, both included.
    window: [u32; 2],
    #[serde(default)]
    regions: Vec<String>,
    scale: EffectScale,
    /// For percentage points: the stocks whose control mean is the denominator.
    #[serde(default)]
    per: Vec<String>,
    /// How the model's effect is estimated (area_spec.rs); `paired` when left out.
    #[serde(default)]
    estimator: Estimator,
    /// A difference in differences' pre window, reported months [first, last].
    #[serde(default)]
    pre: Option<[u32; 2]>,
    /// An area estimator's control (comparison) regions.
    #[serde(default)]
    control_regions: Option<Vec<String>>,
    /// An event study's event.
    #[serde(default)]
    event: Option<EventFile>,
}

/// The published effect on the study's scale, with its interval or band.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub effect: f64,
    pub lo: f64,
    pub hi: f64,
    /// What the interval is: "95% CI", or a band with the reason none was published.
    pub interval: String,
}

/// What is measured in the model: a metric over a window of reported months, in some
/// regions (empty: the nation), on a scale.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub description: String,
    pub metric: usize,
    pub first: u32,
    pub last: u32,
    /// Region indices; empty for the national row.
    pub regions: Vec<usize>,
    pub scale: EffectScale,
    /// Metric indices whose control mean divides a percentage-point effect.
    pub per: Vec<usize>,
    pub estimator: Estimator,
    /// The area design of a `difference_in_differences` or `event_study` estimator; for
    /// an event study `regions` are the regions its row reports (own or neighbours).
    pub area: Option<AreaDesign>,
}

/// A study of the registry, checked and with its two scenarios loaded.
#[derive(Clone, Debug)]
pub struct Study {
    pub id: String,
    pub citation: String,
    /// Author and year, for tables and charts.
    pub short: String,
    pub lever: String,
    pub design: Design,
    pub verified: String,
    pub setting: String,
    pub mapping: String,
    pub lever_as_run: String,
    pub control: Scenario,
    pub treated: Scenario,
    pub outcome: Outcome,
    pub published: Published,
    /// The registry file.
    pub path: PathBuf,
}

/// A bundled directory: `name/` in the current directory when it holds `probe`, else the
/// one of the source tree the binary was built from.
pub fn bundled_dir(name: &str, probe: &str) -> PathBuf {
    let here = PathBuf::from(name);
    if here.join(probe).is_file() {
        here
    } else {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(name)
    }
}

/// The registry's directory: `evidence/` here or in the source tree.
pub fn default_dir() -> PathBuf {
    bundled_dir("evidence", "heller2014.toml")
}

/// The ids of the registry, sorted (the files' stems).
pub fn ids(dir: &Path) -> anyhow::Result<Vec<String>> {
    let read = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the evidence registry {}", dir.display()))?;
    let mut ids: Vec<String> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml") && p.is_file())
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    ids.sort();
    Ok(ids)
}

/// The studies `only` names (every study when `only` is empty), in registry order; an
/// unknown id is bad input naming it and the known ones.
pub fn select(dir: &Path, only: &[String]) -> anyhow::Result<Vec<String>> {
    let all = ids(dir)?;
    if all.is_empty() {
        return Err(InputError::new(format!("the evidence registry {} holds no study", dir.display())).into());
    }
    if only.is_empty() {
        return Ok(all);
    }
    for id in only {
        if !all.contains(id) {
            return Err(InputError::new(format!(
                "--only: no study {id:?} in the registry; its studies are {}",
                all.join(", ")
            ))
            .into());
        }
    }
    Ok(all.into_iter().filter(|id| only.contains(id)).collect())
}

/// Reads and checks study `id` of `dir`, loading its scenarios as files of `scenarios`.
pub fn load(dir: &Path, id: &str, scenarios: &Path) -> anyhow::Result<Study> {
    let path = dir.join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: StudyFile =
        toml::from_str(&text).map_err(|e| InputError::new(format!("{}: {e}", path.display())))?;
    let bad = |msg: String| anyhow::Error::from(InputError::new(format!("{}: {msg}", path.display())));
    let arm = |name: &str, text: &str| -> anyhow::Result<Scenario> {
        let virtual_path = scenarios.join(format!("evidence-{id}-{name}.toml"));
        scenario::load_str(text, &virtual_path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("{}: setting.{name}", path.display()))
    };
    let control = arm("control", &file.setting.control)?;
    let treated = arm("treated", &file.setting.treated)?;
    let outcome = check_outcome(&file.outcome, &control).map_err(bad)?;
    check_arms(&outcome, &treated).map_err(bad)?;
    check_published(&file.published).map_err(bad)?;
    let run = &control.params.run;
    if run.months <= outcome.last {
        return Err(bad(format!(
            "outcome.window ends at month {} but the control runs {} months",
            outcome.last, run.months
        )));
    }
    Ok(Study {
        id: id.to_string(),
        citation: file.citation,
        short: file.short,
        lever: file.lever,
        design: file.design,
        verified: file.verified,
        setting: file.setting.description,
        mapping: file.setting.mapping,
        lever_as_run: file.setting.lever,
        control,
        treated,
        outcome,
        published: file.published,
        path,
    })
}

fn metric(name: &str, field: &str) -> Result<usize, String> {
    index_of(name).ok_or_else(|| format!("{field}: no metric {name:?}"))
}

/// The `arms` estimator reads the treated scenario's trial: it must set `[trial]`, and the
/// outcome must be a flow the trial follows its participants through.
fn check_arms(o: &Outcome, treated: &Scenario) -> Result<(), String> {
    if o.estimator != Estimator::Arms {
        return Ok(());
    }
    if treated.params.trial.lever.is_none() {
        return Err(
            "outcome.estimator \"arms\": the treated scenario sets no [trial] (setting.treated)".into()
        );
    }
    if crate::experiment::trial::trial_outcome(o.metric).is_none() {
        return Err("outcome.metric: the arms estimator reads recruits, member_arrests or member_deaths of the trial's participants".into());
    }
    if o.scale == EffectScale::PercentagePoints {
        return Err(
            "outcome.scale: the arms estimator gives relative or difference (per 100 enrolled)".into()
        );
    }
    Ok(())
}

/// The outcome's names resolved against the control scenario's regions and the metrics.
fn check_outcome(o: &OutcomeFile, control: &Scenario) -> Result<Outcome, String> {
    let m = metric(&o.metric, "outcome.metric")?;
    let [first, last] = o.window;
    if first > last {
        return Err(format!("outcome.window [{first}, {last}]: the first month is after the last"));
    }
    let fields = AreaFields {
        estimator: o.estimator,
        regions: &o.regions,
        window: o.window,
        pre: o.pre,
        control_regions: o.control_regions.as_deref(),
        event: o.event.as_ref(),
    };
    let (area, group) = area_spec::check(&fields, &control.params)?;
    let regions = match group {
        Some(g) => g,
        None => area_spec::region_indices(&o.regions, &control.params, "outcome.regions")?,
    };
    // A rate or a real-valued index does not add up over regions.
    if is_real(m) && regions.len() > 1 {
        return Err(format!("outcome.metric {:?} is a rate or index: name at most one region", o.metric));
    }
    let per = o.per.iter().map(|p| metric(p, "outcome.per")).collect::<Result<Vec<_>, _>>()?;
    if (o.scale == EffectScale::PercentagePoints) == per.is_empty() {
        return Err("outcome.per is needed with scale percentage_points, and only with it".into());
    }
    if area.is_some() && o.scale == EffectScale::PercentagePoints {
        return Err(format!(
            "outcome.scale: percentage_points is for the paired estimator only, not {:?}",
            o.estimator.name()
        ));
    }
    Ok(Outcome {
        description: o.description.clone(),
        metric: m,
        first,
        last,
        regions,
        scale: o.scale,
        per,
        estimator: o.estimator,
        area,
    })
}

fn check_published(p: &Published) -> Result<(), String> {
    if !(p.lo.is_finite() && p.hi.is_finite() && p.effect.is_finite()) {
        return Err("published: effect, lo and hi must be numbers".into());
    }
    if !(p.lo <= p.effect && p.effect <= p.hi) {
        return Err(format!("published: the effect {} is not inside [{}, {}]", p.effect, p.lo, p.hi));
    }
    if p.interval.trim().is_empty() {
        return Err("published.interval: say what the interval is (a CI, or a band and its reason)".into());
    }
    Ok(())
}
