//! `narcodoor optimize`: NSGA-II over policy levers of a scenario, every candidate run on
//! the same replicates (common random numbers), so that two candidates are compared on
//! the same luck.
//!
//! Generation 0 is a Latin hypercube over the levers' ranges; each later generation breeds
//! `population` children from the survivors ([`narcodoor_numerics::nsga2::offspring`]), evaluates them
//! and keeps the best `population` of parents and children. A candidate's objectives are
//! the means over replicates of each `METRIC[:STAT]` (95% Student t intervals alongside);
//! with `--budget`, mean monthly spending above the budget is a constraint violation, and
//! infeasible candidates rank behind feasible ones by their excess. A candidate the
//! scenario rules refuse, or whose run fails, is recorded with its error and ranks last.
//! Every candidate runs with its levers rounded to a resolution of its range
//! ([`round_lever`]), so that the objectives reported are those of the digits shown. A
//! candidate whose values (as they run: rounded, integer levers to whole numbers) equal
//! those of a candidate already evaluated is not run again; it shares that record.
//!
//! The values the search ranks by are in-sample; the final front and the reference
//! scenarios are re-run on fresh replicates at the end ([`holdout`]).
//!
//! Robust mode (`--uncertain PATH=LO:HI`, `--draws K`): the uncertain parameters take K
//! Latin-hypercube draws, the same for every candidate; each candidate runs every draw on
//! every replicate, and per replicate the objective is the mean or the chosen percentile
//! (`--robust p90`) of its values over the draws; means and intervals are then taken over
//! replicates as usual. With `--posterior FILE` instead of `--uncertain`, the K variants
//! are K draws resampled from a calibration's posterior (the same for every candidate).
//! `--robust below:V1,V2,...` (one threshold per objective) minimises, per objective, the
//! share of draws above its threshold: 1 − P(objective ≤ threshold), so the search maximises
//! the probability of meeting every target. In robust mode each candidate also carries, per
//! objective, the 5% and 95% quantiles over the draws of its mean over replicates.
//!
//! Each finished generation is a checkpoint ([`crate::command::generations::store`]): a killed
//! search, run again with the same command, resumes at the last one with the same bytes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::command::generations::{self, Batch, Prepared, Space, exact, store::Store};
use crate::command::runner::{Experiment, Runner, Settings};
use crate::error::InputError;
use crate::experiment::outcomes::{Reduced, Statistic, column, run_statistic};
use crate::experiment::posterior::Draws;
use crate::output::manifest::Scale;
use narcodoor_engine::ReplicateResult;
use narcodoor_model::metrics::{METRICS, index_of, m};
use narcodoor_model::params::Params;
use narcodoor_numerics::nsga2::{self, Fitness, Operators};
use narcodoor_numerics::stats::{mean_ci, quantile_sorted};
use narcodoor_numerics::uncertainty::quantile;
use narcodoor_scenario::{Overrides, Scenario, resolved_json, set_value_f64};

pub mod holdout;
pub mod output;

/// The files an optimisation writes at its end (removed when it starts or resumes).
pub const OUTPUTS: [&str; 5] =
    ["pareto.csv", "holdout.csv", "evaluated.csv", "hypervolume.csv", "manifest.json"];

/// An objective to minimise: a metric reduced by a statistic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objective {
    pub metric: usize,
    pub stat: Statistic,
    /// The column stem, as in a sweep's points.csv: `<metric>_<stat>` (`recruits_total`,
    /// `spending_total_mean`), the statistic's default spelled out.
    pub name: String,
}

/// Parses `METRIC[:STAT]`; without a statistic, the metric's run value (as in `compare`).
pub fn parse_objective(text: &str) -> anyhow::Result<Objective> {
    let (name, stat) = match text.split_once(':') {
        Some((n, s)) => (n.trim(), Some(s.trim())),
        None => (text.trim(), None),
    };
    let metric = index_of(name).ok_or_else(|| {
        InputError::new(format!(
            "--objective {text}: `{name}` is not a metric; choose one of {}",
            METRICS.join(", ")
        ))
    })?;
    match stat {
        None => {
            Ok(Objective { metric, stat: run_statistic(metric), name: column(metric, run_statistic(metric)) })
        }
        Some(s) => {
            let stat = Statistic::parse(s).ok_or_else(|| {
                InputError::new(format!("--objective {text}: statistic `{s}` must be horizon, total or mean"))
            })?;
            Ok(Objective { metric, stat, name: column(metric, stat) })
        }
    }
}

/// The power of ten a lever searched over [lo, hi] is rounded to: the one that cuts the
/// range into 100 to 1000 steps (coverage 0–0.9: 0.001; job slots 0–40: 0.1).
fn lever_exponent(lo: f64, hi: f64) -> i32 {
    (hi - lo).log10().ceil() as i32 - 3
}

/// A lever's value rounded to [`lever_exponent`], kept within [lo, hi]. Every candidate
/// runs at its rounded values, so the files show the values that ran, in digits a reader
/// can set, and every objective reported is that of the values shown: a step of at most
/// a hundredth of the range moves an objective far less than the replicates' noise, and
/// no policy is set to nine decimals (issue 27, item 9).
pub fn round_lever(x: f64, lo: f64, hi: f64) -> f64 {
    let e = lever_exponent(lo, hi);
    let rounded = if e >= 0 {
        let step = 10f64.powi(e);
        (x / step).round() * step
    } else {
        // Through decimal text, so that 0.437 is written 0.437, not 0.43700000000000006.
        format!("{x:.*}", e.unsigned_abs() as usize).parse().unwrap_or(x)
    };
    rounded.clamp(lo, hi)
}

/// How robust mode summarises a candidate over the uncertain draws.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Robust {
    Mean,
    /// A percentile in (0, 100].
    Percentile(f64),
    /// One threshold per objective: the share of draws whose value exceeds it (1 − the
    /// probability of meeting it), to minimise.
    Below(Vec<f64>),
}

/// Parses `--robust`: `mean`, `pNN` (a percentile, e.g. `p90`) or `below:V1,V2,...`.
pub fn parse_robust(text: &str) -> anyhow::Result<Robust> {
    if text == "mean" {
        return Ok(Robust::Mean);
    }
    if let Some(list) = text.strip_prefix("below:") {
        let values: Option<Vec<f64>> =
            list.split(',').map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
        return match values {
            Some(v) if !v.is_empty() => Ok(Robust::Below(v)),
            _ => Err(InputError::new(format!(
                "--robust {text}: expected below:V1,V2,... with a finite threshold per --objective"
            ))
            .into()),
        };
    }
    match text.strip_prefix('p').and_then(|p| p.parse::<f64>().ok()) {
        Some(p) if p > 0.0 && p <= 100.0 => Ok(Robust::Percentile(p)),
        _ => {
            Err(InputError::new(format!("--robust {text}: expected mean or a percentile such as p90")).into())
        }
    }
}

impl Robust {
    /// Objective `j`'s values over the draws, reduced to one number to minimise.
    fn reduce(&self, j: usize, values: &mut [f64]) -> f64 {
        match self {
            Robust::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Robust::Percentile(p) => {
                values.sort_by(f64::total_cmp);
                quantile_sorted(values, p / 100.0)
            }
            Robust::Below(t) => values.iter().filter(|&&x| x > t[j]).count() as f64 / values.len() as f64,
        }
    }
}

/// What the command line asks for.
#[derive(Clone, Debug)]
pub struct OptimizeSpec {
    pub scenario: Scenario,
    /// The command-line overrides, applied to the reference scenarios too.
    pub overrides: Overrides,
    pub levers: Vec<(String, f64, f64)>,
    pub objectives: Vec<Objective>,
    pub budget: Option<f64>,
    pub population: usize,
    pub generations: u64,
    pub uncertain: Vec<(String, f64, f64)>,
    pub draws: usize,
    pub robust: Robust,
    /// The posterior's draws, the other source of robust mode's variants.
    pub posterior: Option<Draws>,
    pub settings: Settings,
    pub out_dir: PathBuf,
    pub charts: bool,
}

/// One evaluated candidate, as stored in a checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The levers' values as they ran.
    #[serde(with = "exact")]
    pub values: Vec<f64>,
    #[serde(with = "exact")]
    pub mean: Vec<f64>,
    #[serde(with = "exact")]
    pub lo: Vec<f64>,
    #[serde(with = "exact")]
    pub hi: Vec<f64>,
    /// Mean monthly spending (pesos), over replicates and draws.
    #[serde(with = "exact")]
    pub spending: Vec<f64>,
    pub error: Option<String>,
    /// Robust mode: per objective, the 5% and 95% quantiles over the draws of its mean
    /// over replicates (empty otherwise).
    #[serde(with = "exact", default, skip_serializing_if = "Vec::is_empty")]
    pub draw_lo: Vec<f64>,
    #[serde(with = "exact", default, skip_serializing_if = "Vec::is_empty")]
    pub draw_hi: Vec<f64>,
}

impl Record {
    pub fn fitness(&self, budget: Option<f64>) -> Fitness {
        if self.error.is_some() {
            return Fitness::failed(self.mean.len());
        }
        let excess = budget.map_or(0.0, |b| (self.spending[0] - b).max(0.0));
        Fitness { objectives: self.mean.clone(), violation: excess }
    }

    pub fn feasible(&self, budget: Option<f64>) -> bool {
        self.fitness(budget).is_feasible()
    }
}

/// A finished generation: the candidates it evaluated and the survivors (indices into
/// the previous population followed by this generation's candidates).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub evaluated: Vec<Record>,
    pub population: Vec<Record>,
    /// Candidates not run because a record with the same values existed.
    #[serde(default)]
    pub skipped: usize,
}

/// What an optimisation reports back.
#[derive(Clone, Debug)]
pub struct OptimizeOutcome {
    pub out_dir: PathBuf,
    pub front: usize,
    pub evaluated: usize,
    pub failed: usize,
    pub resumed_generations: usize,
    pub seconds: f64,
}

impl OptimizeOutcome {
    /// What the command line prints at the end of a search.
    pub fn summary_text(&self) -> String {
        let resumed = match self.resumed_generations {
            0 => String::new(),
            n => format!(" (resumed after {n} generations)"),
        };
        format!(
            "optimize: {} candidates evaluated ({} failed), {} on the final front; {:.1} s{resumed}; outputs in {}\n",
            self.evaluated,
            self.failed,
            self.front,
            self.seconds,
            self.out_dir.display()
        )
    }
}

/// The search: what every evaluation needs.
pub struct Search<'a> {
    pub spec: &'a OptimizeSpec,
    pub space: Space,
    /// The uncertain parameters' draws (one vector per draw), or one empty draw.
    pub draws: Vec<Vec<f64>>,
    pub replicates: u32,
}

impl<'a> Search<'a> {
    pub fn new(spec: &'a OptimizeSpec) -> anyhow::Result<Search<'a>> {
        let base = spec.scenario.params.clone();
        let space = Space::new(base.clone(), &spec.levers, "--lever")?;
        Space::new(base.clone(), &spec.uncertain, "--uncertain")?;
        let draws = if let Some(d) = &spec.posterior {
            check_posterior(d, spec, &base)?;
            vec![Vec::new(); d.count()]
        } else if spec.uncertain.is_empty() {
            vec![Vec::new()]
        } else {
            let bounds: Vec<(f64, f64)> = spec.uncertain.iter().map(|u| (u.1, u.2)).collect();
            nsga2::initial_population(&bounds, spec.draws, base.run.seed ^ 0x756e_6365_7274)
        };
        Ok(Search { spec, space, draws, replicates: base.run.replicates })
    }

    /// A point made ready to run: its levers rounded ([`round_lever`]), then applied (integer
    /// levers rounded again by the scenario).
    pub fn prepare(&self, point: &[f64]) -> Prepared {
        let levers = &self.spec.levers;
        let rounded: Vec<f64> = point.iter().zip(levers).map(|(&x, l)| round_lever(x, l.1, l.2)).collect();
        self.space.prepare(&rounded)
    }

    /// Whether candidates run under several draws (`--uncertain` or `--posterior`).
    pub fn robust(&self) -> bool {
        self.draws.len() > 1
    }

    /// A candidate's variants: its parameters under each uncertain or posterior draw.
    fn variants(&self, p: &Params) -> Result<Vec<Params>, String> {
        if let Some(d) = &self.spec.posterior {
            return d.apply(p, "the candidate").map_err(|e| format!("{e:#}"));
        }
        self.draws
            .iter()
            .map(|d| {
                let mut q = p.clone();
                for ((path, _, _), &x) in self.spec.uncertain.iter().zip(d) {
                    set_value_f64(&mut q, path, x).map_err(|e| e.to_string())?;
                }
                Ok(q)
            })
            .collect()
    }

    /// Evaluates prepared candidates (in parallel) and summarises each.
    pub fn evaluate(&self, runner: &mut Runner, prepared: &[Prepared]) -> anyhow::Result<Vec<Record>> {
        let mut cands: Vec<Prepared> = prepared.to_vec();
        let mut variants = Vec::with_capacity(cands.len());
        for c in &mut cands {
            let v = match &c.params {
                Ok(p) => self.variants(p),
                Err(_) => Ok(Vec::new()),
            };
            match v {
                Ok(v) => variants.push(v),
                Err(e) => {
                    c.params = Err(e);
                    variants.push(Vec::new());
                }
            }
        }
        let batch = Batch { candidates: &cands, variants, replicates: self.replicates };
        let objectives = &self.spec.objectives;
        let measure = |_c: usize, _v: usize, r: &ReplicateResult| {
            let red = Reduced::of(r);
            let mut out: Vec<f64> = objectives.iter().map(|o| red.value(o.metric, o.stat)).collect();
            out.push(red.value(m::SPENDING_TOTAL, Statistic::Mean));
            out
        };
        let outcomes = generations::evaluate(runner, "optimize", &batch, &measure)?;
        Ok(outcomes.into_iter().zip(&cands).map(|(o, c)| self.summarise(c, o)).collect())
    }

    fn summarise(&self, c: &Prepared, outcome: generations::Outcome) -> Record {
        let k = self.spec.objectives.len();
        let nan = vec![f64::NAN; k];
        let failed = |e: String| Record {
            values: c.values.clone(),
            mean: nan.clone(),
            lo: nan.clone(),
            hi: nan.clone(),
            spending: vec![f64::NAN],
            error: Some(e),
            draw_lo: Vec::new(),
            draw_hi: Vec::new(),
        };
        let runs = match outcome {
            Err(e) => return failed(e),
            Ok(v) => v,
        };
        let (mut mean, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
        for j in 0..=k {
            let per_rep: Vec<f64> = (0..self.replicates as usize)
                .map(|r| {
                    let mut xs: Vec<f64> = runs.iter().map(|v| v[r][j]).collect();
                    if j == k { Robust::Mean.reduce(j, &mut xs) } else { self.spec.robust.reduce(j, &mut xs) }
                })
                .collect();
            let ci = mean_ci(&per_rep, 0.95);
            mean.push(ci.mean);
            lo.push(ci.lo);
            hi.push(ci.hi);
        }
        if mean.iter().any(|x| !x.is_finite()) && self.replicates > 0 {
            return failed("the run gave a non-finite objective".into());
        }
        let spending = vec![mean.pop().unwrap_or(f64::NAN)];
        lo.pop();
        hi.pop();
        let (draw_lo, draw_hi) = if self.robust() { draw_quantiles(&runs, k) } else { Default::default() };
        Record { values: c.values.clone(), mean, lo, hi, spending, error: None, draw_lo, draw_hi }
    }

    /// The checkpoint's description of the search: everything its bytes depend on.
    pub fn stored_spec(&self) -> serde_json::Value {
        let s = self.spec;
        let p = &s.scenario.params;
        serde_json::json!({
            "search": "optimize",
            // 2: levers rounded as they run, objective columns named as in points.csv.
            "format": 2,
            "narcodoor_version": env!("CARGO_PKG_VERSION"),
            "scenario_hash": crate::fingerprint::fnv1a(resolved_json(p).to_string().as_bytes()),
            "levers": s.levers.iter().map(|l| (l.0.clone(), format!("{:?}", l.1), format!("{:?}", l.2))).collect::<Vec<_>>(),
            "objectives": s.objectives.iter().map(|o| o.name.clone()).collect::<Vec<_>>(),
            "budget": s.budget.map(|b| format!("{b:?}")),
            "population": s.population,
            "uncertain": s.uncertain.iter().map(|l| (l.0.clone(), format!("{:?}", l.1), format!("{:?}", l.2))).collect::<Vec<_>>(),
            "draws": s.draws,
            "robust": format!("{:?}", s.robust),
            "posterior": s.posterior.as_ref().map(|d| serde_json::json!({ "hash": d.posterior.hash, "draws": d.count() })),
            "seed": p.run.seed,
            "replicates": p.run.replicates,
            "months": p.run.months,
            "burn_in_months": p.run.burn_in_months,
            "youths": p.total_youths(),
        })
    }
}

fn check_spec(spec: &OptimizeSpec) -> anyhow::Result<()> {
    let bad = |m: &str| -> anyhow::Result<()> { Err(InputError::new(m.to_string()).into()) };
    if spec.levers.is_empty() {
        return bad("optimize needs at least one --lever PATH=LO:HI");
    }
    if spec.objectives.is_empty() {
        return bad("optimize needs at least one --objective METRIC[:STAT]");
    }
    if spec.population < 4 || spec.population % 2 == 1 {
        return bad("--population must be an even number ≥ 4");
    }
    if spec.budget.is_some_and(|b| !(b.is_finite() && b >= 0.0)) {
        return bad("--budget must be a finite number of pesos per month ≥ 0");
    }
    if !spec.uncertain.is_empty() && spec.draws < 2 {
        return bad("--draws must be at least 2 with --uncertain");
    }
    if let Robust::Below(t) = &spec.robust {
        if t.len() != spec.objectives.len() {
            return bad(&format!(
                "--robust below: {} thresholds for {} objectives: give one per --objective, in order",
                t.len(),
                spec.objectives.len()
            ));
        }
        if spec.uncertain.is_empty() && spec.posterior.is_none() {
            return bad(
                "--robust below:... is a probability over draws: it needs --uncertain or --posterior",
            );
        }
    }
    Ok(())
}

/// A posterior's columns must not be searched, and every column must apply to the scenario.
fn check_posterior(d: &Draws, spec: &OptimizeSpec, base: &Params) -> anyhow::Result<()> {
    if !spec.uncertain.is_empty() {
        return Err(
            InputError::new("--posterior and --uncertain are two sources of the draws: give one").into()
        );
    }
    if let Some(l) = spec.levers.iter().find(|l| d.posterior.paths.contains(&l.0)) {
        return Err(InputError::new(format!(
            "--lever {}: the path is also a column of --posterior {}; a searched lever cannot also be uncertain",
            l.0, d.posterior.file
        ))
        .into());
    }
    d.apply(base, "the scenario").map(|_| ())
}

/// Per objective, the 5% and 95% quantiles over the draws of each draw's mean over
/// replicates (`runs[draw][replicate][objective]`).
fn draw_quantiles(runs: &[Vec<Vec<f64>>], k: usize) -> (Vec<f64>, Vec<f64>) {
    let tail = (1.0 - narcodoor_numerics::uncertainty::DRAW_LEVEL) / 2.0;
    let (mut lo, mut hi) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for j in 0..k {
        let means: Vec<f64> =
            runs.iter().map(|reps| reps.iter().map(|v| v[j]).sum::<f64>() / reps.len() as f64).collect();
        lo.push(quantile(&means, tail));
        hi.push(quantile(&means, 1.0 - tail));
    }
    (lo, hi)
}

/// Runs (or resumes) the search and writes its outputs. `progress(months)` is called
/// after every simulated month.
pub fn optimize(spec: &OptimizeSpec) -> anyhow::Result<OptimizeOutcome> {
    check_spec(spec)?;
    let stored = Search::new(spec)?.stored_spec();
    let store = Store::open(&spec.out_dir, spec.settings.force, &stored, &OUTPUTS)?;
    // With --force over an earlier directory, the search writes into its staging directory.
    let staged = OptimizeSpec { out_dir: store.dir.clone(), ..spec.clone() };
    store.finish(optimize_in(&staged, &store), |o| &mut o.out_dir)
}

fn optimize_in(spec: &OptimizeSpec, store: &Store) -> anyhow::Result<OptimizeOutcome> {
    let search = Search::new(spec)?;
    let p = &spec.scenario.params;
    let experiment = Experiment {
        name: "optimize",
        out_dir: &spec.out_dir,
        scale: Scale::of(p),
        inputs: spec.scenario.files.clone(),
        paired: true,
    };
    let mut runner = Runner::start(experiment, spec.settings.clone())?;
    match search_loop(&search, store, &mut runner) {
        Ok((gens, resumed)) => output::write_all(&search, &gens, resumed, runner),
        Err(e) => Err(runner.abandon(vec!["search.json".into(), "generations/".into()], e)),
    }
}

/// Runs the generations not yet in the store; returns them all and how many were resumed.
fn search_loop(
    search: &Search<'_>,
    store: &Store,
    runner: &mut Runner,
) -> anyhow::Result<(Vec<Generation>, usize)> {
    let spec = search.spec;
    let mut gens: Vec<Generation> = store.load()?;
    let resumed = gens.len();
    let bounds: Vec<(f64, f64)> = spec.levers.iter().map(|l| (l.1, l.2)).collect();
    let seed = spec.scenario.params.run.seed;
    while (gens.len() as u64) <= spec.generations {
        let g = gens.len() as u64;
        let next = match gens.last() {
            None => {
                let points = nsga2::initial_population(&bounds, spec.population, seed);
                let prepared: Vec<Prepared> = points.iter().map(|x| search.prepare(x)).collect();
                let (evaluated, all) = evaluate_unique(search, runner, &prepared, &[])?;
                let skipped = prepared.len() - evaluated.len();
                Generation { population: all, evaluated, skipped }
            }
            Some(prev) => step(search, runner, prev, &bounds, seed, g)?,
        };
        store.save(g, &next)?;
        gens.push(next);
    }
    Ok((gens, resumed))
}

/// One NSGA-II generation after the first.
fn step(
    search: &Search<'_>,
    runner: &mut Runner,
    prev: &Generation,
    bounds: &[(f64, f64)],
    seed: u64,
    g: u64,
) -> anyhow::Result<Generation> {
    let budget = search.spec.budget;
    let parents: Vec<Vec<f64>> = prev.population.iter().map(|r| r.values.clone()).collect();
    let fit: Vec<Fitness> = prev.population.iter().map(|r| r.fitness(budget)).collect();
    let children =
        nsga2::offspring(&parents, &fit, bounds, &Operators::default(), search.spec.population, seed, g);
    let prepared: Vec<Prepared> = children.iter().map(|x| search.prepare(x)).collect();
    let (evaluated, _) = evaluate_unique(search, runner, &prepared, &prev.population)?;
    let skipped = prepared.len() - evaluated.len();
    let pool: Vec<Record> = prev.population.iter().chain(&evaluated).cloned().collect();
    let pool_fit: Vec<Fitness> = pool.iter().map(|r| r.fitness(budget)).collect();
    let keep = nsga2::select_survivors(&pool_fit, search.spec.population);
    Ok(Generation { evaluated, population: keep.into_iter().map(|i| pool[i].clone()).collect(), skipped })
}

/// The candidates worth running: the first of each set of equal values (as they run:
/// integer levers round many children onto one point) that no `known` record holds.
pub fn unique_new(prepared: &[Prepared], known: &[Record]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for (i, c) in prepared.iter().enumerate() {
        let seen =
            known.iter().any(|r| r.values == c.values) || out.iter().any(|&j| prepared[j].values == c.values);
        if !seen {
            out.push(i);
        }
    }
    out
}

/// Evaluates the [`unique_new`] candidates only; returns them and, for every candidate, its
/// record (a duplicate shares the record of its first occurrence).
fn evaluate_unique(
    search: &Search<'_>,
    runner: &mut Runner,
    prepared: &[Prepared],
    known: &[Record],
) -> anyhow::Result<(Vec<Record>, Vec<Record>)> {
    let fresh = unique_new(prepared, known);
    let to_run: Vec<Prepared> = fresh.iter().map(|&i| prepared[i].clone()).collect();
    let evaluated = search.evaluate(runner, &to_run)?;
    let all = prepared
        .iter()
        .map(|c| {
            let found = known.iter().chain(&evaluated).find(|r| r.values == c.values);
            found.cloned().expect("every candidate is known or evaluated")
        })
        .collect();
    Ok((evaluated, all))
}

/// The final front: the first non-dominated front of the last population (feasible
/// candidates only, if any is feasible), sorted by the first objective.
pub fn final_front(population: &[Record], budget: Option<f64>) -> Vec<Record> {
    let ok: Vec<&Record> = population.iter().filter(|r| r.error.is_none()).collect();
    let any_feasible = ok.iter().any(|r| r.feasible(budget));
    let fit: Vec<Fitness> = ok.iter().map(|r| r.fitness(budget)).collect();
    let Some(first) = nsga2::non_dominated_sort(&fit).into_iter().next() else { return Vec::new() };
    let mut front: Vec<Record> =
        first.into_iter().map(|i| ok[i].clone()).filter(|r| !any_feasible || r.feasible(budget)).collect();
    front.sort_by(|a, b| {
        a.mean[0]
            .total_cmp(&b.mean[0])
            .then_with(|| a.values.partial_cmp(&b.values).unwrap_or(std::cmp::Ordering::Equal))
    });
    front.dedup_by(|a, b| a.values == b.values);
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails if: a lever keeps digits no one can set, leaves its range, or a rounded value
    /// rounds again to another (the front's files are read back and run).
    #[test]
    fn levers_round_to_a_thousandth_of_their_range_order() {
        assert_eq!(round_lever(0.4372918374, 0.0, 0.9), 0.437);
        assert_eq!(round_lever(0.4372918374, 0.0, 1.0), 0.437);
        assert_eq!(round_lever(30.216043817, 0.0, 40.0), 30.2);
        assert_eq!(round_lever(12345.678, 0.0, 50000.0), 12300.0);
        assert_eq!(round_lever(-2.71828, -4.0, 0.0), -2.72);
        // Kept within the range where a bound is finer than the step.
        assert_eq!(round_lever(0.01234, 0.0123, 0.9), 0.0123);
        assert_eq!(round_lever(0.89999, 0.05, 0.8999), 0.8999);
        for x in [0.1234567, 0.5, 0.899] {
            let r = round_lever(x, 0.0, 0.9);
            assert_eq!(round_lever(r, 0.0, 0.9), r);
            assert!(format!("{r}").len() <= 5, "{r} is written with at most three decimals");
        }
        let o = parse_objective("spending_total:mean").unwrap();
        assert_eq!(o.name, "spending_total_mean");
        assert_eq!(parse_objective("recruits").unwrap().name, "recruits_total");
    }

    /// Fails if: a threshold's meeting (≤) counts as missing it, the share is not over the
    /// draws, or a threshold is read for another objective.
    #[test]
    fn below_minimises_the_share_of_draws_above_each_objectives_threshold() {
        let r = parse_robust("below:2.5,10").unwrap();
        assert_eq!(r, Robust::Below(vec![2.5, 10.0]));
        assert_eq!(r.reduce(0, &mut [1.0, 2.0, 3.0, 4.0]), 0.5);
        assert_eq!(r.reduce(1, &mut [1.0, 10.0, 11.0, 4.0]), 0.25);
        assert_eq!(Robust::Below(vec![2.0]).reduce(0, &mut [2.0, 2.0]), 0.0);
        for bad in ["below:", "below:x", "below:1,inf", "p0", "median"] {
            assert!(parse_robust(bad).unwrap_err().is::<InputError>(), "{bad}");
        }
    }

    fn prep(x: f64) -> Prepared {
        Prepared { params: Err(String::new()), values: vec![x] }
    }

    #[test]
    fn duplicates_are_not_run_again() {
        let known = Record {
            values: vec![2.0],
            mean: vec![0.0],
            lo: vec![0.0],
            hi: vec![0.0],
            spending: vec![0.0],
            error: None,
            draw_lo: Vec::new(),
            draw_hi: Vec::new(),
        };
        // Integer levers round 1.2 and 0.8 onto 1: only the first of equal values runs, and
        // none that a known record holds.
        let cands = [prep(1.0), prep(2.0), prep(1.0), prep(3.0), prep(3.0)];
        assert_eq!(unique_new(&cands, &[known]), vec![0, 3]);
    }
}
