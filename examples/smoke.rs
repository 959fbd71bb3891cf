use narcodoor::engine::Replicate;
use narcodoor::model::metrics::{METRICS, index_of};
use narcodoor::model::params::Params;
fn main() {
    let mut p = Params::defaults();
    let n: u64 = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(100_000);
    p.regions[0].youths = n;
    p.population.youths = n;
    let t0 = std::time::Instant::now();
    let mut rep = Replicate::new(&p, 0, true);
    let t1 = std::time::Instant::now();
    let show = [
        "school",
        "work",
        "idle",
        "members",
        "members_rank1",
        "members_rank4",
        "prison",
        "recruits",
        "minor_recruits",
        "member_deaths",
        "member_arrests",
        "homicide_rate",
        "violence",
    ];
    println!("{}", show.join("\t"));
    let mut months = 0;
    while let Some(r) = {
        let s = rep.step();
        months += 1;
        if months <= 360 { Some(s) } else { None }
    } {
        if let Some(r) = r {
            if r.month % 24 == 0 || r.month == 239 {
                let v: Vec<String> =
                    show.iter().map(|n| format!("{:.1}", r.metrics.national[index_of(n).unwrap()])).collect();
                println!("{}\t{}", r.month, v.join("\t"));
            }
        }
    }
    let el = t1.elapsed().as_secs_f64();
    eprintln!(
        "init {:.3}s, 360 months {:.3}s: {:.1} M youth-months/s ({} metrics)",
        (t1 - t0).as_secs_f64(),
        el,
        n as f64 * 360.0 / el / 1e6,
        METRICS.len()
    );
}
