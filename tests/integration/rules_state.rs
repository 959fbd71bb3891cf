//! Rules of issue 3 checked through the library on small worlds driven by the engine:
//! kingpin splits conserve members and territory, territory shares stay in [0, 1] and only
//! leave a region through the 0.005 floor, removals happen exactly in the months the rule
//! of MODEL.md 6.6 says (and skip, not defer, when no leader is left), the removal's shock
//! is the one 6.6 prescribes, and each lever's monthly cost of section 6 appears in
//! `spending_<lever>` and `spending_total`.
//!
//! The unit tests in `crates/model/src/kingpin.rs` and `crates/model/src/region.rs` check the rules on
//! hand-made counts; these check them on real worlds, month after month, as the engine
//! runs them.

#![allow(clippy::needless_range_loop)] // regions and ranks are indices into several arrays at once

use crate::common::*;
use narcodoor::engine::{Event, MonthReport, Replicate};
use narcodoor::model::kingpin::{self, Strike};
use narcodoor::model::metrics::{Row, index_of};
use narcodoor::model::params::{Kingpin, Lever, Params};
use narcodoor::model::state::{World, status};
use narcodoor::model::youth;
use narcodoor::rng::Stream;
use narcodoor::scenario::{self, Overrides};

/// A scenario extending the bundled baseline by `extra` (TOML), with `youths` youths,
/// `months` reported months, one replicate and a short burn-in.
fn tiny(extra: &str, youths: u64, months: u32) -> Params {
    let text = format!("extends = \"baseline.toml\"\n[run]\nburn_in_months = 24\n{extra}");
    let path = scenario_path("rules_state_inline.toml");
    let mut s = scenario::load_str(&text, &path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    s.apply(&Overrides { youths: Some(youths), months: Some(months), replicates: Some(1), seed: None })
        .unwrap_or_else(|e| panic!("{e}"));
    s.params
}

/// Steps through the burn-in; the next step is reported month 0.
fn past_burn_in(rep: &mut Replicate) {
    while rep.next_month() < 0 {
        assert!(rep.step().is_none());
    }
}

fn metric(row: &Row, name: &str) -> f64 {
    row[index_of(name).unwrap_or_else(|| panic!("no metric {name}"))]
}

/// Territory by cartel and region.
fn territory(w: &World) -> Vec<Vec<f64>> {
    w.cartels.iter().map(|c| c.territory.clone()).collect()
}

fn presence(w: &World) -> Vec<f64> {
    (0..w.regions.len()).map(|r| w.presence(r)).collect()
}

/// The member counts a world would have if recounted from its youths.
fn recounted(w: &World) -> narcodoor::model::state::MemberCounts {
    let mut c = w.clone();
    c.recount();
    c.counts
}

// ---------------------------------------------------------------------------------------
// Splits
// ---------------------------------------------------------------------------------------

/// Two replicates of the same seed in lockstep, one whose removals always split and one
/// whose removals never do: they are identical up to the first removal (the split draw
/// comes from the same kingpin stream either way), and in the month of the removal every
/// member of the splinter was a member of the removed cartel with the same rank; the two
/// cartels together hold exactly the members, by region and rank, that the removed cartel
/// holds without the split; nobody else changes; and presence, shocks and the other
/// cartels' territory are the same in both.
#[test]
fn a_split_moves_members_agent_by_agent_and_conserves_members_and_territory() {
    let lever = "[policy.kingpin]\nstart_month = 2\nremovals_per_year = 2\n";
    let split = tiny(&format!("{lever}split_probability = 1.0\n"), 40_000, 12);
    let whole = tiny(&format!("{lever}split_probability = 0.0\n"), 40_000, 12);
    let mut a = Replicate::new(&split, 0, false);
    let mut b = Replicate::new(&whole, 0, false);
    past_burn_in(&mut a);
    past_burn_in(&mut b);
    let mut checked = 0;
    for _ in 0..12 {
        let ra = a.step().unwrap();
        let rb = b.step().unwrap();
        if ra.events.is_empty() {
            assert!(rb.events.is_empty());
            assert_eq!(a.world.youths.status, b.world.youths.status, "identical before any removal");
            assert_eq!(a.world.counts, b.world.counts);
            continue;
        }
        // The first removal: ⌊2 (t − 2 + 1)/12⌋ reaches 1 at t = 7.
        assert_eq!(ra.month, 7);
        let (ea, eb) = (&ra.events[0], &rb.events[0]);
        assert_eq!((ra.events.len(), rb.events.len()), (1, 1));
        assert_eq!(ea.cartel, eb.cartel, "the same target with or without the split");
        assert!(ea.split && !eb.split);
        let parent = a.world.cartels.iter().position(|c| c.name == ea.cartel).unwrap();
        let splinter = a.world.cartels.len() - 1;
        assert_eq!(ea.new_cartel.as_deref(), Some(a.world.cartels[splinter].name.as_str()));
        assert!(a.world.cartels[splinter].predatory, "splinters are predatory");
        assert_eq!(b.world.cartels.len(), splinter, "no cartel is created without a split");

        // Agent by agent: same statuses and ranks; cartels differ only parent → splinter.
        let (ya, yb) = (&a.world.youths, &b.world.youths);
        assert_eq!(ya.status, yb.status);
        assert_eq!(ya.age, yb.age);
        let mut moved = 0u64;
        for i in 0..ya.len() {
            if status::is_member(ya.status[i]) && ya.cartel[i] != yb.cartel[i] {
                assert_eq!((ya.cartel[i] as usize, yb.cartel[i] as usize), (splinter, parent), "slot {i}");
                moved += 1;
            }
        }
        assert!(moved > 0, "a split of a cartel with members moves some of them");

        // Counts: booked as the youths say, and parent + splinter = parent without split.
        assert_eq!(a.world.counts, recounted(&a.world), "counts match the youths after a split");
        let nr = split.regions.len();
        for r in 0..nr {
            let (p, s, w) = (
                a.world.counts.get(parent, r),
                a.world.counts.get(splinter, r),
                b.world.counts.get(parent, r),
            );
            for j in 0..4 {
                assert_eq!(p[j] + s[j], w[j], "region {r} rank {}", j + 1);
            }
            if s.iter().sum::<u32>() > 0 {
                assert!(ea.regions.contains(&r), "members move only where the target held territory");
            }
            for k in 0..splinter {
                if k != parent {
                    assert_eq!(a.world.counts.get(k, r), b.world.counts.get(k, r));
                }
            }
        }
        // Territory: the split takes nothing from the other cartels and keeps presence; the
        // shock does not depend on the split.
        let (pa, pb) = (presence(&a.world), presence(&b.world));
        for r in 0..nr {
            assert!((pa[r] - pb[r]).abs() < 1e-12, "presence in region {r}: {} vs {}", pa[r], pb[r]);
            assert_eq!(a.world.regions[r].shock, b.world.regions[r].shock);
            if a.world.cartels[splinter].territory[r] > 0.0 {
                assert!(ea.regions.contains(&r), "the splinter holds territory only where the target did");
            }
        }
        checked += 1;
        break;
    }
    assert_eq!(checked, 1, "the first removal was checked");
}

/// The split itself on a real world (the engine's state after the burn-in), through the
/// model's functions: `kingpin::remove` gives the splinter u_r ∈ [0.3, 0.7] of the target's
/// territory in each region and keeps the rest, `youth::split_chunk` moves each member with
/// probability u_r, and `kingpin::apply_moves` books them. Territory and members are
/// conserved exactly, the counts agree with the youths, and the share of members moved in
/// each region is within four binomial standard deviations of u_r.
#[test]
fn a_split_on_a_real_world_conserves_territory_and_moves_about_u_of_the_members() {
    let p = tiny("[policy.kingpin]\nsplit_probability = 1.0\nstart_month = 100\n", 60_000, 1);
    let mut rep = Replicate::new(&p, 0, false);
    past_burn_in(&mut rep);
    let mut w = rep.world.clone();
    let lever: Lever<Kingpin> = p.policy.kingpin.first().cloned().unwrap();
    let k = kingpin::target(&w, &lever, 0).expect("a target");
    let before_t = territory(&w);
    let before_p = presence(&w);
    let before_counts = w.counts.clone();
    let removal =
        kingpin::remove(&mut w, &p, &lever.p, &Strike::scheduled(&lever.p, k, 0, 1.0), &mut Stream::new(99));
    let split = removal.split.expect("split_probability = 1 splits");
    let s = split.splinter;
    assert_eq!(s, before_t.len());
    for r in 0..p.regions.len() {
        let (tk, ts) = (w.cartels[k].territory[r], w.cartels[s].territory[r]);
        assert!((tk + ts - before_t[k][r]).abs() < 1e-15, "region {r}: {tk} + {ts} vs {}", before_t[k][r]);
        if before_t[k][r] > 0.0 {
            let u = split.share[r];
            assert!((0.3..=0.7).contains(&u), "u = {u}");
            assert!((ts - u * before_t[k][r]).abs() < 1e-15);
        } else {
            assert_eq!((ts, split.share[r]), (0.0, 0.0));
        }
        assert!((w.presence(r) - before_p[r]).abs() < 1e-15);
    }
    // Move the members region by region, as the engine does.
    let mut moved = vec![[0u32; 4]; p.regions.len()];
    for r in 0..p.regions.len() {
        let range = w.layout.start[r]..w.layout.start[r + 1];
        let mut chunk = w.youths.chunk_mut(range, r, 0);
        moved[r] = youth::split_chunk(&mut chunk, k as u16, s as u16, split.share[r], 12345);
    }
    kingpin::apply_moves(&mut w, k, s, &moved);
    assert_eq!(w.counts, recounted(&w), "booked moves match the youths");
    for r in 0..p.regions.len() {
        let n = before_counts.cartel_region(k, r) as f64;
        let m: f64 = moved[r].iter().map(|&x| x as f64).sum();
        assert_eq!(w.counts.cartel_region(k, r) + w.counts.cartel_region(s, r), n as u64);
        for j in 0..4 {
            assert_eq!(w.counts.get(k, r)[j] + w.counts.get(s, r)[j], before_counts.get(k, r)[j]);
        }
        let u = split.share[r];
        let sd = (n * u * (1.0 - u)).sqrt();
        assert!((m - u * n).abs() <= 4.0 * sd + 1.0, "region {r}: moved {m} of {n} with u = {u}");
    }
}

// ---------------------------------------------------------------------------------------
// Territory
// ---------------------------------------------------------------------------------------

/// In every month of a run with frequent removals and splits, every share T[k, r] is in
/// [0, 1], presence_r = Σ_k T[k, r] stays at most 1 and never grows (splits move territory
/// and 7.2 moves it between cartels without creating any), and it falls only when a cartel
/// leaves the region through the floor, by less than 0.005 per cartel that left.
#[test]
fn territory_stays_in_the_unit_interval_and_presence_only_falls_through_the_floor() {
    let p = tiny("[policy.kingpin]\nremovals_per_year = 6\n", 30_000, 120);
    let mut rep = Replicate::new(&p, 3, false);
    past_burn_in(&mut rep);
    let nr = p.regions.len();
    let initial: Vec<f64> = (0..nr).map(|r| p.cartel_list.iter().map(|c| c.territory[r]).sum()).collect();
    let mut left_total = 0;
    let mut splits = 0;
    for _ in 0..p.run.months {
        let t0 = territory(&rep.world);
        let p0 = presence(&rep.world);
        let report = rep.step().unwrap();
        let t1 = territory(&rep.world);
        let p1 = presence(&rep.world);
        let new = report.events.iter().filter(|e| e.split).count();
        splits += new;
        assert_eq!(t1.len(), t0.len() + new, "month {}: one new cartel per split", report.month);
        for r in 0..nr {
            for (k, row) in t1.iter().enumerate() {
                assert!((0.0..=1.0).contains(&row[r]), "month {}: T[{k}, {r}] = {}", report.month, row[r]);
                assert!(row[r] == 0.0 || row[r] >= 0.005, "below the floor: T[{k}, {r}] = {}", row[r]);
            }
            assert!(
                p1[r] <= 1.0 + 1e-12 && p1[r] <= initial[r] + 1e-9,
                "month {}: presence {}",
                report.month,
                p1[r]
            );
            assert!(
                p1[r] <= p0[r] + 1e-12,
                "month {}: presence in {r} grew {} → {}",
                report.month,
                p0[r],
                p1[r]
            );
            // Cartels that held territory in r this month and hold none at its end: old
            // ones, and splinters whose share of a small holding fell below the floor at
            // once.
            let old = (0..t0.len()).filter(|&k| t0[k][r] > 0.0 && t1[k][r] == 0.0).count();
            let born_below = report
                .events
                .iter()
                .filter(|e| e.split)
                .filter(|e| {
                    let parent = rep.world.cartels.iter().position(|c| c.name == e.cartel).unwrap();
                    let child = rep
                        .world
                        .cartels
                        .iter()
                        .position(|c| Some(&c.name) == e.new_cartel.as_ref())
                        .unwrap();
                    t0[parent][r] > 0.0 && t1[child][r] == 0.0
                })
                .count();
            let left = old + born_below;
            let drop = p0[r] - p1[r];
            if drop > 1e-12 {
                assert!(
                    left > 0,
                    "month {}: presence in {r} fell by {drop} with no cartel leaving",
                    report.month
                );
                assert!(
                    drop <= 0.005 * left as f64 + 1e-12,
                    "month {}: fell by {drop}, {left} left",
                    report.month
                );
            }
            left_total += left;
            // The metric counts the cartels present in the region.
            let present =
                (0..t1.len()).filter(|&k| t1[k][r] > 0.0 || rep.world.counts.cartel_region(k, r) > 0).count();
            assert_eq!(metric(&report.metrics.regions[r], "cartels_active"), present as f64);
        }
    }
    eprintln!("{splits} splits, {left_total} exits through the floor in {} months", p.run.months);
    assert!(splits > 0, "the run must exercise splits");
}

// ---------------------------------------------------------------------------------------
// Removal months, targets and shocks
// ---------------------------------------------------------------------------------------

/// The removals due in each month by 6.6 and 11: removal n happens in the first month where
/// ⌊removals_per_year × Σf / 12⌋ reaches n, Σf the sum of the ramp factors of this and
/// earlier active months (t + 1 − start without a ramp).
fn due_by_rule(lever: &Lever<Kingpin>, months: u32) -> Vec<u64> {
    let mut cumulative = 0.0;
    let mut done = 0u64;
    (0..months as i64)
        .map(|t| {
            cumulative += lever.schedule.intensity_at(t);
            let reached = (lever.p.removals_per_year * cumulative / 12.0 + 1e-9).floor() as u64;
            let due = reached - done;
            done = reached;
            due
        })
        .collect()
}

/// Runs a scenario month by month and checks each month against the rule: removals happen
/// exactly when due and a leader is available (skipped otherwise, not deferred); the target
/// is the eligible cartel with the most members; the shock of 6.6 is added to S_r exactly;
/// and `kingpins_removed` and `spending_kingpin` follow the events. Returns the months with
/// a removal.
fn check_removals(p: &Params) -> Vec<u32> {
    let lever = p.policy.kingpin.first().cloned().unwrap();
    assert_eq!(lever.p.split_probability, 0.0, "targets are checked on counts without splits");
    let due = due_by_rule(&lever, p.run.months);
    let mut rep = Replicate::new(p, 0, false);
    past_burn_in(&mut rep);
    let mut months = Vec::new();
    let decay = p.violence.shock_decay;
    for &d in &due {
        assert!(d <= 1, "these scenarios have at most one removal a month");
        let t = rep.next_month();
        let f = lever.schedule.intensity_at(t);
        let w0 = rep.world.clone();
        let report: MonthReport = rep.step().unwrap();
        let w1 = &rep.world;
        let eligible: Vec<usize> = (0..w0.cartels.len())
            .filter(|&k| t >= w0.cartels[k].leader_back && w0.cartel_active(k))
            .collect();
        let national = &report.metrics.national;
        if d == 1 && !eligible.is_empty() {
            assert_eq!(report.events.len(), 1, "month {t}: one removal due");
            let e: &Event = &report.events[0];
            let k = w1.cartels.iter().position(|c| c.name == e.cartel).unwrap();
            assert!(eligible.contains(&k), "month {t}: {} had no leader", e.cartel);
            let most = eligible.iter().map(|&j| w1.counts.cartel_total(j)).max().unwrap();
            assert_eq!(
                w1.counts.cartel_total(k),
                most,
                "month {t}: the target is the largest eligible cartel"
            );
            assert_eq!(w1.cartels[k].leader_back, t + lever.p.succession_months as i64);
            // The shock: shock × T[k, r]/presence_r where k holds territory, spillover × that
            // in each neighbour, on top of last month's decayed shock.
            let nr = p.regions.len();
            let mut add = vec![0.0; nr];
            for r in 0..nr {
                if w0.cartels[k].territory[r] > 0.0 {
                    let s = lever.p.shock * f * w0.cartels[k].territory[r] / w0.presence(r);
                    add[r] += s;
                    for &m in &p.regions[r].neighbours {
                        add[m] += lever.p.spillover * s;
                    }
                }
            }
            for r in 0..nr {
                let expected = decay * w0.regions[r].shock + add[r];
                assert!((w1.regions[r].shock - expected).abs() < 1e-12, "month {t} region {r}");
            }
            assert_eq!(
                e.regions,
                (0..nr).filter(|&r| w0.cartels[k].territory[r] > 0.0).collect::<Vec<_>>(),
                "the event lists the target's regions"
            );
            months.push(report.month);
        } else {
            assert!(
                report.events.is_empty(),
                "month {t}: no removal due or no leader left: {:?}",
                report.events
            );
            for (r, rs) in w1.regions.iter().enumerate() {
                assert!((rs.shock - decay * w0.regions[r].shock).abs() < 1e-12, "month {t}: no new shock");
            }
        }
        let n = report.events.len() as f64;
        assert_eq!(metric(national, "kingpins_removed"), n);
        assert_eq!(metric(national, "spending_kingpin"), n * lever.p.cost_per_operation);
        let regional: f64 = report.metrics.regions.iter().map(|row| metric(row, "spending_kingpin")).sum();
        assert!((regional - n * lever.p.cost_per_operation).abs() < 1e-3, "regions share the cost");
    }
    months
}

/// Without a ramp: ⌊3 (t − 7 + 1)/12⌋ reaches n at t = 7 + 4n − 1, until end_month; short
/// successions, so a leader is always available.
#[test]
fn removals_happen_exactly_in_the_months_of_the_rule() {
    let p = tiny(
        "[policy.kingpin]\nstart_month = 7\nend_month = 50\nremovals_per_year = 3\nsuccession_months = 2\n\
         split_probability = 0.0\n",
        20_000,
        60,
    );
    let months = check_removals(&p);
    assert_eq!(months, vec![10, 14, 18, 22, 26, 30, 34, 38, 42, 46]);
}

/// With a ramp the cumulative ramped rate decides: f = 1/6, 2/6, ... then 1, so the first
/// removal at 4 a year comes in month start + 5 (Σf = 3.5 → ⌊4 × 3.5/12⌋ = 1), later than
/// start + 2 without the ramp, and then every three months.
#[test]
fn ramped_removals_follow_the_cumulative_ramped_rate() {
    let p = tiny(
        "[policy.kingpin]\nstart_month = 3\nramp_months = 6\nremovals_per_year = 4\nsuccession_months = 1\n\
         split_probability = 0.0\n",
        20_000,
        30,
    );
    let months = check_removals(&p);
    // Σf after months 3..: 1/6, 3/6, 6/6, 10/6, 15/6, 21/6 (=3.5, n = 1 at month 8), 27/6
    // (4.5), 33/6 (5.5), 39/6 (6.5, n = 2 at month 11), then +1 a month: n = 3 once
    // Σf ≥ 9 (month 14, Σf = 9.5), and so on every three months.
    assert_eq!(months, vec![8, 11, 14, 17, 20, 23, 26, 29]);
}

/// A removal that finds no leader is skipped, not deferred: with two cartels, leaders back
/// after eight months and a removal due every three months, the third, sixth, ... due
/// removals find both leaders absent.
#[test]
fn removals_without_an_available_leader_are_skipped_not_deferred() {
    let p = tiny(
        "[policy.kingpin]\nremovals_per_year = 4\nsuccession_months = 8\nsplit_probability = 0.0\n",
        20_000,
        30,
    );
    assert_eq!(p.cartel_list.len(), 2, "the baseline has two cartels");
    let months = check_removals(&p);
    // Due in months 2, 5, 8, 11, ...: 2 (A, back at 10), 5 (B, back at 13), 8 skipped,
    // 11 (A), 14 (B), 17 skipped, 20, 23, 26 skipped, 29.
    assert_eq!(months, vec![2, 5, 11, 14, 20, 23, 29]);
}

// ---------------------------------------------------------------------------------------
// Spending
// ---------------------------------------------------------------------------------------

/// One month's cost of each lever by section 6, computed by hand for a small country, in
/// `spending_<lever>` of every region and nationally, and in `spending_total`:
/// - policing in one region: cost_per_capita × increase × f × P_r + army_cost_per_capita ×
///   P_r (the army's cost has no magnitude and is paid in full during the ramp);
/// - public_space everywhere: per_capita × P_r;
/// - police_reform in one region: pay_raise × salary × officers + severance × officers ×
///   purge/12 × C_r, with C_r the relaxed corruption of the month (section 11);
/// - demand everywhere: cost_per_capita × P_r;
/// - the other levers cost nothing here.
#[test]
fn each_levers_cost_appears_in_its_spending_column_and_the_total() {
    let p = tiny(
        r#"
[policy.policing]
regions = ["Norte"]
increase = 0.5
army = true
ramp_months = 2
[policy.public_space]
per_capita = 20
[policy.police_reform]
regions = ["Bajio"]
pay_raise = 0.1
purge = 0.3
[policy.demand]
reduction = 0.3
cost_per_capita = 5
"#,
        8_000,
        2,
    );
    let norte = region(&p, "Norte");
    let bajio = region(&p, "Bajio");
    let mut rep = Replicate::new(&p, 0, false);
    past_burn_in(&mut rep);
    let nr = p.regions.len();
    let mut corruption: Vec<f64> = rep.world.regions.iter().map(|r| r.corruption).collect();
    assert!((corruption[bajio] - 0.4).abs() < 1e-12, "no policy during burn-in: C = C0");
    for month in 0..2u32 {
        let report = rep.step().unwrap();
        let f = (month + 1) as f64 / 2.0; // policing's ramp
        let mut national = [0.0f64; 5];
        for r in 0..nr {
            let reg = &p.regions[r];
            let pop = reg.youths as f64 / reg.youth_share;
            let policing = if r == norte { 38.0 * 0.5 * f * pop + 10.0 * pop } else { 0.0 };
            let public_space = 20.0 * pop;
            let demand = 5.0 * pop;
            let reform = if r == bajio {
                let officers = 380.0 * pop / 1e5;
                let target = reg.corruption / (1.0 + 2.0 * 0.1);
                let relaxed = corruption[r] + 0.05 * (target - corruption[r]);
                corruption[r] = relaxed * (1.0 - 0.3 / 12.0);
                0.1 * 9000.0 * officers + 100_000.0 * officers * 0.3 / 12.0 * relaxed
            } else {
                0.0
            };
            let row = &report.metrics.regions[r];
            let expected = [
                ("spending_policing", policing),
                ("spending_public_space", public_space),
                ("spending_police_reform", reform),
                ("spending_demand", demand),
            ];
            for (i, (name, cost)) in expected.iter().enumerate() {
                let got = metric(row, name);
                assert!(
                    (got - cost).abs() <= 1e-9 * cost.abs().max(1.0),
                    "month {month} {}: {name} {got} vs {cost}",
                    reg.name
                );
                national[i] += cost;
            }
            let sum: f64 = expected.iter().map(|(_, c)| c).sum();
            national[4] += sum;
            assert!(
                (metric(row, "spending_total") - sum).abs() <= 1e-9 * sum,
                "month {month} {}: total",
                reg.name
            );
            for name in [
                "spending_scholarships",
                "spending_youth_jobs",
                "spending_kingpin",
                "spending_juvenile_law",
                "spending_asset_forfeiture",
            ] {
                assert_eq!(metric(row, name), 0.0, "{name} is off");
            }
        }
        // The purge's corruption is the model's too (no neighbour purges, so no rehiring
        // reaches Bajio).
        assert!((rep.world.regions[bajio].corruption - corruption[bajio]).abs() < 1e-12);
        let row = &report.metrics.national;
        for (i, name) in [
            "spending_policing",
            "spending_public_space",
            "spending_police_reform",
            "spending_demand",
            "spending_total",
        ]
        .iter()
        .enumerate()
        {
            let got = metric(row, name);
            assert!(
                (got - national[i]).abs() <= 1e-9 * national[i],
                "month {month} national {name}: {got} vs {}",
                national[i]
            );
        }
    }
}
