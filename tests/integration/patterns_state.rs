//! Patterns 1, 5, 6, 7 and 8 of MODEL.md section 9 (issue 3: cartels, violence and the
//! state), each a statistical test over replicates on the project's own scenarios.
//!
//! Every comparison is paired: replicate r of a policy scenario and of the baseline share
//! their random streams, so the per-replicate difference b − a removes most of the common
//! noise, and the Student t 95% interval of its mean (`common::compare`) must exclude 0 in
//! the predicted direction. Nothing here hard-codes an expected output: the regions a lever
//! acts on, their neighbours and the months of the first kingpin removal are read from the
//! scenario and from the run, so the tests hold on another country's scenarios as long as
//! the mechanism works there.
//!
//! The runs are the bundled scenarios at full size (200,000 youths) for 84 reported months
//! (a year of status quo, then the policy from month 12); the baseline is simulated once
//! and shared by all tests in this file. Run with
//! `cargo test --release --test integration patterns_state:: -- --nocapture` to see the measured effects.

use std::sync::OnceLock;

use crate::common::*;
use narcodoor::engine::ReplicateResult;
use narcodoor::model::metrics::index_of;
use narcodoor::model::params::{Params, Schedule};
use narcodoor::numerics::stats::PairedEffect;

/// Reported months of every run: a year of status quo and six years of policy (the
/// kingpin campaign's length), enough for "five years on" after a removal in month 17.
const MONTHS: u32 = 84;
/// Replicates of the baseline and of the kingpin scenario (pattern 1 measures homicides in
/// six months of a few regions, the noisiest quantity here).
const REPLICATES: u32 = 20;
/// Replicates of the other scenarios, paired with the baseline's first ones: their effects
/// are many standard errors wide at this size.
const FEWER: u32 = 10;
/// Pattern 6 measures one neighbour's violence and homicides, smaller effects than the
/// others': it pairs as many replicates as the baseline has.
const SURGE_REPLICATES: u32 = REPLICATES;
const THREADS: usize = 2;

fn baseline() -> &'static (Params, Vec<ReplicateResult>) {
    static BASE: OnceLock<(Params, Vec<ReplicateResult>)> = OnceLock::new();
    BASE.get_or_init(|| simulate("baseline.toml", REPLICATES))
}

fn simulate(name: &str, replicates: u32) -> (Params, Vec<ReplicateResult>) {
    let p = bundled(name, overrides(None, Some(MONTHS), Some(replicates)));
    let t = std::time::Instant::now();
    let r = run(&p, THREADS);
    eprintln!("{name}: {replicates} replicates of {MONTHS} months in {:.1?}", t.elapsed());
    (p, r)
}

/// The baseline's first `n` replicates, to pair with a scenario run with `n` replicates.
fn base_first(n: usize) -> &'static [ReplicateResult] {
    &baseline().1[..n]
}

/// The regions a lever acts in.
fn lever_regions(s: &Schedule) -> Vec<usize> {
    s.regions.iter().enumerate().filter(|(_, on)| **on).map(|(r, _)| r).collect()
}

/// The neighbours of a set of regions that are not in the set themselves.
fn neighbours_of(p: &Params, set: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = set
        .iter()
        .flat_map(|&r| p.regions[r].neighbours.iter().copied())
        .filter(|m| !set.contains(m))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn names(p: &Params, set: &[usize]) -> String {
    set.iter().map(|&r| p.regions[r].name.as_str()).collect::<Vec<_>>().join(", ")
}

/// A metric summed over `regions` and months [from, to), per replicate.
fn sum_over(
    results: &[ReplicateResult],
    regions: &[usize],
    metric: &str,
    from: usize,
    to: usize,
) -> Vec<f64> {
    let i = index_of(metric).unwrap_or_else(|| panic!("no metric {metric}"));
    results
        .iter()
        .map(|r| {
            r.months[from..to]
                .iter()
                .map(|m| regions.iter().map(|&g| m.metrics.regions[g][i]).sum::<f64>())
                .sum()
        })
        .collect()
}

/// A stock (members) summed over `regions` and averaged over months [from, to), per
/// replicate.
fn stock_over(
    results: &[ReplicateResult],
    regions: &[usize],
    metric: &str,
    from: usize,
    to: usize,
) -> Vec<f64> {
    sum_over(results, regions, metric, from, to).into_iter().map(|x| x / (to - from) as f64).collect()
}

/// A regional level (violence, corruption, collective efficacy) averaged over months
/// [from, to) and over `regions` weighted by youths (as the national series are), per
/// replicate.
fn level_over(
    p: &Params,
    results: &[ReplicateResult],
    regions: &[usize],
    metric: &str,
    from: usize,
    to: usize,
) -> Vec<f64> {
    let i = index_of(metric).unwrap_or_else(|| panic!("no metric {metric}"));
    let youths: f64 = regions.iter().map(|&g| p.regions[g].youths as f64).sum();
    results
        .iter()
        .map(|r| {
            let total: f64 = r.months[from..to]
                .iter()
                .map(|m| {
                    regions.iter().map(|&g| m.metrics.regions[g][i] * p.regions[g].youths as f64).sum::<f64>()
                })
                .sum();
            total / youths / (to - from) as f64
        })
        .collect()
}

/// Prints a paired effect (for the report) and returns it.
fn show(label: &str, e: PairedEffect) -> PairedEffect {
    eprintln!(
        "{label}: {:.4} → {:.4}, b − a = {:+.4} [{:+.4}, {:+.4}] ({:+.1}% [{:+.1}%, {:+.1}%])",
        e.mean_a,
        e.mean_b,
        e.diff,
        e.lo,
        e.hi,
        100.0 * e.relative,
        100.0 * e.lo / e.mean_a,
        100.0 * e.hi / e.mean_a
    );
    e
}

fn assert_rises(label: &str, e: &PairedEffect) {
    assert!(e.lo > 0.0, "{label} should rise: b − a = {:.4} [{:.4}, {:.4}]", e.diff, e.lo, e.hi);
}

fn assert_falls(label: &str, e: &PairedEffect) {
    assert!(e.hi < 0.0, "{label} should fall: b − a = {:.4} [{:.4}, {:.4}]", e.diff, e.lo, e.hi);
}

// ---------------------------------------------------------------------------------------
// Pattern 1: kingpin removals
// ---------------------------------------------------------------------------------------

struct Kingpin {
    runs: Vec<ReplicateResult>,
    /// Month of each replicate's first removal and the regions where the target held
    /// territory (from the events).
    first: Vec<(usize, Vec<usize>)>,
}

fn kingpin() -> &'static Kingpin {
    static K: OnceLock<Kingpin> = OnceLock::new();
    K.get_or_init(|| {
        let (params, runs) = simulate("kingpin.toml", REPLICATES);
        assert!(!params.policy.kingpin.is_empty(), "kingpin.toml turns the kingpin lever on");
        let first =
            runs.iter()
                .map(|r| {
                    let e = r.months.iter().flat_map(|m| m.events.iter()).next().unwrap_or_else(|| {
                        panic!("replicate {} of kingpin.toml removed no leader", r.replicate)
                    });
                    (e.month as usize, e.regions.clone())
                })
                .collect();
        Kingpin { runs, first }
    })
}

/// Per replicate, `f(run, first removal month, affected regions)`.
fn per_removal(
    runs: &[ReplicateResult],
    k: &Kingpin,
    f: impl Fn(&ReplicateResult, usize, &[usize]) -> f64,
) -> Vec<f64> {
    runs.iter().zip(&k.first).map(|(r, (m0, regions))| f(r, *m0, regions)).collect()
}

fn national_sum(r: &ReplicateResult, metric: &str, from: usize, to: usize) -> f64 {
    let i = index_of(metric).unwrap();
    r.months[from..to].iter().map(|m| m.metrics.national[i]).sum()
}

fn need_months(r: &ReplicateResult, to: usize, what: &str) {
    assert!(r.months.len() >= to, "{what} needs {to} reported months, the run has {}", r.months.len());
}

/// Removals raise homicides in the two years after the first removal and raise the number
/// of active cartels (national, both paired against the baseline). Fails if either interval
/// reaches 0 or below, e.g. if splits did not create lasting cartels or shocks and
/// fragmentation did not raise violence.
#[test]
fn pattern1_kingpin_removals_raise_homicides_and_active_cartels() {
    let k = kingpin();
    let base = &baseline().1[..];
    // The shock enters next month's violence: the two years after a removal in month m0
    // are months m0 + 1 ..= m0 + 24.
    let window = |r: &ReplicateResult, m0: usize, metric: &str| {
        need_months(r, m0 + 25, "two years after the first removal");
        national_sum(r, metric, m0 + 1, m0 + 25)
    };
    let h = show(
        "pattern 1: national homicides, 24 months after the first removal",
        compare(
            &per_removal(base, k, |r, m0, _| window(r, m0, "homicides")),
            &per_removal(&k.runs, k, |r, m0, _| window(r, m0, "homicides")),
        ),
    );
    assert_rises("homicides in the two years after the first removal", &h);
    let c = show(
        "pattern 1: active cartels (monthly mean), 24 months after the first removal",
        compare(
            &per_removal(base, k, |r, m0, _| window(r, m0, "cartels_active") / 24.0),
            &per_removal(&k.runs, k, |r, m0, _| window(r, m0, "cartels_active") / 24.0),
        ),
    );
    assert_rises("active cartels in the two years after the first removal", &c);
    // The same at the end of the run, after the whole campaign (reported, and it must not
    // have reversed).
    let last = MONTHS as usize - 1;
    let c_end = show(
        "pattern 1: active cartels at the end of the run",
        compare(
            &total(base, "cartels_active", last, last + 1),
            &total(&k.runs, "cartels_active", last, last + 1),
        ),
    );
    assert_rises("active cartels at the end of the campaign", &c_end);
}

/// The size against the evidence: homicides in the regions where the first target held
/// territory (the event's regions), in the six months after the removal, rise by roughly a
/// third to double against the paired baseline (Calderón et al. 2015: +36.5% DTO violence in
/// six months; Lindo & Padilla-Romo: +80% for at least a year). The test asks that the rise
/// be significant and that its 95% interval, relative to the baseline's mean, overlap
/// [+1/3, +1]: it fails if the model's rise is clearly below a third (e.g. +15% [+5%, +25%])
/// or clearly above double (e.g. +150% [+120%, +180%]).
#[test]
fn pattern1_kingpin_homicide_rise_in_six_months_matches_the_evidence() {
    let k = kingpin();
    let base = &baseline().1[..];
    let six = |r: &ReplicateResult, m0: usize, regions: &[usize]| {
        need_months(r, m0 + 7, "six months after the first removal");
        sum_over(std::slice::from_ref(r), regions, "homicides", m0 + 1, m0 + 7)[0]
    };
    let e = show(
        "pattern 1: homicides in the target's regions, 6 months after the first removal",
        compare(&per_removal(base, k, six), &per_removal(&k.runs, k, six)),
    );
    // Reported beside it: the year after the first removal (Lindo & Padilla-Romo's "at
    // least twelve months"; the second removal falls inside it).
    let year = |r: &ReplicateResult, m0: usize, regions: &[usize]| {
        need_months(r, m0 + 13, "a year after the first removal");
        sum_over(std::slice::from_ref(r), regions, "homicides", m0 + 1, m0 + 13)[0]
    };
    show(
        "pattern 1: homicides in the target's regions, 12 months after the first removal",
        compare(&per_removal(base, k, year), &per_removal(&k.runs, k, year)),
    );
    assert_rises("homicides in the six months after the first removal", &e);
    let (lo, hi) = (e.lo / e.mean_a, e.hi / e.mean_a);
    assert!(
        hi >= 1.0 / 3.0 && lo <= 1.0,
        "the six-month rise after the first removal is {:+.1}% [{:+.1}%, {:+.1}%]; the evidence says \
         roughly +33% to +100% (Calderón et al. +36.5%, Lindo & Padilla-Romo +80%)",
        100.0 * e.relative,
        100.0 * lo,
        100.0 * hi
    );
}

/// The ranks refill: membership five years on (the twelve months centred on five years
/// after the first removal) is not lower than without the removals by more than 5%; the
/// lower end of the interval of the relative change must stay above −5%.
///
/// Why 5%: "a few percent" has to be well below what a policy that does shrink the cartels
/// achieves. Halving recruitment lowers membership by 10% five years on in Prieto-Curiel et
/// al.'s model (evidence.md, "Cartels as employers"), and doubling incapacitation changes it
/// by +6%; a campaign that cut membership by half as much as halving recruitment would
/// contradict the claim that the strategy "takes out the capos but leaves the ranks of poor
/// youth ready to ... replace them" (seed article). Fails if membership in that year is
/// more than 5% lower with the campaign, as it would be if the removals' violence kept
/// killing and deterring recruits faster than the door refills the ranks.
#[test]
fn pattern1_kingpin_membership_five_years_on_is_refilled() {
    let k = kingpin();
    let base = &baseline().1[..];
    let year5 = |r: &ReplicateResult, m0: usize, _: &[usize]| {
        need_months(r, m0 + 66, "the year around five years after the first removal");
        national_sum(r, "members", m0 + 54, m0 + 66) / 12.0
    };
    let e = show(
        "pattern 1: members, the year centred on five years after the first removal",
        compare(&per_removal(base, k, year5), &per_removal(&k.runs, k, year5)),
    );
    let lo = e.lo / e.mean_a;
    assert!(
        lo > -0.05,
        "membership five years on is {:+.1}% [{:+.1}%, {:+.1}%] against the baseline; the ranks should \
         refill to within 5%",
        100.0 * e.relative,
        100.0 * lo,
        100.0 * e.hi / e.mean_a
    );
}

// ---------------------------------------------------------------------------------------
// Pattern 5: police purge with and without a registry
// ---------------------------------------------------------------------------------------

/// A purge without registry raises corruption in the neighbours of the purged regions
/// (dismissed officers are rehired next door); with the registry, national corruption falls
/// further than without it. Corruption follows deterministic rules (7.4), so the
/// differences are the same in every replicate; the intervals then have zero width and the
/// sign decides. Fails if rehiring does not reach the neighbours, or if the registry did
/// not lower national corruption below the no-registry purge.
#[test]
fn pattern5_purge_without_registry_raises_neighbours_corruption_registry_lowers_national() {
    let (pa, _) = baseline();
    let a = base_first(FEWER as usize);
    let (p, no_registry) = simulate("police_reform.toml", FEWER);
    let (pr, registry) = simulate("police_reform_registry.toml", FEWER);
    let lever = p.policy.police_reform.first().expect("police_reform.toml turns the purge on");
    assert!(!lever.p.registry && lever.p.purge > 0.0, "police_reform.toml is a purge without registry");
    assert!(pr.policy.police_reform.first().is_some_and(|l| l.p.registry), "the registry file has one");
    let purged = lever_regions(&lever.schedule);
    let nb = neighbours_of(&p, &purged);
    assert!(!nb.is_empty(), "the purged regions ({}) need neighbours", names(&p, &purged));
    // The five years from the purge's start.
    let from = lever.schedule.start_month as usize;
    let to = (from + 60).min(MONTHS as usize);

    let purged_effect = show(
        &format!("pattern 5: corruption in the purged regions ({})", names(&p, &purged)),
        compare(
            &level_over(pa, a, &purged, "corruption", from, to),
            &level_over(&p, &no_registry, &purged, "corruption", from, to),
        ),
    );
    assert_falls("corruption in the purged regions", &purged_effect);
    for &r in &nb {
        let e = show(
            &format!("pattern 5: corruption in neighbour {}, purge without registry", p.regions[r].name),
            compare(
                &level_over(pa, a, &[r], "corruption", from, to),
                &level_over(&p, &no_registry, &[r], "corruption", from, to),
            ),
        );
        assert_rises(
            &format!("corruption in {} after a purge next door without registry", p.regions[r].name),
            &e,
        );
    }
    let with = show(
        "pattern 5: national corruption, registry − no registry",
        compare(
            &mean_over(&no_registry, "corruption", from, to),
            &mean_over(&registry, "corruption", from, to),
        ),
    );
    assert_falls("national corruption with the registry against without", &with);
    // Reported: both against the baseline.
    show(
        "pattern 5: national corruption, purge without registry − baseline",
        compare(&mean_over(a, "corruption", from, to), &mean_over(&no_registry, "corruption", from, to)),
    );
    show(
        "pattern 5: national corruption, purge with registry − baseline",
        compare(&mean_over(a, "corruption", from, to), &mean_over(&registry, "corruption", from, to)),
    );
}

// ---------------------------------------------------------------------------------------
// Pattern 6: the balloon effect
// ---------------------------------------------------------------------------------------

/// More enforcement in one region displaces membership and violence to its neighbours:
/// over the five years after the surge starts, the neighbours (of the surged regions, read
/// from the scenario) have more members, a higher violence index V and more homicides than
/// in the paired baseline, while the surged regions have fewer members. Fails if
/// displacement (7.1) did not move demand next door or the extra demand did not turn into
/// members and violence there.
#[test]
fn pattern6_enforcement_surge_displaces_membership_and_violence_to_neighbours() {
    let (pa, _) = baseline();
    let a = base_first(SURGE_REPLICATES as usize);
    let (p, b) = simulate("enforcement_surge.toml", SURGE_REPLICATES);
    let lever = p.policy.policing.first().expect("enforcement_surge.toml turns policing on");
    let surged = lever_regions(&lever.schedule);
    let nb = neighbours_of(&p, &surged);
    assert!(
        !nb.is_empty(),
        "the surged regions ({}) need neighbours that are not surged",
        names(&p, &surged)
    );
    let from = lever.schedule.start_month as usize;
    let to = (from + 60).min(MONTHS as usize);
    let (s, n) = (names(&p, &surged), names(&p, &nb));

    let own = show(
        &format!("pattern 6: members in the surged regions ({s})"),
        compare(&stock_over(a, &surged, "members", from, to), &stock_over(&b, &surged, "members", from, to)),
    );
    assert_falls("membership in the surged regions", &own);
    let m = show(
        &format!("pattern 6: members in the neighbours ({n})"),
        compare(&stock_over(a, &nb, "members", from, to), &stock_over(&b, &nb, "members", from, to)),
    );
    assert_rises("membership in the neighbours of the surge", &m);
    let v = show(
        &format!("pattern 6: violence V in the neighbours ({n})"),
        compare(
            &level_over(pa, a, &nb, "violence", from, to),
            &level_over(&p, &b, &nb, "violence", from, to),
        ),
    );
    assert_rises("violence in the neighbours of the surge", &v);
    let h = show(
        &format!("pattern 6: homicides in the neighbours ({n})"),
        compare(&sum_over(a, &nb, "homicides", from, to), &sum_over(&b, &nb, "homicides", from, to)),
    );
    assert_rises("homicides in the neighbours of the surge", &h);
    // Reported: the surged regions' own violence and homicides (the army adds violence
    // there while members fall) and the national totals.
    show(
        &format!("pattern 6: homicides in the surged regions ({s})"),
        compare(&sum_over(a, &surged, "homicides", from, to), &sum_over(&b, &surged, "homicides", from, to)),
    );
    show(
        "pattern 6: national members",
        compare(&mean_over(a, "members", from, to), &mean_over(&b, "members", from, to)),
    );
    show(
        "pattern 6: national homicides",
        compare(&total(a, "homicides", from, to), &total(&b, "homicides", from, to)),
    );
}

// ---------------------------------------------------------------------------------------
// Pattern 7: public space (Medellín)
// ---------------------------------------------------------------------------------------

/// Public-space investment raises collective efficacy and lowers homicides in the regions
/// that receive it, over the five years after it starts. Fails if investment did not raise
/// CE (7.5) or higher CE did not lower homicides (through the shield, stigma and the
/// civilian-homicide factor).
#[test]
fn pattern7_public_space_raises_collective_efficacy_and_lowers_homicides() {
    let (pa, _) = baseline();
    let a = base_first(FEWER as usize);
    let (p, b) = simulate("public_space.toml", FEWER);
    let lever = p.policy.public_space.first().expect("public_space.toml turns public_space on");
    let regions = lever_regions(&lever.schedule);
    let from = lever.schedule.start_month as usize;
    let to = (from + 60).min(MONTHS as usize);
    let ce = show(
        &format!("pattern 7: collective efficacy in {}", names(&p, &regions)),
        compare(
            &level_over(pa, a, &regions, "collective_efficacy", from, to),
            &level_over(&p, &b, &regions, "collective_efficacy", from, to),
        ),
    );
    assert_rises("collective efficacy with public-space investment", &ce);
    let h = show(
        &format!("pattern 7: homicides in {}", names(&p, &regions)),
        compare(
            &sum_over(a, &regions, "homicides", from, to),
            &sum_over(&b, &regions, "homicides", from, to),
        ),
    );
    assert_falls("homicides with public-space investment", &h);
    // Reported: the fifth year alone (Cerdá et al.'s comparison is over five years).
    show(
        "pattern 7: homicides, fifth year of investment",
        compare(
            &sum_over(a, &regions, "homicides", to - 12, to),
            &sum_over(&b, &regions, "homicides", to - 12, to),
        ),
    );
    show(
        "pattern 7: members",
        compare(
            &stock_over(a, &regions, "members", from, to),
            &stock_over(&b, &regions, "members", from, to),
        ),
    );
}

// ---------------------------------------------------------------------------------------
// Pattern 8: consumer-country demand
// ---------------------------------------------------------------------------------------

/// Lower consumer-country demand lowers membership and recruitment in the regions where it
/// applies, over the five years after it starts. Fails if the lower labour demand (7.1) did
/// not narrow the door (fewer contacts, lower wage) enough to lower both.
#[test]
fn pattern8_lower_demand_lowers_membership_and_recruitment() {
    let a = base_first(FEWER as usize);
    let (p, b) = simulate("demand_reduction.toml", FEWER);
    let lever = p.policy.demand.first().expect("demand_reduction.toml turns demand on");
    assert!(lever.p.reduction > 0.0, "demand_reduction.toml lowers demand");
    let regions = lever_regions(&lever.schedule);
    let from = lever.schedule.start_month as usize;
    let to = (from + 60).min(MONTHS as usize);
    let n = names(&p, &regions);
    let m = show(
        &format!("pattern 8: members in {n}"),
        compare(
            &stock_over(a, &regions, "members", from, to),
            &stock_over(&b, &regions, "members", from, to),
        ),
    );
    assert_falls("membership with lower demand", &m);
    let r = show(
        &format!("pattern 8: recruits in {n}"),
        compare(&sum_over(a, &regions, "recruits", from, to), &sum_over(&b, &regions, "recruits", from, to)),
    );
    assert_falls("recruitment with lower demand", &r);
    show(
        &format!("pattern 8: homicides in {n}"),
        compare(
            &sum_over(a, &regions, "homicides", from, to),
            &sum_over(&b, &regions, "homicides", from, to),
        ),
    );
}
