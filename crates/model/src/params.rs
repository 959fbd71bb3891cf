//! The validated parameters of NDM-1, grouped as in `MODEL.md`'s TOML tables.
//!
//! These are plain typed structs with the specification's defaults. They are built by the
//! `scenario` layer (which parses, merges `extends`, validates and names every key); once a
//! `Params` exists the model trusts it and cannot fail. Nothing here does IO or knows about
//! serde: the scenario layer reads and writes fields through its own schema table. The
//! levers are declared once here (`levers!`), each with its keys (`lever_params!`): the
//! scenario layer, the spending columns and the web page take them from that declaration.

use crate::calendar::YearMonth;

/// Ranks are 1..=4 in the text and 0..=3 in arrays here.
pub const RANKS: usize = 4;

/// Ages in months: entry, start of the "minor" recruitment band, adulthood, exit.
pub const AGE_ENTRY: u16 = 144;
pub const AGE_UPPER_SECONDARY: u16 = 180;
pub const AGE_ADULT: u16 = 216;
pub const AGE_EXIT: u16 = 360;

/// The largest supported peer count. Each youth's rewired ties are stored as a bit mask of
/// `peers` bits read with one unaligned 64-bit load, which leaves room for 56.
pub const MAX_PEERS: u32 = 56;

/// Every parameter of one scenario, defaults filled in and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub run: Run,
    pub population: Population,
    pub youth: Youth,
    pub choice: Choice,
    pub recruit: Recruit,
    pub cartels: Cartels,
    pub justice: Justice,
    pub violence: Violence,
    pub territory: Territory,
    /// At least one region; youths already allocated (`Region::youths`).
    pub regions: Vec<Region>,
    /// At least one cartel; `territory` has one entry per region.
    pub cartel_list: Vec<CartelSpec>,
    pub policy: Policies,
    /// Trial arms read from a lever's lottery (`model::trial`); off by default.
    pub trial: TrialSpec,
}

/// `[trial]`: which lever's lottery makes the arms, and for how long it enrols. Both keys
/// are unset by default (rather than empty or 0), so that the resolved parameters, and
/// their hash, of scenarios without a trial are those written before the keys existed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialSpec {
    /// `scholarships` or `youth_jobs`, whose first instance must be on.
    pub lever: Option<String>,
    /// Months from the lever's start in which the trial enrols; unset: while it acts.
    pub intake_months: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub name: String,
    pub description: String,
    pub months: u32,
    pub burn_in_months: u32,
    pub seed: u64,
    pub replicates: u32,
    /// The calendar month of reported month 0, when the scenario is dated.
    pub start: Option<YearMonth>,
    /// A CSV of observed values to set beside the simulated ones, as the scenario file wrote
    /// it (relative to that file), if any. The model never reads it: the scenario layer
    /// reads the file (`scenario::Observed`) and the outputs draw it.
    pub observed: Option<String>,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            name: "scenario".into(),
            description: String::new(),
            months: 240,
            burn_in_months: 120,
            seed: 1,
            replicates: 10,
            start: None,
            observed: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// National youths; regions' `youths` sum to it.
    pub youths: u64,
    pub peers: u32,
    pub rewire: f64,
}

impl Default for Population {
    fn default() -> Self {
        Population { youths: 100_000, peers: 8, rewire: 0.1 }
    }
}

/// Section 1's initial state and section 3's legitimate doors.
#[derive(Clone, Debug, PartialEq)]
pub struct Youth {
    pub female_share: f64,
    pub initial_out_of_school: f64,
    pub initial_graduation: f64,
    pub initial_graduation_poor: f64,
    pub initial_employment: f64,
    pub school_dropout: f64,
    pub poverty_dropout_multiplier: f64,
    pub upper_secondary_multiplier: f64,
    pub school_reentry: f64,
    pub job_finding: f64,
    pub graduate_job_bonus: f64,
    pub record_job_penalty: f64,
    pub job_loss: f64,
}

impl Default for Youth {
    fn default() -> Self {
        Youth {
            female_share: 0.5,
            initial_out_of_school: 0.05,
            initial_graduation: 0.55,
            initial_graduation_poor: 0.3,
            initial_employment: 0.55,
            school_dropout: 0.004,
            poverty_dropout_multiplier: 2.5,
            upper_secondary_multiplier: 3.0,
            school_reentry: 0.005,
            job_finding: 0.06,
            graduate_job_bonus: 1.5,
            record_job_penalty: 0.5,
            job_loss: 0.015,
        }
    }
}

/// Section 5's choice of a contacted youth.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub coercion: f64,
    pub intercept: f64,
    pub school_value: f64,
    pub idle_value: f64,
    pub myopia: f64,
    pub peer_weight: f64,
    pub stigma: f64,
    pub prison_weight: f64,
    pub death_weight: f64,
}

impl Default for Choice {
    fn default() -> Self {
        Choice {
            coercion: 0.05,
            intercept: -2.0,
            school_value: 1.6,
            idle_value: 0.25,
            myopia: 0.6,
            peer_weight: 2.0,
            stigma: 1.5,
            prison_weight: 1.0,
            death_weight: 20.0,
        }
    }
}

/// Section 5's contact process.
#[derive(Clone, Debug, PartialEq)]
pub struct Recruit {
    pub intensity: f64,
    pub shield: f64,
    pub peer_contact: f64,
    pub young_teen_weight: f64,
    pub minor_preference: f64,
    pub female_weight: f64,
    /// Recruiters per youth that a region's cartels keep whatever their counted members,
    /// in proportion to the territory they hold (docs/model.md note 40). Unset (the
    /// default) is section 5 as written; unset rather than 0 so that the resolved
    /// parameters, and their hash in every output's header, of scenarios that do not use
    /// it are those they had before the key existed.
    pub presence_floor: Option<f64>,
}

impl Default for Recruit {
    fn default() -> Self {
        Recruit {
            intensity: 0.085,
            shield: 0.8,
            peer_contact: 3.0,
            young_teen_weight: 0.2,
            minor_preference: 0.5,
            female_weight: 0.15,
            presence_floor: None,
        }
    }
}

/// Section 4's careers and the wage response of section 5.
#[derive(Clone, Debug, PartialEq)]
pub struct Cartels {
    pub death: [f64; RANKS],
    pub arrest: [f64; RANKS],
    pub exit: f64,
    pub promotion: f64,
    pub rank_shares: [f64; RANKS],
    pub wage_response: f64,
}

impl Default for Cartels {
    fn default() -> Self {
        Cartels {
            death: [0.0015, 0.002, 0.004, 0.003],
            arrest: [0.006, 0.005, 0.004, 0.003],
            exit: 0.002,
            promotion: 0.05,
            rank_shares: [0.55, 0.25, 0.15, 0.05],
            wage_response: 1.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Justice {
    pub sentence_months: f64,
    pub juvenile_sentence_ratio: f64,
}

impl Default for Justice {
    fn default() -> Self {
        Justice { sentence_months: 36.0, juvenile_sentence_ratio: 0.25 }
    }
}

/// Sections 4, 7.1, 7.3 and 7.6.
#[derive(Clone, Debug, PartialEq)]
pub struct Violence {
    pub kappa: f64,
    pub shock_decay: f64,
    pub extortion_labour: f64,
    pub displacement: f64,
    pub conflict: f64,
    pub reference_density: f64,
    pub civilian: f64,
}

impl Default for Violence {
    fn default() -> Self {
        Violence {
            kappa: 1.0,
            shock_decay: 0.9,
            extortion_labour: 0.3,
            displacement: 0.5,
            conflict: 2.0,
            reference_density: 0.005,
            civilian: 10.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Territory {
    pub rate: f64,
    pub gamma: f64,
}

impl Default for Territory {
    fn default() -> Self {
        Territory { rate: 0.05, gamma: 1.5 }
    }
}

/// One region (section 7). `youths` is the resolved head count.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub name: String,
    pub youths: u64,
    pub youth_share: f64,
    pub poverty: f64,
    pub legit_wage: f64,
    pub narco_wage: f64,
    pub job_finding_multiplier: f64,
    pub enforcement: f64,
    pub corruption: f64,
    pub collective_efficacy: f64,
    pub demand: f64,
    pub initial_members: f64,
    pub base_violence: f64,
    pub civilian_homicide_rate: f64,
    /// Indices into `Params::regions`; symmetric, no self, no duplicates.
    pub neighbours: Vec<usize>,
    /// Used only when the scenario has no `[[cartel]]`.
    pub presence: f64,
}

impl Region {
    /// A region with the specification's defaults.
    pub fn with_defaults(name: &str, youths: u64) -> Region {
        Region {
            name: name.to_string(),
            youths,
            youth_share: 0.33,
            poverty: 0.45,
            legit_wage: 4000.0,
            narco_wage: 10000.0,
            job_finding_multiplier: 1.0,
            enforcement: 1.0,
            corruption: 0.4,
            collective_efficacy: 0.3,
            demand: 0.015,
            initial_members: 0.0045,
            base_violence: 0.2,
            civilian_homicide_rate: 5.0,
            neighbours: Vec::new(),
            presence: 1.0,
        }
    }

    /// Total population P_r, used for rates per 100k and per-capita costs.
    pub fn population(&self) -> f64 {
        self.youths as f64 / self.youth_share
    }
}

/// A cartel present at the start; splinters are created by the model.
#[derive(Clone, Debug, PartialEq)]
pub struct CartelSpec {
    pub name: String,
    pub predatory: bool,
    /// Territory share per region (same order as `Params::regions`).
    pub territory: Vec<f64>,
}

pub use crate::levers::{Lever, Schedule};
use crate::levers::{lever_params, levers};

levers! {
    SCHOLARSHIPS scholarships: Scholarships, "Legitimate doors", "scholarships for poor students (6.1)";
    YOUTH_JOBS youth_jobs: YouthJobs, "Legitimate doors", "youth-jobs placements for Idle adults (6.2)";
    PUBLIC_SPACE public_space: PublicSpace, "Legitimate doors", "investment in public space (6.3)";
    POLICING policing: Policing, "The state", "more (or less) policing, optionally the army (6.4)";
    POLICE_REFORM police_reform: PoliceReform, "The state", "police pay raise and purges (6.5)";
    KINGPIN kingpin: Kingpin, "The state", "removal of cartel leaders (6.6)";
    JUVENILE_LAW juvenile_law: JuvenileLaw, "The state", "a different sentence ratio for minors (6.7)";
    ASSET_FORFEITURE asset_forfeiture: AssetForfeiture, "The state", "seizure of cash and vehicles (6.8)";
    DEMAND demand: Demand, "Demand", "lower consumer-country demand (6.9)";
}

lever_params! {
    pub struct Scholarships {
        coverage: f64 = 0.5, Prob, "probability", "chance that a poor student wins a scholarship";
        amount: f64 = 800.0, NonNeg, "pesos per month", "monthly scholarship, added to the value of School";
        max_dropout_cut: f64 = 0.9, Prob, "share", "largest cut in dropout, approached as the amount grows";
        half_amount: f64 = 600.0, Pos, "pesos per month", "amount that gives half the largest cut";
        admin_overhead: f64 = 0.08, NonNeg, "share", "administration cost on top of the amounts paid";
    }
}

lever_params! {
    pub struct YouthJobs {
        slots_per_1000: f64 = 20.0, NonNeg, "per 1000 youths", "placements per 1000 youths of the region";
        stipend: f64 = 3600.0, Pos, "pesos per month", "placement stipend, also its value to the youth";
        months: u32 = 12, MonthsFrom1, "months", "length of a placement";
        retention: f64 = 0.4, Prob, "probability", "chance that a finished placement stays in Work";
        target_poor: bool = true, Bool, "", "fill slots with poor youths first";
    }
}

lever_params! {
    pub struct PublicSpace {
        per_capita: f64 = 20.0, NonNeg, "pesos per capita per month", "investment that rebuilds collective efficacy";
    }
}

lever_params! {
    pub struct Policing {
        increase: f64 = 0.5, AtLeast(-1.0), "share", "relative rise in enforcement; negative is a cut, at least −1";
        army: bool = false, Bool, "", "deploy the army as well";
        army_enforcement: f64 = 0.5, NonNeg, "E", "enforcement added by the army";
        army_violence: f64 = 0.3, NonNeg, "V", "violence added by the army";
        cost_per_capita: f64 = 38.0, NonNeg, "pesos per capita per month", "cost of doubling enforcement, × increase";
        army_cost_per_capita: f64 = 10.0, NonNeg, "pesos per capita per month", "cost of the army deployment";
    }
}

lever_params! {
    pub struct PoliceReform {
        pay_raise: f64 = 0.0, NonNeg, "share of salary", "pay raise; the corruption target becomes C0 / [1 + 2 pay_raise]";
        /// Share of corrupt officers removed per year.
        purge: f64 = 0.0, Prob, "share per year", "share of corruption purged per year";
        registry: bool = false, Bool, "", "a registry stops purged officers being rehired next door";
        rehire_share: f64 = 0.7, Prob, "share", "without registry, share of the purged corruption moved to neighbours";
        officers_per_100k: f64 = 380.0, NonNeg, "per 100k people", "police officers per 100,000 inhabitants";
        salary: f64 = 9000.0, NonNeg, "pesos per month", "an officer's salary";
        severance: f64 = 100_000.0, NonNeg, "pesos", "severance paid per purged officer";
    }
}

lever_params! {
    pub struct Kingpin {
        removals_per_year: f64 = 2.0, NonNeg, "per year", "leader removals per year";
        succession_months: u32 = 6, Months, "months", "months a cartel stays leaderless after a removal";
        // MODEL.md says 1.0; 0.3 is calibrated to the evidence (docs/model.md, departure D1):
        // with 1.0 homicides in the hit regions rise about 97% in the six months after a
        // removal, above both studies (+36.5%, +80%); with 0.3 about 44%.
        shock: f64 = 0.3, NonNeg, "V", "violence shock in the target's regions per removal";
        spillover: f64 = 0.3, NonNeg, "×", "share of the shock felt in neighbouring regions";
        split_probability: f64 = 0.5, Prob, "probability", "chance that a beheaded cartel splits";
        cost_per_operation: f64 = 50_000_000.0, NonNeg, "pesos", "cost of one removal operation";
    }
    extra {
        /// Dated removals of named cartels' leaders (`[[policy.kingpin.event]]`).
        events: Vec<KingpinEvent> = Vec::new();
    }
}

/// One dated removal: the leader of the cartel named `cartel` is removed in reported month
/// `month`, with the shock, succession and split rules of 6.6 restricted to `regions`.
#[derive(Clone, Debug, PartialEq)]
pub struct KingpinEvent {
    pub month: u32,
    pub cartel: String,
    /// One flag per region: where the removal's shock and split act (all by default).
    pub regions: Vec<bool>,
    /// Overrides the lever's `split_probability` for this removal.
    pub split_probability: Option<f64>,
}

lever_params! {
    pub struct JuvenileLaw {
        juvenile_sentence_ratio: f64 = 0.25, NonNeg, "×", "a minor's sentence relative to an adult's while active";
    }
}

lever_params! {
    pub struct AssetForfeiture {
        cash_seizure: f64 = 0.5, Prob, "share", "cash seized; 0.6 × it of wages is then paid in product";
        vehicle_seizure: f64 = 0.5, Prob, "share", "vehicles seized, replaced by theft";
        doses_per_member: f64 = 30.0, NonNeg, "doses per member-month", "product a member paid in kind sells locally";
    }
}

lever_params! {
    pub struct Demand {
        reduction: f64 = 0.3, Prob, "share", "cut in organised-crime labour demand";
        cost_per_capita: f64 = 0.0, NonNeg, "pesos per capita per month", "cost of the demand policy";
    }
}

impl Params {
    /// The defaults with two neighbouring regions, A and B, of 1,000 youths each: the small
    /// country of the model's unit tests.
    #[cfg(test)]
    pub(crate) fn two_neighbouring_regions() -> Params {
        let mut p = Params::defaults();
        let mut a = Region::with_defaults("A", 1000);
        let mut b = Region::with_defaults("B", 1000);
        a.neighbours = vec![1];
        b.neighbours = vec![0];
        p.regions = vec![a, b];
        p
    }

    /// The specification's defaults: one region "all" of `population.youths` youths held
    /// by one cartel "cartel" with the region's presence, every lever off.
    pub fn defaults() -> Params {
        let population = Population::default();
        let region = Region::with_defaults("all", population.youths);
        let presence = region.presence;
        Params {
            run: Run::default(),
            population,
            youth: Youth::default(),
            choice: Choice::default(),
            recruit: Recruit::default(),
            cartels: Cartels::default(),
            justice: Justice::default(),
            violence: Violence::default(),
            territory: Territory::default(),
            regions: vec![region],
            cartel_list: vec![CartelSpec {
                name: "cartel".into(),
                predatory: false,
                territory: vec![presence],
            }],
            policy: Policies::default(),
            trial: TrialSpec::default(),
        }
    }

    /// Total youths over all regions.
    pub fn total_youths(&self) -> u64 {
        self.regions.iter().map(|r| r.youths).sum()
    }
}
