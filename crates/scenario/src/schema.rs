//! The schema table: the single source of truth for every scenario key.
//!
//! Each line of the tables below names one key: its TOML path, what values it allows, its
//! unit and its meaning (from `MODEL.md`), and how to read and write it on `Params`. The
//! loader, `explain`, `resolved_json` and `set_value` all walk these tables, so adding a
//! parameter to the model means adding one line here. Defaults are not repeated: they are
//! read from `Params::defaults()`, `Region::with_defaults` and the levers' `Default`s.
//!
//! A few keys are structural rather than scalar (region names, sizes and neighbours, cartel
//! territory, a lever's `regions`); they are listed in `REGION_SPECIAL`, `CARTEL_KEYS` and
//! `SCHEDULE_SPECIAL` for suggestions and help, and handled by hand where they are used.

use narcodoor_model::calendar::YearMonth;
use narcodoor_model::levers::{Instances, KeyKind, KeyValue};
use narcodoor_model::params::{MAX_PEERS, Params, RANKS, Region, Schedule};

/// A parameter value in the scenario layer's own terms.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    Int(u64),
    Bool(bool),
    Str(String),
    /// The per-rank arrays of `[cartels]`.
    Ranks([f64; RANKS]),
    /// An optional key that is absent (a lever's `end_month`).
    Unset,
}

impl Value {
    /// The value as TOML would write it.
    pub fn to_toml(&self) -> String {
        match self {
            Value::Num(x) => fmt_num(*x),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => format!("{s:?}"),
            Value::Ranks(a) => {
                let parts: Vec<String> = a.iter().map(|x| fmt_num(*x)).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Unset => "(none)".into(),
        }
    }

    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            Value::Num(x) => serde_json::Number::from_f64(*x).map(serde_json::Value::Number),
            Value::Int(i) => Some(serde_json::Value::from(*i)),
            Value::Bool(b) => Some(serde_json::Value::Bool(*b)),
            Value::Str(s) => Some(serde_json::Value::String(s.clone())),
            Value::Ranks(a) => Some(serde_json::Value::from(a.to_vec())),
            Value::Unset => None,
        }
    }
}

/// A float the way a person would write it (shortest form that reads back the same).
pub fn fmt_num(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 { format!("{x:.1}") } else { format!("{x}") }
}

/// What a key allows. The loader and `set_value` check values with `Kind::check`, and the
/// messages quote `Kind::allowed`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A probability or share in [0, 1].
    Prob,
    /// A number ≥ 0 (multipliers, costs, rates).
    NonNeg,
    /// A number ≥ 0 that may also be left unset (an optional mechanism that is off while
    /// unset: `recruit.presence_floor`).
    OptNonNeg,
    /// A number > 0 (wages and amounts that are divided by or enter a logarithm).
    Pos,
    /// A number in (0, 1].
    Unit,
    /// Any finite number.
    Real,
    /// A number ≥ the bound.
    AtLeast(f64),
    /// An integer in [min, max].
    Count {
        min: u64,
        max: u64,
    },
    /// `population.peers`: even, from 2 to `MAX_PEERS`.
    Peers,
    /// An optional integer month ≥ 1 (a lever's `end_month`).
    OptMonth,
    Bool,
    /// Free text.
    Text,
    /// A name: non-empty, no path separators or control characters.
    Name,
    /// Four probabilities, one per rank.
    Ranks,
    /// An optional calendar month, `"YYYY-MM"` (`run.start`).
    Date,
}

/// The largest integer TOML can write (integers are signed 64-bit).
pub const TOML_INT_MAX: u64 = i64::MAX as u64;
pub const U32_MAX: u64 = u32::MAX as u64;

impl Kind {
    /// What the key allows, to finish the sentence "must be ...".
    pub fn allowed(&self) -> String {
        match *self {
            Kind::Prob => "a probability or share in [0, 1]".into(),
            Kind::NonNeg => "a number ≥ 0".into(),
            Kind::OptNonNeg => "a number ≥ 0, or unset".into(),
            Kind::Pos => "a number > 0".into(),
            Kind::Unit => "a number in (0, 1]".into(),
            Kind::Real => "a finite number".into(),
            Kind::AtLeast(b) => format!("a number ≥ {b}"),
            Kind::Count { min, max } if max == TOML_INT_MAX => format!("an integer ≥ {min}"),
            Kind::Count { min, max } => format!("an integer from {min} to {max}"),
            Kind::Peers => format!(
                "an even integer from 2 to {MAX_PEERS}, {MAX_PEERS} being an implementation limit \
                 of the peer network"
            ),
            Kind::OptMonth => format!("an integer from 1 to {U32_MAX}"),
            Kind::Bool => "true or false".into(),
            Kind::Text => "a string".into(),
            Kind::Name => "a non-empty name without '/', '\\', '*' or control characters".into(),
            Kind::Ranks => format!("an array of {RANKS} probabilities in [0, 1], one per rank"),
            Kind::Date => "a calendar month \"YYYY-MM\" (month 01 to 12)".into(),
        }
    }

    /// The lowest and highest allowed value of a numeric kind (`None` where unbounded or
    /// not a number; the bound of `Pos` and `Unit`'s lower bound 0 are themselves excluded).
    pub fn bounds(&self) -> (Option<f64>, Option<f64>) {
        match *self {
            Kind::Prob | Kind::Unit => (Some(0.0), Some(1.0)),
            Kind::NonNeg | Kind::OptNonNeg | Kind::Pos => (Some(0.0), None),
            Kind::AtLeast(b) => (Some(b), None),
            Kind::Count { min, max } => (Some(min as f64), (max < TOML_INT_MAX).then_some(max as f64)),
            Kind::Peers => (Some(2.0), Some(MAX_PEERS as f64)),
            Kind::OptMonth => (Some(1.0), Some(U32_MAX as f64)),
            Kind::Real | Kind::Bool | Kind::Text | Kind::Name | Kind::Ranks | Kind::Date => (None, None),
        }
    }

    /// The TOML type the key expects, for "wrong type" messages.
    pub fn toml_type(&self) -> &'static str {
        match self {
            Kind::Prob
            | Kind::NonNeg
            | Kind::OptNonNeg
            | Kind::Pos
            | Kind::Unit
            | Kind::Real
            | Kind::AtLeast(_) => "a number",
            Kind::Count { .. } | Kind::Peers | Kind::OptMonth => "an integer",
            Kind::Bool => "a boolean (true or false)",
            Kind::Text | Kind::Name | Kind::Date => "a string",
            Kind::Ranks => "an array of 4 numbers",
        }
    }

    /// Is the key's value a number that a sweep can set?
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Kind::Bool | Kind::Text | Kind::Name | Kind::Ranks | Kind::Date)
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, Kind::Count { .. } | Kind::Peers | Kind::OptMonth)
    }

    /// Does a float satisfy a numeric kind?
    pub fn check_num(&self, x: f64) -> bool {
        if !x.is_finite() {
            return false;
        }
        match *self {
            Kind::Prob => (0.0..=1.0).contains(&x),
            Kind::NonNeg | Kind::OptNonNeg => x >= 0.0,
            Kind::Pos => x > 0.0,
            Kind::Unit => x > 0.0 && x <= 1.0,
            Kind::Real => true,
            Kind::AtLeast(b) => x >= b,
            _ => false,
        }
    }

    /// Does an integer satisfy an integer kind?
    pub fn check_int(&self, i: i128) -> bool {
        match *self {
            Kind::Count { min, max } => i >= min as i128 && i <= max as i128,
            Kind::Peers => i >= 2 && i <= MAX_PEERS as i128 && i % 2 == 0,
            Kind::OptMonth => i >= 1 && i <= U32_MAX as i128,
            _ => false,
        }
    }

    /// Is the value allowed? (Its variant is assumed to match the kind.)
    pub fn check(&self, v: &Value) -> bool {
        match (self, v) {
            (Kind::OptMonth | Kind::Date | Kind::OptNonNeg | Kind::Text, Value::Unset) => true,
            (Kind::Date, Value::Str(s)) => YearMonth::parse(s).is_some(),
            (_, Value::Int(i)) if self.is_integer() => self.check_int(*i as i128),
            (_, Value::Num(x)) => self.check_num(*x),
            (Kind::Bool, Value::Bool(_)) | (Kind::Text, Value::Str(_)) => true,
            (Kind::Name, Value::Str(s)) => name_ok(s),
            (Kind::Ranks, Value::Ranks(a)) => a.iter().all(|x| Kind::Prob.check_num(*x)),
            _ => false,
        }
    }
}

/// The rule for region, cartel and run names: they become column values, folder names and
/// `set_value` path segments, so they must be non-empty and free of separators.
pub fn name_ok(s: &str) -> bool {
    !s.trim().is_empty() && s != "*" && !s.chars().any(|c| c.is_control() || c == '/' || c == '\\')
}

/// How a field of `Params` is read into and written from a `Value`.
pub trait Field {
    fn to_value(&self) -> Value;
    /// Writes a value already checked against the key's kind; other variants are ignored.
    fn assign(&mut self, v: &Value);
}

impl Field for f64 {
    fn to_value(&self) -> Value {
        Value::Num(*self)
    }
    fn assign(&mut self, v: &Value) {
        match v {
            Value::Num(x) => *self = *x,
            Value::Int(i) => *self = *i as f64,
            _ => {}
        }
    }
}

impl Field for u32 {
    fn to_value(&self) -> Value {
        Value::Int(u64::from(*self))
    }
    fn assign(&mut self, v: &Value) {
        if let Value::Int(i) = v {
            *self = u32::try_from(*i).unwrap_or(u32::MAX);
        }
    }
}

impl Field for u64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
    fn assign(&mut self, v: &Value) {
        if let Value::Int(i) = v {
            *self = *i;
        }
    }
}

impl Field for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn assign(&mut self, v: &Value) {
        if let Value::Bool(b) = v {
            *self = *b;
        }
    }
}

impl Field for String {
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
    fn assign(&mut self, v: &Value) {
        if let Value::Str(s) = v {
            self.clone_from(s);
        }
    }
}

/// An optional string (`run.observed`): unset, not `""`, when absent, so the resolved
/// parameters (and the hash of them a sweep's resume checks) of a scenario that does not
/// use it are those written before the key existed.
impl Field for Option<String> {
    fn to_value(&self) -> Value {
        match self {
            Some(s) => Value::Str(s.clone()),
            None => Value::Unset,
        }
    }
    fn assign(&mut self, v: &Value) {
        match v {
            Value::Str(s) => *self = Some(s.clone()),
            Value::Unset => *self = None,
            _ => {}
        }
    }
}

impl Field for [f64; RANKS] {
    fn to_value(&self) -> Value {
        Value::Ranks(*self)
    }
    fn assign(&mut self, v: &Value) {
        if let Value::Ranks(a) = v {
            *self = *a;
        }
    }
}

impl Field for Option<u32> {
    fn to_value(&self) -> Value {
        match self {
            Some(m) => Value::Int(u64::from(*m)),
            None => Value::Unset,
        }
    }
    fn assign(&mut self, v: &Value) {
        match v {
            Value::Int(i) => *self = Some(u32::try_from(*i).unwrap_or(u32::MAX)),
            Value::Unset => *self = None,
            _ => {}
        }
    }
}

impl Field for Option<f64> {
    fn to_value(&self) -> Value {
        self.map_or(Value::Unset, Value::Num)
    }
    fn assign(&mut self, v: &Value) {
        match v {
            Value::Num(x) => *self = Some(*x),
            Value::Int(i) => *self = Some(*i as f64),
            Value::Unset => *self = None,
            _ => {}
        }
    }
}

impl Field for Option<YearMonth> {
    fn to_value(&self) -> Value {
        match self {
            Some(d) => Value::Str(d.to_string()),
            None => Value::Unset,
        }
    }
    fn assign(&mut self, v: &Value) {
        match v {
            Value::Str(s) => *self = YearMonth::parse(s),
            Value::Unset => *self = None,
            _ => {}
        }
    }
}

/// One scalar key of a table whose fields live on a `T`.
pub struct KeyDef<T> {
    /// The TOML table: `youth`, `policy.kingpin`; `region`, `cartel` and `policy.<lever>`
    /// (for the common schedule keys) in the per-entry tables.
    pub table: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    pub meaning: &'static str,
    pub get: Getter<T>,
    pub set: Setter<T>,
}

/// How a key's value is read from a `T` (a lever's key reads its lever's first instance).
pub type Getter<T> = Box<dyn Fn(&T) -> Value + Send + Sync>;
/// How a key's value, already checked against its kind, is written to a `T`.
pub type Setter<T> = Box<dyn Fn(&mut T, &Value) + Send + Sync>;

impl<T> KeyDef<T> {
    pub fn path(&self) -> String {
        format!("{}.{}", self.table, self.name)
    }
}

/// One policy lever: its table name, its instances in `Params::policy`, and its own keys
/// (which read the lever's defaults while it is off and write nothing while it is off; they
/// read and write the first instance otherwise). Everything here comes from the lever's
/// declaration in the model (`params::LEVER_SPECS`).
pub struct LeverDef {
    /// The lever's index in `LEVERS`.
    pub index: usize,
    pub name: &'static str,
    pub meaning: &'static str,
    pub keys: Vec<KeyDef<Params>>,
}

impl LeverDef {
    pub fn instances<'a>(&self, p: &'a Params) -> &'a dyn Instances {
        p.policy.instances(self.index)
    }

    pub fn instances_mut<'a>(&self, p: &'a mut Params) -> &'a mut dyn Instances {
        p.policy.instances_mut(self.index)
    }

    /// Switches the lever on with its defaults (acting everywhere from month 0) if it is off.
    pub fn enable(&self, p: &mut Params) {
        let n = p.regions.len();
        let l = self.instances_mut(p);
        if l.count() == 0 {
            l.push_default(n);
        }
    }

    /// Switches the lever off, every instance of it.
    pub fn disable(&self, p: &mut Params) {
        self.instances_mut(p).clear();
    }

    /// The first instance's schedule, if the lever is on.
    pub fn schedule<'a>(&self, p: &'a Params) -> Option<&'a Schedule> {
        self.instances(p).schedule(0)
    }

    pub fn schedule_mut<'a>(&self, p: &'a mut Params) -> Option<&'a mut Schedule> {
        self.instances_mut(p).schedule_mut(0)
    }

    /// The schedules of the further instances (`[[policy.<lever>]]` entries 2, 3, ...).
    pub fn more_schedules<'a>(&self, p: &'a Params) -> Vec<&'a Schedule> {
        let l = self.instances(p);
        (1..l.count()).filter_map(|i| l.schedule(i)).collect()
    }

    /// Writes key `k` (of `keys`) of instance `i`, if there is one.
    pub fn set_key(&self, p: &mut Params, i: usize, k: usize, v: &Value) {
        LeverDef::set_key_of(self.index, p, i, k, v);
    }

    /// Writes key `k` of instance `i` of lever `lever`, if there is one.
    pub fn set_key_of(lever: usize, p: &mut Params, i: usize, k: usize, v: &Value) {
        let l = p.policy.instances_mut(lever);
        if let Some(x) = key_value(l.key(i, k), v) {
            l.set_key(i, k, x);
        }
    }
}

/// The scenario layer's kind of a lever's key.
pub fn lever_kind(kind: KeyKind) -> Kind {
    match kind {
        KeyKind::Prob => Kind::Prob,
        KeyKind::NonNeg => Kind::NonNeg,
        KeyKind::Pos => Kind::Pos,
        KeyKind::AtLeast(b) => Kind::AtLeast(b),
        KeyKind::Months => Kind::Count { min: 0, max: U32_MAX },
        KeyKind::MonthsFrom1 => Kind::Count { min: 1, max: U32_MAX },
        KeyKind::Bool => Kind::Bool,
    }
}

/// A lever key's value as a `Value`.
pub fn lever_value(v: KeyValue) -> Value {
    match v {
        KeyValue::Real(x) => x.to_value(),
        KeyValue::Whole(i) => i.to_value(),
        KeyValue::Flag(b) => b.to_value(),
    }
}

/// A `Value` (already checked against the key's kind) for a key whose value is now `now`,
/// converted as `Field::assign` converts it; `None` for a variant it ignores.
fn key_value(now: KeyValue, v: &Value) -> Option<KeyValue> {
    match now {
        KeyValue::Real(mut x) => {
            x.assign(v);
            Some(KeyValue::Real(x))
        }
        KeyValue::Whole(mut i) => {
            i.assign(v);
            Some(KeyValue::Whole(i))
        }
        KeyValue::Flag(mut b) => {
            b.assign(v);
            Some(KeyValue::Flag(b))
        }
    }
}

/// Keys of every region that are not plain scalars.
pub const REGION_SPECIAL: [(&str, &str, &str); 4] = [
    ("name", "", "the region's name, used by neighbours, territory and levers"),
    ("youths", "youths", "youths living in the region; give youths or share"),
    ("share", "share", "the region's share of population.youths; give youths or share"),
    ("neighbours", "names", "regions sharing a border; the relation is made symmetric"),
];

/// The keys of a `[[cartel]]` entry.
pub const CARTEL_KEYS: [(&str, &str, &str); 3] = [
    ("name", "", "the cartel's name"),
    ("predatory", "", "also hires for extortion and kidnapping: more labour demand, more civilian harm"),
    (
        "territory",
        "shares",
        "absolute territory share in each region, { Region = share }; missing regions are 0",
    ),
];

/// The common lever keys that are not plain scalars.
pub const SCHEDULE_SPECIAL: [(&str, &str, &str); 2] = [
    ("regions", "names", "regions where the lever acts; default all"),
    ("enabled", "", "false switches off a lever that a parent file switched on"),
];

/// The top-level tables, in file order, for suggestions.
pub const TOP_KEYS: [&str; 14] = [
    "extends",
    "run",
    "population",
    "youth",
    "choice",
    "recruit",
    "cartels",
    "justice",
    "violence",
    "territory",
    "region",
    "cartel",
    "policy",
    "trial",
];

/// The scalar tables of `Params`, in the order `explain` shows them.
pub const GLOBAL_TABLES: [&str; 10] = [
    "run",
    "population",
    "youth",
    "choice",
    "recruit",
    "cartels",
    "justice",
    "violence",
    "territory",
    "trial",
];

/// Every table of the scenario format; `keys.rs` fills it (`Schema::new`).
pub struct Schema {
    /// The keys of `[run]` ... `[territory]`, in `GLOBAL_TABLES` order.
    pub global: Vec<KeyDef<Params>>,
    /// The scalar keys of `[[region]]` (after `REGION_SPECIAL`).
    pub region: Vec<KeyDef<Region>>,
    /// `start_month`, `end_month`, `ramp_months` of every lever.
    pub schedule: Vec<KeyDef<Schedule>>,
    /// The levers in `LEVERS` order.
    pub levers: Vec<LeverDef>,
}

impl Schema {
    pub fn global_table(&self, table: &str) -> impl Iterator<Item = &KeyDef<Params>> {
        self.global.iter().filter(move |k| k.table == table)
    }

    pub fn global_key(&self, table: &str, name: &str) -> Option<&KeyDef<Params>> {
        self.global.iter().find(|k| k.table == table && k.name == name)
    }

    pub fn lever(&self, name: &str) -> Option<&LeverDef> {
        self.levers.iter().find(|l| l.name == name)
    }

    /// The keys allowed in a `[[region]]` entry.
    pub fn region_key_names(&self) -> Vec<&'static str> {
        REGION_SPECIAL.iter().map(|k| k.0).chain(self.region.iter().map(|k| k.name)).collect()
    }

    /// The keys allowed in a `[policy.<lever>]` table.
    pub fn lever_key_names(&self, lever: &LeverDef) -> Vec<&'static str> {
        self.schedule
            .iter()
            .map(|k| k.name)
            .chain(SCHEDULE_SPECIAL.iter().map(|k| k.0))
            .chain(lever.keys.iter().map(|k| k.name))
            .collect()
    }
}

/// Reads a lever's own default for a key even when the lever is on.
pub fn lever_default(lever: &LeverDef, key: &KeyDef<Params>) -> Value {
    let mut p = Params::defaults();
    lever.enable(&mut p);
    (key.get)(&p)
}

#[cfg(test)]
mod tests {
    use super::Kind::*;
    use super::*;
    use narcodoor_model::params::LEVERS;

    #[test]
    fn schema_names_every_lever_in_order() {
        let s = Schema::new();
        let names: Vec<&str> = s.levers.iter().map(|l| l.name).collect();
        assert_eq!(names, LEVERS);
    }

    #[test]
    fn keys_are_unique_within_tables() {
        let s = Schema::new();
        let mut paths: Vec<String> = s.global.iter().map(|k| k.path()).collect();
        for l in &s.levers {
            paths.extend(l.keys.iter().map(|k| k.path()));
        }
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n);
        let mut r = s.region_key_names();
        let n = r.len();
        r.sort();
        r.dedup();
        assert_eq!(r.len(), n);
    }

    #[test]
    fn every_default_satisfies_its_own_kind() {
        let s = Schema::new();
        let mut p = Params::defaults();
        for l in &s.levers {
            l.enable(&mut p);
        }
        for k in &s.global {
            assert!(k.kind.check(&(k.get)(&p)), "{}", k.path());
        }
        for l in &s.levers {
            for k in &l.keys {
                assert!(k.kind.check(&(k.get)(&p)), "{}", k.path());
            }
            let sched = l.schedule(&p).unwrap();
            for k in &s.schedule {
                assert!(k.kind.check(&(k.get)(sched)), "{}", k.name);
            }
        }
        for k in &s.region {
            assert!(k.kind.check(&(k.get)(&p.regions[0])), "{}", k.name);
        }
    }

    #[test]
    fn set_then_get_round_trips() {
        let s = Schema::new();
        let mut p = Params::defaults();
        let k = s.global_key("youth", "school_dropout").unwrap();
        (k.set)(&mut p, &Value::Num(0.01));
        assert_eq!(p.youth.school_dropout, 0.01);
        let kp = s.lever("kingpin").unwrap();
        kp.enable(&mut p);
        let shock = kp.keys.iter().find(|k| k.name == "shock").unwrap();
        (shock.set)(&mut p, &Value::Num(2.5));
        assert_eq!(p.policy.kingpin.first().unwrap().p.shock, 2.5);
        assert_eq!((shock.get)(&p), Value::Num(2.5));
        kp.disable(&mut p);
        assert_eq!((shock.get)(&p), Value::Num(0.3));
    }

    #[test]
    fn kinds_check_their_ranges() {
        assert!(Prob.check(&Value::Num(1.0)) && !Prob.check(&Value::Num(1.0001)));
        assert!(!NonNeg.check(&Value::Num(f64::NAN)) && !NonNeg.check(&Value::Num(f64::INFINITY)));
        // Only the optional kind may be left unset; both refuse negatives.
        assert!(OptNonNeg.check(&Value::Unset) && !NonNeg.check(&Value::Unset));
        assert!(OptNonNeg.check(&Value::Num(0.002)) && !OptNonNeg.check(&Value::Num(-1.0)));
        assert!(!Pos.check(&Value::Num(0.0)));
        assert!(
            Peers.check(&Value::Int(56)) && !Peers.check(&Value::Int(58)) && !Peers.check(&Value::Int(7))
        );
        assert!(AtLeast(-1.0).check(&Value::Num(-1.0)) && !AtLeast(-1.0).check(&Value::Num(-1.5)));
        assert!(OptMonth.check(&Value::Unset) && !OptMonth.check(&Value::Int(0)));
        assert!(!Name.check(&Value::Str("a/b".into())) && Name.check(&Value::Str("Nuevo León".into())));
    }
}
