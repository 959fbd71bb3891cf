//! One replicate: its world, its random keys and the month step of section 2.

use std::ops::Range;

use super::chunks::{ChunkSpec, chunk_size, map_items, plan_chunks, split_ranges, youth_chunks};
use narcodoor_model::contact::{self, RegionYouths};
use narcodoor_model::kingpin::{self, Removal, Strike};
use narcodoor_model::metrics::{MonthInputs, MonthMetrics, month_metrics};
use narcodoor_model::network;
use narcodoor_model::params::{Kingpin, Params};
use narcodoor_model::policy::LeversNow;
use narcodoor_model::region::{self, RegionNow};
use narcodoor_model::rng::{Purpose, ReplicateKeys, Stream};
use narcodoor_model::state::World;
use narcodoor_model::trial::{Trial, TrialMonth};
use narcodoor_model::youth::{self, Census, PeerInput, RegionTables, Tally};
use narcodoor_model::{init, jobs};

/// A kingpin removal, as logged in `events.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Reported month.
    pub month: u32,
    pub cartel: String,
    pub split: bool,
    pub new_cartel: Option<String>,
    /// Regions where the removed leader's cartel had territory (within a dated event's
    /// regions).
    pub regions: Vec<usize>,
    /// A dated event that found its cartel gone: nothing happened (`split` is false).
    pub skipped: bool,
}

/// What a reported month produced.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthReport {
    pub month: u32,
    pub metrics: MonthMetrics,
    pub events: Vec<Event>,
    /// The trial's arms this month, when the scenario sets `[trial]`.
    pub trial: Option<TrialMonth>,
}

/// One replicate being simulated.
#[derive(Clone)]
pub struct Replicate<'p> {
    params: &'p Params,
    pub world: World,
    keys: ReplicateKeys,
    plan: Vec<ChunkSpec>,
    /// Simulated months so far, burn-in included.
    step: u64,
    /// Free youths by contact class in the current snapshot, per region (tallied by the
    /// previous month's update pass).
    free: Vec<[u64; contact::CLASSES]>,
    parallel: bool,
    /// The trial's participants, when the scenario sets `[trial]` (enrolment starts with
    /// the lever, after any burn-in, so a fork takes the trial of its own parameters).
    trial: Option<Trial>,
}

impl<'p> Replicate<'p> {
    /// Draws replicate `replicate`'s initial state and network. With `parallel`, the
    /// youths are handled by the current rayon pool; the result is the same either way.
    pub fn new(params: &'p Params, replicate: u32, parallel: bool) -> Self {
        let threads = if parallel { rayon::current_num_threads() } else { 1 };
        Self::with_chunk(params, replicate, parallel, chunk_size(params.total_youths() as usize, threads))
    }

    /// As `new`, with another chunk size (tests use it to show chunking does not matter).
    pub fn with_chunk(params: &'p Params, replicate: u32, parallel: bool, chunk: usize) -> Self {
        let keys = ReplicateKeys::new(params.run.seed, replicate);
        let mut world = World::empty(params);
        let sizes: Vec<usize> = (0..world.layout.regions()).map(|r| world.layout.len(r)).collect();
        let plan = plan_chunks(&sizes, chunk);

        let init_key = keys.once(Purpose::Init);
        let layout = world.layout.clone();
        map_items(parallel, youth_chunks(&mut world.youths, &layout, &plan), |mut c| {
            youth::init_chunk(&mut c, params, init_key)
        });

        let net_key = keys.once(Purpose::Network);
        network::set_keys(&mut world.network, net_key);
        let peers = params.population.peers as usize;
        let net = &mut world.network;
        let byte_ranges: Vec<Range<usize>> = plan
            .iter()
            .map(|c| {
                let b = net.region_byte[c.region] + c.local * peers / 8;
                b..b + (c.len * peers).div_ceil(8)
            })
            .collect();
        let slices = split_ranges(&mut net.masks, byte_ranges);
        let rewire = params.population.rewire;
        map_items(parallel, slices.into_iter().zip(&plan).collect(), |(bytes, c)| {
            network::draw_masks(bytes, c.region, c.local..c.local + c.len, peers as u32, rewire, net_key)
        });

        let reverse = map_items(parallel, (0..sizes.len()).collect(), |r| {
            network::Reverse::build(&world.network, r, sizes[r])
        });
        world.network.reverse = reverse;

        init::initial_members(&mut world, params, init_key);
        let free = (0..sizes.len())
            .map(|r| {
                let range = world.layout.start[r]..world.layout.start[r + 1];
                let y = &world.youths;
                contact::free_classes(&y.status[range.clone()], &y.age[range.clone()], &y.flags[range])
            })
            .collect();
        let trial = Trial::new(params, world.youths.flags.len());
        Replicate { params, world, keys, plan, step: 0, free, parallel, trial }
    }

    /// The reported month the next step simulates (negative during burn-in).
    pub fn next_month(&self) -> i64 {
        self.step as i64 - self.params.run.burn_in_months as i64
    }

    /// Total months this replicate simulates.
    pub fn total_steps(&self) -> u64 {
        (self.params.run.burn_in_months + self.params.run.months) as u64
    }

    /// This replicate's state continued under other parameters: the fork of a shared
    /// burn-in (see `engine::same_burn_in`). The state, random keys and chunk plan are
    /// copied; the months still to come read `params`.
    pub fn fork<'q>(&self, params: &'q Params) -> Replicate<'q> {
        Replicate {
            params,
            world: self.world.clone(),
            keys: self.keys.clone(),
            plan: self.plan.clone(),
            step: self.step,
            free: self.free.clone(),
            parallel: self.parallel,
            trial: Trial::new(params, self.world.youths.flags.len()),
        }
    }

    /// As [`Replicate::fork`], without copying the state.
    pub fn into_fork<'q>(self, params: &'q Params) -> Replicate<'q> {
        let Replicate { world, keys, plan, step, free, parallel, .. } = self;
        let trial = Trial::new(params, world.youths.flags.len());
        Replicate { params, world, keys, plan, step, free, parallel, trial }
    }

    pub fn set_parallel(&mut self, parallel: bool) {
        self.parallel = parallel;
    }

    /// Simulates one month (section 2). Returns its report for a reported month, `None`
    /// during burn-in.
    pub fn step(&mut self) -> Option<MonthReport> {
        let params = self.params;
        let t = self.next_month();
        let parallel = self.parallel;

        // 1–2. Levers and the snapshot's aggregates.
        let levers = LeversNow::at(params, t);
        let now = region::snapshot(&self.world, params, &levers);

        // The contact census from the members' side, then the month's tables.
        let census = self.census(&now, parallel);
        let tables = self.tables(&now, &levers, &census);
        if let Some(trial) = &mut self.trial {
            trial.before_step(t, &self.world);
        }

        // 3. Every youth's month.
        let (mut tallies, chunk_candidates) = self.update(&tables, parallel);
        for (r, tally) in tallies.iter().enumerate() {
            self.free[r] = tally.free_next;
        }
        for (r, tally) in tallies.iter().enumerate() {
            for (k, ranks) in tally.members.iter().enumerate() {
                *self.world.counts.get_mut(k, r) = *ranks;
            }
        }

        // 6.2: placements are filled from the month's candidates.
        self.hire(&levers, &mut tallies, &chunk_candidates, parallel);

        // 4. Cartels and regions, sequentially.
        for rs in self.world.regions.iter_mut() {
            rs.shock *= params.violence.shock_decay;
        }
        let (removals, skipped) = self.kingpin(t, &levers, parallel);
        region::update_territory(&mut self.world, params);
        let severance = region::update_corruption(&mut self.world, params, &levers);
        let violence: Vec<f64> = now.iter().map(|n| n.violence).collect();
        region::update_efficacy(&mut self.world, params, &levers, &violence);

        // 5. Metrics, for reported months only.
        let trial = if t >= 0 { self.trial.as_mut().map(|tr| tr.after_step(t, &self.world)) } else { None };
        let report = (t >= 0).then(|| {
            let inputs = MonthInputs {
                now: &now,
                levers: &levers,
                tallies: &tallies,
                severance: &severance,
                removals: &removals,
                cost_per_operation: params.policy.kingpin.first().map_or(0.0, |l| l.p.cost_per_operation),
            };
            let metrics =
                month_metrics(params, &self.world, &inputs, self.keys.month(Purpose::Regions, self.step));
            let events = self.events(t, &removals, skipped);
            MonthReport { month: t as u32, metrics, events, trial }
        });
        self.step += 1;
        report
    }

    /// Each region's tables for the youths' pass (section 3).
    fn tables(&self, now: &[RegionNow], levers: &LeversNow, census: &[Census]) -> Vec<RegionTables> {
        let territory: Vec<Vec<f64>> = self.world.cartels.iter().map(|c| c.territory.clone()).collect();
        (0..self.params.regions.len())
            .map(|r| {
                youth::region_tables(
                    self.params,
                    r,
                    &now[r],
                    &levers.regions[r],
                    &census[r],
                    &self.world.counts,
                    &territory,
                )
            })
            .collect()
    }

    /// The month's kingpin events: removals done, then strikes skipped.
    fn events(&self, t: i64, removals: &[Removal], skipped: Vec<String>) -> Vec<Event> {
        let nr = self.params.regions.len();
        removals
            .iter()
            .map(|rem| Event {
                month: t as u32,
                cartel: self.world.cartels[rem.cartel].name.clone(),
                split: rem.split.is_some(),
                new_cartel: rem.split.as_ref().map(|s| self.world.cartels[s.splinter].name.clone()),
                regions: (0..nr).filter(|&r| rem.territory[r] > 0.0).collect(),
                skipped: false,
            })
            .chain(skipped.into_iter().map(|cartel| Event {
                month: t as u32,
                cartel,
                split: false,
                new_cartel: None,
                regions: Vec::new(),
                skipped: true,
            }))
            .collect()
    }

    /// Each region's contact census: its free youths (from last month's tally) and their
    /// ties to members, counted from the members' side chunk by chunk.
    fn census(&self, now: &[RegionNow], parallel: bool) -> Vec<Census> {
        let w = &self.world;
        let layout = &w.layout;
        let busy: Vec<ChunkSpec> = self.plan.iter().filter(|c| now[c.region].members > 0).copied().collect();
        let parts = map_items(parallel, busy, |c| {
            let r = c.region;
            let (s, e, w0) = (layout.start[r], layout.start[r + 1], layout.word[r]);
            let y = RegionYouths {
                status: &w.youths.status[s..e],
                age: &w.youths.age[s..e],
                flags: &w.youths.flags[s..e],
            };
            let bits = &w.members_now[w0..w0 + (e - s).div_ceil(64) + 1];
            let blocks = c.local / 64..(c.local + c.len).div_ceil(64);
            (r, contact::member_ties(&w.network, &w.network.reverse[r], bits, r, e - s, &y, blocks))
        });
        let mut census: Vec<Census> =
            self.free.iter().map(|&free| Census { free, member_ties: [0; contact::CLASSES] }).collect();
        for (r, ties) in parts {
            for (a, b) in census[r].member_ties.iter_mut().zip(ties) {
                *a += b;
            }
        }
        census
    }

    /// The youths' pass over all chunks; returns the tally of each region and the
    /// placement candidates of each chunk, and swaps the member bitmaps.
    fn update(&mut self, tables: &[RegionTables], parallel: bool) -> (Vec<Tally>, Vec<[u64; 2]>) {
        let key = self.keys.month(Purpose::Youths, self.step);
        let world = &mut self.world;
        let layout = world.layout.clone();
        let ncartels = world.cartels.len();
        let word_ranges: Vec<Range<usize>> = self
            .plan
            .iter()
            .map(|c| {
                let w = layout.word[c.region] + c.local / 64;
                w..w + c.len.div_ceil(64)
            })
            .collect();
        let bits = split_ranges(&mut world.members_next, word_ranges);
        let peers: Vec<PeerInput> = (0..layout.regions())
            .map(|r| {
                let n = layout.len(r);
                let w0 = layout.word[r];
                PeerInput {
                    network: &world.network,
                    bits: &world.members_now[w0..w0 + n.div_ceil(64) + 1],
                    region_len: n,
                }
            })
            .collect();
        let chunks = youth_chunks(&mut world.youths, &layout, &self.plan);
        let parts = map_items(parallel, chunks.into_iter().zip(bits).collect(), |(mut c, b)| {
            let mut tally = Tally::new(ncartels);
            let r = c.region;
            youth::update_chunk(&mut c, &tables[r], &peers[r], key, b, &mut tally);
            (r, tally)
        });
        drop(peers);
        let mut tallies: Vec<Tally> = (0..layout.regions()).map(|_| Tally::new(ncartels)).collect();
        let mut candidates = Vec::with_capacity(parts.len());
        for (r, t) in parts {
            candidates.push(t.candidates);
            tallies[r].add(&t);
        }
        std::mem::swap(&mut world.members_now, &mut world.members_next);
        (tallies, candidates)
    }

    /// 6.2: chooses each region's hires by rank, then places them chunk by chunk.
    fn hire(
        &mut self,
        levers: &LeversNow,
        tallies: &mut [Tally],
        chunk_candidates: &[[u64; 2]],
        parallel: bool,
    ) {
        let key = self.keys.month(Purpose::Hiring, self.step);
        let hires: Vec<Option<jobs::Hires>> = levers
            .regions
            .iter()
            .zip(tallies.iter())
            .enumerate()
            .map(|(r, (lv, t))| {
                let j = lv.youth_jobs.as_ref()?;
                let h = jobs::choose(j, t.candidates, t.placements, &mut Stream::for_item(key, r));
                (h.count() > 0).then_some(h)
            })
            .collect();
        if hires.iter().all(Option::is_none) {
            return;
        }
        // Each chunk's candidates before it in its region.
        let mut before = Vec::with_capacity(self.plan.len());
        let mut running = vec![[0u64; 2]; hires.len()];
        for (c, cand) in self.plan.iter().zip(chunk_candidates) {
            before.push(running[c.region]);
            running[c.region][0] += cand[0];
            running[c.region][1] += cand[1];
        }
        let work: Vec<(ChunkSpec, [u64; 2], [u64; 2])> = self
            .plan
            .iter()
            .zip(before)
            .zip(chunk_candidates)
            .filter(|((c, _), _)| hires[c.region].is_some())
            .map(|((c, b), h)| (*c, b, *h))
            .collect();
        let specs: Vec<ChunkSpec> = work.iter().map(|w| w.0).collect();
        let layout = self.world.layout.clone();
        let chunks = youth_chunks(&mut self.world.youths, &layout, &specs);
        let parts =
            map_items(parallel, chunks.into_iter().zip(work).collect(), |(mut c, (spec, b, here))| {
                let j = levers.regions[spec.region].youth_jobs.as_ref().expect("hiring region");
                let h = hires[spec.region].as_ref().expect("hiring region");
                (spec.region, jobs::hire_chunk(&mut c, h, b, here, j.target_poor, j.months))
            });
        for (r, n) in parts {
            let t = &mut tallies[r];
            t.stocks[narcodoor_model::state::status::IDLE as usize] -= n;
            t.stocks[narcodoor_model::state::status::WORK as usize] += n;
            t.placements += n;
        }
    }

    /// 6.6: this month's removals by the lever's schedule, then the dated events of this
    /// month in file order, with their shocks and splits. An event whose cartel is gone
    /// (unknown, inactive or without territory in its regions) is skipped and reported.
    fn kingpin(&mut self, t: i64, levers: &LeversNow, parallel: bool) -> (Vec<Removal>, Vec<String>) {
        let Some(lever) = self.params.policy.kingpin.first() else { return (Vec::new(), Vec::new()) };
        let due = kingpin::removals_due(&mut self.world, lever, levers.kingpin);
        let mut rng = Stream::new(self.keys.month(Purpose::Kingpin, self.step));
        let mut removals = Vec::new();
        for n in 0..due {
            let Some(k) = kingpin::target(&self.world, lever, t) else { continue };
            let strike = Strike::scheduled(&lever.p, k, t, levers.kingpin);
            removals.push(self.strike(&lever.p, &strike, n, &mut rng, parallel));
        }
        let mut skipped = Vec::new();
        let today = lever.p.events.iter().filter(|e| t >= 0 && i64::from(e.month) == t);
        for (i, e) in today.enumerate() {
            let Some(k) = kingpin::event_target(&self.world, &e.cartel, &e.regions) else {
                skipped.push(e.cartel.clone());
                continue;
            };
            let split_probability = e.split_probability.unwrap_or(lever.p.split_probability);
            let strike = Strike { cartel: k, month: t, f: 1.0, regions: Some(&e.regions), split_probability };
            removals.push(self.strike(&lever.p, &strike, due + i as u64, &mut rng, parallel));
        }
        (removals, skipped)
    }

    /// Carries out one removal; the `n`th of the month keys the members' moves of a split.
    fn strike(&mut self, p: &Kingpin, s: &Strike<'_>, n: u64, rng: &mut Stream, parallel: bool) -> Removal {
        let removal = kingpin::remove(&mut self.world, self.params, p, s, rng);
        if let Some(split) = &removal.split {
            let key = narcodoor_model::rng::key(&[self.keys.month(Purpose::Split, self.step), n]);
            self.move_members(s.cartel, split.splinter, &split.share, key, parallel);
        }
        removal
    }

    /// Moves each member of cartel `from` in region r to `to` with probability share[r].
    fn move_members(&mut self, from: usize, to: usize, share: &[f64], key: u64, parallel: bool) {
        let nr = self.world.layout.regions();
        let layout = self.world.layout.clone();
        let involved: Vec<ChunkSpec> = self
            .plan
            .iter()
            .filter(|c| share[c.region] > 0.0 && self.world.counts.cartel_region(from, c.region) > 0)
            .copied()
            .collect();
        let chunks = youth_chunks(&mut self.world.youths, &layout, &involved);
        let parts = map_items(parallel, chunks, |mut c| {
            let r = c.region;
            (r, youth::split_chunk(&mut c, from as u16, to as u16, share[r], key))
        });
        let mut moved = vec![[0u32; 4]; nr];
        for (r, m) in parts {
            for j in 0..4 {
                moved[r][j] += m[j];
            }
        }
        kingpin::apply_moves(&mut self.world, from, to, &moved);
    }
}
