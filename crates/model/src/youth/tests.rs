//! The youths' rules on single youths and small chunks, and the common path against the
//! full rules.

use super::rules::{Month, rare_youth};
use super::tables::situation_table;
use super::tables::{DOOR_IDLE, DOOR_SCHOOL, DOOR_WORK};
use super::*;
use crate::contact::CLASSES;
use crate::params::Params;
use crate::policy::LeversNow;
use crate::region::snapshot;
use crate::rng::threshold32;
use crate::state::{World, Youths};

fn tables_for(p: &Params, w: &World, census: &Census) -> RegionTables {
    let lv = LeversNow::at(p, 0);
    let now = snapshot(w, p, &lv);
    let terr: Vec<Vec<f64>> = w.cartels.iter().map(|c| c.territory.clone()).collect();
    region_tables(p, 0, &now[0], &lv.regions[0], census, &w.counts, &terr)
}

/// An empty world but for `rank1` rank-1 members of the first cartel in the first region.
fn with_members(p: &Params, rank1: u32) -> World {
    let mut w = World::empty(p);
    w.counts.get_mut(0, 0)[0] = rank1;
    w
}

fn some_free() -> Census {
    Census { free: [1; CLASSES], member_ties: [0; CLASSES] }
}

/// Runs one youth's month with an empty snapshot.
fn live(y: &mut Youths, t: &RegionTables, p: &Params, key: u64, bits: &mut [u64; 1], tally: &mut Tally) {
    let w = World::empty(p);
    let input = PeerInput { network: &w.network, bits: &[0, 0], region_len: w.layout.len(0) };
    update_chunk(&mut one(y), t, &input, key, bits, tally);
}

/// One youth of age `age` (in months) and status `st`, everything else zero.
fn youth(age: u16, st: u8) -> Youths {
    let mut y = Youths::with_len(1);
    y.age[0] = age;
    y.status[0] = st;
    y
}

/// A one-youth chunk for rule tests.
fn one(y: &mut Youths) -> YouthChunk<'_> {
    y.chunk_mut(0..1, 0, 0)
}

/// The common path is a shortcut, not a rule of its own: a chunk run by `update_chunk`
/// ends exactly as if every youth had gone through the full rules, with every lever's
/// marks (candidates, holders, lotteries, placements) in play and contact both rare and
/// frequent.
#[test]
fn common_path_agrees_with_the_full_rules() {
    let p = Params::defaults();
    let w = with_members(&p, 450);
    let n = 4096;
    for free in [2000u64, 5] {
        let mut t = tables_for(&p, &w, &Census { free: [free; CLASSES], member_ties: [0; CLASSES] });
        t.hiring = true;
        t.target_poor = true;
        t.scholarship_lottery = Some(threshold32(0.5));
        t.scholarship_redraw = Some(threshold32(0.1));
        t.retention = threshold32(0.4);
        t.situations = situation_table(&t);
        let mut rng = Stream::new(free);
        let mut y = Youths::with_len(n);
        let mut bits = vec![0u64; n / 64 + 1];
        for i in 0..n {
            let r = rng.next_u64();
            y.age[i] = AGE_ENTRY + (r % (AGE_EXIT - AGE_ENTRY) as u64) as u16;
            y.status[i] = [0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7][(r >> 16) as usize % 13];
            y.flags[i] = (r >> 24) as u8 & !flag::PLACEMENT;
            if y.status[i] == status::WORK && r >> 40 & 1 == 1 {
                y.flags[i] |= flag::PLACEMENT;
                y.months_left[i] = 1 + (r >> 48) as u8 % 12;
            } else if y.status[i] == status::PRISON {
                y.months_left[i] = 1 + (r >> 48) as u8 % 30;
            }
            if status::is_member(y.status[i]) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        let input = PeerInput { network: &w.network, bits: &bits, region_len: w.layout.len(0) };
        let key = 77;

        let mut shortcut = y.clone();
        let mut tally_a = Tally::new(1);
        let mut next_a = vec![0u64; n / 64];
        update_chunk(&mut shortcut.chunk_mut(0..n, 0, 0), &t, &input, key, &mut next_a, &mut tally_a);

        let mut full = y.clone();
        let mut tally_b = Tally::new(1);
        let mut next_b = vec![0u64; n / 64];
        let mut c = full.chunk_mut(0..n, 0, 0);
        let month = Month { t: &t, peers: &input, key, k1: t.peers as usize + 1 };
        for i in 0..n {
            c.age[i] += 1;
            if rare_youth(&mut c, i, &month, &mut tally_b) {
                next_b[i / 64] |= 1 << (i % 64);
            }
        }
        let state = |y: &Youths| (y.age.clone(), y.status.clone(), y.flags.clone(), y.months_left.clone());
        assert_eq!(state(&shortcut), state(&full), "free = {free}");
        assert_eq!(tally_a, tally_b, "free = {free}");
        assert_eq!(next_a, next_b, "free = {free}");
        // Both paths were taken.
        let changed = (0..n).filter(|&i| shortcut.status[i] != y.status[i]).count();
        assert!(changed > 50 && changed < n - 50, "{changed} of {n} changed");
    }
}

#[test]
fn join_probability_follows_the_logit() {
    let p = Params::defaults();
    let w = with_members(&p, 450);
    let t = tables_for(&p, &w, &some_free());
    let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
    // An Idle adult with no member peers.
    let ch = &p.choice;
    let arrest1 = 0.006 * 1.0 * (1.0 - 0.4);
    let risk = 12.0 * (arrest1 * 36.0 / 12.0 + 0.0015 * (1.0 + now[0].violence) * 20.0);
    let x = ch.intercept + (now[0].wage / 1000.0).ln() - 0.4 * risk - 1.5 * 0.3;
    let p_join = 0.05 + 0.95 / (1.0 + (-x).exp());
    let got = t.join[(DOOR_IDLE * 2) * 9] as f64 / 4_294_967_296.0;
    assert!((got - p_join).abs() < 1e-9, "{got} vs {p_join}");
    // More member peers raise it; a better door lowers it.
    assert!(t.join[(DOOR_IDLE * 2) * 9 + 8] > t.join[(DOOR_IDLE * 2) * 9]);
    assert!(t.join[(DOOR_WORK * 2) * 9] < t.join[(DOOR_IDLE * 2) * 9]);
    assert!(t.join[(DOOR_SCHOOL * 2) * 9] < t.join[(DOOR_WORK * 2) * 9]);
}

#[test]
fn contact_beta_spends_the_expected_contacts() {
    let p = Params::defaults();
    let w = with_members(&p, 450);
    // 1000 adult men with no member peers; 500 female minors (180–215) with 4 of 8.
    let mut census = Census::default();
    census.free[4] = 1000;
    census.free[3] = 500;
    census.member_ties[3] = 500 * 4;
    let t = tables_for(&p, &w, &census);
    let now = snapshot(&w, &p, &LeversNow::at(&p, 0));
    let w_adult = 1.0;
    let w_minor = (1.0 + 3.0 * 0.5) * (1.0 + 0.5 * 0.75) * 0.15;
    let beta = now[0].contacts / (1000.0 * w_adult + 500.0 * w_minor);
    assert!((t.beta - beta).abs() < 1e-15);
    let p_minor = t.contact[4 * CLASSES + 3] as f64 / 4_294_967_296.0;
    assert_eq!(t.contact_max[3], t.contact[8 * CLASSES + 3]);
    assert!((p_minor - (1.0 - (-beta * w_minor).exp())).abs() < 1e-9);
}

#[test]
fn promotion_uses_national_vacancies() {
    let p = Params::defaults();
    // 100 members all at rank 1: rank-2 target round(0.25 × 100) = 25, vacancies 25.
    let w = with_members(&p, 100);
    let t = tables_for(&p, &w, &some_free());
    let cum = t.member[0];
    let promo = (cum[3] - cum[2]) as f64 / 4_294_967_296.0;
    assert!((promo - 0.05 * 0.25).abs() < 1e-9, "{promo}");
    // Rank 4 never promotes.
    assert_eq!(t.member[3][3], t.member[3][2]);
}

#[test]
fn prisoner_is_released_with_record() {
    let p = Params::defaults();
    let w = World::empty(&p);
    let t = tables_for(&p, &w, &Census::default());
    let mut y = youth(250, status::PRISON);
    y.months_left[0] = 2;
    let mut bits = [0u64; 1];
    let mut tally = Tally::new(1);
    live(&mut y, &t, &p, 7, &mut bits, &mut tally);
    assert_eq!((y.status[0], y.months_left[0]), (status::PRISON, 1));
    live(&mut y, &t, &p, 8, &mut bits, &mut tally);
    assert_eq!(y.status[0], status::IDLE);
    assert!(y.flags[0] & flag::RECORD != 0);
    assert_eq!(y.age[0], 252);
}

#[test]
fn ageing_out_recycles_the_slot_and_counts_members() {
    let p = Params::defaults();
    let mut w = World::empty(&p);
    w.counts.get_mut(0, 0)[2] = 1;
    let t = tables_for(&p, &w, &Census::default());
    let mut y = youth(359, status::MEMBER1 + 2);
    y.flags[0] = flag::RECORD | flag::GRADUATED;
    let mut bits = [u64::MAX; 1];
    let mut tally = Tally::new(1);
    live(&mut y, &t, &p, 1, &mut bits, &mut tally);
    assert_eq!(tally.ageouts, 1);
    assert_eq!(y.age[0], AGE_ENTRY);
    assert!(y.status[0] == status::SCHOOL || y.status[0] == status::IDLE);
    assert_eq!(y.flags[0] & (flag::RECORD | flag::GRADUATED), 0);
    assert_eq!(bits[0], 0, "the member bit is cleared");
}

#[test]
fn school_ends_at_216_with_graduation() {
    let p = Params::defaults();
    let w = World::empty(&p);
    let t = tables_for(&p, &w, &Census::default());
    let mut y = youth(215, status::SCHOOL);
    let mut bits = [0u64; 1];
    live(&mut y, &t, &p, 3, &mut bits, &mut Tally::new(1));
    assert_eq!(y.status[0], status::IDLE);
    assert!(y.flags[0] & flag::GRADUATED != 0);
}

#[test]
fn sentences_have_the_right_mean() {
    let mut rng = Stream::new(5);
    let n = 100_000;
    let mean = (0..n).map(|_| sentence(36.0, &mut rng) as f64).sum::<f64>() / n as f64;
    // Geometric with mean 36: sd ≈ 35.5, se ≈ 0.112; the cap at 255 removes ≈ 0.03.
    assert!((mean - 36.0).abs() < 0.6, "{mean}");
    assert_eq!(sentence(0.5, &mut rng), 1);
}

#[test]
fn split_moves_members_of_one_cartel_only() {
    let mut y = Youths::with_len(1000);
    for i in 0..1000 {
        y.status[i] = if i % 2 == 0 { status::MEMBER1 } else { status::WORK };
        y.cartel[i] = (i % 4 == 0) as u16;
    }
    let moved = split_chunk(&mut y.chunk_mut(0..1000, 0, 0), 1, 2, 0.5, 11);
    let now_in_2 = y.cartel.iter().filter(|&&k| k == 2).count() as u32;
    assert_eq!(moved[0], now_in_2);
    assert!(y.cartel.iter().enumerate().all(|(i, &k)| k != 2 || i % 4 == 0));
    // Binomial(250, 0.5): sd ≈ 7.9; 5 sd.
    assert!((now_in_2 as f64 - 125.0).abs() < 40.0);
}
