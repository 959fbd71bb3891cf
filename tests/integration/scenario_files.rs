//! Loading the scenario fixtures from disk through the public API: `extends` chains,
//! error messages that name file, key and line, overrides, `--set`-style changes, and the
//! manifest's resolved JSON read back as a scenario.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use narcodoor::scenario::{
    ErrorKind, Overrides, ScenarioError, explain, load, load_str, numeric_paths, resolved_json, set_value,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios").join(name)
}

fn load_err(name: &str) -> ScenarioError {
    match load(&fixture(name)) {
        Ok(_) => panic!("{name} should not load"),
        Err(e) => e,
    }
}

#[test]
fn the_base_scenario_resolves_shares_names_and_neighbours() {
    let s = load(&fixture("base.toml")).unwrap();
    let p = &s.params;
    assert_eq!(p.run.name, "base");
    assert_eq!((p.run.months, p.run.burn_in_months, p.run.replicates), (120, 60, 4));
    let sizes: Vec<(&str, u64)> = p.regions.iter().map(|r| (r.name.as_str(), r.youths)).collect();
    assert_eq!(sizes, [("Norte", 15000), ("Centro", 9000), ("Sur", 6000)]);
    assert_eq!(p.regions[1].neighbours, [0, 2]);
    assert_eq!(p.cartel_list[1].territory, [0.0, 0.5, 0.7]);
    assert!(p.policy.kingpin.is_empty());
    assert_eq!(s.files, [fixture("base.toml")]);
}

#[test]
fn an_extends_chain_merges_from_the_root() {
    let s = load(&fixture("kingpin_no_split.toml")).unwrap();
    assert_eq!(s.files, [fixture("base.toml"), fixture("kingpin.toml"), fixture("kingpin_no_split.toml")]);
    let p = &s.params;
    assert_eq!(p.run.name, "kingpin-no-split");
    assert_eq!(p.run.description, "three regions, two cartels, no levers");
    let k = p.policy.kingpin.first().unwrap();
    assert_eq!((k.p.removals_per_year, k.p.split_probability, k.p.shock), (3.0, 0.0, 0.3));
    assert_eq!(k.schedule.regions, [true, false, false]);
    assert_eq!((k.schedule.start_month, k.schedule.end_month), (12, Some(72)));
    assert!(p.cartel_list[0].predatory);
    assert_eq!(p.cartel_list[0].territory, [0.6, 0.2, 0.0]);
    // The middle file is named after itself, not after base.toml.
    assert_eq!(load(&fixture("kingpin.toml")).unwrap().params.run.name, "kingpin");
}

#[test]
fn every_problem_in_a_file_is_reported_with_file_key_and_line() {
    let e = load_err("bad_values.toml");
    let file = fixture("bad_values.toml").display().to_string();
    let expected = [
        format!("{file}:4: youth.school_dropuot: unknown key; did you mean school_dropout?"),
        format!("{file}:7: run.months = 12.5: must be an integer from 1 to 4294967295"),
        format!("{file}:11: region \"Sur\".poverty = 1.3: must be a probability or share in [0, 1]"),
        format!("{file}:14: policy.kingpin.shock = -1: must be a number ≥ 0"),
        format!("{file}:15: policy.kingpin.regions: unknown region \"Nort\"; did you mean Norte?"),
    ];
    let lines: Vec<String> = e.to_string().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), expected.len(), "{e}");
    for (line, want) in lines.iter().zip(&expected) {
        assert!(line.starts_with(want.as_str()), "{line}\ndoes not start with\n{want}");
    }
}

#[test]
fn territory_above_one_blames_the_share_written_last() {
    let e = load_err("territory_over.toml");
    assert_eq!(e.kind(), ErrorKind::Inconsistent);
    let child = fixture("territory_over.toml").display().to_string();
    let base = fixture("base.toml").display().to_string();
    let text = e.to_string();
    assert!(text.starts_with(&format!("{child}:5: cartel \"Golfo\".territory.Centro = 0.6")), "{text}");
    assert!(text.contains("region \"Centro\" add up to 1.1"), "{text}");
    assert!(text.contains(&format!("Pacifico 0.5 at {base}:34")), "{text}");
}

#[test]
fn cycles_and_missing_parents_are_errors() {
    let e = load_err("cycle_a.toml");
    assert_eq!(e.kind(), ErrorKind::Extends);
    let b = fixture("cycle_b.toml").display().to_string();
    assert!(e.to_string().starts_with(&format!("{b}:2: extends = \"cycle_a.toml\": extends cycle: ")), "{e}");

    let e = load_err("missing_parent.toml");
    assert_eq!(e.kind(), ErrorKind::Extends);
    let m = fixture("missing_parent.toml").display().to_string();
    assert!(
        e.to_string().starts_with(&format!("{m}:1: extends = \"no_such_parent.toml\": cannot read ")),
        "{e}"
    );
}

#[test]
fn scenario_errors_exit_with_code_2() {
    let e = anyhow::Error::from(load_err("bad_values.toml")).context("loading the scenario");
    assert_eq!(narcodoor::error::exit_code(&e), ExitCode::from(2));
}

#[test]
fn overrides_and_settings_apply_on_top_of_a_file() {
    let mut s = load(&fixture("kingpin.toml")).unwrap();
    s.apply(&Overrides { youths: Some(1001), months: Some(36), replicates: None, seed: Some(3) }).unwrap();
    let sizes: Vec<u64> = s.params.regions.iter().map(|r| r.youths).collect();
    assert_eq!(sizes, [501, 300, 200]);
    assert_eq!((s.params.run.months, s.params.run.seed, s.params.run.replicates), (36, 3, 4));
    set_value(&mut s.params, "region.*.poverty", "0.5").unwrap();
    set_value(&mut s.params, "policy.kingpin.shock", "2").unwrap();
    set_value(&mut s.params, "policy.demand.reduction", "0.5").unwrap();
    assert!(s.params.regions.iter().all(|r| r.poverty == 0.5));
    assert_eq!(s.params.policy.demand.first().unwrap().p.reduction, 0.5);
    assert!(numeric_paths(&s.params).contains(&"region.Sur.narco_wage".to_string()));
    let e = set_value(&mut s.params, "policy.kingpin.shocks", "2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey);
    assert!(e.to_string().contains("did you mean policy.kingpin.shock?"), "{e}");
}

#[test]
fn resolved_json_written_as_toml_loads_to_the_same_params() {
    let s = load(&fixture("kingpin_no_split.toml")).unwrap();
    let text = toml::to_string(&resolved_json(&s.params)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resolved.toml");
    std::fs::write(&path, &text).unwrap();
    let back = load(&path).unwrap();
    assert_eq!(back.params, s.params, "{text}");
    let again = load_str(&text, Path::new("elsewhere/other.toml")).unwrap();
    assert_eq!(again.params, s.params);
}

#[test]
fn explain_lists_the_chain_and_marks_changed_values() {
    let s = load(&fixture("kingpin_no_split.toml")).unwrap();
    let text = explain(&s);
    assert!(text.contains("base.toml"), "{text}");
    let line = text.lines().find(|l| l.contains("policy.kingpin.split_probability")).unwrap();
    assert!(line.starts_with('*') && line.contains("default 0.5"), "{line}");
    assert!(text.contains("Levers off: scholarships, youth_jobs, public_space, policing"), "{text}");
}
