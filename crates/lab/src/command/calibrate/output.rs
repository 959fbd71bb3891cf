//! The files of `narcodoor calibrate`: `posterior.csv` (every generation's particles),
//! `calibrated.toml` (the posterior medians as a scenario extending FILE, with the distance
//! they gave on fresh seeds), `fit.csv` (each target with the posterior predictive mean and
//! 95% interval of [`crate::command::calibrate::check`], the accepted particles' own range, labelled as such,
//! and the calibrated point's value; a study row's observed value is the published effect,
//! its interval in `published_lo`/`published_hi`, the other values the model's effect), `charts/fit.png` (from fit.csv's text,
//! [`crate::command::calibrate::fit_chart`]), `charts/posterior.png` and `manifest.json`.

use std::fs;

use anyhow::Context;

use crate::command::calibrate::check::{Predictive, effective_sample_size};
use crate::command::calibrate::{CalibrateOutcome, CalibrateSpec, StoredGeneration};
use crate::command::generations::Space;
use crate::command::generations::overlay::{relative_path, scenario_text};
use crate::command::runner::{Runner, details_field};
use crate::output::atomic::write_in as write_atomic;
use crate::output::tables::csv_field;
use crate::spelling::fmt_real;
use narcodoor_charts::{self as charts, Band, ChartText, PanelScale};
use narcodoor_numerics::abc::{self, Particle, weighted_quantile};

/// Bins of the marginal histograms in `charts/posterior.png`.
const BINS: usize = 20;

fn posterior_csv(spec: &CalibrateSpec, gens: &[StoredGeneration]) -> String {
    let paths: Vec<&str> = spec.params.iter().map(|q| q.0.as_str()).collect();
    let mut out = format!("generation,particle,weight,distance,{}\n", paths.join(","));
    for g in gens {
        for (k, p) in g.particles.iter().enumerate() {
            let theta: Vec<String> = p.theta.iter().map(|&x| fmt_real(x)).collect();
            out.push_str(&format!(
                "{},{k},{},{},{}\n",
                g.generation,
                fmt_real(p.weight),
                fmt_real(p.distance),
                theta.join(",")
            ));
        }
    }
    out
}

/// Per target: the weighted mean and 95% range of the accepted particles' own simulated
/// window means (which passed the tolerance, so this is not a predictive check).
fn accepted(g: &StoredGeneration, k: usize) -> (f64, f64, f64) {
    let v: Vec<f64> = g.particles.iter().map(|p| p.simulated.get(k).copied().unwrap_or(f64::NAN)).collect();
    let w: Vec<f64> = g.particles.iter().map(|p| p.weight).collect();
    let total: f64 = w.iter().sum();
    let mean = v.iter().zip(&w).map(|(v, w)| v * w).sum::<f64>() / total;
    (mean, weighted_quantile(&v, &w, 0.025), weighted_quantile(&v, &w, 0.975))
}

fn fit_csv(spec: &CalibrateSpec, last: &StoredGeneration, check: &Predictive) -> String {
    let mut out = String::from(
        "line,metric,region,start,end,observed,tolerance,predictive_mean,predictive_lo,predictive_hi,accepted_mean,accepted_lo,accepted_hi,median_point,published_lo,published_hi\n",
    );
    for (k, t) in spec.targets.iter().enumerate() {
        let (m, lo, hi) = check.intervals[k];
        let (am, alo, ahi) = accepted(last, k);
        let numbers = [m, lo, hi, am, alo, ahi, check.median_point[k]].map(fmt_real);
        // A study row: its effect and interval beside the model's; no tolerance of its own.
        let (tolerance, published) = match t.published_interval() {
            Some((lo, hi)) => (String::new(), format!("{},{}", fmt_real(lo), fmt_real(hi))),
            None => (fmt_real(t.tolerance), ",".to_string()),
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{tolerance},{},{published}\n",
            t.line,
            t.metric_text(),
            csv_field(&t.region_name),
            t.start_text,
            t.end_text,
            fmt_real(t.value),
            numbers.join(",")
        ));
    }
    out
}

fn particles(g: &StoredGeneration) -> Vec<Particle> {
    g.population().particles
}

/// Per parameter: (path, median, 90% interval).
pub fn summary(spec: &CalibrateSpec, last: &StoredGeneration) -> Vec<(String, f64, f64, f64)> {
    let ps = particles(last);
    spec.params
        .iter()
        .enumerate()
        .map(|(k, q)| {
            let (lo, med, hi) = abc::marginal(&ps, k, 0.9);
            (q.0.clone(), med, lo, hi)
        })
        .collect()
}

fn calibrated_toml(
    spec: &CalibrateSpec,
    space: &Space,
    last: &StoredGeneration,
    check: &Predictive,
) -> anyhow::Result<String> {
    let post = summary(spec, last);
    let medians: Vec<f64> = post.iter().map(|p| p.1).collect();
    let params = space
        .prepare(&medians)
        .params
        .map_err(|e| anyhow::anyhow!("the posterior medians are not a valid scenario: {e}"))?;
    let p = &spec.scenario.params;
    let mut header = vec![
        format!(
            "Calibrated by `narcodoor calibrate` against {}: posterior medians.",
            spec.targets_file.display()
        ),
        format!(
            "{} particles, generation {}, tolerance {}; {} youths, {} replicates, seed {}.",
            last.particles.len(),
            last.generation,
            fmt_real(last.epsilon),
            p.total_youths(),
            p.run.replicates,
            p.run.seed
        ),
        format!(
            "This point (the vector of marginal medians) was run on seed {}: distance {} (last tolerance {}).",
            check.median_seed,
            fmt_real(check.median_distance),
            fmt_real(last.epsilon)
        ),
    ];
    for (path, med, lo, hi) in &post {
        header.push(format!(
            "{path}: median {} (90% interval {} to {})",
            fmt_real(*med),
            fmt_real(*lo),
            fmt_real(*hi)
        ));
    }
    let parent = relative_path(&spec.scenario.path, &spec.out_dir);
    let run = vec![("name", format!("\"{}-calibrated\"", p.run.name))];
    Ok(scenario_text(&parent, &header, &run, &params, &space.paths))
}

fn posterior_chart(
    spec: &CalibrateSpec,
    last: &StoredGeneration,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let priors = spec.priors();
    let x: Vec<f64> = (0..BINS).map(|b| (b as f64 + 0.5) / BINS as f64).collect();
    let panels: Vec<(String, Band)> = spec
        .params
        .iter()
        .zip(&priors)
        .enumerate()
        .map(|(k, (q, prior))| {
            let (lo, hi) = prior.work_bounds();
            let mut h = vec![0.0; BINS];
            for p in &last.particles {
                let f = (prior.to_work(p.theta[k]) - lo) / (hi - lo);
                h[((f * BINS as f64) as usize).min(BINS - 1)] += p.weight * BINS as f64;
            }
            let scale = if q.3 { "log " } else { "" };
            (
                format!("{} ({scale}{}–{})", q.0, fmt_real(q.1), fmt_real(q.2)),
                Band::line("posterior density", h),
            )
        })
        .collect();
    let text = ChartText {
        title: "Posterior marginals over the prior ranges (1 = the prior's flat density)",
        x_label: "position in the prior range (0 = LO, 1 = HI)",
        y_label: "density",
    };
    charts::small_multiples(&dir.join("posterior.png"), &text, &x, &panels, &[], PanelScale::Free)?;
    Ok(())
}

/// Writes every output of a finished calibration, the manifest last.
pub fn write_all(
    spec: &CalibrateSpec,
    space: &Space,
    gens: &[StoredGeneration],
    check: &Predictive,
    resumed: usize,
    runner: Runner,
) -> anyhow::Result<CalibrateOutcome> {
    let dir = &spec.out_dir;
    let last = gens.last().context("no generation finished")?;
    write_atomic(dir, "posterior.csv", posterior_csv(spec, gens).as_bytes())?;
    let fit = fit_csv(spec, last, check);
    write_atomic(dir, "fit.csv", fit.as_bytes())?;
    write_atomic(dir, "calibrated.toml", calibrated_toml(spec, space, last, check)?.as_bytes())?;
    let mut outputs: Vec<String> =
        ["search.json", "generations/", "posterior.csv", "fit.csv", "calibrated.toml"]
            .map(String::from)
            .to_vec();
    let mut warnings = Vec::new();
    if spec.charts {
        let charts = dir.join("charts");
        fs::create_dir_all(&charts).with_context(|| format!("cannot create {}", charts.display()))?;
        for (name, r) in [
            ("fit.png", crate::command::calibrate::fit_chart::draw(&fit, &charts.join("fit.png"))),
            ("posterior.png", posterior_chart(spec, last, &charts)),
        ] {
            match r {
                Ok(()) => outputs.push(format!("charts/{name}")),
                Err(e) => warnings.push(format!("charts/{name}: {e:#}")),
            }
        }
    }
    let ess = effective_sample_size(last);
    if 0.05 * ess < 3.0 {
        warnings.push(format!(
            "effective sample size {ess:.1}: the 90% interval's limits rest on fewer than 3 effective particles; use more --particles"
        ));
    }
    let stopped = spec.stopping.reason(gens).unwrap_or("generations");
    let evaluated: usize = gens.iter().map(|g| g.evaluated).sum();
    let failed: usize = gens.iter().map(|g| g.failed).sum();
    let posterior = summary(spec, last);
    let seconds = runner.seconds();
    let details = serde_json::json!({
        "search": crate::command::calibrate::stored_spec(spec),
        "method": "ABC-SMC (Toni et al. 2009; Beaumont et al. 2009): tolerance = weighted median of the last distances (a weighted-quantile schedule), Gaussian kernel with twice the last population's weighted covariance, ancestor and step redrawn together outside the prior, importance weights; distance = group-weighted root sum of squared log ratios with offsets",
        "stopped": stopped,
        "common_random_numbers": spec.common_random_numbers,
        "generations": gens.iter().map(|g| serde_json::json!({
            "generation": g.generation, "epsilon": fmt_real(g.epsilon), "evaluated": g.evaluated, "failed": g.failed,
            "reached_tolerance": g.reached_tolerance, "effective_sample_size": fmt_real(effective_sample_size(g)),
        })).collect::<Vec<_>>(),
        "posterior": posterior.iter().map(|(p, m, lo, hi)| serde_json::json!({"path": p, "median": m, "lo90": lo, "hi90": hi})).collect::<Vec<_>>(),
        "resumed_generations": resumed,
        "predictive": {
            "draws": check.draws, "failed": check.failed, "first_seed": check.first_seed,
            "seeds": "draw i runs replicates 0..R of key(seed, 0x70726564, i)",
        },
        "median_point": {"seed": check.median_seed, "distance": fmt_real(check.median_distance)},
    });
    runner.finish(outputs, warnings.clone(), details_field(details))?;
    Ok(CalibrateOutcome {
        out_dir: dir.clone(),
        generations: gens.len(),
        evaluated,
        failed,
        epsilon: last.epsilon,
        posterior,
        resumed_generations: resumed,
        seconds,
        effective_sample_size: ess,
        median_distance: check.median_distance,
        stopped,
        warnings,
    })
}
