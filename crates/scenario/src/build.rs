//! The merged tree → a checked `Params`, walking the schema table.
//!
//! Every key is looked up in the schema (unknown keys get a did-you-mean), read with the
//! type its kind expects, range-checked and written through the schema's setter; where each
//! value was written goes into a `SourceMap` so that later, cross-field checks can point at
//! the right file and line too. Problems are collected rather than returned one by one, so a
//! user sees everything wrong with a file at once.

use std::collections::HashMap;

use narcodoor_model::calendar::YearMonth;
use narcodoor_model::params::{Params, RANKS};

use super::error::{ErrorKind, Origin, Problem, ScenarioError, closest};
use super::raw::{Entry, Files, Loc, Node, Raw, Table};
use super::schema::{GLOBAL_TABLES, Kind, Schema, TOP_KEYS, Value, name_ok};
use super::validate;

/// Where each key of a loaded scenario was written, by full key path.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    pub files: Files,
    pub at: HashMap<String, Loc>,
}

impl validate::Locate for SourceMap {
    fn origin(&self, key: &str) -> Origin {
        SourceMap::origin(self, key)
    }

    fn written(&self, key: &str) -> Option<(usize, usize)> {
        self.at.get(key).map(|at| (at.file, at.line))
    }
}

impl SourceMap {
    /// The file and line that wrote `key`. For a default, the line of the enclosing table
    /// or entry (`region "North"` for `region "North".poverty`) if the file has one, else the
    /// loaded file without a line.
    pub fn origin(&self, key: &str) -> Origin {
        let mut k = key;
        loop {
            if let Some(at) = self.at.get(k) {
                return self.files.origin(*at);
            }
            match k.rsplit_once('.') {
                Some((head, _)) => k = head,
                None => break,
            }
        }
        Origin::File { path: self.files.paths.first().cloned().unwrap_or_default(), line: None, column: None }
    }
}

/// "; did you mean X?" or the list of what is valid, for unknown keys and names.
pub fn suggestion(word: &str, candidates: &[&str], what: &str) -> String {
    match closest(word, candidates.iter().copied()) {
        Some(c) => format!("; did you mean {c}?"),
        None if candidates.is_empty() => String::new(),
        None => format!("; {what}: {}", candidates.join(", ")),
    }
}

mod policy;
mod regions;

pub use regions::rescale_counts;

struct Builder<'a> {
    schema: &'a Schema,
    problems: Vec<Problem>,
    map: SourceMap,
}

impl<'a> Builder<'a> {
    fn problem(&mut self, kind: ErrorKind, at: Loc, key: &str, message: String) {
        let origin = self.map.files.origin(at);
        self.problems.push(Problem::new(kind, origin, key, message));
    }

    fn wrong_type(&mut self, key: &str, node: &Node, expected: &str) {
        let message =
            format!("{key} = {}: wrong type: expected {expected}, found {}", node.text, node.raw.type_name());
        self.problem(ErrorKind::WrongType, node.at, key, message);
    }

    fn unknown_key(&mut self, key: &str, at: Loc, hint: String) {
        self.problem(ErrorKind::UnknownKey, at, key, format!("{key}: unknown key{hint}"));
    }

    /// Reads a value of `kind`; on a wrong type or a value out of range, records the
    /// problem and returns `None`.
    fn read(&mut self, key: &str, kind: Kind, meaning: &str, node: &Node) -> Option<Value> {
        let out_of_range = |b: &mut Self| {
            let message = format!("{key} = {}: must be {} ({meaning})", node.text, kind.allowed());
            b.problem(ErrorKind::OutOfRange, node.at, key, message);
            None
        };
        match (kind, &node.raw) {
            (Kind::Bool, Raw::Bool(b)) => Some(Value::Bool(*b)),
            (Kind::Text, Raw::Str(s)) => Some(Value::Str(s.clone())),
            (Kind::Name, Raw::Str(s)) if name_ok(s) => Some(Value::Str(s.clone())),
            (Kind::Name, Raw::Str(_)) => out_of_range(self),
            (Kind::Date, Raw::Str(s)) if YearMonth::parse(s).is_some() => Some(Value::Str(s.clone())),
            (Kind::Date, Raw::Str(_)) => out_of_range(self),
            (Kind::Ranks, Raw::Array(items)) => self.read_ranks(key, meaning, node, items),
            (k, Raw::Int(i)) if k.is_integer() => {
                if k.check_int(*i) {
                    Some(Value::Int(*i as u64))
                } else {
                    out_of_range(self)
                }
            }
            (k, Raw::Float(x)) if k.is_integer() => {
                let hint = if x.is_finite() && *x == x.trunc() {
                    format!(" (write {x:.0}, without a decimal point)")
                } else {
                    String::new()
                };
                let message = format!("{key} = {}: must be {}{hint} ({meaning})", node.text, kind.allowed());
                self.problem(ErrorKind::WrongType, node.at, key, message);
                None
            }
            (k, Raw::Int(i)) if k.is_numeric() => {
                let x = *i as f64;
                if k.check_num(x) { Some(Value::Num(x)) } else { out_of_range(self) }
            }
            (k, Raw::Float(x)) if k.is_numeric() => {
                if k.check_num(*x) {
                    Some(Value::Num(*x))
                } else {
                    out_of_range(self)
                }
            }
            (k, _) => {
                self.wrong_type(key, node, k.toml_type());
                None
            }
        }
    }

    fn read_ranks(&mut self, key: &str, meaning: &str, node: &Node, items: &[Node]) -> Option<Value> {
        if items.len() != RANKS {
            let message = format!(
                "{key} = {}: must be {} (found {} values; {meaning})",
                node.text,
                Kind::Ranks.allowed(),
                items.len()
            );
            self.problem(ErrorKind::OutOfRange, node.at, key, message);
            return None;
        }
        let mut out = [0.0; RANKS];
        let mut ok = true;
        for (j, item) in items.iter().enumerate() {
            let x = match item.raw {
                Raw::Int(i) => i as f64,
                Raw::Float(x) => x,
                _ => {
                    let message = format!(
                        "{key}: rank {} = {}: wrong type: expected a number, found {}",
                        j + 1,
                        item.text,
                        item.raw.type_name()
                    );
                    self.problem(ErrorKind::WrongType, item.at, key, message);
                    ok = false;
                    continue;
                }
            };
            if !Kind::Prob.check_num(x) {
                let message = format!(
                    "{key}: rank {} = {}: must be {} ({meaning})",
                    j + 1,
                    item.text,
                    Kind::Prob.allowed()
                );
                self.problem(ErrorKind::OutOfRange, item.at, key, message);
                ok = false;
            }
            out[j] = x;
        }
        ok.then_some(Value::Ranks(out))
    }

    /// The entries of a value that must be a table; records a wrong type otherwise.
    fn table<'t>(&mut self, key: &str, node: &'t Node, expected: &str) -> Option<&'t Table> {
        match &node.raw {
            Raw::Table(t) => Some(t),
            _ => {
                self.wrong_type(key, node, expected);
                None
            }
        }
    }

    fn global_table(&mut self, p: &mut Params, table: &'static str, entry: &Entry) {
        let Some(t) = self.table(table, &entry.node, &format!("a table ([{table}])")) else {
            return;
        };
        self.map.at.insert(table.to_string(), entry.node.at);
        for e in &t.entries {
            let path = format!("{table}.{}", e.key);
            let Some(def) = self.schema.global_key(table, &e.key) else {
                let names: Vec<&str> = self.schema.global_table(table).map(|k| k.name).collect();
                let mut hint = suggestion(&e.key, &names, &format!("the keys of [{table}] are"));
                if let Some(other) = self.schema.global.iter().find(|k| k.name == e.key && k.table != table) {
                    hint =
                        format!("; {} is a key of [{}]: did you mean {}?", e.key, other.table, other.path());
                }
                self.unknown_key(&path, e.key_at, hint);
                continue;
            };
            if let Some(v) = self.read(&path, def.kind, def.meaning, &e.node) {
                (def.set)(p, &v);
                self.map.at.insert(path, e.node.at);
            }
        }
    }

    fn names_array(&mut self, key: &str, node: &Node) -> Vec<(String, Loc)> {
        let Raw::Array(items) = &node.raw else {
            self.wrong_type(key, node, "an array of region names");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.raw {
                Raw::Str(s) => out.push((s.clone(), item.at)),
                _ => self.wrong_type(key, item, "a region name (a string)"),
            }
        }
        out
    }
}

/// Builds a checked `Params` from a merged tree. `stem` names the scenario when the file
/// does not.
pub fn build(root: &Table, files: Files, stem: &str) -> Result<(Params, SourceMap), ScenarioError> {
    let schema = Schema::new();
    let mut b =
        Builder { schema: &schema, problems: Vec::new(), map: SourceMap { files, at: HashMap::new() } };
    let mut p = Params::defaults();
    if name_ok(stem) {
        p.run.name = stem.to_string();
    }
    let mut region_entry = None;
    let mut cartel_entry = None;
    let mut policy_entry = None;
    for e in &root.entries {
        match e.key.as_str() {
            "region" => region_entry = Some(e),
            "cartel" => cartel_entry = Some(e),
            "policy" => policy_entry = Some(e),
            key => match GLOBAL_TABLES.iter().find(|t| **t == key) {
                Some(table) => b.global_table(&mut p, table, e),
                None => {
                    let mut hint = suggestion(key, &TOP_KEYS, "the tables are");
                    if let Some(k) = schema.global.iter().find(|k| k.name == key) {
                        hint = format!("; did you mean {} (in [{}])?", k.path(), k.table);
                    }
                    b.unknown_key(key, e.key_at, hint);
                }
            },
        }
    }
    if b.regions(&mut p, region_entry) {
        b.cartels(&mut p, cartel_entry);
        b.policy(&mut p, policy_entry);
    }
    if !b.problems.is_empty() {
        let mut problems = b.problems;
        sort_by_place(&mut problems, &b.map.files);
        return Err(ScenarioError::from_problems(problems));
    }
    let map = b.map;
    let mut problems = validate::check(&p, &schema, &map);
    if !problems.is_empty() {
        sort_by_place(&mut problems, &map.files);
        return Err(ScenarioError::from_problems(problems));
    }
    Ok((p, map))
}

/// Orders problems as a reader meets them: the loaded file first, then its parents, each
/// by line. The sort is stable, so problems on one line keep the order they were found in.
fn sort_by_place(problems: &mut [Problem], files: &Files) {
    problems.sort_by_key(|p| match &p.origin {
        Origin::File { path, line, .. } => {
            let file = files.paths.iter().position(|f| f == path).unwrap_or(usize::MAX);
            (file, line.unwrap_or(0))
        }
        _ => (usize::MAX, 0),
    });
}
