//! Unit-level tests of the levers of issue 4 (MODEL.md 6.1 scholarships, 6.2 youth jobs,
//! 6.7 juvenile law, 6.8 asset forfeiture) and of the common lever schedule (start, end,
//! regions, ramp), through the library: a tiny hand-built scenario is stepped month by
//! month with `engine::Replicate`, and the youths before and after each month are compared
//! with what the rules say.
//!
//! Each test names, in a comment, the kind of bug that would make it fail.

use crate::common;

use std::path::Path;

use narcodoor::engine::{MonthReport, Replicate};
use narcodoor::model::metrics::index_of;
use narcodoor::model::params::{AGE_ADULT, AGE_EXIT, Params};
use narcodoor::model::policy::{LeversNow, round_half_up};
use narcodoor::model::state::{Youths, flag, status};
use narcodoor::scenario::load_str;

/// A tiny country: two regions of 2,000 youths (A and B), one cartel present in both, a
/// short burn-in. `levers` is appended verbatim (the `[policy.*]` tables of the test).
fn tiny(levers: &str) -> Params {
    tiny_with(levers, "demand = 0.03\ninitial_members = 0.01")
}

/// `tiny` with other keys for region B (its demand and initial members by default).
fn tiny_with(levers: &str, region_b: &str) -> Params {
    let text = format!(
        r#"
[run]
name = "tiny"
months = 30
burn_in_months = 12
replicates = 1
seed = 7

[population]
youths = 4000

[[region]]
name = "A"
share = 0.5
neighbours = ["B"]

[[region]]
name = "B"
share = 0.5
{region_b}

[[cartel]]
name = "K"
territory = {{ A = 0.8, B = 0.8 }}

{levers}
"#
    );
    load_str(&text, Path::new("tiny.toml")).unwrap_or_else(|e| panic!("{e}")).params
}

/// One simulated month: the youths at its start, at its end, and its report.
struct Month {
    t: i64,
    before: Youths,
    after: Youths,
    report: Option<MonthReport>,
}

impl Month {
    /// The slot was recycled this month (death or ageing out): a newcomer aged 144.
    fn recycled(&self, i: usize) -> bool {
        self.after.age[i] != self.before.age[i] + 1
    }

    fn metric(&self, name: &str) -> f64 {
        self.report.as_ref().expect("a reported month").metrics.national[index_of(name).unwrap()]
    }

    fn region_metric(&self, r: usize, name: &str) -> f64 {
        self.report.as_ref().expect("a reported month").metrics.regions[r][index_of(name).unwrap()]
    }
}

/// Simulates every month of replicate 0 (burn-in included) and calls `f` after each.
fn for_each_month(params: &Params, f: impl FnMut(&Replicate, &Month)) {
    for_each_month_of(params, 0, f)
}

/// As `for_each_month`, for replicate `replicate`.
fn for_each_month_of(params: &Params, replicate: u32, mut f: impl FnMut(&Replicate, &Month)) {
    let mut rep = Replicate::new(params, replicate, false);
    for _ in 0..rep.total_steps() {
        let t = rep.next_month();
        let before = rep.world.youths.clone();
        let report = rep.step();
        let month = Month { t, before, after: rep.world.youths.clone(), report };
        f(&rep, &month);
    }
}

fn region_of(rep: &Replicate, i: usize) -> usize {
    let s = &rep.world.layout.start;
    (0..s.len() - 1).find(|&r| i < s[r + 1]).unwrap()
}

fn has(flags: u8, f: u8) -> bool {
    flags & f != 0
}

/// |x − n p| within 5 binomial standard deviations (and at least 1).
fn binomial_ok(x: usize, n: usize, p: f64) -> bool {
    let sd = (n as f64 * p * (1.0 - p)).sqrt().max(0.2);
    (x as f64 - n as f64 * p).abs() <= 5.0 * sd
}

// ---------------------------------------------------------------------------------------
// 6.1 Scholarships
// ---------------------------------------------------------------------------------------

/// The lottery: a youth draws once, the first month it is poor and in School while the
/// lever is active, and wins with probability `coverage`; a holder keeps the scholarship
/// until its slot is recycled, whatever happens to it meanwhile.
/// Fails if: non-poor youths or youths out of school draw; anyone draws before start_month,
/// from end_month on, or twice; a drawn youth's result changes; a holder loses the flag on
/// dropout, graduation, recruitment or prison; a newcomer inherits it; the share of winners
/// is not the coverage.
#[test]
fn scholarship_lottery_is_once_for_poor_students_while_active() {
    let p = tiny("[policy.scholarships]\nstart_month = 3\nend_month = 20\ncoverage = 0.4\n");
    let (mut drawn, mut won) = (0usize, 0usize);
    let mut drawn_by_month = Vec::new();
    let mut holders_left_school = 0;
    for_each_month(&p, |_, m| {
        let active = (3..20).contains(&m.t);
        let mut new_draws = 0;
        for i in 0..m.after.len() {
            let (fb, fa) = (m.before.flags[i], m.after.flags[i]);
            if m.recycled(i) {
                assert!(!has(fa, flag::DRAWN | flag::SCHOLARSHIP), "month {}: newcomer {i} has a draw", m.t);
                continue;
            }
            assert!(!has(fa, flag::SCHOLARSHIP) || has(fa, flag::DRAWN), "holder {i} never drew");
            if has(fb, flag::DRAWN) {
                // Once per youth: the result never changes.
                assert_eq!(fa & (flag::DRAWN | flag::SCHOLARSHIP), fb & (flag::DRAWN | flag::SCHOLARSHIP));
                if has(fb, flag::SCHOLARSHIP) && m.after.status[i] != status::SCHOOL {
                    holders_left_school += 1;
                }
                continue;
            }
            let eligible = active && has(fb, flag::POOR) && m.before.status[i] == status::SCHOOL;
            assert_eq!(
                has(fa, flag::DRAWN),
                eligible,
                "month {}: youth {i} (flags {fb:#b}, status {}) drew = {}",
                m.t,
                m.before.status[i],
                has(fa, flag::DRAWN)
            );
            if eligible {
                new_draws += 1;
                drawn += 1;
                won += has(fa, flag::SCHOLARSHIP) as usize;
            }
        }
        if m.t >= 0 {
            drawn_by_month.push(new_draws);
        }
    });
    // The first active month draws every poor student; later months only newcomers and
    // re-entrants.
    assert!(drawn_by_month[3] > 200, "{drawn_by_month:?}");
    assert!(drawn_by_month[4] < drawn_by_month[3] / 5, "{drawn_by_month:?}");
    assert!(holders_left_school > 0, "no holder ever left school: the keep-until-recycled check is empty");
    assert!(binomial_ok(won, drawn, 0.4), "won {won} of {drawn} draws with coverage 0.4");
}

/// A ramp raises coverage month by month; students who lost an early draw at low coverage
/// draw again as it rises (docs/model.md, D2), so that once the ramp is over every poor
/// student who has been in School since the start holds a scholarship with probability
/// `coverage`, whenever it first drew.
/// Fails if: losers never redraw (the students of the first ramp months then hold with odds
/// near the first month's coverage × 1/12 for good) or redraw too often.
#[test]
fn a_ramp_leaves_every_cohort_with_the_full_coverage() {
    let mut p = tiny(
        "[policy.scholarships]
start_month = 0
coverage = 0.6
ramp_months = 12
",
    );
    p.regions.iter_mut().for_each(|r| r.poverty = 1.0);
    let mut first_draw = vec![i64::MAX; p.total_youths() as usize];
    let (mut early, mut early_holders) = (0usize, 0usize);
    for_each_month(&p, |_, m| {
        for i in 0..first_draw.len() {
            if m.recycled(i) {
                first_draw[i] = i64::MAX;
            } else if !has(m.before.flags[i], flag::DRAWN) && has(m.after.flags[i], flag::DRAWN) {
                first_draw[i] = m.t;
            }
        }
        if m.t == 14 {
            // Students who first drew in the first three ramp months (coverage 0.05–0.15).
            for i in 0..first_draw.len() {
                if first_draw[i] <= 2 && m.after.status[i] == status::SCHOOL {
                    early += 1;
                    early_holders += has(m.after.flags[i], flag::SCHOLARSHIP) as usize;
                }
            }
        }
    });
    assert!(early > 300, "too few early students to test: {early}");
    assert!(binomial_ok(early_holders, early, 0.6), "{early_holders} of {early} early students hold");
}

/// The lottery is a randomised trial: among poor students under 15 who drew, holders drop
/// out at `1 − max_dropout_cut × amount/(amount + half_amount)` times the losers' hazard.
/// Fails if: the factor is not applied, applied to losers, or has another size.
#[test]
fn holders_drop_out_less_by_the_scholarship_factor() {
    let mut p = tiny("[policy.scholarships]\ncoverage = 0.5\namount = 800\n");
    let mut s = narcodoor::scenario::Scenario {
        params: p.clone(),
        path: "tiny.toml".into(),
        files: vec![],
        warnings: vec![],
        observed: None,
    };
    s.apply(&common::overrides(Some(40_000), Some(24), None)).unwrap();
    p = s.params;
    let (mut exposed, mut dropped) = ([0.0f64; 2], [0.0f64; 2]);
    for_each_month(&p, |_, m| {
        for i in 0..m.after.len() {
            let fb = m.before.flags[i];
            let young = m.after.age[i] < narcodoor::model::params::AGE_UPPER_SECONDARY;
            if m.t < 1 || m.recycled(i) || !young || m.before.status[i] != status::SCHOOL {
                continue;
            }
            if !has(fb, flag::POOR) || !has(fb, flag::DRAWN) || status::is_member(m.after.status[i]) {
                continue;
            }
            let holder = has(fb, flag::SCHOLARSHIP) as usize;
            exposed[holder] += 1.0;
            dropped[holder] += (m.after.status[i] == status::IDLE) as u8 as f64;
        }
    });
    let ratio = (dropped[1] / exposed[1]) / (dropped[0] / exposed[0]);
    println!("dropout hazard ratio {ratio:.3}; dropouts {dropped:?} of {exposed:?}");
    let want: f64 = 1.0 - 0.9 * 800.0 / 1400.0;
    let se_log = (1.0 / dropped[0] + 1.0 / dropped[1]).sqrt();
    assert!(
        (ratio.ln() - want.ln()).abs() < 5.0 * se_log,
        "hazard ratio {ratio:.3} (want {want:.3}, se of log {se_log:.3}); dropouts {dropped:?} of {exposed:?}"
    );
}

/// A holder in School has the dropout factor and the extra value only while the lever is
/// active in its region: after end_month its flag stays but nothing is paid.
/// Fails if: the cost counts holders out of school or after end_month, or youths who won
/// during the month (the cost uses start-of-month holders).
#[test]
fn scholarship_cost_is_start_of_month_holders_in_school() {
    let p = tiny(
        "[policy.scholarships]\nstart_month = 2\nend_month = 12\ncoverage = 0.6\namount = 1000\nadmin_overhead = 0.1\n",
    );
    let mut paid_months = 0;
    for_each_month(&p, |rep, m| {
        if m.t < 0 {
            return;
        }
        let mut holders = [0u64; 2];
        for i in 0..m.before.len() {
            if m.before.status[i] == status::SCHOOL && has(m.before.flags[i], flag::SCHOLARSHIP) {
                holders[region_of(rep, i)] += 1;
            }
        }
        let active = (2..12).contains(&m.t);
        for (r, &h) in holders.iter().enumerate() {
            let want = if active { h as f64 * 1000.0 * 1.1 } else { 0.0 };
            let got = m.region_metric(r, "spending_scholarships");
            assert!((got - want).abs() < 1e-6, "month {} region {r}: spent {got}, want {want}", m.t);
        }
        if active && holders.iter().sum::<u64>() > 0 {
            paid_months += 1;
        }
        // The first active month pays nothing: nobody held a scholarship at its start.
        if m.t == 2 {
            assert_eq!(m.metric("spending_scholarships"), 0.0);
        }
    });
    assert_eq!(paid_months, 9, "months 3..12 should each pay for holders");
}

// ---------------------------------------------------------------------------------------
// 6.2 Youth jobs
// ---------------------------------------------------------------------------------------

/// Who was hired this month in region r, and the candidates (Idle adults at the start of
/// the month, still Idle or hired at its end), by poverty.
struct Hiring {
    hired: [usize; 2],
    candidates: [usize; 2],
    running_before: usize,
    placements_after: usize,
}

fn hiring(rep: &Replicate, m: &Month, r: usize) -> Hiring {
    let (s, e) = (rep.world.layout.start[r], rep.world.layout.start[r + 1]);
    let mut h = Hiring { hired: [0; 2], candidates: [0; 2], running_before: 0, placements_after: 0 };
    for i in s..e {
        let (b, a) = (&m.before, &m.after);
        let placed_after = a.status[i] == status::WORK && has(a.flags[i], flag::PLACEMENT);
        h.placements_after += placed_after as usize;
        if m.recycled(i) {
            continue;
        }
        let poor = has(b.flags[i], flag::POOR) as usize;
        let was_placed = has(b.flags[i], flag::PLACEMENT);
        if was_placed && placed_after {
            h.running_before += 1;
        }
        let idle_adult = b.status[i] == status::IDLE && a.age[i] >= AGE_ADULT && a.age[i] < AGE_EXIT;
        if !idle_adult {
            assert!(
                !placed_after || was_placed,
                "month {}: youth {i} hired without being an Idle adult",
                m.t
            );
            continue;
        }
        if placed_after {
            assert_eq!(a.months_left[i] as u32, 6, "a new placement runs the lever's months");
            h.hired[poor] += 1;
            h.candidates[poor] += 1;
        } else if a.status[i] == status::IDLE {
            h.candidates[poor] += 1;
        }
    }
    h
}

/// Free slots are filled from the month's candidates, poor first when targeted, never
/// beyond the slots.
/// Fails if: more placements run than slots; free slots stay empty while candidates wait;
/// a non-poor youth is hired while a poor candidate waits (targeted); anyone else than an
/// Idle adult is hired.
#[test]
fn youth_jobs_fill_free_slots_poor_first_and_never_beyond_slots() {
    let p = tiny("[policy.youth_jobs]\nslots_per_1000 = 150\nmonths = 6\ntarget_poor = true\n");
    let slots = round_half_up(150.0 * 2000.0 / 1000.0) as usize;
    let (mut nonpoor_hired, mut months_full) = (0, 0);
    for_each_month(&p, |rep, m| {
        for r in 0..2 {
            let h = hiring(rep, m, r);
            if m.t < 0 {
                assert_eq!(h.placements_after, 0, "hiring during burn-in");
                continue;
            }
            assert!(
                h.placements_after <= slots,
                "month {}: {} placements > {slots} slots",
                m.t,
                h.placements_after
            );
            let hires = h.hired[0] + h.hired[1];
            let free = slots - h.running_before;
            let cands = h.candidates[0] + h.candidates[1];
            assert_eq!(hires, free.min(cands), "month {} region {r}: free {free}, candidates {cands}", m.t);
            if h.hired[0] > 0 {
                assert_eq!(
                    h.hired[1], h.candidates[1],
                    "month {}: non-poor hired while poor candidates waited",
                    m.t
                );
                nonpoor_hired += h.hired[0];
            }
            months_full += (h.placements_after == slots) as usize;
        }
    });
    // The first month hires every poor candidate and some others; slots are then full.
    assert!(nonpoor_hired > 0, "no month reached the non-poor: the poor-first check is empty");
    assert!(months_full > 30, "slots were rarely full ({months_full} region-months)");
}

/// Without targeting, hires are drawn at random among all candidates.
/// Fails if: the poor are still served first, or hiring is otherwise biased by poverty.
#[test]
fn youth_jobs_without_targeting_hire_at_random() {
    let p = tiny("[policy.youth_jobs]\nslots_per_1000 = 60\nmonths = 6\ntarget_poor = false\n");
    let (mut hired_poor, mut hired, mut cand_poor, mut cand) = (0, 0, 0, 0);
    for_each_month(&p, |rep, m| {
        if m.t == 0 {
            for r in 0..2 {
                let h = hiring(rep, m, r);
                hired_poor += h.hired[1];
                hired += h.hired[0] + h.hired[1];
                cand_poor += h.candidates[1];
                cand += h.candidates[0] + h.candidates[1];
            }
        }
    });
    let share = cand_poor as f64 / cand as f64;
    assert!(hired_poor < hired && hired_poor > 0);
    // Hypergeometric, sd below the binomial's.
    assert!(
        binomial_ok(hired_poor, hired, share),
        "{hired_poor} poor of {hired} hired; {share:.3} of candidates"
    );
}

/// A placement lasts `months` months (no job loss meanwhile), then the youth stays in Work
/// with probability `retention`, else becomes Idle; recruitment ends it at once.
/// Fails if: placements end early or late, a placed youth loses the job, the retention draw
/// is wrong, a recruited youth keeps the placement flag.
#[test]
fn placements_last_their_months_then_retention_decides() {
    for retention in [0.0, 0.4, 1.0] {
        let p =
            tiny(&format!("[policy.youth_jobs]\nslots_per_1000 = 40\nmonths = 5\nretention = {retention}\n"));
        // Slot → month hired.
        let mut hired_in: Vec<Option<i64>> = vec![None; 4000];
        let (mut ended, mut kept) = (0usize, 0usize);
        for_each_month(&p, |_, m| {
            for (i, hired) in hired_in.iter_mut().enumerate() {
                if m.recycled(i) {
                    *hired = None;
                    continue;
                }
                let placed = has(m.after.flags[i], flag::PLACEMENT);
                let Some(t0) = *hired else {
                    if placed {
                        *hired = Some(m.t);
                    }
                    continue;
                };
                let st = m.after.status[i];
                if status::is_member(st) {
                    assert!(!placed, "a recruit keeps the placement");
                    *hired = None;
                } else if m.t - t0 < 5 {
                    assert!(
                        placed && st == status::WORK,
                        "month {}: placement of month {t0} ended early",
                        m.t
                    );
                    assert_eq!(m.after.months_left[i] as i64, 5 - (m.t - t0));
                } else {
                    assert!(!placed, "month {}: placement of month {t0} ran past 5 months", m.t);
                    assert!(st == status::WORK || st == status::IDLE);
                    ended += 1;
                    kept += (st == status::WORK) as usize;
                    *hired = None;
                }
            }
        });
        assert!(ended > 100, "{ended} placements ended");
        assert!(binomial_ok(kept, ended, retention), "retention {retention}: kept {kept} of {ended}");
    }
}

// ---------------------------------------------------------------------------------------
// Schedules: ramps, regions, end_month
// ---------------------------------------------------------------------------------------

/// The ramp factor f = min(1, (t − start + 1)/ramp) multiplies every magnitude key; the
/// juvenile ratio moves linearly from the old value.
/// Fails if: a lever ignores its ramp, ramps the wrong key, or acts outside its schedule.
#[test]
fn ramps_scale_the_magnitudes_of_every_lever() {
    let p = tiny(
        "[justice]\njuvenile_sentence_ratio = 0.2\n\
         [policy.scholarships]\nstart_month = 4\nramp_months = 4\ncoverage = 0.8\namount = 1200\nhalf_amount = 600\nmax_dropout_cut = 0.9\nadmin_overhead = 0.05\n\
         [policy.youth_jobs]\nstart_month = 4\nramp_months = 4\nslots_per_1000 = 30\n\
         [policy.juvenile_law]\nstart_month = 4\nramp_months = 4\njuvenile_sentence_ratio = 1.0\n\
         [policy.asset_forfeiture]\nstart_month = 4\nramp_months = 4\ncash_seizure = 0.5\nvehicle_seizure = 0.8\n",
    );
    for t in -1..12i64 {
        let f = if t < 4 { 0.0 } else { ((t - 3) as f64 / 4.0).min(1.0) };
        for (r, lv) in LeversNow::at(&p, t).regions.iter().enumerate() {
            let n = p.regions[r].youths as f64;
            assert!(
                (lv.juvenile_ratio - (0.2 + 0.8 * f)).abs() < 1e-12,
                "t {t}: ratio {}",
                lv.juvenile_ratio
            );
            if f == 0.0 {
                assert!(lv.scholarships.is_none() && lv.youth_jobs.is_none() && lv.forfeiture.is_none());
                continue;
            }
            let s = lv.scholarships.as_ref().unwrap();
            let amount = 1200.0 * f;
            assert!((s.amount - amount).abs() < 1e-9 && (s.coverage - 0.8 * f).abs() < 1e-12);
            assert!((s.dropout_factor - (1.0 - 0.9 * amount / (amount + 600.0))).abs() < 1e-12);
            assert!((s.cost_per_holder - amount * 1.05).abs() < 1e-9);
            let j = lv.youth_jobs.as_ref().unwrap();
            assert_eq!(j.slots, round_half_up(30.0 * f * n / 1000.0), "t {t}");
            assert_eq!(j.stipend, 3600.0, "the stipend is a price, not a magnitude");
            let a = lv.forfeiture.as_ref().unwrap();
            assert!((a.product_share - 0.6 * 0.5 * f).abs() < 1e-12);
            assert!((a.vehicle_seizure - 0.8 * f).abs() < 1e-12);
        }
    }
}

/// Costs follow the ramp in a run: scholarships pay start-of-month holders × ramped amount
/// × (1 + overhead); youth jobs pay placements × stipend, with placements within the
/// ramped slots.
/// Fails if: costs are paid at full intensity during the ramp, or placements exceed the
/// ramped slots.
#[test]
fn costs_follow_the_ramp_in_a_run() {
    let p = tiny(
        "[policy.scholarships]\nstart_month = 2\nramp_months = 6\namount = 900\nadmin_overhead = 0.1\n\
         [policy.youth_jobs]\nstart_month = 2\nramp_months = 6\nslots_per_1000 = 50\nstipend = 3000\n",
    );
    let mut saw_partial = false;
    for_each_month(&p, |rep, m| {
        if m.t < 0 {
            return;
        }
        let f = if m.t < 2 { 0.0 } else { ((m.t - 1) as f64 / 6.0).min(1.0) };
        for r in 0..2 {
            let (s, e) = (rep.world.layout.start[r], rep.world.layout.start[r + 1]);
            let holders = (s..e)
                .filter(|&i| {
                    m.before.status[i] == status::SCHOOL && has(m.before.flags[i], flag::SCHOLARSHIP)
                })
                .count() as f64;
            let placements = (s..e)
                .filter(|&i| m.after.status[i] == status::WORK && has(m.after.flags[i], flag::PLACEMENT))
                .count() as f64;
            let slots = round_half_up(50.0 * f * 2000.0 / 1000.0) as f64;
            assert!(placements <= slots, "month {}: {placements} placements, {slots} ramped slots", m.t);
            let sch = m.region_metric(r, "spending_scholarships");
            let want = holders * 900.0 * f * 1.1;
            assert!((sch - want).abs() < 1e-6 * want.max(1.0), "month {}: scholarships {sch} vs {want}", m.t);
            assert_eq!(m.region_metric(r, "spending_youth_jobs"), placements * 3000.0);
            saw_partial |= f > 0.0 && f < 1.0 && holders > 0.0 && placements > 0.0;
        }
    });
    assert!(saw_partial, "no month inside the ramp paid anything");
}

/// A hand-computed cost. In region-months where slots are all filled, youth jobs cost
/// slots × stipend: 2,000 youths × 10 per 1000 = 20 slots × 3,000 = 60,000 pesos a month
/// per region. Scholarships cost holders × amount × (1 + overhead) = holders × 1,100; the
/// juvenile law and asset forfeiture cost nothing; the total is the sum of the levers.
/// Fails if: a cost term is missing, doubled, or booked to the wrong lever or region.
#[test]
fn hand_computed_monthly_cost_of_a_tiny_scenario() {
    let p = tiny(
        "[policy.scholarships]\ncoverage = 1.0\namount = 1000\nadmin_overhead = 0.1\n\
         [policy.youth_jobs]\nslots_per_1000 = 10\nstipend = 3000\n\
         [policy.juvenile_law]\njuvenile_sentence_ratio = 0.5\n\
         [policy.asset_forfeiture]\n",
    );
    let mut checked = 0;
    for_each_month(&p, |rep, m| {
        if m.t < 0 {
            return;
        }
        let mut total = 0.0;
        for r in 0..2 {
            let (s, e) = (rep.world.layout.start[r], rep.world.layout.start[r + 1]);
            // Month 0 hires the first 20 out of hundreds of Idle adults: the slots are full.
            if m.t == 0 {
                assert_eq!(m.region_metric(r, "spending_youth_jobs"), 60_000.0);
            }
            let holders = (s..e)
                .filter(|&i| {
                    m.before.status[i] == status::SCHOOL && has(m.before.flags[i], flag::SCHOLARSHIP)
                })
                .count() as f64;
            // Coverage 1: every poor student at the start of month 0 won; nobody held one then.
            if m.t == 0 {
                assert_eq!(holders, 0.0);
            }
            assert_eq!(m.region_metric(r, "spending_scholarships"), holders * 1100.0);
            assert_eq!(m.region_metric(r, "spending_juvenile_law"), 0.0);
            assert_eq!(m.region_metric(r, "spending_asset_forfeiture"), 0.0);
            total += holders * 1100.0 + m.region_metric(r, "spending_youth_jobs");
        }
        assert!((m.metric("spending_total") - total).abs() < 1e-6, "month {}", m.t);
        checked += 1;
    });
    assert_eq!(checked, 30);
}

/// Levers restricted to `regions` act only there: no draws, placements, consumption, car
/// thefts or spending elsewhere, and the juvenile ratio is the lever's only there.
/// Fails if: a region flag is ignored by any of the four levers.
#[test]
fn levers_restricted_to_regions_act_only_there() {
    let p = tiny(
        "[policy.scholarships]\nregions = [\"B\"]\n\
         [policy.youth_jobs]\nregions = [\"B\"]\n\
         [policy.juvenile_law]\nregions = [\"B\"]\njuvenile_sentence_ratio = 1.0\n\
         [policy.asset_forfeiture]\nregions = [\"B\"]\n",
    );
    let lv = LeversNow::at(&p, 0);
    assert_eq!((lv.regions[0].juvenile_ratio, lv.regions[1].juvenile_ratio), (0.25, 1.0));
    let mut b_acted = [0.0; 4];
    for_each_month(&p, |rep, m| {
        let (s, e) = (rep.world.layout.start[1], rep.world.layout.start[2]);
        for i in 0..s {
            assert!(
                !has(m.after.flags[i], flag::DRAWN | flag::SCHOLARSHIP | flag::PLACEMENT),
                "youth {i} of A"
            );
        }
        if m.t < 0 {
            return;
        }
        for name in ["spending_scholarships", "spending_youth_jobs", "consumption", "car_thefts"] {
            assert_eq!(m.region_metric(0, name), 0.0, "month {}: {name} in A", m.t);
        }
        b_acted[0] += (s..e).filter(|&i| has(m.after.flags[i], flag::DRAWN)).count() as f64;
        b_acted[1] += m.region_metric(1, "spending_youth_jobs");
        b_acted[2] += m.region_metric(1, "consumption");
        b_acted[3] += m.region_metric(1, "car_thefts");
    });
    assert!(b_acted.iter().all(|&x| x > 0.0), "the levers did not act in B: {b_acted:?}");
}

/// end_month stops hiring and scholarships; placements running at end_month finish their
/// months and are paid.
/// Fails if: hiring continues after end_month, running placements are cut short or stop
/// being paid, scholarships are paid after end_month.
#[test]
fn end_month_stops_levers_but_running_placements_finish_and_are_paid() {
    let p = tiny(
        "[policy.youth_jobs]\nstart_month = 1\nend_month = 4\nmonths = 6\nslots_per_1000 = 20\n\
         [policy.scholarships]\nstart_month = 1\nend_month = 4\n",
    );
    let mut paid = vec![0.0; 30];
    let mut running = vec![0usize; 30];
    for_each_month(&p, |_, m| {
        if m.t < 0 {
            return;
        }
        let t = m.t as usize;
        let mut placements = 0;
        for i in 0..m.after.len() {
            let placed = has(m.after.flags[i], flag::PLACEMENT);
            placements += placed as usize;
            if m.t >= 4 && !m.recycled(i) {
                assert!(!placed || has(m.before.flags[i], flag::PLACEMENT), "month {}: hired after end", m.t);
            }
        }
        running[t] = placements;
        paid[t] = m.metric("spending_youth_jobs");
        assert_eq!(paid[t], placements as f64 * 3600.0);
        if m.t >= 4 {
            assert_eq!(m.metric("spending_scholarships"), 0.0, "month {}", m.t);
        }
    });
    // Hired in months 1..=3 (the slots fill in month 1), a placement is paid in its month
    // and the 5 after it: those of month 1 through month 6, the last ones by month 8.
    assert!((4..=6).all(|t| paid[t] > 0.0), "running placements stopped being paid: {paid:?}");
    assert!(paid[9..].iter().all(|&x| x == 0.0), "placements outlived their months: {paid:?}");
}

// ---------------------------------------------------------------------------------------
// 6.7 Juvenile law and 6.8 asset forfeiture, rule by rule
// ---------------------------------------------------------------------------------------

/// Consumption and car thefts are exactly the rule's: 0.6 × cash_seizure × members ×
/// doses, and vehicle_seizure × members × 0.05, region by region, from the month's
/// snapshot members; and the lever does not touch anything else (same streams, same
/// members as without it).
/// Fails if: the formulas change, use the wrong members, or the lever perturbs the run.
#[test]
fn forfeiture_rules_match_the_formulas_and_touch_nothing_else() {
    let with =
        tiny("[policy.asset_forfeiture]\ncash_seizure = 0.7\nvehicle_seizure = 0.3\ndoses_per_member = 20\n");
    let without = tiny("");
    let a = common::run(&with, 1);
    let b = common::run(&without, 1);
    let members = index_of("members").unwrap();
    for (ma, mb) in a[0].months.iter().zip(&b[0].months) {
        for r in 0..2 {
            assert_eq!(
                ma.metrics.regions[r][members], mb.metrics.regions[r][members],
                "forfeiture changed membership"
            );
        }
    }
    // The formulas against the snapshot members, recomputed by stepping.
    let mut rep = Replicate::new(&with, 0, false);
    for _ in 0..rep.total_steps() {
        let snap: Vec<u64> = (0..2).map(|r| rep.world.counts.region_total(r)).collect();
        let Some(report) = rep.step() else { continue };
        for (r, &m) in snap.iter().enumerate() {
            let row = &report.metrics.regions[r];
            let cons = row[index_of("consumption").unwrap()];
            let cars = row[index_of("car_thefts").unwrap()];
            assert!((cons - 0.6 * 0.7 * m as f64 * 20.0).abs() < 1e-9, "consumption {cons}, members {m}");
            assert!((cars - 0.3 * m as f64 * 0.05).abs() < 1e-9, "car thefts {cars}, members {m}");
        }
    }
}

/// The juvenile ratio shortens minors' sentences only: members arrested before 216 months
/// serve ratio × sentence on average, adults the full sentence.
/// Fails if: the ratio is applied to adults, not applied to minors, or sentences are not
/// geometric with the right mean.
#[test]
fn juvenile_ratio_sets_minors_sentences() {
    // Many members (region B: demand 0.2, 10% members at the start), frequent arrests, and
    // the lever's ratio also in force during the burn-in (justice.juvenile_sentence_ratio),
    // so that every month counts.
    let p = tiny_with(
        "[justice]\nsentence_months = 24\njuvenile_sentence_ratio = 0.5\n\
         [cartels]\narrest = [0.03, 0.03, 0.03, 0.03]\n\
         [policy.juvenile_law]\njuvenile_sentence_ratio = 0.5\n",
        "demand = 0.2\ninitial_members = 0.1",
    );
    let (mut minors, mut adults) = (Vec::new(), Vec::new());
    for replicate in 0..20 {
        for_each_month_of(&p, replicate, |_, m| {
            for i in 0..m.after.len() {
                if status::is_member(m.before.status[i])
                    && m.after.status[i] == status::PRISON
                    && !m.recycled(i)
                {
                    // The sentence is counted down from the next month on: months_left is
                    // the drawn sentence.
                    let s = m.after.months_left[i] as f64;
                    if m.after.age[i] < AGE_ADULT { minors.push(s) } else { adults.push(s) }
                }
            }
        });
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    // Geometric with mean μ: sd ≈ μ; 5 standard errors.
    let ok = |v: &[f64], mu: f64| (mean(v) - mu).abs() < 5.0 * mu / (v.len() as f64).sqrt();
    assert!(minors.len() > 30 && adults.len() > 100, "{} minors, {} adults", minors.len(), adults.len());
    assert!(ok(&minors, 12.0), "minors' mean sentence {} (want 12)", mean(&minors));
    assert!(ok(&adults, 24.0), "adults' mean sentence {} (want 24)", mean(&adults));
}

// ---------------------------------------------------------------------------------------
// The scenario library
// ---------------------------------------------------------------------------------------

/// Every file in `scenarios/` loads (a population too large for this machine is allowed to
/// fail with a memory error only), says in a leading comment what it tests, extends another
/// scenario (except the countries: the baseline, Mexico 2010 and Mexico 2000–2014), and is listed in `scenarios/README.md` with a command.
/// Fails if: a scenario is added without documentation, or stops loading.
#[test]
fn every_bundled_scenario_loads_is_commented_and_listed_in_the_readme() {
    let dir = common::root().join("scenarios");
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("scenarios/README.md");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 11, "{names:?}");
    for name in &names {
        let path = dir.join(name);
        if let Err(e) = narcodoor::scenario::load(&path) {
            assert_eq!(e.kind(), narcodoor::scenario::ErrorKind::Memory, "{name}: {e}");
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('#'), "{name} must begin with a comment saying what it tests");
        if !["baseline.toml", "mexico_scale.toml", "mexico_2000.toml"].contains(&name.as_str()) {
            assert!(
                text.lines().any(|l| l.starts_with("extends = ")),
                "{name} does not extend another scenario"
            );
        }
        let row = readme.lines().find(|l| l.starts_with(&format!("| `{name}`")));
        let row = row.unwrap_or_else(|| panic!("{name} is not listed in scenarios/README.md"));
        assert!(row.contains("narcodoor "), "{name}: its README row gives no command");
    }
}
