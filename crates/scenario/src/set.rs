//! Changing one parameter of a checked `Params` by its path, for `--set`, parameter sweeps
//! and the `--youths`-style overrides.
//!
//! Paths are the file's TOML paths, with regions, cartels and levers addressed by name:
//! `youth.school_dropout`, `cartels.death[2]` (0-based rank index), `region.North.poverty`,
//! `region.*.poverty` (every region), `cartel.Sinaloa.territory.North`,
//! `policy.scholarships.coverage` (which switches the lever on with its defaults if it was
//! off). Values are read as the key's type and checked with the same rules as a file; the
//! cross-field checks run again, and on any problem the parameters are left unchanged.

use narcodoor_model::params::{Params, RANKS, Schedule};

use super::build::{rescale_counts, suggestion};
use super::error::{ErrorKind, Origin, Problem, ScenarioError, closest};
use super::schema::{Kind, SCHEDULE_SPECIAL, Schema, Value};
use super::validate;

/// What a path points at.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    /// A key of the global tables, with a rank index for the per-rank arrays.
    Global(usize, Option<usize>),
    RegionScalar(Vec<usize>, usize),
    RegionYouths(Vec<usize>),
    RegionNeighbours(Vec<usize>),
    CartelPredatory(usize),
    CartelTerritory(usize, usize),
    LeverKey(usize, usize),
    LeverSchedule(usize, usize),
    LeverRegions(usize),
    LeverEnabled(usize),
}

/// A value as given: text from a command line, or a number from a sweep.
#[derive(Clone, Copy, Debug)]
enum Input<'a> {
    Text(&'a str),
    Num(f64),
}

impl Input<'_> {
    fn show(&self) -> String {
        match self {
            Input::Text(s) => s.to_string(),
            Input::Num(x) => format!("{x}"),
        }
    }
}

fn setting_problem(kind: ErrorKind, path: &str, input: Input<'_>, message: String) -> ScenarioError {
    let origin = Origin::Setting(format!("{path}={}", input.show()));
    ScenarioError::single(Problem::new(kind, origin, path, message))
}

/// Every path `set_value` accepts for `p` (numeric or not), regions and cartels by name.
pub fn settable_paths(p: &Params, schema: &Schema, numeric_only: bool) -> Vec<String> {
    let mut out = Vec::new();
    for k in &schema.global {
        if k.kind == Kind::Ranks {
            out.extend((0..RANKS).map(|j| format!("{}[{j}]", k.path())));
            if !numeric_only {
                out.push(k.path());
            }
        } else if !numeric_only || k.kind.is_numeric() {
            out.push(k.path());
        }
    }
    for r in &p.regions {
        out.push(format!("region.{}.youths", r.name));
        if !numeric_only {
            out.push(format!("region.{}.neighbours", r.name));
        }
        for k in &schema.region {
            out.push(format!("region.{}.{}", r.name, k.name));
        }
    }
    for c in &p.cartel_list {
        if !numeric_only {
            out.push(format!("cartel.{}.predatory", c.name));
        }
        for r in &p.regions {
            out.push(format!("cartel.{}.territory.{}", c.name, r.name));
        }
    }
    for l in &schema.levers {
        for k in &schema.schedule {
            out.push(format!("policy.{}.{}", l.name, k.name));
        }
        if !numeric_only {
            out.extend(SCHEDULE_SPECIAL.iter().map(|k| format!("policy.{}.{}", l.name, k.0)));
        }
        for k in &l.keys {
            if !numeric_only || k.kind.is_numeric() {
                out.push(k.path());
            }
        }
    }
    out
}

/// The settable path a mistyped `path` most likely meant: the closest by edit distance (a
/// typo), or else the paths that end with it (a missing table: `scholarships.coverage` for
/// `policy.scholarships.coverage`), at most three of them.
pub(crate) fn suggest_path(path: &str, all: &[String]) -> Option<String> {
    if let Some(c) = closest(path, all.iter().map(String::as_str)) {
        return Some(c);
    }
    let tail = format!(".{path}");
    let ends: Vec<&str> = all.iter().map(String::as_str).filter(|c| c.ends_with(&tail)).take(3).collect();
    (!ends.is_empty()).then(|| ends.join(" or "))
}

fn unknown_path(p: &Params, schema: &Schema, path: &str, input: Input<'_>) -> ScenarioError {
    let all = settable_paths(p, schema, false);
    let hint = match suggest_path(path, &all) {
        Some(c) => format!("; did you mean {c}?"),
        None => "; paths look like youth.school_dropout, region.<name>.poverty, region.*.poverty, \
                 cartel.<name>.territory.<region>, policy.<lever>.<key>"
            .to_string(),
    };
    setting_problem(ErrorKind::UnknownKey, path, input, format!("{path}: unknown parameter{hint}"))
}

/// Splits `<name>.<rest>` where `<name>` is one of `names` (which may contain dots); the
/// longest matching name wins.
fn split_name<'p>(rest: &'p str, names: &[&str]) -> Option<(usize, &'p str)> {
    names
        .iter()
        .enumerate()
        .filter(|(_, n)| rest.len() > n.len() && rest.starts_with(*n) && rest.as_bytes()[n.len()] == b'.')
        .max_by_key(|(_, n)| n.len())
        .map(|(i, n)| (i, &rest[n.len() + 1..]))
}

fn resolve(p: &Params, schema: &Schema, path: &str) -> Option<Target> {
    let (head, rest) = path.split_once('.')?;
    match head {
        "region" => {
            let region_names: Vec<&str> = p.regions.iter().map(|r| r.name.as_str()).collect();
            let (regions, key) = match rest.strip_prefix("*.") {
                Some(key) => ((0..p.regions.len()).collect(), key),
                None => {
                    let (i, key) = split_name(rest, &region_names)?;
                    (vec![i], key)
                }
            };
            match key {
                "youths" => Some(Target::RegionYouths(regions)),
                "neighbours" => Some(Target::RegionNeighbours(regions)),
                _ => {
                    schema.region.iter().position(|k| k.name == key).map(|k| Target::RegionScalar(regions, k))
                }
            }
        }
        "cartel" => {
            let names: Vec<&str> = p.cartel_list.iter().map(|c| c.name.as_str()).collect();
            let (k, key) = split_name(rest, &names)?;
            if key == "predatory" {
                return Some(Target::CartelPredatory(k));
            }
            let region = key.strip_prefix("territory.")?;
            let r = p.regions.iter().position(|r| r.name == region)?;
            Some(Target::CartelTerritory(k, r))
        }
        "policy" => {
            let (lever, key) = rest.split_once('.')?;
            let l = schema.levers.iter().position(|l| l.name == lever)?;
            if let Some(s) = schema.schedule.iter().position(|k| k.name == key) {
                return Some(Target::LeverSchedule(l, s));
            }
            match key {
                "regions" => Some(Target::LeverRegions(l)),
                "enabled" => Some(Target::LeverEnabled(l)),
                _ => schema.levers[l].keys.iter().position(|k| k.name == key).map(|k| Target::LeverKey(l, k)),
            }
        }
        table => {
            let (key, index) = match rest.strip_suffix(']').and_then(|r| r.split_once('[')) {
                Some((key, i)) => (key, Some(i.parse::<usize>().ok().filter(|&i| i < RANKS)?)),
                None => (rest, None),
            };
            let k = schema.global.iter().position(|k| k.table == table && k.name == key)?;
            if index.is_some() && schema.global[k].kind != Kind::Ranks {
                return None;
            }
            Some(Target::Global(k, index))
        }
    }
}

/// Reads `input` as a value of `kind`; `Err` holds the message.
fn read(kind: Kind, input: Input<'_>, key: &str, meaning: &str) -> Result<Value, (ErrorKind, String)> {
    let shown = input.show();
    let range =
        || (ErrorKind::OutOfRange, format!("{key} = {shown}: must be {} ({meaning})", kind.allowed()));
    let wrong = |what: &str| (ErrorKind::WrongType, format!("{key} = {shown}: wrong type: expected {what}"));
    let v = match (kind, input) {
        (Kind::Bool, Input::Text(t)) => match t.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(wrong(kind.toml_type())),
        },
        (Kind::Text | Kind::Name | Kind::Date, Input::Text(t)) => {
            let t = t.trim();
            let t = t.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(t);
            Value::Str(t.to_string())
        }
        (Kind::Ranks, Input::Text(t)) => {
            let t = t.trim().trim_start_matches('[').trim_end_matches(']');
            let parts: Vec<&str> = t.split([';', ',']).map(str::trim).collect();
            let nums: Vec<f64> = parts.iter().filter_map(|s| s.parse().ok()).collect();
            if nums.len() != parts.len() || nums.len() != RANKS {
                return Err(wrong("4 numbers separated by ';', one per rank"));
            }
            let mut a = [0.0; RANKS];
            a.copy_from_slice(&nums);
            Value::Ranks(a)
        }
        (Kind::OptMonth | Kind::OptNonNeg, Input::Text(t)) if t.trim() == "none" => Value::Unset,
        (k, Input::Text(t)) if k.is_integer() => match t.trim().parse::<i128>() {
            Ok(i) if k.check_int(i) => Value::Int(i as u64),
            Ok(_) => return Err(range()),
            Err(_) => return Err(wrong(k.toml_type())),
        },
        (k, Input::Text(t)) if k.is_numeric() => match t.trim().parse::<f64>() {
            Ok(x) => Value::Num(x),
            Err(_) => return Err(wrong(k.toml_type())),
        },
        (k, Input::Num(x)) if k.is_integer() => {
            if !x.is_finite() {
                return Err(range());
            }
            let i = x.round() as i128;
            if !k.check_int(i) {
                return Err(range());
            }
            Value::Int(i as u64)
        }
        (k, Input::Num(x)) if k.is_numeric() => Value::Num(x),
        (k, _) => {
            return Err(wrong(&format!("{} (this parameter is not numeric)", k.toml_type())));
        }
    };
    if kind.check(&v) { Ok(v) } else { Err(range()) }
}

/// Rescales the regions' head counts to `youths` in proportion (largest remainder, ties to
/// the earlier region) and sets `population.youths`.
///
/// Costs that do not already scale with the population scale with it here: every other
/// lever's cost is per capita, per student or per placement, but a kingpin operation costs
/// `cost_per_operation` whatever the population, so at a tenth of the youths it would
/// weigh ten times as much against each recruit averted. It is multiplied by the ratio of
/// the new population to the old, so a comparison's costs per unit averted do not depend on
/// the size it was run at (docs/experiments.md, "Running smaller").
pub fn rescale_youths(p: &mut Params, youths: u64) {
    let weights: Vec<u64> = p.regions.iter().map(|r| r.youths).collect();
    let before: u64 = weights.iter().sum();
    for (r, n) in p.regions.iter_mut().zip(rescale_counts(youths, &weights)) {
        r.youths = n;
    }
    p.population.youths = youths;
    if before > 0 {
        let ratio = youths as f64 / before as f64;
        for k in p.policy.kingpin.iter_mut() {
            k.p.cost_per_operation *= ratio;
        }
    }
}

/// Why a value could not be applied: the kind of problem and its message.
type Failed = (ErrorKind, String);

/// Applies `input` at the resolved `t` (the key's path `path`) to `p`, before validation.
fn apply_target(
    p: &mut Params,
    schema: &Schema,
    t: &Target,
    path: &str,
    input: Input<'_>,
) -> Result<(), Failed> {
    match t {
        Target::Global(k, index) => set_global(p, schema, *k, *index, path, input)?,
        Target::RegionScalar(regions, k) => {
            let def = &schema.region[*k];
            let v = read(def.kind, input, path, def.meaning)?;
            for &r in regions {
                (def.set)(&mut p.regions[r], &v);
            }
        }
        Target::RegionYouths(regions) => set_region_youths(p, regions, path, input)?,
        Target::RegionNeighbours(regions) => set_neighbours(p, regions, path, input)?,
        Target::CartelPredatory(k) => {
            if let Value::Bool(b) = read(Kind::Bool, input, path, "hires for extortion and kidnapping")? {
                p.cartel_list[*k].predatory = b;
            }
        }
        Target::CartelTerritory(k, r) => {
            if let Value::Num(x) =
                read(Kind::Prob, input, path, "the cartel's share of the region's territory")?
            {
                p.cartel_list[*k].territory[*r] = x;
            }
        }
        Target::LeverKey(l, k) => {
            let lever = &schema.levers[*l];
            let def = &lever.keys[*k];
            let v = read(def.kind, input, path, def.meaning)?;
            lever.enable(p);
            (def.set)(p, &v);
        }
        Target::LeverSchedule(l, k) => {
            let lever = &schema.levers[*l];
            let def = &schema.schedule[*k];
            let v = read(def.kind, input, path, def.meaning)?;
            lever.enable(p);
            if let Some(s) = lever.schedule_mut(p) {
                (def.set)(s, &v);
            }
        }
        Target::LeverRegions(l) => {
            let lever = &schema.levers[*l];
            let mut flags = vec![false; p.regions.len()];
            for i in region_list(p, path, input)? {
                flags[i] = true;
            }
            lever.enable(p);
            if let Some(s) = lever.schedule_mut(p) {
                s.regions = flags;
            }
        }
        Target::LeverEnabled(l) => {
            let lever = &schema.levers[*l];
            match read(Kind::Bool, input, path, SCHEDULE_SPECIAL[1].2)? {
                Value::Bool(true) => lever.enable(p),
                _ => lever.disable(p),
            }
        }
    }
    Ok(())
}

/// A global key, or one rank of a per-rank key (`index`); `population.youths` rescales
/// the regions.
fn set_global(
    p: &mut Params,
    schema: &Schema,
    k: usize,
    index: Option<usize>,
    path: &str,
    input: Input<'_>,
) -> Result<(), Failed> {
    let def = &schema.global[k];
    let v = match (index, (def.get)(p)) {
        (Some(j), Value::Ranks(mut a)) => {
            let Value::Num(x) = read(Kind::Prob, input, path, def.meaning)? else {
                return Err((ErrorKind::WrongType, format!("{path}: expected a number")));
            };
            a[j] = x;
            Value::Ranks(a)
        }
        _ => read(def.kind, input, path, def.meaning)?,
    };
    if def.table == "population" && def.name == "youths" {
        if let Value::Int(y) = v {
            rescale_youths(p, y);
        }
    } else {
        (def.set)(p, &v);
    }
    Ok(())
}

/// The head count of some regions; the national total follows.
fn set_region_youths(p: &mut Params, regions: &[usize], path: &str, input: Input<'_>) -> Result<(), Failed> {
    let kind = Kind::Count { min: 1, max: super::schema::TOML_INT_MAX };
    let Value::Int(n) = read(kind, input, path, "youths living in the region")? else {
        return Err((ErrorKind::WrongType, format!("{path}: expected an integer")));
    };
    for &r in regions {
        p.regions[r].youths = n;
    }
    p.population.youths = p.regions.iter().fold(0u64, |s, r| s.saturating_add(r.youths));
    Ok(())
}

/// The regions named in `input` (separated by ';' or ','), by index.
fn region_list(p: &Params, path: &str, input: Input<'_>) -> Result<Vec<usize>, Failed> {
    let Input::Text(text) = input else {
        return Err((ErrorKind::WrongType, format!("{path}: expected region names separated by ';'")));
    };
    let mut found = Vec::new();
    for n in text.split([';', ',']).map(str::trim).filter(|s| !s.is_empty()) {
        match p.regions.iter().position(|r| r.name == n) {
            Some(j) => found.push(j),
            None => {
                let all: Vec<&str> = p.regions.iter().map(|r| r.name.as_str()).collect();
                let hint = suggestion(n, &all, "the regions are");
                return Err((ErrorKind::UnknownName, format!("{path}: unknown region {n:?}{hint}")));
            }
        }
    }
    Ok(found)
}

/// Replaces the neighbours of some regions, on both sides so the relation stays symmetric.
fn set_neighbours(p: &mut Params, regions: &[usize], path: &str, input: Input<'_>) -> Result<(), Failed> {
    let wanted = region_list(p, path, input)?;
    for &r in regions {
        if wanted.contains(&r) {
            return Err((ErrorKind::Inconsistent, format!("{path}: a region cannot neighbour itself")));
        }
        for other in std::mem::take(&mut p.regions[r].neighbours) {
            p.regions[other].neighbours.retain(|&x| x != r);
        }
        for &j in &wanted {
            p.regions[r].neighbours.push(j);
            p.regions[j].neighbours.push(r);
        }
    }
    for reg in &mut p.regions {
        reg.neighbours.sort_unstable();
        reg.neighbours.dedup();
    }
    Ok(())
}

fn set(p: &mut Params, path: &str, input: Input<'_>) -> Result<(), ScenarioError> {
    let schema = Schema::new();
    let path = path.trim();
    if path == "run.observed" {
        // The data file is read with the scenario, relative to the file that names it; a
        // path given here would not be read, so it is refused rather than ignored.
        let m = "run.observed: name observed data in the scenario file, not with --set".to_string();
        return Err(setting_problem(ErrorKind::Inconsistent, path, input, m));
    }
    let Some(target) = resolve(p, &schema, path) else {
        return Err(unknown_path(p, &schema, path, input));
    };
    let mut q = p.clone();
    apply_target(&mut q, &schema, &target, path, input)
        .map_err(|(kind, m)| setting_problem(kind, path, input, m))?;
    let origin = Origin::Setting(format!("{path}={}", input.show()));
    let problems = validate::check(&q, &schema, &validate::Fixed(origin));
    if !problems.is_empty() {
        return Err(ScenarioError::from_problems(problems));
    }
    *p = q;
    Ok(())
}

/// Sets one parameter from text (`"0.01"`, `"true"`, `"0.5;0.3;0.15;0.05"`, `"North;South"`).
pub fn set_value(p: &mut Params, path: &str, value: &str) -> Result<(), ScenarioError> {
    set(p, path, Input::Text(value))
}

/// Sets one numeric parameter; integers are rounded, and non-numeric keys are an error.
pub fn set_value_f64(p: &mut Params, path: &str, value: f64) -> Result<(), ScenarioError> {
    set(p, path, Input::Num(value))
}

/// The current value of a numeric path, as `set_value_f64` would set it (`region.*.<key>`
/// reads the first region; an off lever reads its default). `None` for paths that are not
/// numeric, unknown, or unset (`end_month` of a lever that never ends).
pub fn get_value_f64(p: &Params, path: &str) -> Option<f64> {
    match get_value(p, path)? {
        Value::Num(x) => Some(x),
        Value::Int(i) => Some(i as f64),
        _ => None,
    }
}

/// The current value of a numeric path as TOML writes it (integers as integers; a per-rank
/// entry such as `cartels.death[2]` gives the whole array, since a file sets it whole).
pub fn get_value_toml(p: &Params, path: &str) -> Option<String> {
    let whole = match path.trim().split_once('[') {
        Some((head, _)) if !head.contains('*') => head,
        _ => path,
    };
    match get_value(p, whole)? {
        Value::Unset => None,
        v => Some(v.to_toml()),
    }
}

fn get_value(p: &Params, path: &str) -> Option<Value> {
    let schema = Schema::new();
    let always = Schedule::always(p.regions.len());
    let v = match resolve(p, &schema, path.trim())? {
        Target::Global(k, Some(j)) => match (schema.global[k].get)(p) {
            Value::Ranks(a) => Value::Num(a[j]),
            v => v,
        },
        Target::Global(k, None) => (schema.global[k].get)(p),
        Target::RegionScalar(rs, k) => (schema.region[k].get)(p.regions.get(*rs.first()?)?),
        Target::RegionYouths(rs) => Value::Int(p.regions.get(*rs.first()?)?.youths),
        Target::CartelTerritory(k, r) => Value::Num(p.cartel_list[k].territory[r]),
        Target::LeverKey(l, k) => (schema.levers[l].keys[k].get)(p),
        Target::LeverSchedule(l, k) => {
            (schema.schedule[k].get)(schema.levers[l].schedule(p).unwrap_or(&always))
        }
        _ => return None,
    };
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, load_str};
    use std::path::Path;

    fn three_regions() -> Params {
        let text = "[population]\npeers = 4\n\
                    [[region]]\nname = \"North\"\nyouths = 500\nneighbours = [\"South\"]\n\
                    [[region]]\nname = \"South\"\nyouths = 300\n\
                    [[region]]\nname = \"East\"\nyouths = 200\n\
                    [[cartel]]\nname = \"A\"\nterritory = { North = 0.5, South = 0.5 }\n\
                    [[cartel]]\nname = \"B\"\nterritory = { North = 0.3, East = 0.4 }\n";
        load_str(text, Path::new("t.toml")).unwrap().params
    }

    #[test]
    fn sets_global_region_cartel_and_lever_paths() {
        let mut p = three_regions();
        set_value(&mut p, "youth.school_dropout", "0.01").unwrap();
        assert_eq!(p.youth.school_dropout, 0.01);
        set_value(&mut p, "region.North.poverty", "0.6").unwrap();
        assert_eq!(p.regions[0].poverty, 0.6);
        assert_eq!(p.regions[1].poverty, 0.45);
        set_value(&mut p, "region.*.legit_wage", "5000").unwrap();
        assert!(p.regions.iter().all(|r| r.legit_wage == 5000.0));
        set_value(&mut p, "cartel.B.territory.East", "0.9").unwrap();
        assert_eq!(p.cartel_list[1].territory[2], 0.9);
        set_value(&mut p, "cartel.A.predatory", "true").unwrap();
        assert!(p.cartel_list[0].predatory);
        assert!(p.policy.scholarships.is_empty());
        set_value(&mut p, "policy.scholarships.coverage", "0.7").unwrap();
        let s = p.policy.scholarships.first().unwrap();
        assert_eq!(s.p.coverage, 0.7);
        assert_eq!(s.p.amount, 800.0);
        assert_eq!(s.schedule.regions, [true, true, true]);
        set_value(&mut p, "policy.scholarships.regions", "North;East").unwrap();
        assert_eq!(p.policy.scholarships.first().unwrap().schedule.regions, [true, false, true]);
        set_value(&mut p, "policy.scholarships.end_month", "60").unwrap();
        assert_eq!(p.policy.scholarships.first().unwrap().schedule.end_month, Some(60));
        set_value(&mut p, "policy.scholarships.enabled", "false").unwrap();
        assert!(p.policy.scholarships.is_empty());
        set_value(&mut p, "cartels.rank_shares", "0.4;0.3;0.2;0.1").unwrap();
        assert_eq!(p.cartels.rank_shares, [0.4, 0.3, 0.2, 0.1]);
        set_value(&mut p, "cartels.death[3]", "0.01").unwrap();
        assert_eq!(p.cartels.death[3], 0.01);
        set_value(&mut p, "region.East.neighbours", "North").unwrap();
        assert_eq!(p.regions[0].neighbours, [1, 2]);
        assert_eq!(p.regions[2].neighbours, [0]);
        set_value(&mut p, "run.name", "sweep-1").unwrap();
        assert_eq!(p.run.name, "sweep-1");
    }

    #[test]
    fn numeric_setter_rounds_integers_and_refuses_flags() {
        let mut p = three_regions();
        set_value_f64(&mut p, "run.months", 12.4).unwrap();
        assert_eq!(p.run.months, 12);
        set_value_f64(&mut p, "policy.kingpin.shock", 2.0).unwrap();
        assert_eq!(p.policy.kingpin.first().unwrap().p.shock, 2.0);
        let e = set_value_f64(&mut p, "policy.policing.army", 1.0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType);
        set_value_f64(&mut p, "policy.policing.increase", -0.5).unwrap();
        assert!(set_value_f64(&mut p, "policy.policing.increase", -1.5).is_err());
    }

    #[test]
    fn observed_data_cannot_be_named_by_a_setting() {
        let mut p = three_regions();
        let e = set_value(&mut p, "run.observed", "/etc/passwd").unwrap_err();
        assert!(e.to_string().contains("name observed data in the scenario file"), "{e}");
        assert_eq!(p.run.observed, None);
    }

    #[test]
    fn wrong_keys_suggest_the_right_path() {
        let mut p = three_regions();
        // A missing table: the full path is suggested.
        let e = set_value(&mut p, "scholarships.coverage", "0.1").unwrap_err();
        assert!(e.to_string().contains("did you mean policy.scholarships.coverage?"), "{e}");
        // A typo in the lever's name.
        let e = set_value(&mut p, "policy.scholarship.coverage", "0.1").unwrap_err();
        assert!(e.to_string().contains("did you mean policy.scholarships.coverage?"), "{e}");
        // Nothing close: the shapes of paths instead.
        let e = set_value(&mut p, "zzz", "0.1").unwrap_err();
        assert!(e.to_string().contains("paths look like"), "{e}");
    }

    #[test]
    fn bad_settings_leave_params_unchanged() {
        let mut p = three_regions();
        let before = p.clone();
        let e = set_value(&mut p, "youth.school_dropout", "2").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutOfRange);
        assert!(e.to_string().contains("setting `youth.school_dropout=2`"), "{e}");
        assert!(e.to_string().contains("[0, 1]"), "{e}");
        let e = set_value(&mut p, "youth.school_dropuot", "0.1").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownKey);
        assert!(e.to_string().contains("did you mean youth.school_dropout?"), "{e}");
        let e = set_value(&mut p, "region.Nort.poverty", "0.1").unwrap_err();
        assert!(e.to_string().contains("region.North.poverty"), "{e}");
        // Territory above 1 in North once cartel B takes 0.6 next to A's 0.5.
        let e = set_value(&mut p, "cartel.B.territory.North", "0.6").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Inconsistent);
        assert!(e.to_string().contains("region \"North\""), "{e}");
        // Every region must keep more youths than the peer count.
        let e = set_value(&mut p, "region.East.youths", "4").unwrap_err();
        assert!(e.to_string().contains("more than population.peers = 4"), "{e}");
        assert!(set_value(&mut p, "run.months", "12.5").is_err());
        assert!(set_value(&mut p, "policy.kingpin.end_month", "0").is_err());
        assert_eq!(p, before);
    }

    #[test]
    fn setting_population_youths_rescales_regions() {
        let mut p = three_regions();
        set_value(&mut p, "population.youths", "101").unwrap();
        let counts: Vec<u64> = p.regions.iter().map(|r| r.youths).collect();
        assert_eq!(counts, [51, 30, 20]);
        assert_eq!(p.population.youths, 101);
        set_value(&mut p, "region.East.youths", "100").unwrap();
        assert_eq!(p.population.youths, 181);
    }

    #[test]
    fn numeric_paths_are_all_settable() {
        let p = three_regions();
        let schema = Schema::new();
        let paths = settable_paths(&p, &schema, true);
        assert!(paths.contains(&"region.East.demand".to_string()));
        assert!(paths.contains(&"policy.kingpin.removals_per_year".to_string()));
        assert!(paths.contains(&"cartels.death[0]".to_string()));
        assert!(!paths.contains(&"policy.policing.army".to_string()));
        for path in &paths {
            assert!(resolve(&p, &schema, path).is_some(), "{path}");
        }
        for path in settable_paths(&p, &schema, false) {
            assert!(resolve(&p, &schema, &path).is_some(), "{path}");
        }
    }
}
