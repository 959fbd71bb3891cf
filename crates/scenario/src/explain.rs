//! Showing a resolved scenario: `explain` for people (one line per parameter with its
//! value, default, unit and meaning) and `resolved_json` for the manifest (the same keys
//! in the shape of the TOML file, defaults filled in).
//!
//! Both walk the schema table, so a new parameter shows up in both without further work.

use serde_json::{Map, Value as Json, json};

use narcodoor_model::params::{CartelSpec, Params, Region, Schedule};

use super::Scenario;
use super::schema::{
    CARTEL_KEYS, Field, GLOBAL_TABLES, Kind, LeverDef, REGION_SPECIAL, SCHEDULE_SPECIAL, Schema, Value,
    lever_default,
};

/// One line of `explain`.
struct Line {
    path: String,
    value: String,
    default: String,
    unit: &'static str,
    meaning: &'static str,
    /// The key's kind, for [`ExplainRow`] (absent for lists and names).
    typed: Option<Kind>,
}

impl Line {
    fn new(path: String, value: &Value, default: &Value, unit: &'static str, meaning: &'static str) -> Line {
        Line { path, value: value.to_toml(), default: default.to_toml(), unit, meaning, typed: None }
    }

    /// A line of a key whose kind the schema gives.
    fn keyed(
        path: String,
        value: &Value,
        default: &Value,
        kind: Kind,
        unit: &'static str,
        meaning: &'static str,
    ) -> Line {
        let mut line = Line::new(path, value, default, unit, meaning);
        line.typed = Some(kind);
        line
    }
}

/// One parameter as `explain` shows it, for programs (the Python package's `parameters`,
/// the web API's `/api/scenarios/{name}/parameters`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExplainRow {
    /// The group header (`[youth]`, `[[region]] "North"`, ...).
    pub group: String,
    pub path: String,
    /// The value and default as `explain` prints them (TOML text).
    pub value: String,
    pub default: String,
    pub unit: &'static str,
    pub meaning: &'static str,
    /// Bounds of the allowed range (`None` where the key is unbounded or not a number).
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `number`, `integer`, `bool`, `text` or `list`.
    pub kind: &'static str,
    /// For a lever's keys: whether the lever is on (setting any of its keys switches it on).
    pub enabled: Option<bool>,
}

/// Renders one group of lines under a header, columns aligned within the group. With a
/// `width`, the meaning column is wrapped to fit it, and long values (a scenario's
/// description) stop widening the group's value column.
fn group(out: &mut String, header: &str, lines: &[Line], width: Option<usize>) {
    out.push('\n');
    out.push_str(header);
    out.push('\n');
    // Only values and defaults are capped: a path or unit never runs long, and capping the
    // path column (as once done) pushed every later column of its long-path lines out of line.
    let cap = if width.is_some() { VALUE_CAP } else { usize::MAX };
    let col = |f: fn(&Line) -> usize, cap| lines.iter().map(f).filter(|&w| w <= cap).max().unwrap_or(0);
    let wp = col(|l| l.path.chars().count(), usize::MAX);
    let wv = col(|l| l.value.chars().count(), cap);
    let wd = col(|l| l.default.chars().count(), cap);
    let wu = col(|l| l.unit.chars().count().max(1), usize::MAX);
    for l in lines {
        let mark = if l.value == l.default { ' ' } else { '*' };
        let unit = if l.unit.is_empty() { "-" } else { l.unit };
        let prefix =
            format!("{mark} {:<wp$} = {:<wv$}  default {:<wd$}  {:<wu$}  ", l.path, l.value, l.default, unit);
        match width {
            None => out.push_str(format!("{prefix}{}", l.meaning).trim_end()),
            Some(w) => out.push_str(&wrap_meaning(&prefix, l.meaning, w)),
        }
        out.push('\n');
    }
}

/// Values and defaults longer than this do not widen their column when wrapping.
const VALUE_CAP: usize = 24;
/// The narrowest meaning column worth keeping beside the others; below it the meaning goes
/// on lines of its own, indented.
const MIN_MEANING: usize = 28;
/// The indent of a meaning on lines of its own.
const MEANING_INDENT: usize = 6;

/// `prefix` followed by `meaning` wrapped at word boundaries into `width` columns: beside
/// the prefix when there is room, else on the following lines, indented. A prefix wider
/// than the terminal (a long description as the value) is wrapped too.
fn wrap_meaning(prefix: &str, meaning: &str, width: usize) -> String {
    let used = prefix.chars().count();
    let pad = " ".repeat(MEANING_INDENT);
    let rest = width.saturating_sub(MEANING_INDENT).max(MIN_MEANING);
    if width >= used + MIN_MEANING {
        let lines = wrap_words(meaning, width - used, width - used);
        let pad = " ".repeat(used);
        return format!("{prefix}{}", lines.join(&format!("\n{pad}")));
    }
    let head = prefix.trim_end();
    let lines = if head.chars().count() <= width {
        let mut lines = vec![head.to_string()];
        lines.extend(wrap_words(meaning, rest, rest).into_iter().map(|l| format!("{pad}{l}")));
        return lines.join("\n");
    } else {
        // The change mark and its space lead the first line, as on every other.
        let (mark, body) = head.split_at(head.char_indices().nth(2).map_or(head.len(), |(i, _)| i));
        let mut lines = wrap_words(&format!("{body}  {meaning}"), width - mark.chars().count(), rest);
        lines[0] = format!("{mark}{}", lines[0]);
        lines
    };
    lines.join(&format!("\n{pad}"))
}

/// `text` wrapped at word boundaries to `width` columns, or as it is with `None`.
fn wrapped(text: &str, width: Option<usize>) -> String {
    match width {
        Some(w) => wrap_words(text, w, w).join("\n"),
        None => text.to_string(),
    }
}

/// Words of `text` in lines of at most `first` columns, then `rest` (a longer word gets a
/// line of its own).
fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let avail = if lines.len() == 1 { first } else { rest };
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > avail {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
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
    Line { path, value, default: default.to_string(), unit, meaning, typed: None }
}

/// Is the cartel list the one the loader makes when a scenario has no `[[cartel]]`?
fn is_default_cartel(p: &Params) -> bool {
    matches!(p.cartel_list.as_slice(), [c] if c.name == "cartel" && !c.predatory
        && c.territory.iter().zip(&p.regions).all(|(t, r)| *t == r.presence))
}

/// Every parameter of the scenario, one line each, grouped by table: path, value, default,
/// unit and meaning; `*` marks values that differ from their default.
pub fn explain(s: &Scenario) -> String {
    explain_with_width(s, Some(DEFAULT_WIDTH))
}

/// The width `explain` wraps to unless told otherwise: a common terminal's.
pub const DEFAULT_WIDTH: usize = 100;

/// `explain` wrapped to `width` columns, or on one line per parameter with `None`.
pub fn explain_with_width(s: &Scenario, width: Option<usize>) -> String {
    let p = &s.params;
    let mut out = format!("Scenario {:?} from {}", p.run.name, s.path.display());
    let parents: Vec<String> =
        s.files.iter().filter(|f| **f != s.path).map(|f| f.display().to_string()).collect();
    if !parents.is_empty() {
        out.push_str(&format!(" (extends {})", parents.join(" ← ")));
    }
    let key = "One line per parameter: path = value, default, unit, meaning; * marks a value that differs from its default.";
    out.push_str(&format!("\n{}\n", wrapped(key, width)));
    let (sections, off) = sections(s, false);
    for (header, lines) in &sections {
        group(&mut out, header, lines, width);
    }
    out.push('\n');
    if off.is_empty() {
        out.push_str("Levers off: none.\n");
    } else {
        let line = format!(
            "Levers off: {} (a [policy.<lever>] table, even empty, switches one on).",
            off.join(", ")
        );
        out.push_str(&wrapped(&line, width));
        out.push('\n');
    }
    out
}

/// What a scenario sets differently from a baseline, for a reader: one line per parameter
/// whose value differs (`path = value (baseline: value)`), levers switched on with their
/// non-default keys, and levers switched off. The `[run]` table (names, seeds) is left out.
pub fn differences(base: &Scenario, other: &Scenario) -> Vec<String> {
    let base_rows = explain_rows(base);
    let rows = explain_rows(other);
    let lever = |path: &str| {
        path.starts_with("policy.").then(|| path.splitn(3, '.').take(2).collect::<Vec<_>>().join("."))
    };
    let find =
        |rows: &[ExplainRow], path: &str| rows.iter().find(|r| r.path == path).map(|r| r.value.clone());
    let mut out = Vec::new();
    let mut noted: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.group != "[run]") {
        match find(&base_rows, &r.path) {
            Some(v) if v != r.value => out.push(format!("{} = {} (baseline: {v})", r.path, r.value)),
            Some(_) => {}
            None => {
                if let Some(l) = lever(&r.path).filter(|l| !noted.contains(l)) {
                    out.push(format!("{l} on (off in the baseline)"));
                    noted.push(l);
                }
                // Every value of a lever the baseline lacks, defaults too: "scholarships on"
                // says nothing of its coverage, amount, start or regions.
                if !r.path.ends_with(".enabled") {
                    out.push(format!("{} = {}", r.path, r.value));
                }
            }
        }
    }
    for r in base_rows.iter().filter(|r| find(&rows, &r.path).is_none()) {
        if let Some(l) = lever(&r.path).filter(|l| !noted.contains(l)) {
            out.push(format!("{l} off (on in the baseline)"));
            noted.push(l);
        }
    }
    out
}

/// Every parameter of the scenario, as the rows `explain` prints.
pub fn explain_rows(s: &Scenario) -> Vec<ExplainRow> {
    rows(s, false)
}

/// As [`explain_rows`], with the keys of the levers that are off too (at their defaults,
/// `enabled: Some(false)`), which `explain` only names.
pub fn explain_rows_all_levers(s: &Scenario) -> Vec<ExplainRow> {
    rows(s, true)
}

fn rows(s: &Scenario, with_off: bool) -> Vec<ExplainRow> {
    let (sections, _) = sections(s, with_off);
    let schema = Schema::new();
    let mut out = Vec::new();
    for (header, lines) in sections {
        let enabled = header
            .strip_prefix("[policy.")
            .and_then(|h| h.split(']').next())
            .and_then(|name| schema.lever(name))
            .map(|lever| lever.schedule(&s.params).is_some());
        for l in lines {
            let (kind, (min, max)) = match &l.typed {
                Some(k) => (kind_name(k), k.bounds()),
                None => ("list", (None, None)),
            };
            out.push(ExplainRow {
                group: header.clone(),
                path: l.path,
                value: l.value,
                default: l.default,
                unit: l.unit,
                meaning: l.meaning,
                min,
                max,
                kind,
                enabled,
            });
        }
    }
    out
}

fn kind_name(k: &Kind) -> &'static str {
    match k {
        Kind::Bool => "bool",
        Kind::Text | Kind::Name | Kind::Date => "text",
        Kind::Ranks => "list",
        k if k.is_integer() => "integer",
        _ => "number",
    }
}

type Section = (String, Vec<Line>);

/// `explain`'s groups of lines, and the levers that are off. With `with_off`, an off lever
/// gets a group of its own keys at their defaults instead of being only named.
fn sections(s: &Scenario, with_off: bool) -> (Vec<Section>, Vec<&'static str>) {
    let p = &s.params;
    let schema = Schema::new();
    let mut sections = global_sections(s, &schema);
    for r in &p.regions {
        sections.push(region_section(p, &schema, r));
    }
    sections.extend(cartel_sections(p));
    let mut off = Vec::new();
    let always = narcodoor_model::params::Schedule::always(p.regions.len());
    for lever in &schema.levers {
        let sched = match lever.schedule(p) {
            Some(sched) => sched,
            None => {
                off.push(lever.name);
                if !with_off {
                    continue;
                }
                &always
            }
        };
        sections.push(lever_section(p, &schema, lever, sched, &always));
    }
    (sections, off)
}

fn global_sections(s: &Scenario, schema: &Schema) -> Vec<Section> {
    let p = &s.params;
    let defaults = Params::defaults();
    let stem = s.path.file_stem().map(|x| x.to_string_lossy().to_string()).unwrap_or_default();
    let mut sections = Vec::new();
    for table in GLOBAL_TABLES {
        let lines: Vec<Line> = schema
            .global_table(table)
            .map(|k| {
                let mut default = (k.get)(&defaults);
                if k.table == "run" && k.name == "name" && !stem.is_empty() {
                    default = Value::Str(stem.clone());
                }
                Line::keyed(k.path(), &(k.get)(p), &default, k.kind, k.unit, k.meaning)
            })
            .collect();
        sections.push((format!("[{table}]"), lines));
    }
    sections
}

fn region_section(p: &Params, schema: &Schema, r: &Region) -> Section {
    let label = format!("region.{}", r.name);
    let d = Region::with_defaults(&r.name, r.youths);
    let share = Value::Num(r.youths as f64 / p.population.youths.max(1) as f64);
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
            &share,
            &share,
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
        lines.push(Line::keyed(
            format!("{label}.{}", k.name),
            &(k.get)(r),
            &(k.get)(&d),
            k.kind,
            k.unit,
            k.meaning,
        ));
    }
    (format!("[[region]] {:?}", r.name), lines)
}

fn cartel_sections(p: &Params) -> Vec<Section> {
    let default_cartel = is_default_cartel(p);
    let mut sections = Vec::new();
    for c in &p.cartel_list {
        let label = format!("cartel.{}", c.name);
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
            lines.push(Line::keyed(
                format!("{label}.territory.{}", region.name),
                &Value::Num(share),
                &Value::Num(default),
                Kind::Prob,
                CARTEL_KEYS[2].1,
                CARTEL_KEYS[2].2,
            ));
        }
        let header = if default_cartel {
            "[[cartel]] \"cartel\" (the default cartel: no [[cartel]] in the scenario)".to_string()
        } else {
            format!("[[cartel]] {:?}", c.name)
        };
        sections.push((header, lines));
    }
    sections
}

fn lever_section(
    p: &Params,
    schema: &Schema,
    lever: &LeverDef,
    sched: &Schedule,
    always: &Schedule,
) -> Section {
    let table = format!("policy.{}", lever.name);
    let on = lever.schedule(p).is_some();
    let mut lines: Vec<Line> = schema
        .schedule
        .iter()
        .map(|k| {
            Line::keyed(
                format!("{table}.{}", k.name),
                &(k.get)(sched),
                &(k.get)(always),
                k.kind,
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
    lines.push(Line::keyed(
        format!("{table}.enabled"),
        &Value::Bool(on),
        &Value::Bool(true),
        Kind::Bool,
        SCHEDULE_SPECIAL[1].1,
        SCHEDULE_SPECIAL[1].2,
    ));
    for k in &lever.keys {
        lines.push(Line::keyed(k.path(), &(k.get)(p), &lever_default(lever, k), k.kind, k.unit, k.meaning));
    }
    (format!("[{table}] {}", lever.meaning), lines)
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
        // A table whose keys are all unset (`[trial]` of a scenario without one) is left
        // out, so such a scenario resolves as it did before the table existed.
        if obj.is_empty() {
            continue;
        }
        root.insert(table.to_string(), Json::Object(obj));
    }
    root.insert("region".into(), Json::Array(p.regions.iter().map(|r| region_json(p, r, &schema)).collect()));
    root.insert("cartel".into(), Json::Array(p.cartel_list.iter().map(|c| cartel_json(p, c)).collect()));
    let mut policy = Map::new();
    for lever in &schema.levers {
        let Some(sched) = lever.schedule(p) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_meanings_fit_the_width() {
        let meaning = "chance that each peer tie is replaced by a random youth of the region, every month";
        let prefix = "  population.rewire = 0.1     default 0.1     probability  ";
        let text = wrap_meaning(prefix, meaning, 100);
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert!(text.starts_with(prefix));
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&text), words(&format!("{prefix} {meaning}")));
        // A prefix wider than the terminal still fits, word by word.
        let long = format!("* run.description = \"{}\"  default \"\"  -  ", "word ".repeat(30).trim());
        let text = wrap_meaning(&long, "free text", 60);
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.starts_with("* run.description = "), "{text}");
        // A meaning with no room beside its prefix goes below it.
        let text = wrap_meaning(prefix, meaning, 70);
        assert!(text.lines().all(|l| l.chars().count() <= 70), "{text}");
        assert_eq!(text.lines().next(), Some(prefix.trim_end()));
    }
}
