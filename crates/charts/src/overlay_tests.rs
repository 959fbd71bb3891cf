//! Tests of what time charts draw beside their series: shaded policy windows and observed
//! values, in single charts and in small multiples.

use super::*;

fn decode(path: &Path) -> image::RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// Pixels of exactly `colour` (the opaque colour as drawn on white) in the image.
fn count(img: &image::RgbImage, rgb: [u8; 3]) -> usize {
    img.pixels().filter(|p| p.0 == rgb).count()
}

/// A flat series at 10 over 240 months, with the given marks and observations.
fn chart(marks: &[Mark], observed: &Points) -> image::RgbImage {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.png");
    let x: Vec<f64> = (0..240).map(f64::from).collect();
    let series = [Band::line("rate", vec![10.0; 240])];
    let text = ChartText { title: "t", x_label: "month", y_label: "rate" };
    lines_with_bands_observed(&path, &text, &x, &series, marks, observed).unwrap();
    decode(&path)
}

/// The grey a window leaves on white: 13% of (120, 120, 120) over 255.
fn window_grey() -> [u8; 3] {
    let v = (255.0 - WINDOW_COLOR.3 * (255.0 - 120.0)).round() as u8;
    [v, v, v]
}

#[test]
fn a_window_shades_its_months_and_is_named_in_the_legend() {
    let plain = chart(&[], &Points::default());
    let window = Mark { x: 60.0, label: "scholarships on".into(), end: Some(120.0) };
    let shaded = chart(std::slice::from_ref(&window), &Points::default());
    let (before, after) = (count(&plain, window_grey()), count(&shaded, window_grey()));
    // A quarter of the plot's width over its height: tens of thousands of pixels.
    assert!(after > before + 20_000, "shaded pixels {before} → {after}");
    // Twice as long a window shades about twice the area (the legend swatch aside).
    let long = Mark { end: Some(180.0), ..window.clone() };
    let twice = count(&chart(&[long], &Points::default()), window_grey()) - before;
    let ratio = twice as f64 / (after - before) as f64;
    assert!((1.8..2.2).contains(&ratio), "ratio {ratio}");
    // A window is not a dashed line: no mark label strip is added above the plot.
    let legend = overlay_legend(&[window], &[]);
    assert_eq!(legend.len(), 1);
    assert_eq!(legend[0].label, "shaded: scholarships on");
}

#[test]
fn observed_values_are_dots_the_axis_makes_room_for() {
    let black = [OBSERVED_COLOR.0, OBSERVED_COLOR.1, OBSERVED_COLOR.2];
    assert_eq!(count(&chart(&[], &Points::default()), black), 0);
    let observed = Points { label: "observed (INEGI)".into(), xy: vec![(6.0, 12.0), (18.0, 40.0)] };
    let two = count(&chart(&[], &observed), black);
    let one = count(&chart(&[], &Points { xy: vec![(6.0, 12.0)], ..observed.clone() }), black);
    // Each dot adds its core (the legend's swatch is in both).
    assert!(one > 0 && two > one + 20, "one dot {one} px, two dots {two} px");
    // The axis reaches the observation at 40 although the series stays at 10.
    assert_eq!(observed.extent(), Some((12.0, 40.0)));
    let legend = overlay_legend(&[], &[&observed]);
    assert!(legend.iter().any(|e| e.label == "observed (INEGI)"));
}

#[test]
fn small_multiples_draw_each_panels_own_observations_and_windows() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (0..24).map(f64::from).collect();
    let panels: Vec<(String, Band)> =
        (0..2).map(|i| (format!("region {i}"), Band::line("rate", vec![5.0 + f64::from(i); 24]))).collect();
    let text = ChartText { title: "t", x_label: "month", y_label: "rate" };
    let draw = |observed: &[Points], windows: &[Vec<Mark>]| {
        let path = dir.path().join("m.png");
        small_multiples_observed(&path, &text, &x, &panels, &[], PanelScale::Free, (observed, windows))
            .unwrap();
        decode(&path)
    };
    let plain = draw(&[], &[]);
    let one = Points { label: "observed".into(), xy: vec![(3.0, 6.0)] };
    let window = vec![Mark { x: 6.0, label: "policing on".into(), end: Some(12.0) }];
    let img = draw(&[Points::default(), one], &[Vec::new(), window]);
    let black = [OBSERVED_COLOR.0, OBSERVED_COLOR.1, OBSERVED_COLOR.2];
    assert_eq!(count(&plain, black), 0);
    assert!(count(&img, black) > 60);
    assert!(count(&img, window_grey()) > count(&plain, window_grey()) + 5_000);
    // Inconsistent input is still an error, not a panic.
    let short = vec![(String::from("r"), Band::line("rate", vec![1.0; 3]))];
    let path = dir.path().join("bad.png");
    let e = small_multiples_observed(&path, &text, &x, &short, &[], PanelScale::Free, (&[], &[]));
    assert!(matches!(e, Err(ChartError::Input(_))));
}
