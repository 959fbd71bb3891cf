//! The key tables of the schema: one line per scenario key (path, kind, unit, meaning,
//! getter, setter), written with small macros over `Params`, `Region` and `Schedule`; the
//! levers' own keys come from their declaration in the model (`params::LEVER_SPECS`).
//! `schema.rs` defines the types these lines are made of and the lookups over them; the
//! `Schema` of every table is assembled here (`Schema::new`).

use std::sync::OnceLock;

use super::schema::{
    Field, KeyDef, Kind, LeverDef, Schema, TOML_INT_MAX, U32_MAX, Value, lever_kind, lever_value,
};
use narcodoor_model::levers::{KeySpec, LeverSpec};
use narcodoor_model::params::{LEVER_SPECS, Params, Region, Schedule};

/// A key of the global tables: `p.<table>.<key>`.
macro_rules! global {
    ($table:ident . $key:ident, $kind:expr, $unit:literal, $meaning:literal) => {
        KeyDef::<Params> {
            table: stringify!($table),
            name: stringify!($key),
            kind: $kind,
            unit: $unit,
            meaning: $meaning,
            get: Box::new(|p: &Params| p.$table.$key.to_value()),
            set: Box::new(|p: &mut Params, v: &Value| p.$table.$key.assign(v)),
        }
    };
}

/// A scalar key of every region.
macro_rules! region {
    ($key:ident, $kind:expr, $unit:literal, $meaning:literal) => {
        KeyDef::<Region> {
            table: "region",
            name: stringify!($key),
            kind: $kind,
            unit: $unit,
            meaning: $meaning,
            get: Box::new(|r: &Region| r.$key.to_value()),
            set: Box::new(|r: &mut Region, v: &Value| r.$key.assign(v)),
        }
    };
}

/// A common key of every lever's schedule.
macro_rules! schedule {
    ($key:ident, $kind:expr, $unit:literal, $meaning:literal) => {
        KeyDef::<Schedule> {
            table: "policy.<lever>",
            name: stringify!($key),
            kind: $kind,
            unit: $unit,
            meaning: $meaning,
            get: Box::new(|s: &Schedule| s.$key.to_value()),
            set: Box::new(|s: &mut Schedule, v: &Value| s.$key.assign(v)),
        }
    };
}

impl Schema {
    /// Every table of the scenario format, from the key tables below.
    pub fn new() -> Schema {
        Schema { global: global_keys(), region: region_keys(), schedule: schedule_keys(), levers: levers() }
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::new()
    }
}

use Kind::*;

const MONTHS: Kind = Count { min: 0, max: U32_MAX };
const MONTHS_1: Kind = Count { min: 1, max: U32_MAX };

#[rustfmt::skip]
pub fn global_keys() -> Vec<KeyDef<Params>> {
    vec![
        global!(run.name, Name, "", "scenario name for outputs and the manifest; defaults to the file's stem"),
        global!(run.description, Text, "", "free text carried into the manifest"),
        global!(run.months, MONTHS_1, "months", "reported months, numbered 0..months-1"),
        global!(run.burn_in_months, MONTHS, "months", "months simulated first with every lever off, then discarded"),
        global!(run.seed, Count { min: 0, max: TOML_INT_MAX }, "", "random seed from which every stream derives"),
        global!(run.replicates, MONTHS_1, "runs", "independent replicates; means and 95% CIs are over them"),
        global!(run.start, Date, "YYYY-MM", "calendar month of reported month 0; adds date columns and allows dated levers and events"),
        global!(run.observed, Text, "file", "CSV of observed values (metric,region,date,value), relative to the file that names it; drawn over the simulation, fit in observed_fit.csv"),
        global!(population.youths, Count { min: 1, max: TOML_INT_MAX }, "youths", "national youths aged 12–29, one agent each; the regions' youths add up to it"),
        global!(population.peers, Peers, "youths", "peers each youth observes in its region, as ring ties before rewiring"),
        global!(population.rewire, Prob, "probability", "chance that each peer tie is replaced by a random youth of the region"),
        global!(youth.female_share, Prob, "share", "share of youths who are female"),
        global!(youth.initial_out_of_school, Prob, "share", "minors who start, or enter at 12, Idle instead of in School"),
        global!(youth.initial_graduation, Prob, "share", "initial adults who finished upper secondary, non-poor"),
        global!(youth.initial_graduation_poor, Prob, "share", "initial adults who finished upper secondary, poor"),
        global!(youth.initial_employment, Prob, "share", "initial adults in Work; the rest are Idle"),
        global!(youth.school_dropout, Prob, "per month", "dropout hazard of non-poor students under 15"),
        global!(youth.poverty_dropout_multiplier, NonNeg, "×", "dropout multiplier for poor students"),
        global!(youth.upper_secondary_multiplier, NonNeg, "×", "dropout multiplier from age 15, in upper secondary"),
        global!(youth.school_reentry, Prob, "per month", "chance that an Idle minor returns to School"),
        global!(youth.job_finding, Prob, "per month", "chance that an Idle adult finds Work, × region.job_finding_multiplier"),
        global!(youth.graduate_job_bonus, NonNeg, "×", "job-finding multiplier for graduates"),
        global!(youth.record_job_penalty, NonNeg, "×", "job-finding multiplier for youths with a prison record"),
        global!(youth.job_loss, Prob, "per month", "chance that a worker becomes Idle, except during a placement"),
        global!(choice.coercion, Prob, "probability", "floor of forced recruitment: contacted youths who join whatever their doors"),
        global!(choice.intercept, Real, "log-odds", "log-odds of joining when the narco wage equals the value of the current door"),
        global!(choice.school_value, NonNeg, "× legit_wage", "value of staying in School, relative to the legitimate wage"),
        global!(choice.idle_value, NonNeg, "× legit_wage", "value of being Idle, a nini, relative to the legitimate wage"),
        global!(choice.myopia, Prob, "share", "share of the career's expected yearly cost that a youth ignores"),
        global!(choice.peer_weight, NonNeg, "log-odds", "pull of the share of peers who are members"),
        global!(choice.stigma, NonNeg, "log-odds", "deterrence by the region's collective efficacy"),
        global!(choice.prison_weight, NonNeg, "log-odds per year", "weight of expected prison years in the career's yearly cost"),
        global!(choice.death_weight, NonNeg, "log-odds", "weight of the yearly death risk in the career's yearly cost"),
        global!(recruit.intensity, NonNeg, "contacts per member-month", "contacts a member makes per month when the cartel has room to hire"),
        global!(recruit.shield, Prob, "share", "share of contacts blocked at full collective efficacy"),
        global!(recruit.peer_contact, NonNeg, "×", "extra contact weight per unit share of peers who are members"),
        global!(recruit.young_teen_weight, NonNeg, "×", "contact weight of youths under 15"),
        global!(recruit.minor_preference, Real, "×", "extra contact weight of 15–17-year-olds, × 1 − juvenile ratio; weights floor at 0"),
        global!(recruit.female_weight, NonNeg, "×", "contact weight of females"),
        global!(recruit.presence_floor, OptNonNeg, "recruiters per youth", "recruiters a region keeps × its cartels' territory when members are fewer; unset: off"),
        global!(cartels.death, Ranks, "per month", "members' death hazards by rank 1–4, raised by violence"),
        global!(cartels.arrest, Ranks, "per month", "members' arrest hazards by rank 1–4, × enforcement × 1 − corruption"),
        global!(cartels.exit, Prob, "per month", "chance that a member walks away to Idle"),
        global!(cartels.promotion, Prob, "per month", "chance of promotion when the next rank has vacancies"),
        global!(cartels.rank_shares, Ranks, "shares", "target shares of ranks 1–4 for vacancies and initial ranks; add up to 1"),
        global!(cartels.wage_response, NonNeg, "×", "rise of the narco wage per unit of labour-demand gap"),
        global!(justice.sentence_months, AtLeast(1.0), "months", "mean prison sentence of an adult member, geometric on 1, 2, ..."),
        global!(justice.juvenile_sentence_ratio, NonNeg, "×", "a minor's sentence relative to an adult's"),
        global!(violence.kappa, NonNeg, "per unit V", "rise of members' death hazards per unit of violence"),
        global!(violence.shock_decay, Prob, "per month", "share of a kingpin shock still felt the next month"),
        global!(violence.extortion_labour, NonNeg, "×", "extra labour demand per unit of predatory territory"),
        global!(violence.displacement, NonNeg, "share", "demand displaced to neighbours per unit of relative enforcement rise, at most half"),
        global!(violence.conflict, NonNeg, "V", "violence of fully contested markets at the reference member density"),
        global!(violence.reference_density, Pos, "members per youth", "member density at which conflict violence equals violence.conflict"),
        global!(violence.civilian, NonNeg, "per 100k per year per V", "civilian homicides added per unit of excess violence"),
        global!(territory.rate, Prob, "per month", "speed at which territory moves towards member strength"),
        global!(territory.gamma, Pos, "exponent", "returns to size in territorial competition, M^gamma"),
        global!(trial.lever, Text, "lever", "scholarships or youth_jobs: its lottery's winners and losers become a trial's arms, written to trial.csv; unset: no trial"),
        global!(trial.intake_months, OptMonth, "months", "months from the lever's start in which the trial enrols; unset: every month the lever acts"),
    ]
}

#[rustfmt::skip]
pub fn region_keys() -> Vec<KeyDef<Region>> {
    vec![
        region!(youth_share, Unit, "share", "youths as a share of the total population, P = N / youth_share"),
        region!(poverty, Prob, "share", "share of poor households: youths with ses below it are poor"),
        region!(legit_wage, Pos, "pesos per month", "legitimate wage, the value of a job"),
        region!(narco_wage, Pos, "pesos per month", "narco wage before the premium of a short-handed cartel"),
        region!(job_finding_multiplier, NonNeg, "×", "multiplier of youth.job_finding"),
        region!(enforcement, Pos, "×", "base enforcement E; later rises are relative to it"),
        region!(corruption, Prob, "share", "initial corruption C0, also its target before reform"),
        region!(collective_efficacy, Prob, "share", "initial and long-run collective efficacy CE0"),
        region!(demand, NonNeg, "jobs per youth", "organised-crime jobs per youth, D(0)/N"),
        region!(initial_members, Prob, "share of youths", "youths who are members at the start"),
        region!(base_violence, NonNeg, "V", "violence floor"),
        region!(civilian_homicide_rate, NonNeg, "per 100k per year", "civilian homicides outside the drug war"),
        region!(presence, Prob, "share", "territory of the default cartel, used only without [[cartel]]"),
    ]
}

#[rustfmt::skip]
pub fn schedule_keys() -> Vec<KeyDef<Schedule>> {
    vec![
        schedule!(start_month, MONTHS, "month", "first reported month in which the lever acts"),
        schedule!(end_month, OptMonth, "month", "month in which the lever stops, exclusive; absent: never"),
        schedule!(ramp_months, MONTHS, "months", "months over which intensity rises linearly to full; 0: at once"),
    ]
}

/// The levers as the model declares them (`params::LEVER_SPECS`): their names, meanings
/// and own keys, `p.policy.<lever>[0].p.<key>`.
pub fn levers() -> Vec<LeverDef> {
    static TABLES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        LEVER_SPECS.iter().map(|l| &*Box::leak(format!("policy.{}", l.name).into_boxed_str())).collect()
    });
    let key = |l: usize, k: usize, spec: &KeySpec| KeyDef::<Params> {
        table: tables[l],
        name: spec.name,
        kind: lever_kind(spec.kind),
        unit: spec.unit,
        meaning: spec.meaning,
        get: Box::new(move |p: &Params| lever_value(p.policy.instances(l).key(0, k))),
        set: Box::new(move |p: &mut Params, v: &Value| LeverDef::set_key_of(l, p, 0, k, v)),
    };
    let lever = |(l, spec): (usize, &LeverSpec)| LeverDef {
        index: l,
        name: spec.name,
        meaning: spec.meaning,
        keys: spec.keys.iter().enumerate().map(|(k, s)| key(l, k, s)).collect(),
    };
    LEVER_SPECS.iter().enumerate().map(lever).collect()
}
