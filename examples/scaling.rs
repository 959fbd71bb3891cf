//! How the cost of a month grows with youths, regions, cartels and peers.
//!
//!     cargo run --release --example scaling -- [threads] [months]
//!
//! For each dimension, three or more sizes of a synthetic country are stepped for a fixed
//! number of months after a short warm-up, on `threads` threads (default 1, which measures
//! work rather than parallelism). Prints nanoseconds per youth-month and the fitted
//! exponent of time per month against the size (least squares on logs). Inputs are seeded
//! and fixed; the numbers in docs/performance.md come from this command.

use std::time::Instant;

use narcodoor::engine::Replicate;
use narcodoor::model::params::{CartelSpec, Params, Region};

/// A country of `youths` youths in `regions` equal regions on a chain of neighbours, with
/// `cartels` cartels sharing 90% of every region, and `peers` peers.
fn country(youths: u64, regions: usize, cartels: usize, peers: u32) -> Params {
    let mut p = Params::defaults();
    p.population.youths = youths;
    p.population.peers = peers;
    p.run.months = 100_000;
    p.regions = (0..regions)
        .map(|r| {
            let mut reg = Region::with_defaults(&format!("R{r}"), youths / regions as u64);
            reg.neighbours =
                [r.checked_sub(1), (r + 1 < regions).then_some(r + 1)].into_iter().flatten().collect();
            reg
        })
        .collect();
    p.cartel_list = (0..cartels)
        .map(|k| CartelSpec {
            name: format!("K{k}"),
            predatory: false,
            territory: vec![0.9 / cartels as f64; regions],
        })
        .collect();
    p
}

/// Seconds per simulated month, after `warm` months, over `months` months.
fn time_per_month(p: &Params, months: u32) -> f64 {
    let mut r = Replicate::new(p, 0, true);
    for _ in 0..6 {
        r.step();
    }
    let t0 = Instant::now();
    for _ in 0..months {
        r.step();
    }
    t0.elapsed().as_secs_f64() / months as f64
}

/// Least-squares slope of ln(y) on ln(x).
fn exponent(xs: &[f64], ys: &[f64]) -> f64 {
    let lx: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
    let ly: Vec<f64> = ys.iter().map(|y| y.ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

fn study(name: &str, sizes: &[f64], make: impl Fn(f64) -> Params, months: u32) {
    let mut times = Vec::new();
    println!("{name}:");
    for &s in sizes {
        let p = make(s);
        let t = time_per_month(&p, months);
        let youths = p.total_youths() as f64;
        println!(
            "  {name} = {s:>10}: {:8.2} ms per month, {:6.2} ns per youth-month",
            t * 1e3,
            t * 1e9 / youths
        );
        times.push(t);
    }
    println!("  exponent of time per month in {name}: {:.2}", exponent(sizes, &times));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).map_or(1, |s| s.parse().expect("threads"));
    let months: u32 = args.get(2).map_or(24, |s| s.parse().expect("months"));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
    println!(
        "narcodoor {} scaling study on {threads} thread(s), {months} months per point",
        env!("CARGO_PKG_VERSION")
    );
    pool.install(|| {
        study("youths", &[1e5, 1e6, 1e7], |n| country(n as u64, 4, 2, 8), months);
        study("regions", &[1.0, 4.0, 16.0, 64.0], |r| country(1_000_000, r as usize, 2, 8), months);
        study("cartels", &[1.0, 4.0, 16.0, 64.0], |k| country(1_000_000, 4, k as usize, 8), months);
        study("peers", &[4.0, 8.0, 16.0, 32.0], |k| country(1_000_000, 4, 2, k as u32), months);
    });
}
