//! Tests of `extends` chains, overrides, `explain`, `resolved_json`, sweepable paths and
//! malformed input (each error naming file, key and line).

use std::fs;
use std::path::Path;

use super::*;

/// Writes files into a temporary directory and returns it.
fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in list {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, text).unwrap();
    }
    dir
}

const BASE: &str = r#"[run]
name = "base"
description = "the base"
months = 100
seed = 5

[cartels]
death = [0.1, 0.1, 0.1, 0.1]

[[region]]
name = "A"
youths = 500
poverty = 0.3

[[region]]
name = "B"
youths = 500

[[cartel]]
name = "K"
territory = { A = 0.5, B = 0.5 }

[policy.kingpin]
shock = 3
"#;

#[test]
fn extends_merges_tables_key_by_key_and_entries_by_name() {
    // Tables in another order than the base's: the merge does not depend on it.
    let child = r#"extends = "base.toml"
[[region]]
name = "C"
youths = 200
[[region]]
name = "B"
poverty = 0.9
[policy.kingpin]
spillover = 0.5
[[cartel]]
name = "K"
territory = { C = 0.25 }
[run]
seed = 6
[cartels]
death = [0.2, 0.2, 0.2, 0.2]
"#;
    let dir = files(&[("base.toml", BASE), ("child.toml", child)]);
    let s = load(&dir.path().join("child.toml")).unwrap();
    let p = &s.params;
    assert_eq!(p.run.name, "child", "the name is not inherited");
    assert_eq!(p.run.description, "the base");
    assert_eq!((p.run.months, p.run.seed), (100, 6));
    assert_eq!(p.cartels.death, [0.2; 4]);
    let names: Vec<&str> = p.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!((p.regions[0].poverty, p.regions[1].poverty, p.regions[2].poverty), (0.3, 0.9, 0.45));
    assert_eq!(p.regions[1].youths, 500);
    assert_eq!(p.population.youths, 1200);
    assert_eq!(p.cartel_list[0].territory, [0.5, 0.5, 0.25]);
    let k = p.policy.kingpin.first().unwrap();
    assert_eq!((k.p.shock, k.p.spillover), (3.0, 0.5));
    assert_eq!(s.files, [dir.path().join("base.toml"), dir.path().join("child.toml")]);
    // Each merged value keeps the file and line that wrote it.
    let child_bad = child.replace("poverty = 0.9", "poverty = 9");
    let base_bad = BASE.replace("poverty = 0.3", "poverty = 3");
    let dir = files(&[("base.toml", &base_bad), ("child.toml", &child_bad)]);
    let e = load(&dir.path().join("child.toml")).unwrap_err();
    let lines: Vec<String> = e.to_string().lines().map(str::to_string).collect();
    let child_path = dir.path().join("child.toml").display().to_string();
    let base_path = dir.path().join("base.toml").display().to_string();
    assert!(lines[0].starts_with(&format!("{child_path}:7: region \"B\".poverty = 9")), "{e}");
    assert!(lines[1].starts_with(&format!("{base_path}:13: region \"A\".poverty = 3")), "{e}");
}

#[test]
fn extends_chains_and_can_switch_levers_off() {
    let mid = "extends = \"../base.toml\"\n[run]\nmonths = 50\n";
    let top = "extends = \"mid/mid.toml\"\n[run]\nseed = 9\n[policy.kingpin]\nenabled = false\n";
    let dir = files(&[("base.toml", BASE), ("mid/mid.toml", mid), ("top.toml", top)]);
    let s = load(&dir.path().join("top.toml")).unwrap();
    assert_eq!((s.params.run.months, s.params.run.seed), (50, 9));
    assert_eq!(s.params.run.name, "top");
    assert!(s.params.policy.kingpin.is_empty());
    assert_eq!(s.files.len(), 3);
    assert!(s.files[0].ends_with("base.toml") && s.files[2].ends_with("top.toml"));
    // load_str finds parents beside the virtual path.
    let s = load_str("extends = \"base.toml\"\n", &dir.path().join("virtual.toml")).unwrap();
    assert_eq!(s.params.run.name, "virtual");
}

#[test]
fn errors_in_merged_values_point_at_the_file_that_wrote_them() {
    let bad_base = BASE.replace("poverty = 0.3", "poverty = 3");
    let dir =
        files(&[("base.toml", &bad_base), ("child.toml", "extends = \"base.toml\"\n[run]\nseed = -1\n")]);
    let e = load(&dir.path().join("child.toml")).unwrap_err();
    let text = e.to_string();
    let base = dir.path().join("base.toml").display().to_string();
    let child = dir.path().join("child.toml").display().to_string();
    assert!(text.contains(&format!("{child}:3: run.seed = -1")), "{text}");
    assert!(text.contains(&format!("{base}:13: region \"A\".poverty = 3")), "{text}");
}

#[test]
fn extends_cycles_and_missing_files_are_errors() {
    let dir = files(&[
        ("a.toml", "extends = \"b.toml\"\n"),
        ("b.toml", "[run]\nseed = 2\nextends = \"a.toml\"\n"),
        ("c.toml", "\nextends = \"nowhere.toml\"\n"),
    ]);
    let e = load(&dir.path().join("a.toml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey);
    let text = e.to_string();
    // `extends` inside [run] is run.extends, an unknown key, not a parent: no cycle there.
    assert!(text.contains("run.extends: unknown key"), "{text}");

    let dir = files(&[("a.toml", "extends = \"b.toml\"\n"), ("b.toml", "extends = \"./a.toml\"\n")]);
    let e = load(&dir.path().join("a.toml")).unwrap_err();
    let text = e.to_string();
    let b = dir.path().join("b.toml").display().to_string();
    assert_eq!(e.kind(), ErrorKind::Extends);
    assert!(text.starts_with(&format!("{b}:1: extends = \"./a.toml\": extends cycle: ")), "{text}");

    let dir = files(&[("c.toml", "\nextends = \"nowhere.toml\"\n")]);
    let e = load(&dir.path().join("c.toml")).unwrap_err();
    let c = dir.path().join("c.toml").display().to_string();
    assert_eq!(e.kind(), ErrorKind::Extends);
    assert!(e.to_string().starts_with(&format!("{c}:2: extends = \"nowhere.toml\": cannot read")), "{e}");
    assert!(e.to_string().contains("nowhere.toml"), "{e}");

    let e = load_str("extends = 3\n", Path::new(FILE)).unwrap_err();
    assert_problem(&e, ErrorKind::WrongType, 1, &["extends = 3", "expected a string"]);

    let e = load(Path::new("/nonexistent/dir/x.toml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().starts_with("/nonexistent/dir/x.toml: cannot read"), "{e}");
}

#[test]
fn extends_cycle_through_itself() {
    let dir = files(&[("self.toml", "extends = \"self.toml\"\n")]);
    let e = load(&dir.path().join("self.toml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Extends);
    assert!(e.to_string().contains("extends cycle"), "{e}");
}

#[test]
fn youths_override_rescales_by_largest_remainder() {
    let mut s = ok(THREE_REGIONS);
    s.apply(&Overrides { youths: Some(101), months: Some(24), replicates: Some(3), seed: Some(42) }).unwrap();
    let counts: Vec<u64> = s.params.regions.iter().map(|r| r.youths).collect();
    assert_eq!(counts, [51, 30, 20]);
    assert_eq!(s.params.population.youths, 101);
    assert_eq!((s.params.run.months, s.params.run.replicates, s.params.run.seed), (24, 3, 42));
    // Ten youths leave East with 2, no more than the 4 peers: refused, nothing changed.
    let before = s.params.clone();
    let e = s.apply(&Overrides { youths: Some(10), ..Default::default() }).unwrap_err();
    assert!(e.to_string().starts_with("--youths 10: region \"South\" has 3 youths"), "{e}");
    assert_eq!(s.params, before);
    let e = s.apply(&Overrides { months: Some(0), ..Default::default() }).unwrap_err();
    assert!(e.to_string().starts_with("--months 0: run.months = 0: must be an integer"), "{e}");
    let e = s.apply(&Overrides { youths: Some(0), ..Default::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutOfRange);
    let mut one = ok("");
    one.apply(&Overrides { youths: Some(5000), ..Default::default() }).unwrap();
    assert_eq!(one.params.regions[0].youths, 5000);
}

fn everything() -> String {
    let mut text = format!(
        "{THREE_REGIONS}\n[[cartel]]\nname = \"A\"\nterritory = {{ North = 0.5 }}\n[[cartel]]\nname = \"B\"\n\
         predatory = true\nterritory = {{ South = 0.5, East = 0.1 }}\n"
    );
    for lever in LEVERS {
        text.push_str(&format!("[policy.{lever}]\nstart_month = 3\n"));
    }
    text
}

#[test]
fn explain_mentions_every_key_of_every_table() {
    let s = ok(&everything());
    // The one-line-per-parameter form (`explain --wide`); wrapping is tested in explain.rs.
    let text = crate::explain_with_width(&s, None);
    let schema = schema::Schema::new();
    for k in &schema.global {
        assert!(text.contains(&format!(" {} ", k.path())), "{}", k.path());
    }
    for r in ["North", "South", "East"] {
        for k in schema.region_key_names().iter() {
            assert!(text.contains(&format!("region.{r}.{k} ")), "region.{r}.{k}");
        }
        assert!(text.contains(&format!("cartel.A.territory.{r} ")));
    }
    assert!(text.lines().any(|l| l.contains("cartel.B.predatory ") && l.contains("= true ")), "{text}");
    for l in &schema.levers {
        for k in schema.lever_key_names(l).iter() {
            assert!(text.contains(&format!("policy.{}.{k} ", l.name)), "policy.{}.{k}", l.name);
        }
    }
    assert!(text.contains("Levers off: none."));
    for line in text.lines().filter(|l| l.contains(" = ")) {
        assert!(line.contains("default"), "{line}");
    }
    let plain = explain(&ok("[youth]\nschool_dropout = 0.01\n[policy.demand]\n"));
    assert!(plain.contains("Levers off: scholarships, youth_jobs,"), "{plain}");
    assert!(!plain.contains("policy.kingpin.shock"));
    assert!(plain.contains("* youth.school_dropout"), "{plain}");
    assert!(plain.contains("  youth.job_loss"), "{plain}");
}

/// `explain`'s columns line up within each group at any width: on every parameter line whose
/// value and default fit their cap, ` = `, `default` and the unit start at the same column
/// as on the group's other such lines (issue 27, item 11: long paths such as
/// `youth.initial_out_of_school` once pushed their lines out of line).
#[test]
fn explain_columns_align_within_each_group() {
    let s = ok(&everything());
    for width in [None, Some(100), Some(140)] {
        let text = crate::explain_with_width(&s, width);
        for group in text.split("\n\n").filter(|g| g.contains(" = ")) {
            let entries: Vec<&str> = group
                .lines()
                // A parameter line starts with its change mark and a space, then the path; a
                // meaning on lines of its own is indented further and may hold " = " too.
                .filter(|l| (l.starts_with("  ") || l.starts_with("* ")) && !l[2..].starts_with(' '))
                .filter(|l| l.contains(" = "))
                .collect();
            let eq = |l: &str| l.find(" = ").unwrap();
            // A value longer than the cap (a description, a long list) may push its own
            // line's default, and a line wider than the terminal is wrapped as prose.
            let fits = |l: &&&str| {
                l[eq(l) + 3..].split("  default ").next().unwrap().trim_end().chars().count() <= 24
            };
            let starts: Vec<(usize, usize)> =
                entries.iter().filter(fits).map(|l| (eq(l), l.find("  default ").expect(l))).collect();
            let first = starts.first().copied().unwrap_or_default();
            assert!(starts.iter().all(|&t| t == first), "width {width:?}: columns differ in\n{group}");
        }
    }
}

#[test]
fn resolved_json_round_trips_through_toml() {
    for text in [String::new(), everything(), BASE.replace("[run]\nname = \"base\"\n", "[run]\n")] {
        let s = ok(&text);
        let json = resolved_json(&s.params);
        assert_eq!(json["population"]["youths"], serde_json::json!(s.params.population.youths));
        let toml_text = toml::to_string(&json).unwrap();
        let back =
            load_str(&toml_text, Path::new("scen/back.toml")).unwrap_or_else(|e| panic!("{e}\n{toml_text}"));
        assert_eq!(back.params, s.params, "{toml_text}");
    }
    let json = resolved_json(&ok(&everything()).params);
    assert_eq!(json["region"][0]["neighbours"], serde_json::json!(["South"]));
    assert_eq!(json["cartel"][1]["territory"]["East"], serde_json::json!(0.1));
    assert_eq!(json["policy"]["kingpin"]["start_month"], serde_json::json!(3));
    assert!(json["policy"]["kingpin"].get("end_month").is_none());
    assert!(resolved_json(&Params::defaults())["policy"].as_object().unwrap().is_empty());
}

#[test]
fn numeric_paths_cover_sweepable_keys() {
    let p = ok(THREE_REGIONS).params;
    let paths = numeric_paths(&p);
    for path in [
        "youth.school_dropout",
        "region.East.poverty",
        "policy.scholarships.coverage",
        "cartels.rank_shares[3]",
    ] {
        assert!(paths.iter().any(|x| x == path), "{path}");
    }
    // Every path accepts its own current value (an off lever's default switches it on).
    for path in &paths {
        let mut q = p.clone();
        if let Some(v) = get_value_f64(&p, path) {
            set_value_f64(&mut q, path, v).unwrap_or_else(|e| panic!("{path}: {e}"));
        } else {
            // Optional keys, unset by default.
            let optional = ["recruit.presence_floor", "trial.intake_months"];
            assert!(path.ends_with(".end_month") || optional.contains(&path.as_str()), "{path}");
        }
    }
    let mut q = p.clone();
    set_value_f64(&mut q, "recruit.presence_floor", 0.002).unwrap();
    assert_eq!(q.recruit.presence_floor, Some(0.002));
    assert_eq!(get_value_f64(&p, "region.*.poverty"), Some(0.45));
    assert_eq!(get_value_f64(&p, "policy.kingpin.shock"), Some(0.3));
    assert_eq!(get_value_f64(&p, "policy.policing.army"), None);
}

/// Inputs that must give an error, never a panic.
const MALFORMED: &[&str] = &[
    "=",
    "[",
    "[[",
    "[[region]",
    "a = [",
    "a = {",
    "\"",
    "'''",
    "\u{0}",
    "\u{feff}[run]",
    "[run]\nmonths = 0x",
    "[run]\nmonths = 1e99999",
    "[run]\nmonths = -0",
    "[run]\nmonths = +12",
    "[run]\nmonths = 4294967296",
    "[run]\nreplicates = -9223372036854775808",
    "[run]\nseed = 0o777",
    "[population]\nyouths = 18446744073709551615",
    "[population]\nyouths = 9223372036854775807\n[[region]]\nname = \"A\"\nyouths = 9223372036854775807\n[[region]]\nname = \"B\"\nyouths = 9223372036854775807",
    "[population]\npeers = -2",
    "[population]\npeers = 0",
    "region = []",
    "region = [1, 2]",
    "region = [[]]",
    "region = \"x\"",
    "cartel = []",
    "cartel = [{}]",
    "[[cartel]]\nname = 3",
    "[[cartel]]\nname = \"K\"\nterritory = 0.5",
    "[[cartel]]\nname = \"K\"\nterritory = { all = \"x\" }",
    "[[cartel]]\nname = \"K\"\nterritory = { all = [1] }",
    "[[region]]\nname = \"A\"\nneighbours = \"B\"",
    "[[region]]\nname = \"A\"\nneighbours = [1, {}]",
    "[[region]]\nname = \"A\"\nshare = 0",
    "[[region]]\nname = \"A\"\nshare = 1e-300",
    "[[region]]\nname = \"A\"\nyouths = 1.5",
    "[[region]]\n[[region]]\n[[region]]",
    "[[region]]\nname = \"A\"\n[[region]]\nname = \"A\"\n[[cartel]]\nname = \"K\"\nterritory = { A = 1 }",
    "policy = 1",
    "policy = []",
    "[policy]\nkingpin = 1",
    "[policy.kingpin]\nregions = \"all\"",
    "[policy.kingpin]\nregions = [1]",
    "[policy.kingpin]\nend_month = 0",
    "[policy.kingpin]\nenabled = \"no\"",
    "[policy.kingpin.shock]\nx = 1",
    "[cartels]\ndeath = []",
    "[cartels]\ndeath = [[1], [2], [3], [4]]",
    "[cartels]\nrank_shares = [1e308, 1e308, -1e308, 0]",
    "[youth.school_dropout]",
    "[run]\nname = \"a/b\"",
    "[run]\nname = \"\u{7}\"",
    "extends = \"\"",
    "extends = \"/\"",
    "extends = \"\u{0}\"",
    "extends = [\"a\"]",
    "[run]\ndescription = 1979-05-27T07:32:00Z",
];

#[test]
fn malformed_inputs_never_panic() {
    for case in MALFORMED {
        let r = std::panic::catch_unwind(|| load_str(case, Path::new("fuzz.toml")));
        assert!(r.is_ok(), "panic on {case:?}");
    }
}

/// Every prefix of a real scenario, and every single-character corruption of it, loads
/// or fails without a panic (a panic fails the test).
#[test]
fn prefixes_and_corruptions_of_a_scenario_never_panic() {
    let text = everything();
    let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
    for &i in &boundaries {
        let _ = load_str(&text[..i], Path::new("fuzz.toml"));
    }
    for &i in boundaries.iter().step_by(3) {
        for c in ['"', '[', ']', '=', '\n', '0', '-', '.', 'x', '{', ','] {
            let mut s = text[..i].to_string();
            s.push(c);
            if let Some(rest) = text.get(i + 1..) {
                s.push_str(rest);
            }
            let _ = load_str(&s, Path::new("fuzz.toml"));
        }
    }
}

#[test]
fn every_error_names_file_key_and_line() {
    // A sample of the messages above, checked for the three parts in one place.
    let cases: [(&str, &str, usize); 6] = [
        ("[youth]\nschool_dropuot = 0.1\n", "youth.school_dropuot", 2),
        ("[run]\nmonths = \"x\"\n", "run.months", 2),
        ("[[region]]\nname = \"A\"\nshare = 0.5\n", "region \"A\".share", 3),
        ("[population]\npeers = 3\n", "population.peers", 2),
        ("[[cartel]]\nname = \"K\"\nterritory = { al = 0.5 }\n", "cartel \"K\".territory.al", 3),
        ("[policy.kingpin]\nshock = -1\n", "policy.kingpin.shock", 2),
    ];
    for (text, key, line) in cases {
        let e = err(text);
        let p = e.first();
        assert_eq!(p.key, key, "{e}");
        assert_eq!(p.line(), Some(line), "{e}");
        assert!(e.to_string().starts_with(&format!("{FILE}:{line}: {key}")), "{e}");
    }
}
