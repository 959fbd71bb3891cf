//! The files of `narcodoor optimize`: `pareto.csv` (the front as selected, in-sample),
//! `holdout.csv` (the front on fresh replicates, [`crate::command::optimize::holdout`]), `evaluated.csv`,
//! `hypervolume.csv`, `front/point-K.toml` (pinned to the fresh seed),
//! `charts/pareto.png` (the front on fresh replicates, with the bundled policy scenarios
//! of the same base on the same replicates as labelled reference points),
//! `charts/hypervolume.png` and `manifest.json`, written once the last generation is done.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::command::generations::Prepared;
use crate::command::generations::overlay::{relative_path, scenario_text};
use crate::command::optimize::holdout::{self, holdout_seed, on_fresh_seed};
use crate::command::optimize::{Generation, Objective, OptimizeOutcome, Record, Search, final_front};
use crate::command::runner::{Runner, details_field};
use crate::experiment::outcomes;
use crate::output::atomic::write_in as write_atomic;
use crate::output::tables::csv_field;
use crate::spelling::fmt_real;
use narcodoor_charts::{self as charts, ChartText, PointItem, ScatterSet};
use narcodoor_scenario::{self as scenario, Scenario};

/// The columns shared by `pareto.csv` and `evaluated.csv` after `point`.
pub fn value_columns(search: &Search<'_>) -> Vec<String> {
    let mut cols: Vec<String> = search.space.paths.clone();
    cols.extend(objective_columns(search));
    cols
}

/// `<objective>`, `<objective>_lo`, `<objective>_hi` for each objective: the mean over
/// replicates and its 95% interval, as a sweep's points.csv names them. (A `_mean` suffix
/// for the mean over replicates gave `spending_total_mean_mean` for an objective that is
/// itself a mean over months.)
fn objective_columns(search: &Search<'_>) -> Vec<String> {
    let names = search.spec.objectives.iter().map(|o| &o.name);
    names.flat_map(|n| [n.clone(), format!("{n}_lo"), format!("{n}_hi")]).collect()
}

pub fn value_fields(r: &Record) -> Vec<String> {
    let mut f: Vec<String> = r.values.iter().map(|&x| fmt_real(x)).collect();
    f.extend(objective_fields(r));
    f
}

fn objective_fields(r: &Record) -> Vec<String> {
    let triples = (0..r.mean.len()).flat_map(|k| [r.mean[k], r.lo[k], r.hi[k]]);
    triples.map(|x| if r.error.is_some() { String::new() } else { fmt_real(x) }).collect()
}

/// `references.csv`: the bundled scenarios drawn on the chart, with their objective values
/// (the chart only reads what is also written).
fn references_csv(search: &Search<'_>, refs: &[(String, Record)]) -> String {
    let mut out = format!("scenario,{},error\n", objective_columns(search).join(","));
    for (name, r) in refs {
        let error = r.error.as_deref().map(csv_field).unwrap_or_default();
        out.push_str(&format!("{},{},{error}\n", csv_field(name), objective_fields(r).join(",")));
    }
    out
}

fn pareto_csv(search: &Search<'_>, front: &[Record]) -> String {
    let mut out = format!("point,{}", value_columns(search).join(","));
    out.push_str(&draw_header(search));
    for (k, r) in front.iter().enumerate() {
        out.push_str(&format!("{k},{}", value_fields(r).join(",")));
        out.push_str(&draw_fields(search, r));
    }
    out
}

/// The end of a header line of `pareto.csv` and `holdout.csv`: in robust mode,
/// `<objective>_p05,<objective>_p95` per objective (the quantiles over the draws of its mean
/// over replicates), then the line's end.
pub fn draw_header(search: &Search<'_>) -> String {
    if !search.robust() {
        return "\n".into();
    }
    let names = search.spec.objectives.iter().map(|o| &o.name);
    let cols: Vec<String> = names.flat_map(|n| [format!("{n}_p05"), format!("{n}_p95")]).collect();
    format!(",{}\n", cols.join(","))
}

/// The end of a row matching [`draw_header`] (empty fields for a failed candidate).
pub fn draw_fields(search: &Search<'_>, r: &Record) -> String {
    if !search.robust() {
        return "\n".into();
    }
    let k = search.spec.objectives.len();
    let cell = |v: &[f64], j: usize| v.get(j).map_or(String::new(), |&x| fmt_real(x));
    let cells: Vec<String> = (0..k).flat_map(|j| [cell(&r.draw_lo, j), cell(&r.draw_hi, j)]).collect();
    format!(",{}\n", cells.join(","))
}

fn evaluated_csv(search: &Search<'_>, gens: &[Generation]) -> String {
    let mut out = format!("generation,point,{},feasible,error\n", value_columns(search).join(","));
    for (g, generation) in gens.iter().enumerate() {
        for (k, r) in generation.evaluated.iter().enumerate() {
            let error = r.error.as_deref().map(csv_field).unwrap_or_default();
            let feasible = r.feasible(search.spec.budget);
            out.push_str(&format!("{g},{k},{},{feasible},{error}\n", value_fields(r).join(",")));
        }
    }
    out
}

/// Writes `front/point-K.toml` for each front point (and removes older point files), with
/// its values on the fresh replicates (`fresh`), whose seed it pins.
fn write_front(search: &Search<'_>, front: &[Record], fresh: &[Record]) -> anyhow::Result<()> {
    let spec = search.spec;
    let dir = spec.out_dir.join("front");
    if dir.exists() {
        for e in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("point-") && name.ends_with(".toml") {
                fs::remove_file(e.path()).with_context(|| format!("cannot remove {}", e.path().display()))?;
            }
        }
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let p = &spec.scenario.params;
    let parent = relative_path(&spec.scenario.path, &dir);
    for (k, r) in front.iter().enumerate() {
        let params = search.prepare(&r.values).params.map_err(|e| anyhow::anyhow!("front point {k}: {e}"))?;
        let mut header = vec![format!(
            "Front point {k} of `narcodoor optimize` ({} youths: run it with --youths {} to reproduce holdout.csv).",
            p.total_youths(),
            p.total_youths()
        )];
        for ((o, m), f) in spec.objectives.iter().zip(&r.mean).zip(&fresh[k].mean) {
            header.push(format!(
                "{} ({}): {} on fresh replicates (seed below); {} in the search (mean over {} replicates)",
                o.name,
                axis_title(o),
                fmt_real(*f),
                fmt_real(*m),
                p.run.replicates
            ));
        }
        let run = vec![
            ("name", format!("\"{}-point-{k}\"", p.run.name)),
            ("seed", holdout_seed(p.run.seed).to_string()),
            ("replicates", p.run.replicates.to_string()),
            ("months", p.run.months.to_string()),
        ];
        let text = scenario_text(&parent, &header, &run, &params, &search.space.paths);
        write_atomic(&dir, &format!("point-{k}.toml"), text.as_bytes())?;
    }
    Ok(())
}

/// The bundled scenarios beside the root of FILE's `extends` chain that share that root
/// (FILE itself included), loaded with the same command-line overrides.
fn reference_scenarios(search: &Search<'_>) -> Vec<Scenario> {
    let spec = search.spec;
    let Some(root) = spec.scenario.files.first() else { return Vec::new() };
    let Some(dir) = root.parent() else { return Vec::new() };
    let canon = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(mut s) = scenario::load(&f) else { continue };
        let same_root = s.files.first().is_some_and(|r| canon(r) == canon(root));
        if same_root && s.apply(&spec.overrides).is_ok() && out.len() < 24 {
            out.push(s);
        }
    }
    out
}

fn pareto_chart(search: &Search<'_>, front: &[Record], refs: &[(String, Record)]) -> anyhow::Result<()> {
    let objs = &search.spec.objectives;
    let dir = search.spec.out_dir.join("charts");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let item = |label: String, r: &Record| PointItem {
        label,
        x: r.mean[0],
        y: r.mean[1],
        x_lo: Some(r.lo[0]).filter(|x| x.is_finite()),
        x_hi: Some(r.hi[0]).filter(|x| x.is_finite()),
        y_lo: Some(r.lo[1]).filter(|x| x.is_finite()),
        y_hi: Some(r.hi[1]).filter(|x| x.is_finite()),
    };
    let front_points: Vec<PointItem> =
        front.iter().enumerate().map(|(k, r)| item(format!("{k}"), r)).collect();
    let references: Vec<PointItem> =
        refs.iter().filter(|(_, r)| r.error.is_none()).map(|(name, r)| item(name.clone(), r)).collect();
    let sets = [
        ScatterSet {
            points: &references,
            color: charts::REFERENCE_COLOR,
            joined: false,
            legend: Some("bundled scenarios (names)"),
        },
        ScatterSet {
            points: &front_points,
            color: charts::series_color(0),
            joined: true,
            legend: Some("Pareto front re-run (point numbers)"),
        },
    ];
    let title =
        "Pareto front and bundled scenarios on fresh replicates (means, 95% intervals; both minimised)";
    let (x_label, y_label) = (axis_title(&objs[0]), axis_title(&objs[1]));
    charts::scatter_sets(
        &dir.join("pareto.png"),
        &ChartText { title, x_label: &x_label, y_label: &y_label },
        &sets,
    )?;
    Ok(())
}

/// An objective's axis title: what was reduced over the run, and its unit.
pub fn axis_title(o: &Objective) -> String {
    outcomes::axis_title(o.metric, o.stat)
}

/// Evaluates the reference scenarios on the fresh replicates and writes `references.csv`;
/// problems become warnings (and no references).
fn references(search: &Search<'_>, runner: &mut Runner, warnings: &mut Vec<String>) -> Vec<(String, Record)> {
    let scenarios = reference_scenarios(search);
    let prepared: Vec<Prepared> = scenarios
        .iter()
        .map(|s| Prepared { params: Ok(s.params.clone()), values: vec![f64::NAN; search.space.paths.len()] })
        .collect();
    let prepared = on_fresh_seed(prepared, search.spec.scenario.params.run.seed);
    let refs: Vec<(String, Record)> = match search.evaluate(runner, &prepared) {
        Ok(records) => scenarios.iter().map(|s| s.params.run.name.clone()).zip(records).collect(),
        Err(e) => {
            warnings.push(format!("reference scenarios not evaluated: {e:#}"));
            Vec::new()
        }
    };
    if let Err(e) =
        write_atomic(&search.spec.out_dir, "references.csv", references_csv(search, &refs).as_bytes())
    {
        warnings.push(format!("references.csv: {e:#}"));
    }
    refs
}

/// A warning per front point that a reference scenario beats on the fresh replicates
/// (`beaten`, from [`holdout::dominated_by`]).
fn dominated_warnings(beaten: &[Vec<String>]) -> Vec<String> {
    let beaten = beaten.iter().enumerate().filter(|(_, names)| !names.is_empty());
    beaten
        .map(|(k, names)| {
            format!(
                "front point {k} is dominated by {} on fresh replicates (holdout.csv dominated_by)",
                names.join(", ")
            )
        })
        .collect()
}

/// Writes every output of a finished search; the runner writes the manifest last.
pub fn write_all(
    search: &Search<'_>,
    gens: &[Generation],
    resumed: usize,
    mut runner: Runner,
) -> anyhow::Result<OptimizeOutcome> {
    let spec = search.spec;
    let dir = &spec.out_dir;
    let last = gens.last().map(|g| g.population.as_slice()).unwrap_or_default();
    let front = final_front(last, spec.budget);
    let fresh = holdout::reevaluate(search, &mut runner, &front)?;
    let hv = holdout::hypervolumes(gens, spec.budget);
    let mut warnings = Vec::new();
    let refs = references(search, &mut runner, &mut warnings);
    let beaten = holdout::dominated_by(&fresh, &refs, spec.budget);
    warnings.extend(dominated_warnings(&beaten));
    write_atomic(dir, "pareto.csv", pareto_csv(search, &front).as_bytes())?;
    write_atomic(dir, "holdout.csv", holdout_csv(search, &fresh, &beaten).as_bytes())?;
    write_atomic(dir, "evaluated.csv", evaluated_csv(search, gens).as_bytes())?;
    write_atomic(dir, "hypervolume.csv", holdout::hypervolume_csv(&hv).as_bytes())?;
    write_front(search, &front, &fresh)?;
    let mut outputs: Vec<String> = [
        "search.json",
        "generations/",
        "pareto.csv",
        "holdout.csv",
        "evaluated.csv",
        "hypervolume.csv",
        "front/",
    ]
    .map(String::from)
    .to_vec();
    if spec.charts && spec.objectives.len() < 2 {
        warnings.push("charts/pareto.png needs two objectives; not drawn".into());
    } else if spec.charts
        && let Err(e) = pareto_chart(search, &fresh, &refs)
    {
        warnings.push(format!("charts/pareto.png: {e:#}"));
    }
    if spec.charts {
        let drawn = fs::create_dir_all(dir.join("charts")).map_err(anyhow::Error::from).and_then(|()| {
            holdout::hypervolume_chart(&dir.join("charts/hypervolume.png"), &hv, &spec.objectives)
        });
        if let Err(e) = drawn {
            warnings.push(format!("charts/hypervolume.png: {e:#}"));
        }
    }
    if dir.join("references.csv").exists() {
        outputs.push("references.csv".into());
    }
    for file in ["charts/pareto.png", "charts/hypervolume.png"] {
        if spec.charts && dir.join(file).exists() {
            outputs.push(file.into());
        }
    }
    let evaluated: usize = gens.iter().map(|g| g.evaluated.len()).sum();
    let failed: usize = gens.iter().flat_map(|g| &g.evaluated).filter(|r| r.error.is_some()).count();
    let seconds = runner.seconds();
    let details = serde_json::json!({
        "search": search.stored_spec(),
        "generations": gens.len(),
        "evaluated": evaluated,
        "failed": failed,
        "front": front.len(),
        "resumed_generations": resumed,
        "duplicates_skipped": gens.iter().map(|g| g.skipped).sum::<usize>(),
        "holdout_seed": holdout_seed(spec.scenario.params.run.seed),
        "method": "NSGA-II (Deb et al. 2002): constrained domination, crowding distance, SBX (eta 15, p 0.9), polynomial mutation (eta 20, p 1/levers)",
    });
    runner.finish(outputs, warnings, details_field(details))?;
    Ok(OptimizeOutcome {
        out_dir: dir.clone(),
        front: front.len(),
        evaluated,
        failed,
        resumed_generations: resumed,
        seconds,
    })
}

/// `holdout.csv`: per front point, its levers, its objectives on the fresh replicates
/// (mean and 95% interval), its mean monthly spending there, whether the budget holds
/// there, the seed, and the reference scenarios that beat it there (`dominated_by`,
/// names separated by `;`: `beaten`, from [`holdout::dominated_by`]).
pub fn holdout_csv(search: &Search<'_>, fresh: &[Record], beaten: &[Vec<String>]) -> String {
    let cols = value_columns(search);
    let seed = holdout_seed(search.spec.scenario.params.run.seed);
    let mut out = format!("point,{},spending_mean,feasible,seed,dominated_by", cols.join(","));
    out.push_str(&draw_header(search));
    for (k, r) in fresh.iter().enumerate() {
        let fields = value_fields(r);
        let spending = r.spending.first().map_or(String::new(), |&x| fmt_real(x));
        let feasible = r.error.is_none() && r.feasible(search.spec.budget);
        let by = csv_field(&beaten[k].join(";"));
        out.push_str(&format!("{k},{},{spending},{feasible},{seed},{by}", fields.join(",")));
        out.push_str(&draw_fields(search, r));
    }
    out
}
