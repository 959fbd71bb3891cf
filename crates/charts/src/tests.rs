//! Tests of the public chart functions: every chart renders a PNG of the right size that is
//! not blank, awkward data never panic, and the same input gives the same bytes.
//!
//! `cargo test --lib output::charts::tests::write_samples -- --ignored` writes one sample of
//! each chart to `$CHART_SAMPLES` (default `/tmp/narcodoor-chart-samples`) for looking at.

use super::*;
use std::path::PathBuf;

fn months(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64).collect()
}

/// A smooth, deterministic wiggle standing in for simulation noise.
fn wiggle(i: usize, seed: f64) -> f64 {
    let t = i as f64;
    (t * 0.21 + seed).sin() * 0.6 + (t * 0.047 + 2.0 * seed).sin() + (t * 1.3 + seed).sin() * 0.25
}

fn band(label: &str, x: &[f64], level: f64, trend: f64, seed: f64) -> Band {
    let mean: Vec<f64> =
        (0..x.len()).map(|i| level + trend * i as f64 + wiggle(i, seed) * level * 0.05).collect();
    let lo = mean.iter().map(|m| m * 0.9 - 0.5).collect();
    let hi = mean.iter().map(|m| m * 1.1 + 0.5).collect();
    Band { label: label.to_string(), mean, lo, hi }
}

fn text<'a>(title: &'a str, x: &'a str, y: &'a str) -> ChartText<'a> {
    ChartText { title, x_label: x, y_label: y }
}

fn sample_lines(path: &Path) -> Result<(), ChartError> {
    let x = months(240);
    let series = [
        band("baseline", &x, 24.0, 0.01, 0.0),
        band("scholarships for poor youths", &x, 22.0, -0.02, 1.0),
        band("kingpin strategy", &x, 25.0, 0.03, 2.0),
    ];
    let marks = [
        Mark { x: 60.0, label: "kingpin removed".into(), end: None },
        Mark { x: 66.0, label: "kingpin removed".into(), end: None },
        Mark { x: 150.0, label: "second cartel split".into(), end: None },
    ];
    lines_with_bands(
        path,
        &text("Homicide rate under three policies", "month", "homicides per 100k per year"),
        &x,
        &series,
        &marks,
    )
}

fn sample_shares(path: &Path) -> Result<(), ChartError> {
    let x = months(240);
    let layer = |label: &str, base: f64, seed: f64| Layer {
        label: label.into(),
        values: (0..240).map(|i| base * (1.0 + 0.3 * wiggle(i, seed))).collect(),
    };
    let layers = [
        layer("lookouts (halcones)", 50.0, 0.0),
        layer("dealers and couriers", 30.0, 1.0),
        layer("enforcers (sicarios)", 15.0, 2.0),
        layer("plaza bosses", 3.0, 3.0),
    ];
    stacked_shares(path, &text("Cartel members by rank", "month", "share of members"), &x, &layers)
}

fn sample_areas(path: &Path) -> Result<(), ChartError> {
    let x = months(240);
    let layer = |label: &str, base: f64, start: usize, seed: f64| Layer {
        label: label.into(),
        values: (0..240)
            .map(|i| if i < start { 0.0 } else { base * (1.0 + 0.1 * wiggle(i, seed)) })
            .collect(),
    };
    let layers = [
        layer("scholarships", 42e6, 0, 0.0),
        layer("youth jobs", 25e6, 24, 1.0),
        layer("policing", 0.0, 0, 2.0),
        layer("prison", 18e6, 0, 3.0),
    ];
    stacked_areas(path, &text("Spending by lever", "month", "pesos per month"), &x, &layers)
}

fn sample_multiples(path: &Path, n: usize, scale: PanelScale) -> Result<(), ChartError> {
    let x = months(240);
    let panels: Vec<(String, Band)> = (0..n)
        .map(|i| {
            let level = 5.0 + 3.0 * i as f64;
            (format!("State {}", i + 1), band("mean", &x, level, 0.0, i as f64))
        })
        .collect();
    let marks = [Mark { x: 60.0, label: "kingpin removed".into(), end: None }];
    small_multiples(
        path,
        &text("Homicide rate by state", "month", "homicides per 100k per year"),
        &x,
        &panels,
        &marks,
        scale,
    )
}

fn bar(label: &str, value: f64, half: f64, group: Option<&str>) -> BarItem {
    BarItem {
        label: label.into(),
        value,
        lo: Some(value - half),
        hi: Some(value + half),
        group: group.map(String::from),
    }
}

fn sample_bars(path: &Path, orientation: Orientation) -> Result<(), ChartError> {
    let g1 = Some("homicides per 100k per year");
    let g2 = Some("recruits per 1,000 youths per year");
    let bars = [
        bar("scholarships", -2.1, 0.8, g1),
        bar("youth jobs", -1.2, 0.9, g1),
        bar("kingpin strategy", 3.4, 1.5, g1),
        bar("scholarships and youth jobs together with community policing", -3.0, 1.1, g1),
        bar("scholarships", -0.8, 0.2, g2),
        bar("youth jobs", -1.1, 0.3, g2),
        bar("kingpin strategy", 0.4, 0.5, g2),
        bar("scholarships and youth jobs together with community policing", -1.6, 0.4, g2),
    ];
    bars_with_intervals(
        path,
        &text("Effects of policies against the baseline", "policy", "change vs baseline"),
        &bars,
        orientation,
    )
}

fn sample_scatter(path: &Path) -> Result<(), ChartError> {
    let p = |label: &str, x: f64, y: f64, ex: f64, ey: f64| PointItem {
        label: label.into(),
        x,
        y,
        x_lo: Some(x - ex),
        x_hi: Some(x + ex),
        y_lo: Some(y - ey),
        y_hi: Some(y + ey),
    };
    let points = [
        p("scholarships", 850e6, 410.0, 60e6, 90.0),
        p("youth jobs", 620e6, 300.0, 50e6, 80.0),
        p("kingpin strategy", 300e6, -120.0, 20e6, 150.0),
        p("community policing", 900e6, 380.0, 70e6, 100.0),
        p("all combined", 2100e6, 820.0, 150e6, 160.0),
        p("prison expansion", 1500e6, 50.0, 100e6, 120.0),
    ];
    scatter_labeled(
        path,
        &text("Cost and effect of policies", "cost (pesos over 20 years)", "recruitments averted"),
        &points,
    )
}

fn sample_tornado(path: &Path) -> Result<(), ChartError> {
    let names = [
        "peer influence weight",
        "wage gap",
        "school dropout base rate",
        "police effort",
        "cartel wage premium",
        "prison length",
        "poverty threshold",
        "rewiring probability",
        "scholarship size",
        "recruitment intensity",
    ];
    let rows: Vec<TornadoRow> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let v = ((i * 37) % 10) as f64 / 20.0 + 0.02;
            TornadoRow { label: n.to_string(), value: v, lo: Some((v - 0.05).max(0.0)), hi: Some(v + 0.05) }
        })
        .collect();
    tornado(path, &text("Sensitivity of the homicide rate", "parameter", "total-order Sobol index"), &rows)
}

fn decode(path: &Path) -> image::RgbImage {
    image::open(path).unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display())).to_rgb8()
}

/// The image has several distinct colours and some ink in its middle, where plots are.
fn assert_not_blank(img: &image::RgbImage) {
    let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(colours.len() >= 5, "only {} colours", colours.len());
    let (w, h) = img.dimensions();
    let mut inked = 0usize;
    let mut total = 0usize;
    for y in h / 4..3 * h / 4 {
        for x in w / 4..3 * w / 4 {
            total += 1;
            if img.get_pixel(x, y).0 != [255, 255, 255] {
                inked += 1;
            }
        }
    }
    assert!(inked * 200 > total, "plot area is nearly blank: {inked}/{total}");
}

/// Render with `f`, check the PNG and its size, and check that a second render gives the
/// same bytes.
fn check_chart(f: impl Fn(&Path) -> Result<(), ChartError>, width: u32, min_height: u32) -> image::RgbImage {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.png");
    let b = dir.path().join("b.png");
    f(&a).unwrap();
    f(&b).unwrap();
    let img = decode(&a);
    assert_eq!(img.width(), width);
    assert!(img.height() >= min_height, "height {}", img.height());
    assert_not_blank(&img);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "not deterministic");
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    img
}

/// Draw without saving, for the many edge cases where what matters is that drawing returns
/// `Ok` instead of panicking.
fn draws(f: impl FnOnce(&Path) -> Result<(), ChartError>) {
    canvas::DRY_RUN.with(|d| d.set(true));
    let result = f(Path::new("/nonexistent/dry-run.png"));
    canvas::DRY_RUN.with(|d| d.set(false));
    result.unwrap();
}

/// Render and decode, for edge cases where only "renders without error" matters.
fn renders(f: impl FnOnce(&Path) -> Result<(), ChartError>) -> image::RgbImage {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("edge.png");
    f(&p).unwrap();
    decode(&p)
}

#[test]
fn lines_with_bands_renders() {
    let img = check_chart(sample_lines, WIDTH, HEIGHT);
    assert_eq!(img.height(), HEIGHT);
}

#[test]
fn stacked_shares_renders() {
    check_chart(sample_shares, WIDTH, HEIGHT);
}

#[test]
fn stacked_areas_renders() {
    check_chart(sample_areas, WIDTH, HEIGHT);
}

#[test]
fn small_multiples_renders_and_grows() {
    let img = check_chart(|p| sample_multiples(p, 6, PanelScale::Free), WIDTH, HEIGHT);
    assert_eq!(img.height(), HEIGHT);
    let img = check_chart(|p| sample_multiples(p, 40, PanelScale::Shared), WIDTH, HEIGHT);
    assert!(img.height() > 1500, "40 panels need a taller figure: {}", img.height());
    renders(|p| sample_multiples(p, 1, PanelScale::Shared));
    renders(|p| sample_multiples(p, 0, PanelScale::Shared));
    draws(|p| sample_multiples(p, MAX_PANELS, PanelScale::Free));
}

#[test]
fn bars_render_both_ways() {
    check_chart(|p| sample_bars(p, Orientation::Horizontal), WIDTH, HEIGHT);
    let img = check_chart(|p| sample_bars(p, Orientation::Vertical), WIDTH, HEIGHT);
    assert_eq!(img.height(), HEIGHT);
}

#[test]
fn scatter_renders() {
    check_chart(sample_scatter, WIDTH, HEIGHT);
}

#[test]
fn tornado_renders() {
    check_chart(sample_tornado, WIDTH, HEIGHT);
}

#[test]
fn many_bars_make_a_taller_figure() {
    let bars: Vec<BarItem> =
        (0..60).map(|i| bar(&format!("policy {i}"), i as f64 - 30.0, 2.0, None)).collect();
    let img = renders(|p| {
        bars_with_intervals(p, &text("Many", "policy", "effect"), &bars, Orientation::Horizontal)
    });
    assert!(img.height() > HEIGHT);
    let img =
        renders(|p| bars_with_intervals(p, &text("Many", "policy", "effect"), &bars, Orientation::Vertical));
    assert_eq!(img.height(), HEIGHT);
}

/// Series that are empty, missing, single, constant or enormous.
fn awkward_series() -> Vec<(Vec<f64>, Vec<f64>)> {
    let nan = f64::NAN;
    vec![
        (vec![], vec![]),
        (vec![3.0], vec![7.0]),
        (vec![0.0, 1.0, 2.0], vec![nan, nan, nan]),
        (vec![0.0, 1.0, 2.0, 3.0], vec![5.0, 5.0, 5.0, 5.0]),
        (vec![0.0, 1.0, 2.0, 3.0], vec![0.0, 0.0, 0.0, 0.0]),
        (vec![0.0, 1.0, 2.0, 3.0], vec![1.0, nan, 3.0, f64::INFINITY]),
        (vec![0.0, 1.0, 2.0], vec![f64::MAX, -f64::MAX, 1e300]),
        (vec![0.0, 1.0, 2.0], vec![1e-300, 2e-300, 0.0]),
        (vec![nan, 1.0, 2.0], vec![1.0, 2.0, 3.0]),
        (vec![5.0, 5.0, 5.0], vec![1.0, 2.0, 3.0]),
        (vec![0.0, 1.0, 2.0], vec![-4e12, 3e12, 1e9]),
    ]
}

#[test]
fn awkward_data_never_panics() {
    let t = text("Awkward", "month", "value (units)");
    for (x, y) in awkward_series() {
        let with_band = Band {
            label: "a".into(),
            lo: y.iter().map(|v| v - 1.0).collect(),
            hi: y.iter().map(|v| v + 1.0).collect(),
            mean: y.clone(),
        };
        let plain = Band::line("b", y.iter().map(|v| v * 2.0).collect());
        let marks = [
            Mark { x: 1.0, label: "m".into(), end: None },
            Mark { x: f64::NAN, label: "nan".into(), end: None },
            Mark { x: 1e9, label: "far away".into(), end: None },
        ];
        draws(|p| lines_with_bands(p, &t, &x, &[with_band.clone(), plain.clone()], &marks));
        draws(|p| lines_with_bands(p, &t, &x, &[], &[]));
        let layers = [
            Layer { label: "a".into(), values: y.clone() },
            Layer { label: "b".into(), values: y.iter().map(|v| v.abs()).collect() },
        ];
        draws(|p| stacked_shares(p, &t, &x, &layers));
        draws(|p| stacked_areas(p, &t, &x, &layers));
        let panels = vec![("one".to_string(), with_band.clone()), ("two".to_string(), plain.clone())];
        draws(|p| small_multiples(p, &t, &x, &panels, &marks, PanelScale::Shared));
        draws(|p| small_multiples(p, &t, &x, &panels, &marks, PanelScale::Free));
        let bars: Vec<BarItem> = x
            .iter()
            .zip(&y)
            .map(|(a, b)| BarItem {
                label: format!("{a}"),
                value: *b,
                lo: Some(b - a),
                hi: None,
                group: None,
            })
            .collect();
        draws(|p| bars_with_intervals(p, &t, &bars, Orientation::Horizontal));
        draws(|p| bars_with_intervals(p, &t, &bars, Orientation::Vertical));
        let points: Vec<PointItem> = x
            .iter()
            .zip(&y)
            .map(|(a, b)| PointItem {
                label: format!("point {a}"),
                x: *a,
                y: *b,
                y_lo: Some(b - 1.0),
                ..Default::default()
            })
            .collect();
        draws(|p| scatter_labeled(p, &t, &points));
        let rows: Vec<TornadoRow> =
            y.iter().map(|v| TornadoRow { label: "row".into(), value: *v, lo: None, hi: Some(*v) }).collect();
        draws(|p| tornado(p, &t, &rows));
    }
}

#[test]
fn empty_charts_say_so() {
    let t = text("", "", "");
    // One empty chart is saved and checked; the rest only need to draw.
    let img = renders(|p| lines_with_bands(p, &t, &[], &[], &[]));
    assert_eq!(img.dimensions(), (WIDTH, HEIGHT));
    assert_not_blank(&img);
    draws(|p| stacked_shares(p, &t, &[], &[]));
    draws(|p| {
        stacked_areas(
            p,
            &t,
            &[1.0],
            &[Layer::default()].map(|mut l| {
                l.values = vec![0.0];
                l
            }),
        )
    });
    draws(|p| small_multiples(p, &t, &[], &[], &[], PanelScale::Free));
    draws(|p| bars_with_intervals(p, &t, &[], Orientation::Horizontal));
    draws(|p| bars_with_intervals(p, &t, &[], Orientation::Vertical));
    draws(|p| scatter_labeled(p, &t, &[]));
    draws(|p| tornado(p, &t, &[]));
}

#[test]
fn long_text_is_fitted() {
    let long = "a very long title that goes on and on about homicide rates in every state of the \
                republic under every policy that anyone has ever proposed in any report at all";
    let x = months(10);
    let series: Vec<Band> = (0..12)
        .map(|i| Band::line(format!("series number {i} with a rather long label"), vec![i as f64; 10]))
        .collect();
    draws(|p| lines_with_bands(p, &text(long, long, long), &x, &series, &[]));
    let bars = [bar(long, 1.0, 0.5, Some(long))];
    draws(|p| bars_with_intervals(p, &text(long, long, long), &bars, Orientation::Horizontal));
    draws(|p| bars_with_intervals(p, &text(long, long, long), &bars, Orientation::Vertical));
}

#[test]
fn inconsistent_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.png");
    let t = text("t", "x", "y");
    let err = lines_with_bands(&p, &t, &[1.0, 2.0], &[Band::line("short", vec![1.0])], &[]).unwrap_err();
    assert!(matches!(err, ChartError::Input(_)), "{err}");
    assert!(err.to_string().contains("short"), "{err}");
    let half_band = Band { label: "half".into(), mean: vec![1.0, 2.0], lo: vec![0.0, 1.0], hi: vec![] };
    assert!(matches!(lines_with_bands(&p, &t, &[1.0, 2.0], &[half_band], &[]), Err(ChartError::Input(_))));
    let layer = Layer { label: "l".into(), values: vec![1.0; 3] };
    assert!(matches!(stacked_areas(&p, &t, &[1.0], &[layer]), Err(ChartError::Input(_))));
    let too_many: Vec<BarItem> = (0..=MAX_BARS).map(|i| bar(&i.to_string(), 1.0, 0.1, None)).collect();
    assert!(matches!(
        bars_with_intervals(&p, &t, &too_many, Orientation::Horizontal),
        Err(ChartError::Input(_))
    ));
    let one_per_group: Vec<BarItem> =
        (0..MAX_BARS).map(|i| bar(&i.to_string(), 1.0, 0.1, Some(&format!("group {i}")))).collect();
    for orientation in [Orientation::Horizontal, Orientation::Vertical] {
        let err = bars_with_intervals(&p, &t, &one_per_group, orientation).unwrap_err();
        assert!(matches!(err, ChartError::Input(_)), "{err}");
    }
    assert!(!p.exists(), "a failed chart must not leave a file");
}

#[test]
fn bad_paths_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let not_png = dir.path().join("chart.jpg");
    assert!(matches!(sample_scatter(&not_png), Err(ChartError::Input(_))));
    let missing_dir = dir.path().join("no/such/dir/chart.png");
    let err = sample_scatter(&missing_dir).unwrap_err();
    assert!(matches!(err, ChartError::Io { .. }), "{err}");
    assert!(err.to_string().contains("chart.png"), "{err}");
}

#[test]
fn charts_render_in_parallel_threads() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..4).map(|i| dir.path().join(format!("t{i}.png"))).collect();
    std::thread::scope(|s| {
        for p in &paths {
            s.spawn(move || sample_tornado(p).unwrap());
        }
    });
    let first = std::fs::read(&paths[0]).unwrap();
    for p in &paths[1..] {
        assert_eq!(std::fs::read(p).unwrap(), first);
    }
}

#[test]
#[ignore = "writes sample charts for inspection"]
fn write_samples() {
    let dir = std::env::var_os("CHART_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/narcodoor-chart-samples"));
    std::fs::create_dir_all(&dir).unwrap();
    sample_lines(&dir.join("lines.png")).unwrap();
    sample_shares(&dir.join("shares.png")).unwrap();
    sample_areas(&dir.join("areas.png")).unwrap();
    sample_multiples(&dir.join("multiples_6.png"), 6, PanelScale::Free).unwrap();
    sample_multiples(&dir.join("multiples_32.png"), 32, PanelScale::Shared).unwrap();
    sample_multiples(&dir.join("multiples_1.png"), 1, PanelScale::Shared).unwrap();
    sample_bars(&dir.join("bars_h.png"), Orientation::Horizontal).unwrap();
    sample_bars(&dir.join("bars_v.png"), Orientation::Vertical).unwrap();
    sample_scatter(&dir.join("scatter.png")).unwrap();
    sample_tornado(&dir.join("tornado.png")).unwrap();
    let t = text("Empty", "month", "homicides per 100k per year");
    lines_with_bands(&dir.join("empty_lines.png"), &t, &[], &[], &[]).unwrap();
    let one = Band::line("one point", vec![7.0]);
    lines_with_bands(&dir.join("single_point.png"), &t, &[3.0], &[one], &[]).unwrap();
    small_multiples(&dir.join("multiples_0.png"), &t, &[], &[], &[], PanelScale::Free).unwrap();
    bars_with_intervals(&dir.join("bars_empty.png"), &t, &[], Orientation::Horizontal).unwrap();

    // Gaps, many series with long labels, many marks and a long title.
    let x = months(120);
    let series: Vec<Band> = (0..12)
        .map(|i| {
            let mut b =
                band(&format!("scenario {i} with a longer label"), &x, 1e5 + 2e4 * i as f64, 0.0, i as f64);
            for j in (30 + i)..(40 + i) {
                b.mean[j] = f64::NAN;
            }
            b.lo.clear();
            b.hi.clear();
            b
        })
        .collect();
    let marks: Vec<Mark> = (0..8)
        .map(|i| Mark { x: 10.0 + 12.0 * i as f64, label: format!("kingpin {i} removed"), end: None })
        .collect();
    lines_with_bands(
        &dir.join("lines_busy.png"),
        &text(
            "A deliberately long title that has to wrap onto a second line because it mentions \
             every scenario and every unit of every quantity shown",
            "month since the start of the reported period",
            "youths employed in the formal sector, persons",
        ),
        &x,
        &series,
        &marks,
    )
    .unwrap();
    let rows: Vec<TornadoRow> = (0..8)
        .map(|i| TornadoRow {
            label: format!("parameter {i}"),
            value: (i as f64 - 3.5) * 1234.5,
            lo: Some((i as f64 - 4.0) * 1234.5),
            hi: if i % 3 == 0 { None } else { Some((i as f64 - 3.0) * 1234.5) },
        })
        .collect();
    let long = "a very long label that goes on and on about homicide rates in every state under every policy";
    let bars = [bar(long, 1.0, 0.5, Some(long)), bar("short", -0.3, 0.2, Some(long))];
    bars_with_intervals(&dir.join("bars_long_v.png"), &text(long, long, long), &bars, Orientation::Vertical)
        .unwrap();
    bars_with_intervals(
        &dir.join("bars_long_h.png"),
        &text(long, long, long),
        &bars,
        Orientation::Horizontal,
    )
    .unwrap();
    tornado(
        &dir.join("tornado_signed.png"),
        &text("Signed effects", "", "change in homicides per year"),
        &rows,
    )
    .unwrap();
}

/// Pixels of exactly `colour` in rows `rows` of the image.
fn count_colour(img: &image::RgbImage, colour: RGBAColor, rows: std::ops::Range<u32>) -> usize {
    let want = [colour.0, colour.1, colour.2];
    rows.flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0 == want)
        .count()
}

#[test]
fn non_negative_series_never_go_below_zero() {
    let b = Band { label: "recruits".into(), mean: vec![1.0, 0.5], lo: vec![-2.0, -0.1], hi: vec![4.0, 1.1] };
    let b = b.non_negative();
    assert_eq!(b.lo, vec![0.0, 0.0]);
    assert_eq!(b.hi, vec![4.0, 1.1]);
    // Non-negative data: the axis starts at zero, even far from it (members 60–120).
    assert_eq!(line_y_axis(Some((60.0, 120.0)), 6).lo, 0.0);
    assert_eq!(line_y_axis(Some((0.0, 7.5)), 6).lo, 0.0);
    // Differences keep a range around their negative values.
    assert!(line_y_axis(Some((-5.0, 5.0)), 6).lo < -5.0 + 1e-9);
}

#[test]
fn legend_swatches_have_the_colours_of_their_bands() {
    let x = months(10);
    let series = [band("a", &x, 5.0, 0.0, 0.0), band("b", &x, 6.0, 0.0, 1.0), Band::line("c", vec![1.0; 10])];
    let legend = band_legend(&series);
    assert_eq!(legend.len(), 3);
    for (i, e) in legend.iter().enumerate().take(2) {
        assert!(matches!(e.swatch, Swatch::LineBand(c, a) if c == palette(i) && a == BAND_ALPHA), "{e:?}");
    }
    assert!(matches!(legend[2].swatch, Swatch::Line(c) if c == palette(2)));
    // A lone series says what its shading is.
    let one = band_legend(&series[..1]);
    assert!(one[0].label.contains(BAND_NOTE), "{:?}", one[0].label);
}

/// WCAG relative luminance contrast against white.
fn contrast_with_white(c: RGBAColor) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    let l = 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2);
    1.05 / (l + 0.05)
}

#[test]
fn palette_has_no_faint_colours() {
    // Okabe–Ito's yellow has a contrast of 1.3 with white; every colour here must reach 2.
    for i in 0..8 {
        let c = contrast_with_white(palette(i));
        assert!(c >= 2.0, "palette({i}) = {:?} has contrast {c:.2} with white", palette(i));
    }
}

#[test]
fn doors_detail_panel_shows_thin_layers_in_their_colours() {
    let x = months(120);
    let layer = |label: &str, v: f64| Layer { label: label.into(), values: vec![v; 120] };
    let layers = [layer("school", 500.0), layer("work", 495.0), layer("cartel", 4.0), layer("prison", 1.0)];
    let detail = [band("cartel", &x, 0.4, 0.0, 0.0).non_negative(), band("prison", &x, 0.1, 0.0, 1.0)];
    let d = Detail { title: "narco door", y_label: "% of youths", series: &detail };
    let img = check_chart(
        |p| stacked_shares_with_detail(p, &text("doors", "month", "share"), &x, &layers, d),
        WIDTH,
        HEIGHT + 300,
    );
    let h = img.height();
    // The cartel layer (third, palette(2)) is a sliver in the stack and a line below.
    let lower = count_colour(&img, palette(2), h - 330..h);
    assert!(lower > 500, "cartel line in the detail panel: {lower} pixels");
    assert!(count_colour(&img, palette(3), h - 330..h) > 500, "prison line in the detail panel");
}

#[test]
fn amounts_name_even_a_single_layer_and_say_when_empty() {
    let x = months(60);
    let layers = [
        Layer { label: "scholarships".into(), values: vec![0.0; 60] },
        Layer {
            label: "kingpin".into(),
            values: (0..60).map(|i| if i % 12 == 0 { 5e7 } else { 0.0 }).collect(),
        },
    ];
    let img = renders(|p| stacked_areas(p, &text("spending", "month", "pesos"), &x, &layers));
    // The legend (in the header, above the plot) carries the lone layer's colour, which
    // is the caller's second colour even though the first layer is empty.
    assert!(count_colour(&img, palette(1), 0..110) > 200, "no legend swatch for the only lever");
    let empty = [Layer { label: "kingpin".into(), values: vec![0.0; 60] }];
    let img =
        renders(|p| stacked_areas_noting(p, &text("spending", "month", "pesos"), &x, &empty, "no spending"));
    assert_eq!(count_colour(&img, palette(0), 0..img.height()), 0);
}

#[test]
fn panels_against_reference_draw_the_reference_in_every_panel() {
    let x = months(100);
    let reference = band("baseline", &x, 50.0, 0.0, 0.0);
    let others = [band("kingpin", &x, 55.0, 0.05, 1.0), band("scholarships", &x, 45.0, -0.05, 2.0)];
    let img = check_chart(
        |p| {
            panels_against_reference(
                p,
                &text("members", "month", "youths"),
                &x,
                &reference,
                &others,
                &[],
                &[],
            )
        },
        WIDTH,
        HEIGHT,
    );
    let (w, h) = img.dimensions();
    let grey = [REFERENCE_COLOR.0, REFERENCE_COLOR.1, REFERENCE_COLOR.2];
    for half in [0..w / 2, w / 2..w] {
        let n = (h / 4..h)
            .flat_map(|y| half.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0 == grey)
            .count();
        assert!(n > 300, "reference line missing from a panel: {n} pixels");
    }
}

#[test]
fn probability_lines_keep_their_axis_from_zero_to_one() {
    // The acceptability curves used to be drawn on an axis padded to 1.2.
    let y = Axis::new(0.0, 1.0, 6, true, TickStyle::Number);
    assert_eq!((y.lo, y.hi), (0.0, 1.0));
    assert_eq!(y.ticks.first().copied(), Some(0.0));
    assert_eq!(y.ticks.last().copied(), Some(1.0));
    let t = ChartText { title: "acceptability", x_label: "willingness to pay", y_label: "probability" };
    let x = [0.0, 1.0, 2.0];
    let series = [Band::line("a", vec![0.0, 0.5, 1.0]), Band::line("b", vec![1.0, 0.5, 0.0])];
    draws(|p| probability_lines(p, &t, &x, &series));
}
