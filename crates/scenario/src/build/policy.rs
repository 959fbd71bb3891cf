//! `[policy.<lever>]` tables and `[[policy.<lever>]]` arrays of instances, lever regions,
//! dated months (`"YYYY-MM"` when `run.start` is set) and the kingpin lever's dated
//! removals (`[[policy.kingpin.event]]`).

use super::super::error::ErrorKind;
use super::super::raw::{Entry, Node, Raw, Table};
use super::super::schema::{Kind, LeverDef, SCHEDULE_SPECIAL, Value};
use super::{Builder, suggestion};
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::params::{KingpinEvent, LEVERS, Params};

/// The keys of a `[[policy.kingpin.event]]` entry, with their meanings.
pub const EVENT_KEYS: [(&str, &str); 5] = [
    ("date", "calendar month of the removal, \"YYYY-MM\" (needs run.start); or give month"),
    ("month", "reported month of the removal; or give date"),
    ("cartel", "name of the cartel whose leader is removed (a scenario cartel or one of its splinters)"),
    ("regions", "regions where the shock and the split act; default every region of the cartel"),
    ("split_probability", "chance that this removal splits the cartel; default the lever's"),
];

impl Builder<'_> {
    pub(super) fn policy(&mut self, p: &mut Params, entry: Option<&Entry>) {
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
            let table = format!("policy.{}", lever.name);
            match &e.node.raw {
                Raw::Array(items) if lever.name != "kingpin" => {
                    // Each entry is a further instance, in file order.
                    lever.disable(p);
                    for (i, item) in items.iter().enumerate() {
                        let slot = lever.instances(p).count();
                        self.lever(p, lever, &format!("{table} #{}", i + 1), item, Some(slot));
                    }
                    self.map.at.insert(table, e.node.at);
                }
                Raw::Array(_) => {
                    let message = format!(
                        "{table}: cannot be repeated ([[{table}]]); give one [{table}] and dated \
                         removals as [[policy.kingpin.event]]"
                    );
                    self.problem(ErrorKind::WrongType, e.node.at, &table, message);
                }
                _ => self.lever(p, lever, &table, &e.node, None),
            }
        }
    }

    /// One lever table; `instance` is its place among the lever's instances when it is an
    /// entry of a `[[policy.<lever>]]` array (built as a new instance there).
    fn lever(&mut self, p: &mut Params, lever: &LeverDef, table: &str, node: &Node, instance: Option<usize>) {
        let expected = format!("a table ([{table}]; an empty one switches the lever on with its defaults)");
        let Some(t) = self.table(table, node, &expected) else {
            return;
        };
        self.map.at.insert(table.to_string(), node.at);
        let slot = instance.unwrap_or(0);
        if lever.instances(p).count() <= slot {
            let n = p.regions.len();
            lever.instances_mut(p).push_default(n);
        }
        let mut enabled = true;
        let region_names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        for le in &t.entries {
            let path = format!("{table}.{}", le.key);
            if let Some(def) = self.schema.schedule.iter().find(|k| k.name == le.key) {
                let v = match &le.node.raw {
                    Raw::Str(_) => self.dated(p, &path, def.kind, def.meaning, &le.node),
                    _ => self.read(&path, def.kind, def.meaning, &le.node),
                };
                if let Some(v) = v {
                    if let Some(s) = lever.instances_mut(p).schedule_mut(slot) {
                        (def.set)(s, &v);
                    }
                    self.map.at.insert(path, le.node.at);
                }
            } else if le.key == "regions" {
                if let Some(flags) = self.region_flags(&path, &le.node, &region_names) {
                    if let Some(s) = lever.instances_mut(p).schedule_mut(slot) {
                        s.regions = flags;
                    }
                }
            } else if le.key == "enabled" {
                if let Some(Value::Bool(b)) = self.read(&path, Kind::Bool, SCHEDULE_SPECIAL[1].2, &le.node) {
                    enabled = b;
                }
            } else if le.key == "event" && lever.name == "kingpin" {
                let events = self.events(p, &format!("{table}.event"), &le.node);
                if let Some(k) = p.policy.kingpin.first_mut() {
                    k.p.events = events;
                }
            } else if let Some((k, def)) = lever.keys.iter().enumerate().find(|(_, k)| k.name == le.key) {
                if let Some(v) = self.read(&path, def.kind, def.meaning, &le.node) {
                    lever.set_key(p, slot, k, &v);
                    self.map.at.insert(path, le.node.at);
                }
            } else {
                let mut names = self.schema.lever_key_names(lever);
                if lever.name == "kingpin" {
                    names.push("event");
                }
                let hint = suggestion(&le.key, &names, &format!("the keys of [{table}] are"));
                self.unknown_key(&path, le.key_at, hint);
            }
        }
        // Dated removals alone do not schedule removals by rate: that needs removals_per_year.
        if let Some(k) = p.policy.kingpin.first_mut().filter(|_| lever.name == "kingpin") {
            if !k.p.events.is_empty() && t.get("removals_per_year").is_none() {
                k.p.removals_per_year = 0.0;
            }
        }
        if !enabled {
            match instance {
                Some(i) => lever.instances_mut(p).remove(i),
                None => lever.disable(p),
            }
        }
    }

    /// A month written as `"YYYY-MM"`: the reported month it is in a run starting at
    /// `run.start`, checked against `kind`.
    fn dated(&mut self, p: &Params, path: &str, kind: Kind, meaning: &str, node: &Node) -> Option<Value> {
        let Raw::Str(text) = &node.raw else { return self.read(path, kind, meaning, node) };
        let Some(date) = YearMonth::parse(text) else {
            let message =
                format!("{path} = {}: must be a month number or a date \"YYYY-MM\" ({meaning})", node.text);
            self.problem(ErrorKind::OutOfRange, node.at, path, message);
            return None;
        };
        let Some(start) = p.run.start else {
            let message = format!("{path} = {}: a date needs run.start = \"YYYY-MM\" in [run]", node.text);
            self.problem(ErrorKind::Inconsistent, node.at, path, message);
            return None;
        };
        let t = date.since(start);
        let v = Value::Int(t.max(0) as u64);
        if t < 0 || !kind.check(&v) {
            let message = format!(
                "{path} = {}: is reported month {t} of a run starting {start}; must be {} ({meaning})",
                node.text,
                kind.allowed()
            );
            self.problem(ErrorKind::OutOfRange, node.at, path, message);
            return None;
        }
        Some(v)
    }

    /// A non-empty list of the scenario's region names, as one flag per region.
    fn region_flags(&mut self, path: &str, node: &Node, names: &[String]) -> Option<Vec<bool>> {
        let given = self.names_array(path, node);
        if matches!(&node.raw, Raw::Array(a) if a.is_empty()) {
            let message =
                format!("{path} = []: must name at least one region (leave regions out for every region)");
            self.problem(ErrorKind::OutOfRange, node.at, path, message);
            return None;
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
        self.map.at.insert(path.to_string(), node.at);
        Some(flags)
    }

    fn events(&mut self, p: &Params, key: &str, node: &Node) -> Vec<KingpinEvent> {
        let Raw::Array(items) = &node.raw else {
            self.wrong_type(key, node, "an array of tables (write [[policy.kingpin.event]])");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let label = format!("{key} #{}", i + 1);
            if let Some(t) = self.table(&label, item, "a table (write [[policy.kingpin.event]])") {
                if let Some(e) = self.event(p, &label, item, t) {
                    out.push(e);
                }
            }
        }
        out
    }

    fn event(&mut self, p: &Params, label: &str, node: &Node, t: &Table) -> Option<KingpinEvent> {
        let names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        let mut e = KingpinEvent {
            month: 0,
            cartel: String::new(),
            regions: vec![true; names.len()],
            split_probability: None,
        };
        let (mut when, mut cartel, mut ok) = (0, false, true);
        for le in &t.entries {
            let path = format!("{label}.{}", le.key);
            let meaning = EVENT_KEYS.iter().find(|k| k.0 == le.key).map_or("", |k| k.1);
            let months = Kind::Count { min: 0, max: u64::from(u32::MAX) };
            let v = match le.key.as_str() {
                "date" => self.dated(p, &path, months, meaning, &le.node),
                "month" => self.read(&path, months, meaning, &le.node),
                "cartel" => self.read(&path, Kind::Name, meaning, &le.node),
                "split_probability" => self.read(&path, Kind::Prob, meaning, &le.node),
                "regions" => {
                    match self.region_flags(&path, &le.node, &names) {
                        Some(flags) => e.regions = flags,
                        None => ok = false,
                    }
                    continue;
                }
                key => {
                    let keys: Vec<&str> = EVENT_KEYS.iter().map(|k| k.0).collect();
                    let hint = suggestion(key, &keys, "the keys of [[policy.kingpin.event]] are");
                    self.unknown_key(&path, le.key_at, hint);
                    ok = false;
                    continue;
                }
            };
            match (le.key.as_str(), v) {
                ("date" | "month", Some(Value::Int(m))) => {
                    when += 1;
                    e.month = m as u32;
                }
                ("cartel", Some(Value::Str(name))) => {
                    cartel = true;
                    ok &= self.event_cartel(p, &path, &le.node, &name);
                    e.cartel = name;
                }
                ("split_probability", Some(Value::Num(x))) => e.split_probability = Some(x),
                _ => ok = false,
            }
        }
        if ok && (when != 1 || !cartel) {
            let message = format!("{label}: needs a cartel and exactly one of date or month");
            self.problem(ErrorKind::Inconsistent, node.at, label, message);
            ok = false;
        }
        ok.then_some(e)
    }

    /// Is `name` a scenario cartel, or "<scenario cartel> splinter N"? Records an unknown
    /// name otherwise.
    fn event_cartel(&mut self, p: &Params, path: &str, node: &Node, name: &str) -> bool {
        let cartels: Vec<&str> = p.cartel_list.iter().map(|c| c.name.as_str()).collect();
        let root = match name.rsplit_once(" splinter ") {
            Some((root, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => root,
            _ => name,
        };
        if cartels.contains(&root) {
            return true;
        }
        let hint = suggestion(name, &cartels, "the cartels are");
        let message = format!("{path}: unknown cartel {name:?}{hint}");
        self.problem(ErrorKind::UnknownName, node.at, path, message);
        false
    }
}
