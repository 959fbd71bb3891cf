//! Patterns 2, 3, 4 and 9 of MODEL.md section 9 (the "other doors" of issue 4) as
//! statistical tests over replicates on the bundled scenarios, plus the budget check of
//! `smart_on_crime.toml` against `merida_2008.toml`.
//!
//! Method. Replicate r of two scenarios with the same seed shares its random streams
//! (common random numbers), so scenarios are compared pair by pair: a paired 95% Student t
//! interval of the per-replicate difference must exclude 0 in the predicted direction.
//! Tolerances come from the runs' own standard errors; no expected output is hard-coded,
//! and no region is named: each assertion is about a mechanism (a lever, its door, its
//! outcome), so that the tests hold on another country's baseline for the right reason.
//! Every test prints its measured effects (`cargo test --release --test integration patterns_doors:: --
//! --nocapture`) and says in a comment what would make it fail.

use crate::common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::common::{bundled, compare, total};
use narcodoor::engine::ReplicateResult;
use narcodoor::model::metrics::index_of;
use narcodoor::model::params::Params;
use narcodoor::numerics::stats::{CostEffectStatus, PairedEffect, cost_per_unit_averted, mean_ci};
use narcodoor::scenario::Overrides;

/// Replicates of the baseline and of the scenarios of patterns 2 and 9. With common random
/// numbers the paired intervals are narrow; the growth of the scholarships' effect (about
/// two recruits a year, replicate sd about 1.7) needs about twenty pairs to be sure of it.
const REPS: u32 = 20;
/// Ten reported years of the baseline: pattern 9 asks for ten years; the other patterns
/// read the first months of the same runs (a shorter run is the prefix of a longer one).
const MONTHS: u32 = 120;
/// Five years for the scenarios whose patterns need only those.
const FIVE_YEARS: u32 = 60;
/// Worker threads per run (results do not depend on it).
const THREADS: usize = 2;

type Runs = Arc<Vec<ReplicateResult>>;

/// Runs of bundled scenarios, shared between the tests of this file (the baseline is
/// needed by three of them). Each entry is computed once, by the first test that asks.
fn cached(key: &str, make: impl FnOnce() -> Params) -> Runs {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<OnceLock<Runs>>>>> = OnceLock::new();
    let cell = {
        let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
        map.entry(key.to_string()).or_default().clone()
    };
    cell.get_or_init(|| {
        let t0 = std::time::Instant::now();
        let params = make();
        let out = Arc::new(common::run(&params, THREADS));
        println!(
            "[ran {key}: {} replicates × {} months of {} youths in {:.1} s]",
            params.run.replicates,
            params.run.months,
            params.total_youths(),
            t0.elapsed().as_secs_f64()
        );
        out
    })
    .clone()
}

fn overrides(months: u32, reps: u32) -> Overrides {
    Overrides { youths: None, months: Some(months), replicates: Some(reps), seed: None }
}

/// A bundled scenario over the standard horizon.
fn scenario(name: &str) -> Runs {
    scenario_for(name, MONTHS, REPS)
}

/// A bundled scenario over `months` with `reps` replicates.
fn scenario_for(name: &str, months: u32, reps: u32) -> Runs {
    cached(&format!("{name}/{months}x{reps}"), || bundled(name, overrides(months, reps)))
}

/// A national metric averaged over months [from, to) of each replicate.
fn mean_over(r: &[ReplicateResult], metric: &str, from: usize, to: usize) -> Vec<f64> {
    total(r, metric, from, to).into_iter().map(|x| x / (to - from) as f64).collect()
}

fn show(label: &str, e: &PairedEffect) {
    // Shares get four decimals, counts and pesos one or two.
    let (p, q) = if e.mean_a.abs().max(e.mean_b.abs()) < 1.0 { (4, 4) } else { (1, 2) };
    println!(
        "  {label:44} {:>12.p$} → {:>12.p$}   diff {:>+11.q$} [{:+.q$}, {:+.q$}]   {:+.1}%",
        e.mean_a,
        e.mean_b,
        e.diff,
        e.lo,
        e.hi,
        100.0 * e.relative
    );
}

/// The paired effect b − a must be significantly negative (interval below 0).
fn assert_lower(label: &str, e: &PairedEffect) {
    assert!(e.hi < 0.0, "{label}: expected a fall, got {:+.3} [{:+.3}, {:+.3}]", e.diff, e.lo, e.hi);
}

/// The paired effect b − a must be significantly positive (interval above 0).
fn assert_higher(label: &str, e: &PairedEffect) {
    assert!(e.lo > 0.0, "{label}: expected a rise, got {:+.3} [{:+.3}, {:+.3}]", e.diff, e.lo, e.hi);
}

// ---------------------------------------------------------------------------------------
// Pattern 2: scholarships
// ---------------------------------------------------------------------------------------

/// Pattern 2. Scholarships for poor students lower recruitment, with an effect that grows
/// over the first years as the covered cohorts stay in school; the cost per recruit averted
/// is finite and reported.
///
/// Measured (paired, baseline → scholarships.toml): recruits over the first five years; the
/// recruits averted per year in years 4–5 against year 1 (their per-replicate contrast must
/// be significantly positive); the school stock in year 5 (the mechanism: students who
/// would have dropped out are still in school); extra spending / recruits averted over five
/// years, with Fieller's interval.
/// Would fail if: scholarships did not cut dropout or did not raise the value of school
/// (no fall in recruits, no rise in the school stock); the effect were immediate and flat
/// (say, a lever that acted only on the contact odds); the cartels' refilling of their
/// ranks undid it; the cost were not booked (ratio 0) or nothing were averted (no ratio).
#[test]
fn pattern2_scholarships_lower_recruitment_more_as_cohorts_stay_in_school() {
    // The growth must come from the cohorts, not from a phase-in.
    let p = bundled("scholarships.toml", overrides(MONTHS, REPS));
    let lever = p.policy.scholarships.first().expect("scholarships.toml turns scholarships on");
    assert_eq!(lever.schedule.ramp_months, 0, "pattern 2 needs the lever at full strength from its start");
    let start = lever.schedule.start_month as usize;
    assert!(start + 60 <= MONTHS as usize);
    let base = scenario("baseline.toml");
    let sch = scenario_for("scholarships.toml", (start + 60) as u32, REPS);

    println!("Pattern 2: baseline → scholarships ({REPS} paired replicates; lever from month {start})");
    let five =
        compare(&total(&base, "recruits", start, start + 60), &total(&sch, "recruits", start, start + 60));
    show("recruits, years 1–5", &five);
    let y1a = total(&base, "recruits", start, start + 12);
    let y1b = total(&sch, "recruits", start, start + 12);
    let y45a = total(&base, "recruits", start + 36, start + 60);
    let y45b = total(&sch, "recruits", start + 36, start + 60);
    let year1 = compare(&y1a, &y1b);
    let years45 = compare(
        &y45a.iter().map(|x| x / 2.0).collect::<Vec<_>>(),
        &y45b.iter().map(|x| x / 2.0).collect::<Vec<_>>(),
    );
    show("recruits, year 1", &year1);
    show("recruits per year, years 4–5", &years45);
    // Averted per year in years 4–5 minus averted in year 1, replicate by replicate.
    let growth: Vec<f64> = (0..base.len()).map(|i| (y45a[i] - y45b[i]) / 2.0 - (y1a[i] - y1b[i])).collect();
    let g = mean_ci(&growth, 0.95);
    println!(
        "  growth of the effect (averted/yr in years 4–5 − averted in year 1): {:+.2} [{:+.2}, {:+.2}]",
        g.mean, g.lo, g.hi
    );
    let school = compare(
        &mean_over(&base, "school", start + 48, start + 60),
        &mean_over(&sch, "school", start + 48, start + 60),
    );
    show("youths in school, year 5 (mean stock)", &school);
    let minors = compare(
        &total(&base, "minor_recruits", start, start + 60),
        &total(&sch, "minor_recruits", start, start + 60),
    );
    show("minor recruits, years 1–5", &minors);

    // Cost per recruit averted over the five years (Fieller interval).
    let ca = total(&base, "spending_total", start, start + 60);
    let cb = total(&sch, "spending_total", start, start + 60);
    let ra = total(&base, "recruits", start, start + 60);
    let rb = total(&sch, "recruits", start, start + 60);
    let cost: Vec<f64> = cb.iter().zip(&ca).map(|(b, a)| b - a).collect();
    let averted: Vec<f64> = ra.iter().zip(&rb).map(|(a, b)| a - b).collect();
    let ce = cost_per_unit_averted(&cost, &averted, 0.95).unwrap();
    println!(
        "  cost per recruit averted, years 1–5: {:.3e} pesos [{:.3e}, {:.3e}] ({:.3e} pesos for {:.1} recruits averted per replicate; {:?})",
        ce.ratio, ce.lo, ce.hi, ce.extra_cost, ce.averted, ce.status
    );

    assert_lower("recruits over five years", &five);
    assert_higher("school stock in year 5", &school);
    assert!(g.lo > 0.0, "the effect does not grow: {:+.2} [{:+.2}, {:+.2}]", g.mean, g.lo, g.hi);
    assert_eq!(ce.status, CostEffectStatus::Averted, "{ce:?}");
    assert!(ce.ratio.is_finite() && ce.ratio > 0.0 && ce.hi.is_finite(), "{ce:?}");
}

// ---------------------------------------------------------------------------------------
// Pattern 3: juvenile law
// ---------------------------------------------------------------------------------------

/// Minor recruits / recruits over months [from, to) of each replicate.
fn minor_share(r: &[ReplicateResult], from: usize, to: usize) -> Vec<f64> {
    let m = total(r, "minor_recruits", from, to);
    let a = total(r, "recruits", from, to);
    m.iter().zip(&a).map(|(m, a)| m / a).collect()
}

/// Pattern 3. A lenient juvenile sentence ratio raises the share of minors among recruits.
///
/// Measured (paired, juvenile_strict.toml → juvenile_lenient.toml): the share of minors
/// among recruits over the first five years, and its two channels' outcome, the number of
/// minor recruits.
/// Would fail if: the juvenile ratio did not reach the contact weights of 15–17-year-olds
/// (minor_preference) nor their expected prison cost in the choice, or it were applied to
/// adults too; or if the two scenario files stopped differing in the ratio.
#[test]
fn pattern3_lenient_juvenile_law_raises_the_share_of_minors_among_recruits() {
    let pl = bundled("juvenile_lenient.toml", overrides(MONTHS, REPS));
    let ps = bundled("juvenile_strict.toml", overrides(MONTHS, REPS));
    let ratio =
        |p: &Params| p.policy.juvenile_law.first().expect("juvenile_law on").p.juvenile_sentence_ratio;
    assert!(ratio(&pl) < ratio(&ps), "the lenient file must have the lower ratio");
    // A strong effect: twelve pairs over five years suffice.
    for p in [&pl, &ps] {
        let l = p.policy.juvenile_law.first().unwrap();
        assert_eq!(
            (l.schedule.start_month, l.schedule.ramp_months),
            (0, 0),
            "the five years are counted from month 0"
        );
    }
    let lenient = scenario_for("juvenile_lenient.toml", FIVE_YEARS, 12);
    let strict = scenario_for("juvenile_strict.toml", FIVE_YEARS, 12);
    let base = scenario("baseline.toml");
    let (from, to) = (0, FIVE_YEARS as usize);

    println!(
        "Pattern 3: juvenile_strict (ratio {}) → juvenile_lenient (ratio {}) (12 paired replicates, months {from}–{to})",
        ratio(&ps),
        ratio(&pl)
    );
    let share = compare(&minor_share(&strict, from, to), &minor_share(&lenient, from, to));
    show("share of minors among recruits", &share);
    let minors =
        compare(&total(&strict, "minor_recruits", from, to), &total(&lenient, "minor_recruits", from, to));
    show("minor recruits", &minors);
    let all = compare(&total(&strict, "recruits", from, to), &total(&lenient, "recruits", from, to));
    show("all recruits", &all);
    let b = mean_ci(&minor_share(&base, from, to), 0.95);
    println!(
        "  (baseline, ratio {}: share of minors {:.4} [{:.4}, {:.4}])",
        bundled("baseline.toml", overrides(12, 1)).justice.juvenile_sentence_ratio,
        b.mean,
        b.lo,
        b.hi
    );

    assert_higher("share of minors among recruits", &share);
    assert_higher("minor recruits", &minors);
}

// ---------------------------------------------------------------------------------------
// Pattern 4: asset forfeiture
// ---------------------------------------------------------------------------------------

/// Pattern 4. Cash seizure raises local consumption; vehicle seizure raises car thefts.
///
/// Measured (paired, over five years): baseline → asset_forfeiture.toml for consumption
/// and car thefts; then each channel alone (cash only, vehicles only) to show that each
/// seizure drives its own outcome and not the other; then the lever restricted to one
/// region (the one with the most members at baseline, found from the run) to show that
/// consumption rises where the members are paid in product and nowhere else ("local").
/// Would fail if: payment in product did not reach consumption, vehicle seizure did not
/// reach car thefts, a channel leaked into the other outcome, or the lever's regions were
/// ignored.
#[test]
fn pattern4_cash_seizure_raises_local_consumption_and_vehicle_seizure_car_thefts() {
    // Three years and four pairs: the outcomes are 0 without the lever.
    const R: u32 = 4;
    const M: u32 = 36;
    let base = scenario("baseline.toml");
    let base = &base[..R as usize];
    let full = scenario_for("asset_forfeiture.toml", M, R);
    let forfeiture = |cash: Option<f64>, vehicles: Option<f64>, region: Option<usize>| {
        let mut p = bundled("asset_forfeiture.toml", overrides(M, R));
        let l = p.policy.asset_forfeiture.first_mut().expect("asset_forfeiture.toml turns the lever on");
        if let Some(c) = cash {
            l.p.cash_seizure = c;
        }
        if let Some(v) = vehicles {
            l.p.vehicle_seizure = v;
        }
        if let Some(r) = region {
            l.schedule.regions.iter_mut().enumerate().for_each(|(i, on)| *on = i == r);
        }
        p
    };
    let p = bundled("asset_forfeiture.toml", overrides(M, R));
    let lever = &p.policy.asset_forfeiture.first().unwrap().p;
    assert!(lever.cash_seizure > 0.0 && lever.vehicle_seizure > 0.0, "the scenario must seize both");
    let m = M as usize;

    println!("Pattern 4: asset forfeiture ({R} paired replicates, {M} months)");
    let cons = compare(&total(base, "consumption", 0, m), &total(&full, "consumption", 0, m));
    let cars = compare(&total(base, "car_thefts", 0, m), &total(&full, "car_thefts", 0, m));
    show("consumption (doses), baseline → forfeiture", &cons);
    show("car thefts, baseline → forfeiture", &cars);
    assert_higher("consumption", &cons);
    assert_higher("car thefts", &cars);

    let cash_only = cached("forfeiture/cash-only", || forfeiture(None, Some(0.0), None));
    let vehicles_only = cached("forfeiture/vehicles-only", || forfeiture(Some(0.0), None, None));
    let c1 = compare(&total(base, "consumption", 0, m), &total(&cash_only, "consumption", 0, m));
    let c2 = compare(&total(base, "car_thefts", 0, m), &total(&cash_only, "car_thefts", 0, m));
    let v1 = compare(&total(base, "car_thefts", 0, m), &total(&vehicles_only, "car_thefts", 0, m));
    let v2 = compare(&total(base, "consumption", 0, m), &total(&vehicles_only, "consumption", 0, m));
    show("cash seizure only: consumption", &c1);
    show("cash seizure only: car thefts", &c2);
    show("vehicle seizure only: car thefts", &v1);
    show("vehicle seizure only: consumption", &v2);
    assert_higher("consumption with cash seizure only", &c1);
    assert_higher("car thefts with vehicle seizure only", &v1);
    assert_eq!((c2.diff, c2.mean_b), (0.0, 0.0), "cash seizure alone must not create car thefts");
    assert_eq!((v2.diff, v2.mean_b), (0.0, 0.0), "vehicle seizure alone must not create consumption");

    // Local: the lever in the region with the most members only.
    let members = index_of("members").unwrap();
    let nr = p.regions.len();
    let mean_members: Vec<f64> = (0..nr)
        .map(|r| {
            base.iter().flat_map(|rep| rep.months.iter().map(move |mo| mo.metrics.regions[r][members])).sum()
        })
        .collect();
    let target = (0..nr).max_by(|&a, &b| mean_members[a].total_cmp(&mean_members[b])).unwrap();
    let local = cached("forfeiture/local", || forfeiture(None, None, Some(target)));
    for r in 0..nr {
        let e = compare(
            &common::region_total(base, r, "consumption", 0, m),
            &common::region_total(&local, r, "consumption", 0, m),
        );
        show(&format!("lever in {} only: consumption in {}", p.regions[target].name, p.regions[r].name), &e);
        if r == target {
            assert_higher("consumption where the lever acts", &e);
        } else {
            assert_eq!(
                e.mean_b, 0.0,
                "consumption rose in {}, outside the lever's region",
                p.regions[r].name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pattern 9: recruitment cut against doubled arrests
// ---------------------------------------------------------------------------------------

/// Pattern 9. Cutting recruitment (scholarships + youth jobs, recruitment_cut.toml) and
/// doubling arrests (double_arrests.toml) both lower membership; report which lowers
/// homicides more over ten years, beside Prieto-Curiel et al. 2023 (five years on, against
/// their status quo: recruitment ×½ −46% deaths, incapacitation ×2 −25%; evidence.md gives
/// the same run against 2022 levels: status quo +36% deaths, incapacitation doubled +2%,
/// recruitment halved −26%, i.e. 1.02/1.36 − 1 = −25% and 0.74/1.36 − 1 = −46%).
///
/// Measured (paired against the baseline): mean membership over the ten years and in year
/// 10; homicides over ten years; member deaths and homicides in year 5 (their "five years
/// on"); recruits in year 1 and over ten years (what the levers achieve); spending.
/// Would fail if: the prevention levers did not lower the odds of joining (no fall in
/// membership), or arrests did not remove members faster than the cartels refill them.
#[test]
fn pattern9_recruitment_cut_and_doubled_arrests_both_lower_membership() {
    // The ten years are counted from month 0, when both policies start.
    let pc = bundled("recruitment_cut.toml", overrides(MONTHS, REPS));
    let pa = bundled("double_arrests.toml", overrides(MONTHS, REPS));
    let starts = [
        pc.policy.scholarships.first().map(|l| l.schedule.start_month),
        pc.policy.youth_jobs.first().map(|l| l.schedule.start_month),
        pa.policy.policing.first().map(|l| l.schedule.start_month),
    ];
    assert_eq!(starts, [Some(0); 3], "scholarships, youth jobs and policing must all start at month 0");
    let base = scenario("baseline.toml");
    let cut = scenario("recruitment_cut.toml");
    let arrests = scenario("double_arrests.toml");
    let m = MONTHS as usize;
    let mut homicides = Vec::new();
    println!("Pattern 9 ({REPS} paired replicates, {MONTHS} months, against the baseline)");
    for (name, runs) in [("recruitment_cut", &cut), ("double_arrests", &arrests)] {
        println!(" {name}:");
        let members = compare(&mean_over(&base, "members", 0, m), &mean_over(runs, "members", 0, m));
        show("members, mean over ten years", &members);
        let last = compare(&mean_over(&base, "members", m - 12, m), &mean_over(runs, "members", m - 12, m));
        show("members, mean of year 10", &last);
        let h = compare(&total(&base, "homicides", 0, m), &total(runs, "homicides", 0, m));
        show("homicides over ten years", &h);
        let d5 = compare(&total(&base, "member_deaths", 48, 60), &total(runs, "member_deaths", 48, 60));
        show("member deaths in year 5 (five years on)", &d5);
        let h5 = compare(&total(&base, "homicides", 48, 60), &total(runs, "homicides", 48, 60));
        show("homicides in year 5", &h5);
        let r1 = compare(&total(&base, "recruits", 0, 12), &total(runs, "recruits", 0, 12));
        show("recruits in year 1", &r1);
        let r10 = compare(&total(&base, "recruits", 0, m), &total(runs, "recruits", 0, m));
        show("recruits over ten years", &r10);
        let s = mean_ci(&total(runs, "spending_total", 0, m), 0.95);
        println!("  spending over ten years: {:.4e} pesos ({:.1} per inhabitant per month)", s.mean, {
            let pop: f64 =
                bundled("baseline.toml", overrides(12, 1)).regions.iter().map(|r| r.population()).sum();
            s.mean / m as f64 / pop
        });
        assert_lower(&format!("{name}: membership over ten years"), &members);
        assert_lower(&format!("{name}: membership in year 10"), &last);
        homicides.push(total(runs, "homicides", 0, m));
    }
    let vs = compare(&homicides[0], &homicides[1]);
    show("homicides over ten years: recruitment_cut → double_arrests", &vs);
    let verdict = if vs.hi < 0.0 {
        "doubling arrests lowers homicides more"
    } else if vs.lo > 0.0 {
        "the recruitment cut lowers homicides more"
    } else {
        "the two are not distinguishable"
    };
    println!(
        "  over ten years, {verdict} (Prieto-Curiel et al., five years on: recruitment ×½ −46% deaths, arrests ×2 −25%)"
    );
}

// ---------------------------------------------------------------------------------------
// Budgets: smart on crime spends what Mérida spent
// ---------------------------------------------------------------------------------------

/// `smart_on_crime.toml` is sized to spend, over the horizon, within 5% of
/// `merida_2008.toml`. Checked from the runs' `spending_total` over the scenarios' own
/// horizon (run.months): the paired 95% interval of the relative difference must lie inside
/// ±5%. Spending hardly varies between replicates (policing and public space are per
/// capita, kingpin operations follow the calendar, placements fill their slots); the
/// scholarships' cost follows the number of holders still in school.
/// Would fail if: either file's levers change size, a lever's cost is mis-booked, or the
/// baseline changes (another country): the message then says what public-space budget
/// would close the gap.
#[test]
fn smart_on_crime_spends_within_five_percent_of_merida() {
    const R: u32 = 3;
    let months = bundled("merida_2008.toml", Overrides::default()).run.months;
    assert_eq!(months, bundled("smart_on_crime.toml", Overrides::default()).run.months);
    let merida = cached("merida_2008.toml/budget", || bundled("merida_2008.toml", overrides(months, R)));
    let smart = cached("smart_on_crime.toml/budget", || bundled("smart_on_crime.toml", overrides(months, R)));
    let m = months as usize;
    let a = total(&merida, "spending_total", 0, m);
    let b = total(&smart, "spending_total", 0, m);
    let rel: Vec<f64> = a.iter().zip(&b).map(|(a, b)| b / a - 1.0).collect();
    let ci = mean_ci(&rel, 0.95);
    println!("Budgets over {months} months ({R} replicates):");
    println!("  merida_2008     {:.4e} pesos", mean_ci(&a, 0.95).mean);
    println!("  smart_on_crime  {:.4e} pesos", mean_ci(&b, 0.95).mean);
    println!(
        "  smart / merida − 1 = {:+.2}% [{:+.2}%, {:+.2}%]",
        100.0 * ci.mean,
        100.0 * ci.lo,
        100.0 * ci.hi
    );
    for lever in ["scholarships", "youth_jobs", "public_space", "policing", "kingpin"] {
        let name = format!("spending_{lever}");
        println!(
            "    {name:24} merida {:.3e}   smart {:.3e}",
            mean_ci(&total(&merida, &name, 0, m), 0.95).mean,
            mean_ci(&total(&smart, &name, 0, m), 0.95).mean
        );
    }
    // What the same money buys (reported, not asserted: the claim is for students to judge).
    let h = compare(&total(&merida, "homicides", 0, m), &total(&smart, "homicides", 0, m));
    show("homicides over the horizon, merida → smart", &h);
    let mm = compare(&mean_over(&merida, "members", 0, m), &mean_over(&smart, "members", 0, m));
    show("members, mean over the horizon, merida → smart", &mm);
    let p = bundled("smart_on_crime.toml", overrides(months, R));
    let pop: f64 = p.regions.iter().map(|r| r.population()).sum();
    let gap = mean_ci(&a, 0.95).mean - mean_ci(&b, 0.95).mean;
    let per_capita = p.policy.public_space.first().map_or(0.0, |l| l.p.per_capita);
    let hint = format!(
        "smart_on_crime.toml spends {:+.2}% [{:+.2}%, {:+.2}%] against merida_2008.toml; setting \
         policy.public_space.per_capita to {:.2} (now {per_capita}) would close the gap",
        100.0 * ci.mean,
        100.0 * ci.lo,
        100.0 * ci.hi,
        per_capita + gap / (pop * months as f64)
    );
    assert!(ci.lo > -0.05 && ci.hi < 0.05, "{hint}");
}
