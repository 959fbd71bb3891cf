//! The initial members of section 1: `round(initial_members × N_r)` youths aged at least
//! 180 months who are not in School, drawn without replacement in each region.
//!
//! The rest of the initial state is per youth (`youth::init_chunk`) and runs in chunks; this
//! draw needs a whole region at once, so it is sequential and uses the region's stream.

use super::params::{AGE_UPPER_SECONDARY, Params};
use super::policy::round_half_up;
use super::state::{World, status};
use crate::rng::Stream;

/// Turns the drawn youths of every region into members, then counts members and builds
/// the first snapshot's bitmap. A region where no cartel has territory gets none (the
/// cartel cannot be drawn).
pub fn initial_members(world: &mut World, params: &Params, key: u64) {
    let shares = &params.cartels.rank_shares;
    for (r, reg) in params.regions.iter().enumerate() {
        let presence = world.presence(r);
        let wanted = round_half_up(reg.initial_members * reg.youths as f64) as usize;
        if presence <= 0.0 || wanted == 0 {
            continue;
        }
        let (s, e) = (world.layout.start[r], world.layout.start[r + 1]);
        let y = &world.youths;
        let mut candidates: Vec<u32> = (s..e)
            .filter(|&i| y.age[i] >= AGE_UPPER_SECONDARY && y.status[i] != status::SCHOOL)
            .map(|i| (i - s) as u32)
            .collect();
        let n = wanted.min(candidates.len());
        let mut rng = Stream::for_item(key, r);
        // A partial Fisher–Yates shuffle: the first n entries are a uniform sample.
        for i in 0..n {
            let j = i + rng.below((candidates.len() - i) as u64) as usize;
            candidates.swap(i, j);
        }
        for &local in &candidates[..n] {
            let slot = s + local as usize;
            let u = rng.uniform() * presence;
            let mut acc = 0.0;
            let mut cartel = 0;
            for (k, c) in world.cartels.iter().enumerate() {
                if c.territory[r] > 0.0 {
                    cartel = k;
                    acc += c.territory[r];
                    if u < acc {
                        break;
                    }
                }
            }
            let v = rng.uniform();
            let mut acc = 0.0;
            let mut rank = shares.len() - 1;
            for (j, &sh) in shares.iter().enumerate() {
                acc += sh;
                if v < acc {
                    rank = j;
                    break;
                }
            }
            world.youths.status[slot] = status::MEMBER1 + rank as u8;
            world.youths.cartel[slot] = cartel as u16;
        }
    }
    world.recount();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Youths;

    #[test]
    fn draws_the_rounded_count_among_eligible_youths() {
        let mut p = Params::defaults();
        p.regions[0].youths = 1000;
        p.regions[0].initial_members = 0.0125; // 12.5 → 13 (half up)
        let mut w = World::empty(&p);
        let mut y = Youths::with_len(1000);
        for i in 0..1000 {
            y.age[i] = if i < 500 { 170 } else { 200 };
            y.status[i] = if i % 2 == 0 { status::SCHOOL } else { status::IDLE };
        }
        w.youths = y;
        initial_members(&mut w, &p, 9);
        let members: Vec<usize> = (0..1000).filter(|&i| status::is_member(w.youths.status[i])).collect();
        assert_eq!(members.len(), 13);
        assert!(members.iter().all(|&i| i >= 500 && i % 2 == 1));
        assert_eq!(w.counts.cartel_total(0), 13);
    }

    #[test]
    fn too_few_candidates_all_become_members() {
        let mut p = Params::defaults();
        p.regions[0].youths = 100;
        p.regions[0].initial_members = 0.5;
        let mut w = World::empty(&p);
        w.youths = Youths::with_len(100);
        for i in 0..100 {
            w.youths.age[i] = 250;
            w.youths.status[i] = if i < 90 { status::SCHOOL } else { status::WORK };
        }
        initial_members(&mut w, &p, 9);
        assert_eq!(w.counts.cartel_total(0), 10);
    }
}
