//! Checks on a finished `Params`: every key's range again, and the rules that tie keys
//! together (rank shares add up to 1, regions larger than the peer count, territory at most
//! 1 per region, lever windows that open before they close, ...).
//!
//! The loader runs these after building, and `set_value` and `Scenario::apply` run them
//! after every change, so no path into the model skips them. Each check asks a `Locate`
//! where the key it blames came from: a file and line when loading, the setting or
//! override otherwise.

use std::collections::HashSet;

use narcodoor_model::bytes_per_youth;
use narcodoor_model::metrics::N_METRICS;
use narcodoor_model::params::{Params, Schedule};

use super::error::{ErrorKind, Origin, Problem, cartel_label, region_label};
use super::schema::{Kind, Schema, Value, name_ok};

/// Tolerance for sums that must be exactly 1 or at most 1.
pub const SUM_TOLERANCE: f64 = 1e-9;

/// A sum of shares for a message: rounded to 12 decimals, so that 0.5 + 0.3 + 0.1 + 0.05
/// shows as 0.95 and not as 0.9500000000000001 (the tolerance is far coarser).
pub fn fmt_sum(x: f64) -> String {
    format!("{}", (x * 1e12).round() / 1e12)
}

/// Where the values of a `Params` came from.
pub trait Locate {
    /// The origin to show for a problem with `key`.
    fn origin(&self, key: &str) -> Origin;

    /// Where `key` was written as (file, line), the loaded file being file 0 and its
    /// parents 1, 2, ...; `None` for defaults. Used to blame the most recently written of
    /// several values that do not fit together.
    fn written(&self, _key: &str) -> Option<(usize, usize)> {
        None
    }
}

/// Every problem has the same origin (a setting or a command-line override).
pub struct Fixed(pub Origin);

impl Locate for Fixed {
    fn origin(&self, _key: &str) -> Origin {
        self.0.clone()
    }
}

struct Checker<'a> {
    locate: &'a dyn Locate,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn push(&mut self, kind: ErrorKind, key: &str, message: String) {
        let origin = self.locate.origin(key);
        self.problems.push(Problem::new(kind, origin, key, message));
    }

    fn range(&mut self, key: &str, kind: Kind, meaning: &str, v: &Value) {
        if !kind.check(v) {
            let message = format!("{key} = {}: must be {} ({meaning})", v.to_toml(), kind.allowed());
            self.push(ErrorKind::OutOfRange, key, message);
        }
    }
}

/// Every problem with `p`; empty when the model can run it.
pub fn check(p: &Params, schema: &Schema, locate: &dyn Locate) -> Vec<Problem> {
    let mut c = Checker { locate, problems: Vec::new() };
    for k in &schema.global {
        c.range(&k.path(), k.kind, k.meaning, &(k.get)(p));
    }
    let sum: f64 = p.cartels.rank_shares.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        let message = format!(
            "cartels.rank_shares = {}: add up to {}; they must add up to 1 (±1e-9)",
            Value::Ranks(p.cartels.rank_shares).to_toml(),
            fmt_sum(sum)
        );
        c.push(ErrorKind::Inconsistent, "cartels.rank_shares", message);
    }
    regions(&mut c, p, schema);
    cartels(&mut c, p);
    levers(&mut c, p, schema);
    kingpin_rate(&mut c, p);
    trial(&mut c, p);
    c.problems
}

/// `[trial]` names a lever with a lottery that is on; scholarships need losers (coverage
/// below 1) for a control arm. Youth jobs ration only while candidates outnumber free
/// slots, which depends on the run: `trial.csv` then shows an empty arm.
fn trial(c: &mut Checker<'_>, p: &Params) {
    use narcodoor_model::trial::TrialLever;
    let Some(name) = &p.trial.lever else { return };
    let key = "trial.lever";
    let off = || {
        Some((
            ErrorKind::Inconsistent,
            format!("[policy.{name}] is off; a trial randomises a lever that acts"),
        ))
    };
    let problem = match TrialLever::parse(name) {
        None => Some((
            ErrorKind::OutOfRange,
            "must be scholarships or youth_jobs (the levers drawn by lottery)".into(),
        )),
        Some(TrialLever::Scholarships) => match p.policy.scholarships.first() {
            None => off(),
            Some(l) if l.p.coverage >= 1.0 => Some((
                ErrorKind::Inconsistent,
                "policy.scholarships.coverage = 1 leaves no control arm; a trial needs coverage below 1"
                    .into(),
            )),
            Some(_) => None,
        },
        Some(TrialLever::YouthJobs) if p.policy.youth_jobs.is_empty() => off(),
        Some(TrialLever::YouthJobs) => None,
    };
    if let Some((kind, why)) = problem {
        c.push(kind, key, format!("{key} = \"{name}\": {why}"));
    }
}

/// Most leader removals per year: a removal is one operation against one leader, and every
/// removal this month scans the cartels; rates beyond this are typos (a rate of 10^300 once
/// made a month loop for ever).
pub const MAX_REMOVALS_PER_YEAR: f64 = 1200.0;

fn kingpin_rate(c: &mut Checker<'_>, p: &Params) {
    if let Some(lever) = p.policy.kingpin.first() {
        let rate = lever.p.removals_per_year;
        if rate > MAX_REMOVALS_PER_YEAR {
            let key = "policy.kingpin.removals_per_year";
            let message = format!("{key} = {rate}: at most {MAX_REMOVALS_PER_YEAR} (100 removals a month)");
            c.push(ErrorKind::OutOfRange, key, message);
        }
    }
}

fn regions(c: &mut Checker<'_>, p: &Params, schema: &Schema) {
    let n = p.regions.len();
    if n == 0 {
        c.push(ErrorKind::Inconsistent, "region", "a scenario needs at least one region".into());
        return;
    }
    let mut names = HashSet::new();
    let mut total: u64 = 0;
    for (i, r) in p.regions.iter().enumerate() {
        let label = region_label(Some(&r.name), i);
        if !name_ok(&r.name) {
            let message = format!("{label}.name: must be {}", Kind::Name.allowed());
            c.push(ErrorKind::OutOfRange, &format!("{label}.name"), message);
        } else if !names.insert(r.name.as_str()) {
            c.push(ErrorKind::Duplicate, &format!("{label}.name"), format!("{label}: duplicate region name"));
        }
        for k in &schema.region {
            c.range(&format!("{label}.{}", k.name), k.kind, k.meaning, &(k.get)(r));
        }
        let key = format!("{label}.youths");
        if r.youths == 0 {
            c.push(
                ErrorKind::OutOfRange,
                &key,
                format!("{label} has 0 youths: every region needs at least one"),
            );
        } else if r.youths <= u64::from(p.population.peers) {
            let message = format!(
                "{label} has {} youths: must have more than population.peers = {} (each youth's peers are \
                 other youths of its region)",
                r.youths, p.population.peers
            );
            c.push(ErrorKind::Inconsistent, &key, message);
        }
        total = total.saturating_add(r.youths);
        let nb = &r.neighbours;
        let sorted = nb.windows(2).all(|w| w[0] < w[1]);
        let valid = nb.iter().all(|&j| j < n && j != i);
        let symmetric = nb.iter().all(|&j| j >= n || p.regions[j].neighbours.contains(&i));
        if !(sorted && valid && symmetric) {
            let message = format!(
                "{label}.neighbours: must name other regions, each once, and the relation must be symmetric"
            );
            c.push(ErrorKind::Inconsistent, &format!("{label}.neighbours"), message);
        }
    }
    if total != p.population.youths {
        let message = format!(
            "population.youths = {}: differs from the sum of the regions' youths ({total})",
            p.population.youths
        );
        c.push(ErrorKind::Inconsistent, "population.youths", message);
    }
}

fn cartels(c: &mut Checker<'_>, p: &Params) {
    let n = p.regions.len();
    if p.cartel_list.is_empty() {
        c.push(ErrorKind::Inconsistent, "cartel", "a scenario needs at least one cartel".into());
        return;
    }
    let mut names = HashSet::new();
    for (k, cartel) in p.cartel_list.iter().enumerate() {
        let label = cartel_label(Some(&cartel.name), k);
        if !name_ok(&cartel.name) {
            let message = format!("{label}.name: must be {}", Kind::Name.allowed());
            c.push(ErrorKind::OutOfRange, &format!("{label}.name"), message);
        } else if !names.insert(cartel.name.as_str()) {
            c.push(ErrorKind::Duplicate, &format!("{label}.name"), format!("{label}: duplicate cartel name"));
        }
        if cartel.territory.len() != n {
            let message =
                format!("{label}.territory: has {} entries for {n} regions", cartel.territory.len());
            c.push(ErrorKind::Inconsistent, &format!("{label}.territory"), message);
            return;
        }
        for (r, &x) in cartel.territory.iter().enumerate() {
            let key = format!("{label}.territory.{}", p.regions[r].name);
            c.range(&key, Kind::Prob, "the cartel's share of the region's territory", &Value::Num(x));
        }
    }
    for (r, region) in p.regions.iter().enumerate() {
        let presence: f64 = p.cartel_list.iter().map(|k| k.territory[r]).sum();
        if presence <= 1.0 + SUM_TOLERANCE {
            continue;
        }
        let key_of = |k: usize| {
            let label = cartel_label(Some(&p.cartel_list[k].name), k);
            format!("{label}.territory.{}", region.name)
        };
        let holders: Vec<usize> =
            (0..p.cartel_list.len()).filter(|&k| p.cartel_list[k].territory[r] > 0.0).collect();
        // Blame the share written most recently (the most derived file, the latest line):
        // that is the edit which pushed the region over 1. Without locations, the last one.
        let blamed = holders
            .iter()
            .copied()
            .filter_map(|k| c.locate.written(&key_of(k)).map(|(file, line)| (k, file, line)))
            .min_by_key(|&(_, file, line)| (file, std::cmp::Reverse(line)))
            .map(|(k, _, _)| k)
            .or(holders.last().copied())
            .unwrap_or(0);
        let parts: Vec<String> = holders
            .iter()
            .map(|&k| {
                let share = format!("{} {}", p.cartel_list[k].name, p.cartel_list[k].territory[r]);
                match c.locate.origin(&key_of(k)) {
                    o @ Origin::File { line: Some(_), .. } if k != blamed => {
                        format!("{share} at {o}")
                    }
                    _ => share,
                }
            })
            .collect();
        let key = key_of(blamed);
        let message = format!(
            "{key} = {}: the territory shares in {} add up to {} ({}); they must add up to at most 1",
            p.cartel_list[blamed].territory[r],
            region_label(Some(&region.name), r),
            fmt_sum(presence),
            parts.join(", ")
        );
        c.push(ErrorKind::Inconsistent, &key, message);
    }
}

fn levers(c: &mut Checker<'_>, p: &Params, schema: &Schema) {
    for lever in &schema.levers {
        let Some(s) = lever.schedule(p) else {
            continue;
        };
        let table = format!("policy.{}", lever.name);
        for k in &lever.keys {
            c.range(&k.path(), k.kind, k.meaning, &(k.get)(p));
        }
        let more = lever.more_schedules(p);
        if more.is_empty() {
            schedule(c, p, schema, &table, s);
        } else {
            // An array of instances: entries are labelled as the builder labels them.
            for (i, s) in std::iter::once(s).chain(more).enumerate() {
                schedule(c, p, schema, &format!("{table} #{}", i + 1), s);
            }
        }
    }
}

fn schedule(c: &mut Checker<'_>, p: &Params, schema: &Schema, table: &str, s: &Schedule) {
    let n = p.regions.len();
    for k in &schema.schedule {
        c.range(&format!("{table}.{}", k.name), k.kind, k.meaning, &(k.get)(s));
    }
    if s.regions.len() != n || !s.regions.iter().any(|&b| b) {
        let message = format!("{table}.regions: must name at least one of the scenario's {n} regions");
        c.push(ErrorKind::Inconsistent, &format!("{table}.regions"), message);
    }
    if let Some(end) = s.end_month {
        if end <= s.start_month {
            let key = format!("{table}.end_month");
            let message = format!(
                "{key} = {end}: must be after start_month = {} (end_month is exclusive: the lever acts \
                 in months start_month..end_month-1)",
                s.start_month
            );
            c.push(ErrorKind::Inconsistent, &key, message);
        }
    }
}

/// The safety margin on the memory estimate: the state's size is an estimate, and the
/// process needs room for its code, output buffers and the allocator's slack.
pub const MEMORY_FACTOR: f64 = 1.2;
pub const MEMORY_BASE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Bytes that `concurrent` replicates of `p` need at once, with the margin.
pub fn memory_needed(p: &Params, concurrent: u32) -> f64 {
    let parts = MemoryParts::of(p, concurrent);
    (parts.youths + parts.months + parts.replicates) * MEMORY_FACTOR + MEMORY_BASE_BYTES
}

/// Bytes of results kept per reported month by one replicate in flight (its national and
/// regional rows of metrics, and the month's report around them).
fn bytes_per_month(regions: usize) -> f64 {
    ((1 + regions) * N_METRICS * 8) as f64 + 64.0
}

/// What grows with the input, in bytes before the margin: the youths' state, the results
/// that grow with the months (each replicate in flight keeps its months' metrics until it
/// is written; the summaries across replicates keep three numbers per metric, region and
/// month), and what grows with the replicates (their numbers, and a few values per metric
/// kept for intervals and paired comparisons).
struct MemoryParts {
    youths: f64,
    months: f64,
    replicates: f64,
}

impl MemoryParts {
    fn of(p: &Params, concurrent: u32) -> MemoryParts {
        let concurrent = f64::from(concurrent.max(1));
        let regions = p.regions.len();
        let months = f64::from(p.run.months);
        let summary_per_month = ((1 + regions) * N_METRICS * 24) as f64;
        MemoryParts {
            youths: p.population.youths as f64
                * bytes_per_youth(p.population.peers, p.population.rewire)
                * concurrent,
            months: months * (concurrent * bytes_per_month(regions) + summary_per_month),
            replicates: f64::from(p.run.replicates) * (4.0 + 2.0 * (N_METRICS * 8) as f64),
        }
    }
}

/// `MemAvailable` from `/proc/meminfo`, in bytes; `None` where it cannot be read.
pub fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

fn human_bytes(b: f64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = b;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < units.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{x:.0} bytes") } else { format!("{x:.1} {}", units[u]) }
}

/// The memory problem, if `concurrent` replicates of `p` need more than `available` bytes.
/// The key blamed is the one whose part of the estimate is largest (`population.youths`,
/// `run.months` or `run.replicates`); `origin(key)` says where it was written.
pub fn memory_problem(
    p: &Params,
    concurrent: u32,
    available: Option<u64>,
    origin: &dyn Fn(&str) -> Origin,
) -> Option<Problem> {
    let available = available?;
    let needed = memory_needed(p, concurrent);
    if needed <= available as f64 {
        return None;
    }
    let parts = MemoryParts::of(p, concurrent);
    let replicates =
        if concurrent <= 1 { "1 replicate".to_string() } else { format!("{concurrent} replicates") };
    let (key, message) = if parts.youths >= parts.months && parts.youths >= parts.replicates {
        let key = "population.youths";
        (
            key,
            format!(
                "{key} = {}: too large for this machine: {replicates} at a time needs about {} \
             ({:.1} bytes per youth with {} peers, × {MEMORY_FACTOR} + 64 MiB margin) but only {} is available \
             (MemAvailable); use fewer youths, or run fewer replicates at once",
                p.population.youths,
                human_bytes(needed),
                bytes_per_youth(p.population.peers, p.population.rewire),
                p.population.peers,
                human_bytes(available as f64),
            ),
        )
    } else if parts.months >= parts.replicates {
        let key = "run.months";
        (
            key,
            format!(
                "{key} = {}: too many for this machine: the results of {} months ({replicates} at a time, \
             {}) need about {} in all, but only {} is available (MemAvailable); use fewer months",
                p.run.months,
                p.run.months,
                if p.regions.len() == 1 {
                    "1 region".to_string()
                } else {
                    format!("{} regions", p.regions.len())
                },
                human_bytes(needed),
                human_bytes(available as f64),
            ),
        )
    } else {
        let key = "run.replicates";
        (
            key,
            format!(
                "{key} = {}: too many for this machine: they need about {} in all, but only {} is available \
             (MemAvailable); use fewer replicates",
                p.run.replicates,
                human_bytes(needed),
                human_bytes(available as f64),
            ),
        )
    };
    Some(Problem::new(ErrorKind::Memory, origin(key), key, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ORIGIN: Fixed = Fixed(Origin::Unknown);

    #[test]
    fn defaults_pass() {
        assert!(check(&Params::defaults(), &Schema::new(), &NO_ORIGIN).is_empty());
    }

    #[test]
    fn cross_field_rules_are_enforced() {
        let schema = Schema::new();
        let mut p = Params::defaults();
        p.cartels.rank_shares = [0.5, 0.25, 0.15, 0.05];
        p.population.peers = 10;
        p.regions[0].youths = 10;
        p.cartel_list[0].territory[0] = 1.5;
        let keys: Vec<String> = check(&p, &schema, &NO_ORIGIN).into_iter().map(|q| q.key).collect();
        assert!(keys.contains(&"cartels.rank_shares".to_string()), "{keys:?}");
        assert!(keys.contains(&"region \"all\".youths".to_string()), "{keys:?}");
        assert!(keys.contains(&"population.youths".to_string()), "{keys:?}");
        assert!(keys.contains(&"cartel \"cartel\".territory.all".to_string()), "{keys:?}");
    }

    #[test]
    fn memory_problem_names_bytes_needed_and_available() {
        let mut p = Params::defaults();
        let unknown = |_: &str| Origin::Unknown;
        assert!(memory_problem(&p, 1, Some(1 << 40), &unknown).is_none());
        assert!(memory_problem(&p, 1, None, &unknown).is_none());
        p.population.youths = 1_000_000_000_000;
        let m = memory_problem(&p, 4, Some(8 << 30), &unknown).unwrap();
        assert_eq!(m.kind, ErrorKind::Memory);
        assert_eq!(m.key, "population.youths");
        assert!(m.message.contains("4 replicates") && m.message.contains("8.0 GiB"), "{}", m.message);
    }

    #[test]
    fn memory_problem_blames_months_and_replicates_when_they_dominate() {
        let unknown = |_: &str| Origin::Unknown;
        let mut p = Params::defaults();
        p.run.months = 4_000_000_000;
        let m = memory_problem(&p, 1, Some(32 << 30), &unknown).unwrap();
        assert_eq!(m.key, "run.months", "{}", m.message);
        assert!(m.message.contains("4000000000"), "{}", m.message);
        let mut p = Params::defaults();
        p.run.replicates = 4_000_000_000;
        let m = memory_problem(&p, 1, Some(32 << 30), &unknown).unwrap();
        assert_eq!(m.key, "run.replicates", "{}", m.message);
        // The defaults fit in far less than a gigabyte.
        assert!(memory_needed(&Params::defaults(), 2) < (1u64 << 30) as f64);
    }
}
