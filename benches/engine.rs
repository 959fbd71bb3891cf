//! Criterion benchmarks of the engine. Every input is fixed and seeded.
//!
//! - `month_step/<youths>`: one month of the baseline scenario (no levers), scaled to
//!   10^5, 10^6 and 10^7 youths, on all cores; throughput in youth-months per second.
//! - `month_step_all_levers/<youths>`: the same with all nine levers on
//!   (`benches/all_levers.toml`: scholarships, youth jobs, public space, policing with the
//!   army, police reform, kingpin removals, juvenile law, asset forfeiture, demand).
//! - `month_step_threads/<n>`: the all-levers step at 10^6 youths on 1 and 2 threads
//!   (parallel efficiency; outputs are identical).
//! - `init_and_network/<youths>`: drawing a replicate's initial state and peer network.
//! - `replicate/baseline`: one whole replicate of the bundled baseline (200,000 youths,
//!   120 + 240 months), end to end.
//!
//! Month-step benchmarks time the two years after a warm-up (burn-in plus two years),
//! over and over: after 24 timed months the replicate is reset to a copy of the warmed
//! state, outside the timing. So the workload does not drift with criterion's iteration
//! counts (kingpin splits, for one, add cartels month after month), and the data stay as
//! warm in the caches as in a real run.
//!
//! Run with `cargo bench`; `cargo bench -- month_step/1000000` runs one. Figures and the
//! machine they come from are in docs/performance.md.

use std::path::Path;

use std::time::{Duration, Instant};

use criterion::{Bencher, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use narcodoor::engine::Replicate;
use narcodoor::model::params::Params;
use narcodoor::scenario::{self, Overrides};

/// A scenario file of this repository, rescaled to `youths`.
fn scenario_at(file: &str, youths: u64) -> Params {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let mut s = scenario::load(&path).unwrap_or_else(|e| panic!("{file} loads: {e}"));
    s.apply(&Overrides { youths: Some(youths), ..Overrides::default() }).expect("rescaled");
    s.params
}

fn baseline(youths: u64) -> Params {
    scenario_at("scenarios/baseline.toml", youths)
}

/// The baseline with every lever on (`benches/all_levers.toml`, which `benches/efficiency.sh`
/// also runs, so that whole runs and these benches time the same workload).
fn all_levers(youths: u64) -> Params {
    scenario_at("benches/all_levers.toml", youths)
}

/// A replicate two years past its burn-in, so that every lever is active and kingpin
/// removals have happened in the measured month.
fn warmed(p: &Params) -> Replicate<'_> {
    let mut r = Replicate::new(p, 0, true);
    for _ in 0..p.run.burn_in_months + 24 {
        r.step();
    }
    r
}

/// Times `iters` months, cycling through the 24 months that follow `warm` (see the module
/// documentation); `within` runs a step (inside a thread pool, say).
fn time_months(b: &mut Bencher, warm: &Replicate, within: impl Fn(&mut (dyn FnMut() + Send)) + Copy) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        let mut r = warm.clone();
        for i in 0..iters {
            if i > 0 && i % 24 == 0 {
                r = warm.clone();
            }
            let t0 = Instant::now();
            within(&mut || {
                r.step();
            });
            total += t0.elapsed();
        }
        total
    })
}

fn month_step(c: &mut Criterion) {
    for (group, make) in
        [("month_step", baseline as fn(u64) -> Params), ("month_step_all_levers", all_levers)]
    {
        let mut g = c.benchmark_group(group);
        g.sample_size(10);
        for youths in [100_000u64, 1_000_000, 10_000_000] {
            if group == "month_step_all_levers" && youths == 100_000 {
                continue;
            }
            let mut p = make(youths);
            // Long enough that the measured months never reach the end of the run.
            p.run.months = 100_000;
            let r = warmed(&p);
            g.throughput(Throughput::Elements(youths));
            g.bench_function(BenchmarkId::from_parameter(youths), |b| time_months(b, &r, |f| f()));
        }
        g.finish();
    }
}

fn threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("month_step_threads");
    g.sample_size(10);
    let youths = 1_000_000;
    let mut p = all_levers(youths);
    p.run.months = 100_000;
    g.throughput(Throughput::Elements(youths));
    for n in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("a pool");
        let r = pool.install(|| warmed(&p));
        g.bench_function(BenchmarkId::from_parameter(n), |b| time_months(b, &r, |f| pool.install(f)));
    }
    g.finish();
}

fn init_and_network(c: &mut Criterion) {
    let mut g = c.benchmark_group("init_and_network");
    g.sample_size(10);
    for youths in [1_000_000u64, 10_000_000] {
        let p = baseline(youths);
        g.throughput(Throughput::Elements(youths));
        g.bench_function(BenchmarkId::from_parameter(youths), |b| {
            b.iter(|| Replicate::new(&p, 0, true).world.layout.total())
        });
    }
    g.finish();
}

fn replicate(c: &mut Criterion) {
    let mut g = c.benchmark_group("replicate");
    g.sample_size(10);
    let p = baseline(200_000);
    g.throughput(Throughput::Elements(200_000 * (p.run.burn_in_months + p.run.months) as u64));
    g.bench_function("baseline", |b| {
        b.iter(|| {
            let mut r = Replicate::new(&p, 0, true);
            (0..r.total_steps()).filter_map(|_| r.step()).count()
        })
    });
    g.finish();
}

criterion_group!(benches, month_step, threads, init_and_network, replicate);
criterion_main!(benches);
