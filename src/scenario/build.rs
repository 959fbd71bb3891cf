//! The merged tree → a checked `Params`, walking the schema table.
//!
//! Every key is looked up in the schema (unknown keys get a did-you-mean), read with the
//! type its kind expects, range-checked and written through the schema's setter; where each
//! value was written goes into a `SourceMap` so that later, cross-field checks can point at
//! the right file and line too. Problems are collected rather than returned one by one, so a
//! user sees everything wrong with a file at once.

use std::collections::HashMap;

use crate::model::params::{CartelSpec, LEVERS, Params, RANKS, Region};

use super::error::{ErrorKind, Origin, Problem, ScenarioError, closest};
use super::raw::{Entry, Files, Loc, Node, Raw, Table};
use super::schema::{
    CARTEL_KEYS, GLOBAL_TABLES, Kind, LeverDef, SCHEDULE_SPECIAL, Schema, TOML_INT_MAX, TOP_KEYS, Value,
    name_ok,
};
use super::validate::{self, fmt_sum};

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

/// `region "North"`, or `region #3` (counting from 1) for an entry without a usable name.
pub fn region_label(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) => format!("region {n:?}"),
        None => format!("region #{}", index + 1),
    }
}

pub fn cartel_label(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) => format!("cartel {n:?}"),
        None => format!("cartel #{}", index + 1),
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

struct Builder<'a> {
    schema: &'a Schema,
    problems: Vec<Problem>,
    map: SourceMap,
}

/// A `[[region]]` entry as read, before sizes and neighbours are resolved.
struct RegionIn {
    label: String,
    name: Option<String>,
    /// The entry itself (its `[[region]]` header), for problems about missing keys.
    at: Loc,
    youths: Option<(u64, Loc)>,
    share: Option<(f64, Loc)>,
    neighbours: Vec<(String, Loc)>,
    region: Region,
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

    fn read_region(&mut self, index: usize, node: &Node) -> Option<RegionIn> {
        let label0 = region_label(None, index);
        let t = self.table(&label0, node, "a table (write [[region]])")?;
        let name = match t.get("name") {
            None => {
                let message = format!("{label0}: has no name; every [[region]] needs name = \"...\"");
                self.problem(ErrorKind::Inconsistent, node.at, &label0, message);
                None
            }
            Some(e) => match self.read(&format!("{label0}.name"), Kind::Name, "the region's name", &e.node) {
                Some(Value::Str(s)) => Some(s),
                _ => None,
            },
        };
        let label = region_label(name.as_deref(), index);
        self.map.at.insert(label.clone(), node.at);
        let mut r = RegionIn {
            label: label.clone(),
            name: name.clone(),
            at: node.at,
            youths: None,
            share: None,
            neighbours: Vec::new(),
            region: Region::with_defaults(name.as_deref().unwrap_or(""), 0),
        };
        for e in &t.entries {
            let path = format!("{label}.{}", e.key);
            match e.key.as_str() {
                "name" => {}
                "youths" => {
                    let kind = Kind::Count { min: 1, max: TOML_INT_MAX };
                    if let Some(Value::Int(n)) =
                        self.read(&path, kind, "youths living in the region", &e.node)
                    {
                        r.youths = Some((n, e.node.at));
                    }
                }
                "share" => {
                    if let Some(Value::Num(x)) = self.read(
                        &path,
                        Kind::Unit,
                        "share of population.youths living in the region",
                        &e.node,
                    ) {
                        r.share = Some((x, e.node.at));
                    }
                }
                "neighbours" => {
                    r.neighbours = self.names_array(&path, &e.node);
                    self.map.at.insert(path, e.node.at);
                }
                key => match self.schema.region.iter().find(|k| k.name == key) {
                    Some(def) => {
                        if let Some(v) = self.read(&path, def.kind, def.meaning, &e.node) {
                            (def.set)(&mut r.region, &v);
                            self.map.at.insert(path, e.node.at);
                        }
                    }
                    None => {
                        let names = self.schema.region_key_names();
                        let hint = suggestion(key, &names, "the keys of [[region]] are");
                        self.unknown_key(&path, e.key_at, hint);
                    }
                },
            }
        }
        Some(r)
    }

    /// Turns the `[[region]]` entries into regions with head counts and neighbour indices.
    /// Returns whether every region has a valid, unique name: only then can cartels and
    /// levers be checked against them without reporting spurious unknown names.
    fn regions(&mut self, p: &mut Params, entry: Option<&Entry>) -> bool {
        let Some(entry) = entry else {
            p.regions = vec![Region::with_defaults("all", p.population.youths)];
            if let Some(at) = self.map.at.get("population.youths").copied() {
                self.map.at.insert("region \"all\".youths".into(), at);
            }
            return true;
        };
        let Raw::Array(items) = &entry.node.raw else {
            self.wrong_type("region", &entry.node, "an array of tables (write [[region]], not [region])");
            return false;
        };
        if items.is_empty() {
            let message = "region = []: a scenario needs at least one region (leave out region for one \
                           region \"all\")"
                .to_string();
            self.problem(ErrorKind::OutOfRange, entry.node.at, "region", message);
            return false;
        }
        let mut rs: Vec<RegionIn> = Vec::new();
        for (i, node) in items.iter().enumerate() {
            if let Some(r) = self.read_region(i, node) {
                rs.push(r);
            }
        }
        if rs.len() != items.len() {
            return false;
        }
        // Duplicate names would make neighbours, territory and lever regions ambiguous.
        let mut seen: HashMap<String, Loc> = HashMap::new();
        let mut names_ok = rs.iter().all(|r| r.name.is_some());
        for r in &rs {
            if let Some(n) = &r.name {
                if let Some(first) = seen.get(n) {
                    let first = self.map.files.origin(*first);
                    let message = format!("{}: duplicate region name (first defined at {first})", r.label);
                    self.problem(ErrorKind::Duplicate, r.at, &format!("{}.name", r.label), message);
                    names_ok = false;
                } else {
                    seen.insert(n.clone(), r.at);
                }
            }
        }
        self.sizes(p, &mut rs);
        self.neighbours(&mut rs);
        for r in &rs {
            if let Some((_, at)) = r.youths.or(r.share.map(|(_, at)| (0, at))) {
                self.map.at.insert(format!("{}.youths", r.label), at);
            }
        }
        p.regions = rs.into_iter().map(|r| r.region).collect();
        names_ok
    }

    /// Region sizes: all counts (population.youths becomes their sum), all shares of
    /// population.youths (largest remainder), or none given (equal shares).
    fn sizes(&mut self, p: &mut Params, rs: &mut [RegionIn]) {
        let first_count =
            rs.iter().find(|r| r.youths.is_some()).map(|r| (r.label.clone(), r.youths.unwrap_or_default().1));
        let first_share =
            rs.iter().find(|r| r.share.is_some()).map(|r| (r.label.clone(), r.share.unwrap_or_default().1));
        match (first_count, first_share) {
            (Some((count_label, count_at)), Some(_)) => {
                for r in rs.iter().filter(|r| r.share.is_some()) {
                    let (x, at) = r.share.unwrap_or_default();
                    let message = format!(
                        "{}.share = {x}: cannot mix shares and head counts ({count_label} gives youths at {}); \
                         give every region youths, or every region a share",
                        r.label,
                        self.map.files.origin(count_at)
                    );
                    self.problem(ErrorKind::Inconsistent, at, &format!("{}.share", r.label), message);
                }
            }
            (Some((count_label, count_at)), None) => {
                let mut total: u64 = 0;
                for r in rs.iter_mut() {
                    match r.youths {
                        Some((n, _)) => {
                            total = total.saturating_add(n);
                            r.region.youths = n;
                        }
                        None => {
                            let message = format!(
                                "{}: has no youths; when one region gives youths ({count_label} at {}) every \
                                 region must",
                                r.label,
                                self.map.files.origin(count_at)
                            );
                            let key = format!("{}.youths", r.label);
                            let at = r.at;
                            self.problem(ErrorKind::Inconsistent, at, &key, message);
                        }
                    }
                }
                if total > TOML_INT_MAX {
                    let message = format!(
                        "{count_label}.youths: the regions' youths add up to {total}, more than the largest \
                         population, {TOML_INT_MAX}"
                    );
                    self.problem(ErrorKind::OutOfRange, count_at, &format!("{count_label}.youths"), message);
                } else if let Some(at) = self.map.at.get("population.youths").copied() {
                    if p.population.youths != total {
                        let message = format!(
                            "population.youths = {}: differs from the sum of the regions' youths ({total}); \
                             leave population.youths out or make them agree",
                            p.population.youths
                        );
                        self.problem(ErrorKind::Inconsistent, at, "population.youths", message);
                    }
                }
                p.population.youths = total;
            }
            (None, Some((share_label, share_at))) => {
                let mut shares = Vec::new();
                for r in rs.iter() {
                    match r.share {
                        Some((x, _)) => shares.push(x),
                        None => {
                            let message = format!(
                                "{}: has no share; when one region gives a share ({share_label} at {}) every \
                                 region must",
                                r.label,
                                self.map.files.origin(share_at)
                            );
                            self.problem(
                                ErrorKind::Inconsistent,
                                r.at,
                                &format!("{}.share", r.label),
                                message,
                            );
                        }
                    }
                }
                if shares.len() != rs.len() {
                    return;
                }
                let sum: f64 = shares.iter().sum();
                if (sum - 1.0).abs() > 1e-9 {
                    let parts: Vec<String> = rs
                        .iter()
                        .map(|r| {
                            format!("{} {}", r.name.as_deref().unwrap_or("?"), r.share.unwrap_or_default().0)
                        })
                        .collect();
                    let key = format!("{share_label}.share");
                    let message = format!(
                        "{key} = {}: the regions' shares add up to {} ({}); they must add up to 1 (±1e-9)",
                        rs[0].share.unwrap_or_default().0,
                        fmt_sum(sum),
                        parts.join(", ")
                    );
                    self.problem(ErrorKind::Inconsistent, share_at, &key, message);
                    return;
                }
                let counts = allocate_shares(p.population.youths, &shares);
                for (r, n) in rs.iter_mut().zip(counts) {
                    r.region.youths = n;
                    if n == 0 {
                        let (x, at) = r.share.unwrap_or_default();
                        let message = format!(
                            "{}.share = {x}: gives 0 of population.youths = {} youths; every region needs at \
                             least one youth",
                            r.label, p.population.youths
                        );
                        self.problem(ErrorKind::OutOfRange, at, &format!("{}.share", r.label), message);
                    }
                }
            }
            (None, None) => {
                let shares = vec![1.0 / rs.len() as f64; rs.len()];
                let counts = allocate_shares(p.population.youths, &shares);
                let at = self.map.at.get("population.youths").copied();
                for (r, n) in rs.iter_mut().zip(counts) {
                    r.region.youths = n;
                    if n == 0 {
                        let message = format!(
                            "{}: an equal share of population.youths = {} is 0 youths; give more youths or \
                             fewer regions",
                            r.label, p.population.youths
                        );
                        self.problem(ErrorKind::OutOfRange, at.unwrap_or(r.at), "population.youths", message);
                    }
                }
            }
        }
    }

    fn neighbours(&mut self, rs: &mut [RegionIn]) {
        let names: Vec<String> = rs.iter().map(|r| r.name.clone().unwrap_or_default()).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut links: Vec<(usize, usize)> = Vec::new();
        for (i, r) in rs.iter().enumerate() {
            for (n, at) in &r.neighbours {
                let key = format!("{}.neighbours", r.label);
                match names.iter().position(|x| x == n) {
                    Some(j) if j == i => {
                        let message =
                            format!("{key}: {n:?} is the region itself; a region cannot neighbour itself");
                        self.problem(ErrorKind::Inconsistent, *at, &key, message);
                    }
                    Some(j) => links.push((i, j)),
                    None => {
                        let hint = suggestion(n, &name_refs, "the regions are");
                        let message = format!("{key}: unknown region {n:?}{hint}");
                        self.problem(ErrorKind::UnknownName, *at, &key, message);
                    }
                }
            }
        }
        // The relation is symmetric whichever side names it; duplicates are dropped.
        for (i, j) in links {
            rs[i].region.neighbours.push(j);
            rs[j].region.neighbours.push(i);
        }
        for r in rs.iter_mut() {
            r.region.neighbours.sort_unstable();
            r.region.neighbours.dedup();
        }
    }

    fn cartels(&mut self, p: &mut Params, entry: Option<&Entry>) {
        let Some(entry) = entry else {
            let territory = p.regions.iter().map(|r| r.presence).collect();
            p.cartel_list = vec![CartelSpec { name: "cartel".into(), predatory: false, territory }];
            for r in &p.regions {
                if let Some(at) = self.map.at.get(&format!("region {:?}.presence", r.name)).copied() {
                    self.map.at.insert(format!("cartel \"cartel\".territory.{}", r.name), at);
                }
            }
            return;
        };
        let Raw::Array(items) = &entry.node.raw else {
            self.wrong_type("cartel", &entry.node, "an array of tables (write [[cartel]], not [cartel])");
            return;
        };
        if items.is_empty() {
            let message = "cartel = []: a scenario needs at least one cartel (leave out cartel for one \
                           cartel \"cartel\")"
                .to_string();
            self.problem(ErrorKind::OutOfRange, entry.node.at, "cartel", message);
            return;
        }
        let region_names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        let region_refs: Vec<&str> = region_names.iter().map(String::as_str).collect();
        let mut list = Vec::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        for (i, node) in items.iter().enumerate() {
            let label0 = cartel_label(None, i);
            let Some(t) = self.table(&label0, node, "a table (write [[cartel]])") else {
                continue;
            };
            let name = match t.get("name") {
                None => {
                    let message = format!("{label0}: has no name; every [[cartel]] needs name = \"...\"");
                    self.problem(ErrorKind::Inconsistent, node.at, &label0, message);
                    None
                }
                Some(e) => {
                    match self.read(&format!("{label0}.name"), Kind::Name, "the cartel's name", &e.node) {
                        Some(Value::Str(s)) => Some(s),
                        _ => None,
                    }
                }
            };
            let label = cartel_label(name.as_deref(), i);
            self.map.at.insert(label.clone(), node.at);
            if let Some(n) = &name {
                if let Some(first) = seen.get(n) {
                    let first = self.map.files.origin(*first);
                    let message = format!("{label}: duplicate cartel name (first defined at {first})");
                    self.problem(ErrorKind::Duplicate, node.at, &format!("{label}.name"), message);
                } else {
                    seen.insert(n.clone(), node.at);
                }
            }
            let mut c = CartelSpec {
                name: name.clone().unwrap_or_default(),
                predatory: false,
                territory: vec![0.0; p.regions.len()],
            };
            for e in &t.entries {
                let path = format!("{label}.{}", e.key);
                match e.key.as_str() {
                    "name" => {}
                    "predatory" => {
                        if let Some(Value::Bool(b)) = self.read(&path, Kind::Bool, CARTEL_KEYS[1].2, &e.node)
                        {
                            c.predatory = b;
                            self.map.at.insert(path, e.node.at);
                        }
                    }
                    "territory" => {
                        let Some(tt) = self.table(&path, &e.node, "a table { Region = share, ... }") else {
                            continue;
                        };
                        for te in &tt.entries {
                            let tpath = format!("{path}.{}", te.key);
                            let Some(r) = region_names.iter().position(|n| *n == te.key) else {
                                let hint = suggestion(&te.key, &region_refs, "the regions are");
                                let message = format!("{tpath}: unknown region {:?}{hint}", te.key);
                                self.problem(ErrorKind::UnknownName, te.key_at, &tpath, message);
                                continue;
                            };
                            let meaning = "the cartel's share of the region's territory";
                            if let Some(Value::Num(x)) = self.read(&tpath, Kind::Prob, meaning, &te.node) {
                                c.territory[r] = x;
                                self.map.at.insert(tpath, te.node.at);
                            }
                        }
                    }
                    key => {
                        let names: Vec<&str> = CARTEL_KEYS.iter().map(|k| k.0).collect();
                        let hint = suggestion(key, &names, "the keys of [[cartel]] are");
                        self.unknown_key(&path, e.key_at, hint);
                    }
                }
            }
            list.push(c);
        }
        p.cartel_list = list;
    }

    fn policy(&mut self, p: &mut Params, entry: Option<&Entry>) {
        let Some(entry) = entry else { return };
        let Some(t) = self.table("policy", &entry.node, "a table of levers ([policy.<lever>])") else {
            return;
        };
        let schema = self.schema;
        for e in &t.entries {
            let Some(lever) = schema.lever(&e.key) else {
                let hint = suggestion(&e.key, &LEVERS, "the levers are");
                self.unknown_key(&format!("policy.{}", e.key), e.key_at, hint);
                continue;
            };
            self.lever(p, lever, e);
        }
    }

    fn lever(&mut self, p: &mut Params, lever: &LeverDef, e: &Entry) {
        let table = format!("policy.{}", lever.name);
        let expected = format!("a table ([{table}]; an empty one switches the lever on with its defaults)");
        let Some(t) = self.table(&table, &e.node, &expected) else {
            return;
        };
        self.map.at.insert(table.clone(), e.node.at);
        (lever.enable)(p);
        let mut enabled = true;
        let region_names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        for le in &t.entries {
            let path = format!("{table}.{}", le.key);
            if let Some(def) = self.schema.schedule.iter().find(|k| k.name == le.key) {
                if let Some(v) = self.read(&path, def.kind, def.meaning, &le.node) {
                    if let Some(s) = (lever.schedule_mut)(p) {
                        (def.set)(s, &v);
                    }
                    self.map.at.insert(path, le.node.at);
                }
            } else if le.key == "regions" {
                self.lever_regions(p, lever, &path, &le.node, &region_names);
            } else if le.key == "enabled" {
                if let Some(Value::Bool(b)) = self.read(&path, Kind::Bool, SCHEDULE_SPECIAL[1].2, &le.node) {
                    enabled = b;
                }
            } else if let Some(def) = lever.keys.iter().find(|k| k.name == le.key) {
                if let Some(v) = self.read(&path, def.kind, def.meaning, &le.node) {
                    (def.set)(p, &v);
                    self.map.at.insert(path, le.node.at);
                }
            } else {
                let names = self.schema.lever_key_names(lever);
                let hint = suggestion(&le.key, &names, &format!("the keys of [{table}] are"));
                self.unknown_key(&path, le.key_at, hint);
            }
        }
        if !enabled {
            (lever.disable)(p);
        }
    }

    fn lever_regions(&mut self, p: &mut Params, lever: &LeverDef, path: &str, node: &Node, names: &[String]) {
        let given = self.names_array(path, node);
        if matches!(&node.raw, Raw::Array(a) if a.is_empty()) {
            let message =
                format!("{path} = []: must name at least one region (leave regions out for every region)");
            self.problem(ErrorKind::OutOfRange, node.at, path, message);
            return;
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut flags = vec![false; names.len()];
        for (n, at) in given {
            match names.iter().position(|x| *x == n) {
                Some(i) => flags[i] = true,
                None => {
                    let hint = suggestion(&n, &refs, "the regions are");
                    let message = format!("{path}: unknown region {n:?}{hint}");
                    self.problem(ErrorKind::UnknownName, at, path, message);
                }
            }
        }
        if let Some(s) = (lever.schedule_mut)(p) {
            s.regions = flags;
        }
        self.map.at.insert(path.to_string(), node.at);
    }
}

/// Turns shares (adding up to 1) into head counts adding up to `total` by the largest
/// remainder method; ties go to the earlier region, so the result is deterministic.
pub fn allocate_shares(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    if shares.is_empty() || sum <= 0.0 || !sum.is_finite() {
        return vec![0; shares.len()];
    }
    let quotas: Vec<f64> = shares.iter().map(|s| s / sum * total as f64).collect();
    let mut counts: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (quotas[a] - quotas[a].floor(), quotas[b] - quotas[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    distribute(total, &mut counts, &order);
    counts
}

/// Rescales head counts to a new total in proportion, by the largest remainder method with
/// exact integer arithmetic; ties go to the earlier region.
pub fn rescale_counts(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut counts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for &w in weights {
        let q = u128::from(total) * u128::from(w);
        counts.push((q / sum) as u64);
        remainders.push(q % sum);
    }
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    distribute(total, &mut counts, &order);
    counts
}

/// Hands out (or, after floating-point drift, takes back) the units needed for `counts` to
/// add up to `total`, one per region in `order`.
fn distribute(total: u64, counts: &mut [u64], order: &[usize]) {
    let mut assigned: u64 = counts.iter().sum();
    let mut k = 0;
    while assigned < total && !order.is_empty() {
        counts[order[k % order.len()]] += 1;
        assigned += 1;
        k += 1;
    }
    let mut k = order.len();
    while assigned > total && k > 0 {
        k -= 1;
        let i = order[k];
        if counts[i] > 0 {
            counts[i] -= 1;
            assigned -= 1;
        }
        if k == 0 && assigned > total {
            k = order.len();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_become_counts_by_largest_remainder() {
        assert_eq!(allocate_shares(10, &[0.25, 0.25, 0.5]), [3, 2, 5]);
        assert_eq!(allocate_shares(100_000, &[1.0]), [100_000]);
        assert_eq!(allocate_shares(7, &[1.0 / 3.0; 3]), [3, 2, 2]);
        let c = allocate_shares(1_000_003, &[0.1, 0.2, 0.3, 0.4]);
        assert_eq!(c.iter().sum::<u64>(), 1_000_003);
    }

    #[test]
    fn rescaling_keeps_proportions_and_the_total() {
        assert_eq!(rescale_counts(100, &[500, 300, 200]), [50, 30, 20]);
        // 10 × (1/3 each) = 3.33 each: the one left over goes to the first region.
        assert_eq!(rescale_counts(10, &[1, 1, 1]), [4, 3, 3]);
        // Quotas 4.2, 1.4, 1.4: the unit left over goes to the larger remainder, the earlier
        // region on a tie.
        assert_eq!(rescale_counts(7, &[3, 1, 1]), [4, 2, 1]);
        assert_eq!(
            rescale_counts(u64::MAX / 2, &[u64::MAX / 4, u64::MAX / 4]).iter().sum::<u64>(),
            u64::MAX / 2
        );
    }
}
