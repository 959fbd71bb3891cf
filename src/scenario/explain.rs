//! Showing a resolved scenario: `explain` for people (one line per parameter with its
//! value, default, unit and meaning) and `resolved_json` for the manifest (the same keys
//! in the shape of the TOML file, defaults filled in).
//!
//! Both walk the schema table, so a new parameter shows up in both without further work.

use serde_json::{Map, Value as Json, json};

use crate::model::params::{CartelSpec, Params, Region};

use super::Scenario;
use super::build::{cartel_label, region_label};
use super::schema::{
    CARTEL_KEYS, Field, GLOBAL_TABLES, REGION_SPECIAL, SCHEDULE_SPECIAL, Schema, Value, lever_default,
};

/// One line of `explain`.
struct Line {
    path: String,
    value: String,
    default: String,
    unit: &'static str,
    meaning: &'static str,
}

impl Line {
    fn new(path: String, value: &Value, default: &Value, unit: &'static str, meaning: &'static str) -> Line {
        Line { path, value: value.to_toml(), default: default.to_toml(), unit, meaning }
    }
}

/// One parameter as `explain` shows it, for programs (the Python package's `parameters`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainRow {
    /// The group header (`[youth]`, `[[region]] "North"`, ...).
    pub group: String,
    pub path: String,
    pub value: String,
    pub default: String,
    pub unit: &'static str,
    pub meaning: &'static str,
}

/// Renders one group of lines under a header, columns aligned within the group, and keeps
/// them as rows.
fn group(out: &mut String, rows: &mut Vec<ExplainRow>, header: &str, lines: &[Line]) {
    rows.extend(lines.iter().map(|l| ExplainRow {
        group: header.to_string(),
        path: l.path.clone(),
        value: l.value.clone(),
        default: l.default.clone(),
        unit: l.unit,
        meaning: l.meaning,
    }));
    out.push('\n');
    out.push_str(header);
    out.push('\n');
    let width = |f: fn(&Line) -> usize| lines.iter().map(f).max().unwrap_or(0);
    let wp = width(|l| l.path.chars().count());
    let wv = width(|l| l.value.chars().count());
    let wd = width(|l| l.default.chars().count());
    let wu = width(|l| l.unit.chars().count().max(1));
    for l in lines {
        let mark = if l.value == l.default { ' ' } else { '*' };
        let unit = if l.unit.is_empty() { "-" } else { l.unit };
        let row = format!(
            "{mark} {:<wp$} = {:<wv$}  default {:<wd$}  {:<wu$}  {}",
            l.path, l.value, l.default, unit, l.meaning
        );
        out.push_str(row.trim_end());
        out.push('\n');
    }
}

fn names_value(p: &Params, indices: impl Iterator<Item = usize>) -> Value {
    let names: Vec<String> =
        indices.filter_map(|i| p.regions.get(i)).map(|r| format!("{:?}", r.name)).collect();
    Value::Str(format!("[{}]", names.join(", ")))
}

/// The raw text of a list, shown without the quotes `Value::Str` would add.
fn list_line(path: String, list: &Value, default: &str, unit: &'static str, meaning: &'static str) -> Line {
    let value = match list {
        Value::Str(s) => s.clone(),
        other => other.to_toml(),
    };
    Line { path, value, default: default.to_string(), unit, meaning }
}

/// Is the cartel list the one the loader makes when a scenario has no `[[cartel]]`?
fn is_default_cartel(p: &Params) -> bool {
    matches!(p.cartel_list.as_slice(), [c] if c.name == "cartel" && !c.predatory
        && c.territory.iter().zip(&p.regions).all(|(t, r)| *t == r.presence))
}

/// Every parameter of the scenario, one line each, grouped by table: path, value, default,
/// unit and meaning; `*` marks values that differ from their default.
pub fn explain(s: &Scenario) -> String {
    walk(s).0
}

/// Every parameter of the scenario, as the rows `explain` prints.
pub fn explain_rows(s: &Scenario) -> Vec<ExplainRow> {
    walk(s).1
}

fn walk(s: &Scenario) -> (String, Vec<ExplainRow>) {
    let mut rows = Vec::new();
    let p = &s.params;
    let schema = Schema::new();
    let defaults = Params::defaults();
    let mut out = format!("Scenario {:?} from {}", p.run.name, s.path.display());
    let parents: Vec<String> =
        s.files.iter().filter(|f| **f != s.path).map(|f| f.display().to_string()).collect();
    if !parents.is_empty() {
        out.push_str(&format!(" (extends {})", parents.join(" ← ")));
    }
    out.push_str("\nOne line per parameter: path = value, default, unit, meaning; * marks a value that differs from its default.\n");

    let stem = s.path.file_stem().map(|x| x.to_string_lossy().to_string()).unwrap_or_default();
    for table in GLOBAL_TABLES {
        let lines: Vec<Line> = schema
            .global_table(table)
            .map(|k| {
                let mut default = (k.get)(&defaults);
                if k.table == "run" && k.name == "name" && !stem.is_empty() {
                    default = Value::Str(stem.clone());
                }
                Line::new(k.path(), &(k.get)(p), &default, k.unit, k.meaning)
            })
            .collect();
        group(&mut out, &mut rows, &format!("[{table}]"), &lines);
    }

    for (i, r) in p.regions.iter().enumerate() {
        let label = region_label(Some(&r.name), i);
        let d = Region::with_defaults(&r.name, r.youths);
        let mut lines = vec![
            Line::new(
                format!("{label}.name"),
                &r.name.to_value(),
                &r.name.to_value(),
                REGION_SPECIAL[0].1,
                REGION_SPECIAL[0].2,
            ),
            Line::new(
                format!("{label}.youths"),
                &r.youths.to_value(),
                &r.youths.to_value(),
                REGION_SPECIAL[1].1,
                REGION_SPECIAL[1].2,
            ),
            Line::new(
                format!("{label}.share"),
                &Value::Num(r.youths as f64 / p.population.youths.max(1) as f64),
                &Value::Num(r.youths as f64 / p.population.youths.max(1) as f64),
                REGION_SPECIAL[2].1,
                "the region's share of population.youths, as resolved",
            ),
            list_line(
                format!("{label}.neighbours"),
                &names_value(p, r.neighbours.iter().copied()),
                "[]",
                REGION_SPECIAL[3].1,
                REGION_SPECIAL[3].2,
            ),
        ];
        for k in &schema.region {
            lines.push(Line::new(
                format!("{label}.{}", k.name),
                &(k.get)(r),
                &(k.get)(&d),
                k.unit,
                k.meaning,
            ));
        }
        group(&mut out, &mut rows, &format!("[[region]] {:?}", r.name), &lines);
    }

    let default_cartel = is_default_cartel(p);
    for (k, c) in p.cartel_list.iter().enumerate() {
        let label = cartel_label(Some(&c.name), k);
        let mut lines = vec![
            Line::new(
                format!("{label}.name"),
                &c.name.to_value(),
                &c.name.to_value(),
                CARTEL_KEYS[0].1,
                CARTEL_KEYS[0].2,
            ),
            Line::new(
                format!("{label}.predatory"),
                &c.predatory.to_value(),
                &Value::Bool(false),
                CARTEL_KEYS[1].1,
                CARTEL_KEYS[1].2,
            ),
        ];
        for (r, region) in p.regions.iter().enumerate() {
            let default = if default_cartel { region.presence } else { 0.0 };
            let share = c.territory.get(r).copied().unwrap_or(0.0);
            lines.push(Line::new(
                format!("{label}.territory.{}", region.name),
                &Value::Num(share),
                &Value::Num(default),
                CARTEL_KEYS[2].1,
                CARTEL_KEYS[2].2,
            ));
        }
        let header = if default_cartel {
            "[[cartel]] \"cartel\" (the default cartel: no [[cartel]] in the scenario)".to_string()
        } else {
            format!("[[cartel]] {:?}", c.name)
        };
        group(&mut out, &mut rows, &header, &lines);
    }

    let mut off = Vec::new();
    for lever in &schema.levers {
        let Some(sched) = (lever.schedule)(p) else {
            off.push(lever.name);
            continue;
        };
        let table = format!("policy.{}", lever.name);
        let always = crate::model::params::Schedule::always(p.regions.len());
        let mut lines: Vec<Line> = schema
            .schedule
            .iter()
            .map(|k| {
                Line::new(
                    format!("{table}.{}", k.name),
                    &(k.get)(sched),
                    &(k.get)(&always),
                    k.unit,
                    k.meaning,
                )
            })
            .collect();
        let regions = if sched.regions.iter().all(|&b| b) {
            Value::Str("all".into())
        } else {
            names_value(p, sched.regions.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i))
        };
        lines.push(list_line(
            format!("{table}.regions"),
            &regions,
            "all",
            SCHEDULE_SPECIAL[0].1,
            SCHEDULE_SPECIAL[0].2,
        ));
        lines.push(Line::new(
            format!("{table}.enabled"),
            &Value::Bool(true),
            &Value::Bool(true),
            SCHEDULE_SPECIAL[1].1,
            SCHEDULE_SPECIAL[1].2,
        ));
        for k in &lever.keys {
            lines.push(Line::new(k.path(), &(k.get)(p), &lever_default(lever, k), k.unit, k.meaning));
        }
        group(&mut out, &mut rows, &format!("[{table}] {}", lever.meaning), &lines);
    }
    out.push('\n');
    if off.is_empty() {
        out.push_str("Levers off: none.\n");
    } else {
        out.push_str(&format!(
            "Levers off: {} (a [policy.<lever>] table, even empty, switches one on).\n",
            off.join(", ")
        ));
    }
    (out, rows)
}

fn put(obj: &mut Map<String, Json>, key: &str, v: &Value) {
    if let Some(j) = v.to_json() {
        obj.insert(key.to_string(), j);
    }
}

fn region_json(p: &Params, r: &Region, schema: &Schema) -> Json {
    let mut obj = Map::new();
    obj.insert("name".into(), json!(r.name));
    obj.insert("youths".into(), json!(r.youths));
    for k in &schema.region {
        put(&mut obj, k.name, &(k.get)(r));
    }
    let names: Vec<&str> =
        r.neighbours.iter().filter_map(|&j| p.regions.get(j)).map(|x| x.name.as_str()).collect();
    obj.insert("neighbours".into(), json!(names));
    Json::Object(obj)
}

fn cartel_json(p: &Params, c: &CartelSpec) -> Json {
    let mut territory = Map::new();
    for (r, region) in p.regions.iter().enumerate() {
        put(&mut territory, &region.name, &Value::Num(c.territory.get(r).copied().unwrap_or(0.0)));
    }
    json!({ "name": c.name, "predatory": c.predatory, "territory": territory })
}

/// The fully resolved scenario (defaults filled in) in the shape of the TOML file: tables
/// by name, `region` and `cartel` as arrays, levers that are on under `policy`. Written
/// back as TOML it loads to the same `Params`.
pub fn resolved_json(p: &Params) -> Json {
    let schema = Schema::new();
    let mut root = Map::new();
    for table in GLOBAL_TABLES {
        let mut obj = Map::new();
        for k in schema.global_table(table) {
            put(&mut obj, k.name, &(k.get)(p));
        }
        root.insert(table.to_string(), Json::Object(obj));
    }
    root.insert("region".into(), Json::Array(p.regions.iter().map(|r| region_json(p, r, &schema)).collect()));
    root.insert("cartel".into(), Json::Array(p.cartel_list.iter().map(|c| cartel_json(p, c)).collect()));
    let mut policy = Map::new();
    for lever in &schema.levers {
        let Some(sched) = (lever.schedule)(p) else {
            continue;
        };
        let mut obj = Map::new();
        for k in &schema.schedule {
            put(&mut obj, k.name, &(k.get)(sched));
        }
        let names: Vec<&str> = p
            .regions
            .iter()
            .zip(&sched.regions)
            .filter(|(_, on)| **on)
            .map(|(r, _)| r.name.as_str())
            .collect();
        obj.insert("regions".into(), json!(names));
        for k in &lever.keys {
            put(&mut obj, k.name, &(k.get)(p));
        }
        policy.insert(lever.name.to_string(), Json::Object(obj));
    }
    root.insert("policy".into(), Json::Object(policy));
    Json::Object(root)
}
