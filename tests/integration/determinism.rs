//! Results are bit-identical for any thread count, chunk size and parallel strategy, and
//! across runs with the same seed; a fixed-seed golden file guards against silent changes;
//! every month the statuses add up to the population.

use crate::common;

use narcodoor::engine::{MonthReport, Replicate, run_replicates};
use narcodoor::model::metrics::index_of;
use narcodoor::model::params::Params;
use narcodoor::output::tables::TimeseriesWriter;
use narcodoor::scenario::Overrides;

fn tiny() -> Params {
    common::load(&common::root().join("tests/fixtures/tiny_all_levers.toml"), Overrides::default())
}

/// Every reported month of replicate `rep`, with the given parallelism and chunk size,
/// inside a rayon pool of `threads` threads.
fn months(p: &Params, rep: u32, threads: usize, parallel: bool, chunk: usize) -> Vec<MonthReport> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut r = Replicate::with_chunk(p, rep, parallel, chunk);
        (0..r.total_steps()).filter_map(|_| r.step()).collect()
    })
}

#[test]
fn one_thread_equals_many_threads_and_any_chunking() {
    let p = tiny();
    for rep in 0..2 {
        let reference = months(&p, rep, 1, false, 64);
        assert_eq!(reference.len(), p.run.months as usize);
        for (threads, parallel, chunk) in [(1, true, 16_384), (2, true, 64), (4, true, 128), (3, false, 1024)]
        {
            let other = months(&p, rep, threads, parallel, chunk);
            assert!(
                other == reference,
                "replicate {rep}: {threads} threads, chunk {chunk} differ from 1 thread"
            );
        }
    }
}

#[test]
fn both_strategies_give_the_same_replicates() {
    let p = tiny();
    let reps: Vec<u32> = (0..p.run.replicates).collect();
    let mut serial = Vec::new();
    run_replicates(&p, &reps, 1, &|_, _| {}, |r| {
        serial.push(r);
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    // Four threads and three replicates of a small population: whole replicates per
    // thread; the results still arrive in replicate order and equal the serial ones.
    for threads in [2, 4] {
        let mut parallel = Vec::new();
        run_replicates(&p, &reps, threads, &|_, _| {}, |r| {
            parallel.push(r);
            Ok::<(), std::io::Error>(())
        })
        .unwrap();
        assert!(parallel == serial, "{threads} threads");
    }
    // Replicates differ from each other (the seed reaches every stream).
    assert!(serial[0].months != serial[1].months);
}

#[test]
fn the_same_seed_repeats_and_another_seed_differs() {
    let p = tiny();
    let a = months(&p, 0, 2, true, 256);
    let b = months(&p, 0, 2, true, 256);
    assert!(a == b);
    let mut q = p.clone();
    q.run.seed += 1;
    assert!(months(&q, 0, 2, true, 256) != a);
}

#[test]
fn statuses_add_up_to_the_population_every_month() {
    let p = tiny();
    let youths = p.total_youths() as f64;
    let stocks = ["school", "work", "idle", "members", "prison"].map(|m| index_of(m).unwrap());
    let ranks =
        ["members_rank1", "members_rank2", "members_rank3", "members_rank4"].map(|m| index_of(m).unwrap());
    for m in months(&p, 1, 2, true, 512) {
        let total: f64 = stocks.iter().map(|&i| m.metrics.national[i]).sum();
        assert_eq!(total, youths, "month {}", m.month);
        let by_rank: f64 = ranks.iter().map(|&i| m.metrics.national[i]).sum();
        assert_eq!(by_rank, m.metrics.national[stocks[3]]);
        for (r, row) in m.metrics.regions.iter().enumerate() {
            let total: f64 = stocks.iter().map(|&i| row[i]).sum();
            assert_eq!(total, p.regions[r].youths as f64, "month {} region {r}", m.month);
        }
    }
}

/// The golden file holds replicate 0 of the tiny scenario as `timeseries.csv` rows. A
/// deliberate change to the model regenerates it with `NARCODOOR_BLESS=1 cargo test`; any
/// other difference is a bug (or an undocumented change of the model).
#[test]
fn golden_timeseries_of_the_tiny_scenario() {
    let p = tiny();
    let reps = [0u32];
    let path = std::env::temp_dir().join(format!("narcodoor-golden-{}.csv", std::process::id()));
    let mut w = TimeseriesWriter::create(&path).unwrap();
    run_replicates(&p, &reps, 2, &|_, _| {}, |r| w.write(&r)).unwrap();
    w.finish().unwrap();
    let got = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let golden = common::root().join("tests/fixtures/golden/tiny_timeseries.csv");
    if std::env::var_os("NARCODOOR_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("golden file (NARCODOOR_BLESS=1 creates it)");
    if got != want {
        let first = got.lines().zip(want.lines()).position(|(a, b)| a != b);
        panic!("the tiny scenario's timeseries changed; first differing line: {first:?}");
    }
}
