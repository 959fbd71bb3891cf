//! Times the month loop of one replicate, like the Mesa peer's `agent_steps_per_second`:
//! youths × (burn-in + months) / seconds of stepping (initialisation and output excluded).
//!
//!     cargo run --release --example kernel_rate -- benches/kernel.toml 20000 120 60 [threads]
//!
//! Prints `agent_steps_per_second=<rate>` and the run's mean members and recruits, which
//! benches/compare_peers.sh sets beside the peer's.

use std::time::Instant;

use narcodoor::engine::Replicate;
use narcodoor::model::metrics::index_of;
use narcodoor::scenario::{self, Overrides};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let path = arg(1, "benches/kernel.toml");
    let youths: u64 = arg(2, "20000").parse().expect("youths");
    let months: u32 = arg(3, "240").parse().expect("months");
    let burn_in: u32 = arg(4, "120").parse().expect("burn-in");
    let threads: usize = arg(5, "1").parse().expect("threads");
    let mut s = scenario::load(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"));
    s.apply(&Overrides { youths: Some(youths), months: Some(months), ..Overrides::default() }).unwrap();
    s.params.run.burn_in_months = burn_in;
    let p = s.params;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let (secs, reports) = pool.install(|| {
        let mut r = Replicate::new(&p, 0, threads > 1);
        let t0 = Instant::now();
        let reports: Vec<_> = (0..r.total_steps()).filter_map(|_| r.step()).collect();
        (t0.elapsed().as_secs_f64(), reports)
    });
    let mean = |m: &str| {
        let i = index_of(m).unwrap();
        reports.iter().map(|r| r.metrics.national[i]).sum::<f64>() / reports.len() as f64
    };
    println!(
        "narcodoor {}: {youths} youths x ({burn_in} + {months}) months on {threads} thread(s); stepping {secs:.3}s",
        env!("CARGO_PKG_VERSION")
    );
    println!("mean members={:.1} recruits={:.2} idle={:.1}", mean("members"), mean("recruits"), mean("idle"));
    println!("agent_steps_per_second={:.1}", youths as f64 * (burn_in + months) as f64 / secs);
}
