//! What every lever shares: its schedule, an instance (`Lever`), the list of its instances,
//! and the description of its own keys; and the two macros that declare levers once.
//!
//! `lever_params!` writes a lever's parameter struct together with its keys' defaults,
//! kinds, units and meanings (`LeverParams::KEYS`), so that the scenario layer reads, checks,
//! explains and sets every key of every lever without a line of its own per lever.
//! `levers!` (invoked once, in `params.rs`) lists the levers: it gives `LEVERS`, the
//! indices of `mod lever`, `Policies` (every instance of every lever, `[[policy.<lever>]]`
//! entries in file order), `LEVER_SPECS` (name, group and meaning of each) and the
//! `spending_<lever>` column names. The model knows nothing of TOML: the kinds here are
//! plain constants the scenario layer turns into its own.

/// When and where a lever acts (section 6, common keys; section 11 for ramps).
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub start_month: u32,
    /// Exclusive; `None` runs to the end.
    pub end_month: Option<u32>,
    /// One flag per region; all true when the scenario names none.
    pub regions: Vec<bool>,
    pub ramp_months: u32,
}

impl Schedule {
    /// Active everywhere from month 0, no ramp.
    pub fn always(n_regions: usize) -> Schedule {
        Schedule { start_month: 0, end_month: None, regions: vec![true; n_regions], ramp_months: 0 }
    }

    /// Is the lever active in reported month `t` (negative during burn-in)?
    pub fn active_at(&self, t: i64) -> bool {
        t >= 0 && t >= self.start_month as i64 && self.end_month.is_none_or(|e| t < e as i64)
    }

    /// The ramp factor f = min(1, (t − start + 1)/ramp_months), 0 when inactive.
    pub fn intensity_at(&self, t: i64) -> f64 {
        if !self.active_at(t) {
            return 0.0;
        }
        if self.ramp_months == 0 {
            return 1.0;
        }
        (((t - self.start_month as i64 + 1) as f64) / self.ramp_months as f64).min(1.0)
    }
}

/// One instance of a lever: its schedule and its own keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Lever<P> {
    pub schedule: Schedule,
    pub p: P,
}

impl<P> Lever<P> {
    /// The ramp factor of this instance in region r in month t, and its keys, when it acts.
    pub fn acting(&self, t: i64, r: usize) -> Option<(f64, &P)> {
        if !self.schedule.regions[r] {
            return None;
        }
        let f = self.schedule.intensity_at(t);
        (f > 0.0).then_some((f, &self.p))
    }
}

/// The instances of a lever acting in region r in month t, with their ramp factors, in
/// file order; a rule combines them as docs/model.md says (often: the last one decides).
pub fn active<P>(instances: &[Lever<P>], t: i64, r: usize) -> impl Iterator<Item = (f64, &P, &Lever<P>)> {
    instances.iter().filter_map(move |l| l.acting(t, r).map(|(f, p)| (f, p, l)))
}

/// What a lever's key allows, as the scenario layer checks it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyKind {
    /// A probability or share in [0, 1].
    Prob,
    /// A number ≥ 0.
    NonNeg,
    /// A number > 0.
    Pos,
    /// A number ≥ the bound.
    AtLeast(f64),
    /// A whole number of months ≥ 0.
    Months,
    /// A whole number of months ≥ 1.
    MonthsFrom1,
    Bool,
}

/// One key of a lever's own table: its name, kind, unit and meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeySpec {
    pub name: &'static str,
    pub kind: KeyKind,
    pub unit: &'static str,
    pub meaning: &'static str,
}

/// A key's value: a number, a whole number or a flag.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyValue {
    Real(f64),
    Whole(u32),
    Flag(bool),
}

/// The types a lever's key may have.
pub trait KeyField {
    fn get(&self) -> KeyValue;
    /// Writes a value of the field's own variant; others are ignored.
    fn set(&mut self, v: KeyValue);
}

impl KeyField for f64 {
    fn get(&self) -> KeyValue {
        KeyValue::Real(*self)
    }
    fn set(&mut self, v: KeyValue) {
        if let KeyValue::Real(x) = v {
            *self = x;
        }
    }
}

impl KeyField for u32 {
    fn get(&self) -> KeyValue {
        KeyValue::Whole(*self)
    }
    fn set(&mut self, v: KeyValue) {
        if let KeyValue::Whole(x) = v {
            *self = x;
        }
    }
}

impl KeyField for bool {
    fn get(&self) -> KeyValue {
        KeyValue::Flag(*self)
    }
    fn set(&mut self, v: KeyValue) {
        if let KeyValue::Flag(x) = v {
            *self = x;
        }
    }
}

/// A lever's own keys (written by `lever_params!`).
pub trait LeverParams: Default {
    /// The keys in the order of the struct, of `explain` and of the schema.
    const KEYS: &'static [KeySpec];
    /// Key `k`'s value.
    fn key(&self, k: usize) -> KeyValue;
    fn set_key(&mut self, k: usize, v: KeyValue);
    /// The monthly cost (pesos) of one instance acting at ramp factor `f` in a region of
    /// `population` people, booked to the lever's `spending_<lever>` column beside the
    /// costs the rules compute themselves; none unless the lever says so.
    fn monthly_cost(&self, _f: f64, _population: f64) -> f64 {
        0.0
    }
}

/// The instances of one lever, whatever its keys: what the scenario layer reads and writes.
pub trait Instances {
    fn keys(&self) -> &'static [KeySpec];
    fn count(&self) -> usize;
    fn schedule(&self, i: usize) -> Option<&Schedule>;
    fn schedule_mut(&mut self, i: usize) -> Option<&mut Schedule>;
    /// Key `k` of instance `i`, or the lever's default when there is no such instance.
    fn key(&self, i: usize, k: usize) -> KeyValue;
    /// Writes key `k` of instance `i`, if there is one.
    fn set_key(&mut self, i: usize, k: usize, v: KeyValue);
    /// Appends an instance with the lever's defaults, acting everywhere from month 0.
    fn push_default(&mut self, n_regions: usize);
    fn remove(&mut self, i: usize);
    fn clear(&mut self);
    /// The summed `monthly_cost` of the instances acting in region r in month t.
    fn monthly_cost(&self, t: i64, r: usize, population: f64) -> f64;
}

impl<P: LeverParams> Instances for Vec<Lever<P>> {
    fn keys(&self) -> &'static [KeySpec] {
        P::KEYS
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn schedule(&self, i: usize) -> Option<&Schedule> {
        self.get(i).map(|l| &l.schedule)
    }
    fn schedule_mut(&mut self, i: usize) -> Option<&mut Schedule> {
        self.get_mut(i).map(|l| &mut l.schedule)
    }
    fn key(&self, i: usize, k: usize) -> KeyValue {
        match self.get(i) {
            Some(l) => l.p.key(k),
            None => P::default().key(k),
        }
    }
    fn set_key(&mut self, i: usize, k: usize, v: KeyValue) {
        if let Some(l) = self.get_mut(i) {
            l.p.set_key(k, v);
        }
    }
    fn push_default(&mut self, n_regions: usize) {
        self.push(Lever { schedule: Schedule::always(n_regions), p: P::default() });
    }
    fn remove(&mut self, i: usize) {
        if i < self.len() {
            Vec::remove(self, i);
        }
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
    fn monthly_cost(&self, t: i64, r: usize, population: f64) -> f64 {
        active(self, t, r).map(|(f, p, _)| p.monthly_cost(f, population)).sum()
    }
}

/// A lever's name, the group of levers the web page shows it in, and its meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeverSpec {
    pub name: &'static str,
    pub group: &'static str,
    pub meaning: &'static str,
    pub keys: &'static [KeySpec],
}

/// A lever's parameter struct with its keys: each line is the field, its type, its default,
/// its kind, unit and meaning; `extra` fields (not keys of the table) follow with their
/// defaults; `cost(p, f, population) { .. }` gives the monthly cost of an instance acting
/// at ramp factor `f` in a region of `population` people, when the lever has one that its
/// rule does not book itself.
macro_rules! lever_params {
    (
        $(#[$sm:meta])* pub struct $name:ident {
            $( $(#[$fm:meta])* $field:ident : $ty:ty = $default:expr, $kind:ident $(($bound:expr))?, $unit:literal, $meaning:literal; )*
        }
        $( extra { $( $(#[$em:meta])* $efield:ident : $ety:ty = $edefault:expr; )* } )?
        $( cost($cp:ident, $cf:ident, $cpop:ident) $cost:block )?
    ) => {
        $(#[$sm])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $( $(#[$fm])* pub $field: $ty, )*
            $($( $(#[$em])* pub $efield: $ety, )*)?
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* $($( $efield: $edefault, )*)? }
            }
        }

        impl $crate::levers::LeverParams for $name {
            const KEYS: &'static [$crate::levers::KeySpec] = &[$(
                $crate::levers::KeySpec {
                    name: stringify!($field),
                    kind: $crate::levers::KeyKind::$kind $(($bound))?,
                    unit: $unit,
                    meaning: $meaning,
                },
            )*];
            fn key(&self, k: usize) -> $crate::levers::KeyValue {
                let fields: &[&dyn $crate::levers::KeyField] = &[$(&self.$field,)*];
                fields[k].get()
            }
            fn set_key(&mut self, k: usize, v: $crate::levers::KeyValue) {
                let fields: [&mut dyn $crate::levers::KeyField; <$name as $crate::levers::LeverParams>::KEYS.len()] =
                    [$(&mut self.$field,)*];
                if let Some(f) = fields.into_iter().nth(k) {
                    f.set(v);
                }
            }
            $(
                fn monthly_cost(&self, $cf: f64, $cpop: f64) -> f64 {
                    let $cp = self;
                    $cost
                }
            )?
        }
    };
}
pub(crate) use lever_params;

/// The levers, once: each line gives the index constant in `mod lever`, the field of
/// `Policies` (also the TOML table and the lever's name), its parameter struct, the group
/// the web page shows it in, and its meaning. The order is the order of `LEVERS` and of the
/// `spending_<lever>` columns: append, never insert.
macro_rules! levers {
    ($($id:ident $field:ident : $ty:ty, $group:literal, $meaning:literal;)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(usize)]
        enum LeverPosition {
            $($id,)*
        }

        /// Index of each lever in `LEVERS` (for spending arrays).
        pub mod lever {
            $(pub const $id: usize = super::LeverPosition::$id as usize;)*
        }

        /// The levers' names, in the order of section 6 and of the `spending_<lever>` columns.
        pub const LEVERS: [&str; N_LEVERS] = [$(stringify!($field),)*];

        pub const N_LEVERS: usize = [$(stringify!($field),)*].len();

        /// The `spending_<lever>` column names, in `LEVERS` order.
        pub const SPENDING_COLUMNS: [&str; N_LEVERS] = [$(concat!("spending_", stringify!($field)),)*];

        /// Each lever's name, group, meaning and keys, in `LEVERS` order.
        pub const LEVER_SPECS: [$crate::levers::LeverSpec; N_LEVERS] = [$(
            $crate::levers::LeverSpec {
                name: stringify!($field),
                group: $group,
                meaning: $meaning,
                keys: <$ty as $crate::levers::LeverParams>::KEYS,
            },
        )*];

        /// Every instance of every lever: an empty list is a lever that is off; a
        /// `[policy.<lever>]` table is one instance, a `[[policy.<lever>]]` array one per
        /// entry in file order.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct Policies {
            $(pub $field: Vec<$crate::levers::Lever<$ty>>,)*
        }

        impl Policies {
            /// The instances of every lever, in `LEVERS` order.
            pub fn all(&self) -> [&dyn $crate::levers::Instances; N_LEVERS] {
                [$(&self.$field,)*]
            }

            /// The instances of lever `i` (a `LEVERS` index).
            pub fn instances(&self, i: usize) -> &dyn $crate::levers::Instances {
                self.all()[i]
            }

            pub fn instances_mut(&mut self, i: usize) -> &mut dyn $crate::levers::Instances {
                let all: [&mut dyn $crate::levers::Instances; N_LEVERS] = [$(&mut self.$field,)*];
                all.into_iter().nth(i).expect("a lever index")
            }
        }
    };
}
pub(crate) use levers;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_half_open_and_off_in_burn_in() {
        let s = Schedule { start_month: 3, end_month: Some(5), regions: vec![true], ramp_months: 0 };
        let active: Vec<i64> = (-2..8).filter(|&t| s.active_at(t)).collect();
        assert_eq!(active, vec![3, 4]);
        assert!(!Schedule::always(1).active_at(-1));
    }

    #[test]
    fn ramp_rises_linearly_to_one() {
        let s = Schedule { start_month: 10, end_month: None, regions: vec![true], ramp_months: 4 };
        let f: Vec<f64> = (9..16).map(|t| s.intensity_at(t)).collect();
        assert_eq!(f, vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
    }
}
