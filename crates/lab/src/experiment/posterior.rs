//! Parameter uncertainty from a calibration's posterior (`--posterior FILE`, `--draws K`).
//!
//! `narcodoor calibrate` writes `posterior.csv`: every generation's weighted particles, one
//! column per calibrated parameter path. A command given that file takes its last
//! generation as the posterior, resamples K parameter vectors from it by weight
//! (multinomial, from a stream keyed by the run's seed only, so the draws are the same for
//! any thread count and in every scenario of a comparison), and runs replicate r with draw
//! `r mod K`: several replicates per draw, so that the spread of an outcome over replicates
//! splits into a part due to the parameters and a part due to chance (see
//! [`narcodoor_numerics::uncertainty`]). In a comparison replicate r uses the same draw and the same
//! random streams in every scenario, so the pairing extends to the parameters.
//!
//! A lever parameter (`policy.<lever>.<key>`) describes how the lever works when it is
//! used; it is applied to a scenario where the lever is on and left out where it is off
//! (setting it would switch the lever on). Every other column must be a numeric parameter
//! of the scenario, and every value must be one the scenario's schema accepts: anything
//! else is bad input (exit code 2) naming the column.

use std::path::Path;

use crate::error::InputError;
use narcodoor_model::params::Params;
use narcodoor_model::rng::{Stream, key};
use narcodoor_scenario::{ErrorKind, lever_is_on, set_value_f64};

/// Columns of `posterior.csv` that are not parameters.
const BOOKKEEPING: [&str; 4] = ["generation", "particle", "weight", "distance"];

/// Keeps the posterior's resampling stream apart from every stream of the model.
const DRAW_STREAM: u64 = 0x706f_7374_6572_696f;

/// The weighted particles of a posterior (the last generation of a `posterior.csv`).
#[derive(Clone, Debug)]
pub struct Posterior {
    /// The file, as given (messages, manifest).
    pub file: String,
    /// FNV-1a of the file's bytes.
    pub hash: String,
    /// The parameter paths, one per column after the bookkeeping columns.
    pub paths: Vec<String>,
    /// The particles' numbers (the `particle` column, or the row order).
    pub ids: Vec<u64>,
    /// One vector of values per particle, in `paths` order.
    pub values: Vec<Vec<f64>>,
    /// The particles' weights, normalised to sum to 1.
    pub weights: Vec<f64>,
}

fn bad(file: &str, msg: String) -> anyhow::Error {
    InputError::new(format!("--posterior {file}: {msg}")).into()
}

/// Reads a posterior file (see [`parse_posterior`]).
pub fn read_posterior(path: &Path) -> anyhow::Result<Posterior> {
    let file = path.display().to_string();
    let bytes = narcodoor_scenario::input_file::read_bytes(path).map_err(|e| bad(&file, e.reason))?;
    parse_posterior(&file, &bytes)
}

fn number(file: &str, line: u64, column: &str, cell: &str) -> anyhow::Result<f64> {
    match cell.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(bad(file, format!("line {line}, column `{column}`: `{cell}` is not a finite number"))),
    }
}

/// Parses a posterior: a CSV header naming parameter paths, optionally with calibrate's
/// `generation`, `particle`, `weight` and `distance` columns. With a `generation` column
/// only the last generation is kept; without `weight` the particles weigh the same.
pub fn parse_posterior(file: &str, bytes: &[u8]) -> anyhow::Result<Posterior> {
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(file, format!("cannot read the header ({e})")))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let params: Vec<usize> =
        (0..header.len()).filter(|&i| !BOOKKEEPING.contains(&header[i].as_str())).collect();
    if params.is_empty() {
        return Err(bad(file, "the header names no parameter paths".into()));
    }
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() || header[..i].contains(h) {
            return Err(bad(file, format!("column {} of the header is empty or repeated", i + 1)));
        }
        if h.starts_with("run.") {
            return Err(bad(file, format!("column `{h}`: run settings cannot be uncertain")));
        }
    }
    let mut rows: Vec<(f64, u64, f64, Vec<f64>)> = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(file, format!("{e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(i).unwrap_or("");
        let generation = col("generation").map(|i| number(file, line, "generation", cell(i))).transpose()?;
        let id = col("particle").map(|i| number(file, line, "particle", cell(i))).transpose()?;
        let weight = col("weight").map(|i| number(file, line, "weight", cell(i))).transpose()?.unwrap_or(1.0);
        if weight < 0.0 {
            return Err(bad(file, format!("line {line}: the weight {weight} is negative")));
        }
        let values =
            params.iter().map(|&i| number(file, line, &header[i], cell(i))).collect::<anyhow::Result<_>>()?;
        rows.push((generation.unwrap_or(0.0), id.map_or(n as u64, |x| x as u64), weight, values));
    }
    let last = rows.iter().map(|r| r.0).fold(f64::NEG_INFINITY, f64::max);
    rows.retain(|r| r.0 == last);
    let total: f64 = rows.iter().map(|r| r.2).sum();
    if rows.is_empty() || total <= 0.0 {
        return Err(bad(file, "no particle with a positive weight".into()));
    }
    Ok(Posterior {
        file: file.to_string(),
        hash: crate::fingerprint::fnv1a(bytes),
        paths: params.iter().map(|&i| header[i].clone()).collect(),
        ids: rows.iter().map(|r| r.1).collect(),
        weights: rows.iter().map(|r| r.2 / total).collect(),
        values: rows.into_iter().map(|r| r.3).collect(),
    })
}

/// K parameter vectors resampled from a posterior, and the rule that gives each replicate
/// its draw.
#[derive(Clone, Debug)]
pub struct Draws {
    pub posterior: Posterior,
    /// For each draw, the index of its particle in the posterior.
    pub particle: Vec<usize>,
}

/// The posterior a scenario file ships, if any: `data/<stem>_posterior.csv` beside it
/// (`scenarios/mexico_2000.toml` ships `scenarios/data/mexico_2000_posterior.csv`).
pub fn shipped(scenario_file: &Path) -> Option<std::path::PathBuf> {
    let stem = scenario_file.file_stem()?.to_str()?;
    let path = scenario_file.parent()?.join("data").join(format!("{stem}_posterior.csv"));
    path.is_file().then_some(path)
}

impl Posterior {
    /// Resamples `k` particles by weight (multinomial), deterministically from `seed`.
    pub fn draw(self, k: usize, seed: u64) -> Draws {
        let mut s = Stream::new(key(&[seed, DRAW_STREAM]));
        let mut cumulative = Vec::with_capacity(self.weights.len());
        let mut acc = 0.0;
        for w in &self.weights {
            acc += w;
            cumulative.push(acc);
        }
        let particle = (0..k)
            .map(|_| {
                let u = s.uniform() * acc;
                cumulative.partition_point(|&c| c <= u).min(self.weights.len() - 1)
            })
            .collect();
        Draws { posterior: self, particle }
    }
}

/// The number of draws for `replicates`: `--draws` if given, else half the replicates (two
/// replicates per draw). At least two draws, each with at least two replicates, so that both
/// parts of the variance can be estimated.
pub fn draw_count(replicates: u32, draws: Option<usize>) -> Result<usize, TooFewReplicates> {
    let k = draws.unwrap_or(replicates as usize / 2);
    if k < 2 || replicates as usize / k < 2 {
        return Err(TooFewReplicates { replicates, draws: k, needed: 2 * k.max(2) });
    }
    Ok(k)
}

/// Too few replicates for the draws; each front end words it in its own names (the
/// server's fields, Python's arguments), the command line as this says.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error(
    "--posterior with {replicates} replicates and {draws} draws: need at least 2 draws and 2 replicates per \
     draw (replicate r runs draw r mod K); raise --replicates to at least {needed} or set --draws"
)]
pub struct TooFewReplicates {
    pub replicates: u32,
    pub draws: usize,
    /// The fewest replicates that would do with these draws.
    pub needed: usize,
}

impl From<TooFewReplicates> for InputError {
    fn from(e: TooFewReplicates) -> Self {
        InputError::new(e.to_string())
    }
}

/// The draws a command runs under: `file`'s posterior resampled `draws` times (see
/// [`draw_count`]) from `seed`; `None` without a file. `--draws` without `--posterior` is
/// bad input.
pub fn prepare(
    file: Option<&Path>,
    draws: Option<usize>,
    replicates: u32,
    seed: u64,
) -> anyhow::Result<Option<Draws>> {
    match file {
        Some(f) => {
            let k = draw_count(replicates, draws).map_err(InputError::from)?;
            Ok(Some(read_posterior(f)?.draw(k, seed)))
        }
        None if draws.is_some() => Err(InputError::new("--draws needs --posterior FILE").into()),
        None => Ok(None),
    }
}

/// The draws for a command that runs every scenario of `named` (label and parameters),
/// checked against each of them; `None` without a file. The first scenario's replicates
/// and seed set the draws. Every front end (command line, server, Python) calls this.
pub fn prepare_for(
    file: Option<&Path>,
    draws: Option<usize>,
    named: &[(&str, &Params)],
) -> anyhow::Result<Option<Draws>> {
    let Some(&(_, base)) = named.first() else { return Ok(None) };
    let draws = prepare(file, draws, base.run.replicates, base.run.seed)?;
    if let Some(d) = &draws {
        for (label, p) in named {
            d.apply(p, label)?;
        }
    }
    Ok(draws)
}

/// The parameters replicate `replicate` runs: draw `replicate mod K` of `drawn` (a
/// scenario under every draw, from [`Draws::apply`]), or `own` when `drawn` is empty (no
/// posterior, or a point the draws could not be applied to).
pub fn for_replicate<'a>(drawn: &'a [Params], own: &'a Params, replicate: u32) -> &'a Params {
    if drawn.is_empty() { own } else { &drawn[replicate as usize % drawn.len()] }
}

impl Draws {
    pub fn count(&self) -> usize {
        self.particle.len()
    }

    /// The draw replicate `r` runs.
    pub fn of(&self, replicate: u32) -> usize {
        replicate as usize % self.count()
    }

    /// The values of draw `d`, in the posterior's path order.
    pub fn values(&self, d: usize) -> &[f64] {
        &self.posterior.values[self.particle[d]]
    }

    /// `base` under every draw, in draw order; `what` names the scenario in messages. An
    /// unknown column or a value the schema refuses is bad input naming the column.
    pub fn apply(&self, base: &Params, what: &str) -> anyhow::Result<Vec<Params>> {
        (0..self.count()).map(|d| self.apply_one(base, d, what)).collect()
    }

    fn apply_one(&self, base: &Params, d: usize, what: &str) -> anyhow::Result<Params> {
        let mut p = base.clone();
        let file = &self.posterior.file;
        for (path, &x) in self.posterior.paths.iter().zip(self.values(d)) {
            if lever_is_on(&p, path) == Some(false) {
                continue;
            }
            if let Err(e) = set_value_f64(&mut p, path, x) {
                let id = self.posterior.ids[self.particle[d]];
                let msg = if matches!(
                    e.kind(),
                    ErrorKind::UnknownKey | ErrorKind::WrongType | ErrorKind::UnknownName
                ) {
                    format!("column `{path}` is not a numeric parameter of {what}")
                } else {
                    format!("column `{path}`: particle {id}'s value {x} is not allowed in {what}")
                };
                return Err(anyhow::Error::new(e).context(format!("--posterior {file}: {msg}")));
            }
        }
        Ok(p)
    }

    /// The manifest's account of the draws.
    pub fn manifest(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.posterior.file,
            "hash": self.posterior.hash,
            "particles": self.posterior.values.len(),
            "paths": self.posterior.paths,
            "draws": self.count(),
            "rule": "replicate r runs draw r mod draws; draws resampled by weight from the last generation",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str =
        "generation,particle,weight,distance,a.b,c\n0,0,1,9,5,6\n1,0,0.25,1,1,2\n1,1,0.75,1,3,4\n";

    #[test]
    fn keeps_the_last_generation_and_normalises_weights() {
        let p = parse_posterior("f", FILE.as_bytes()).unwrap();
        assert_eq!(p.paths, ["a.b", "c"]);
        assert_eq!(p.values, [vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert_eq!(p.weights, [0.25, 0.75]);
        assert_eq!(p.ids, [0, 1]);
    }

    #[test]
    fn resampling_follows_the_weights_and_the_seed() {
        let p = parse_posterior("f", FILE.as_bytes()).unwrap();
        let d = p.clone().draw(4000, 7);
        let ones = d.particle.iter().filter(|&&i| i == 1).count() as f64 / 4000.0;
        // Binomial(4000, 0.75): standard deviation 0.007; 5 of them is 0.034.
        assert!((ones - 0.75).abs() < 0.034, "{ones}");
        assert_eq!(d.particle, p.clone().draw(4000, 7).particle);
        assert_ne!(d.particle, p.draw(4000, 8).particle);
    }

    #[test]
    fn bad_files_are_input_errors() {
        for (text, needle) in [
            ("generation,weight\n0,1\n", "no parameter paths"),
            ("a,a\n1,2\n", "repeated"),
            ("run.seed\n1\n", "run settings"),
            ("a,weight\n1,-1\n", "negative"),
            ("a\nx\n", "not a finite number"),
            ("a,weight\n1,0\n", "positive weight"),
            ("a\n", "positive weight"),
        ] {
            let e = parse_posterior("f.csv", text.as_bytes()).unwrap_err();
            assert!(e.is::<InputError>() && e.to_string().contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn draw_counts() {
        assert_eq!(draw_count(8, None).unwrap(), 4);
        assert_eq!(draw_count(9, Some(3)).unwrap(), 3);
        assert_eq!(draw_count(3, None).unwrap_err().needed, 4);
        assert_eq!(draw_count(10, Some(6)).unwrap_err().needed, 12);
        assert!(draw_count(10, Some(6)).is_err());
        assert!(draw_count(10, Some(1)).is_err());
    }
}
