//! Tests of loading scenario files: defaults, `extends`, every kind of error (each message
//! must name the file, the key and the line), overrides, `explain` and `resolved_json`.

use std::path::{Path, PathBuf};

use super::*;
use narcodoor_model::params::{LEVERS, Params};

const FILE: &str = "scen/t.toml";

fn ok(text: &str) -> Scenario {
    match load_str(text, Path::new(FILE)) {
        Ok(s) => s,
        Err(e) => panic!("unexpected error:\n{e}"),
    }
}

fn err(text: &str) -> ScenarioError {
    match load_str(text, Path::new(FILE)) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts that the first problem is of `kind`, at `line` of the test file, and that the
/// message mentions each of `parts`.
fn assert_problem(e: &ScenarioError, kind: ErrorKind, line: usize, parts: &[&str]) {
    let text = e.to_string();
    let p = e.first();
    assert_eq!(p.kind, kind, "{text}");
    assert!(text.starts_with(&format!("{FILE}:{line}:")), "expected {FILE}:{line}: in\n{text}");
    for part in parts {
        assert!(text.contains(part), "expected {part:?} in\n{text}");
    }
}

const THREE_REGIONS: &str = r#"
[population]
peers = 4

[[region]]
name = "North"
youths = 500
neighbours = ["South"]

[[region]]
name = "South"
youths = 300

[[region]]
name = "East"
youths = 200
"#;

#[test]
fn an_empty_file_gives_the_defaults_named_after_the_file() {
    let s = ok("");
    let mut d = Params::defaults();
    d.run.name = "t".into();
    assert_eq!(s.params, d);
    assert_eq!(s.files, [PathBuf::from(FILE)]);
    assert_eq!(s.path, PathBuf::from(FILE));
    let s = ok("# only a comment\n[run]\nname = \"base\"\n");
    assert_eq!(s.params.run.name, "base");
}

#[test]
fn tables_set_their_keys() {
    let s = ok(r#"
[run]
months = 12
seed = 7
description = "a test"
[population]
youths = 1000
peers = 6
[youth]
school_dropout = 0.01
[choice]
intercept = -3
[cartels]
death = [0.001, 0.002, 0.003, 0.004]
[justice]
sentence_months = 24
"#);
    let p = &s.params;
    assert_eq!((p.run.months, p.run.seed, p.run.description.as_str()), (12, 7, "a test"));
    assert_eq!((p.population.youths, p.population.peers), (1000, 6));
    assert_eq!(p.regions.len(), 1);
    assert_eq!((p.regions[0].name.as_str(), p.regions[0].youths), ("all", 1000));
    assert_eq!(p.youth.school_dropout, 0.01);
    assert_eq!(p.choice.intercept, -3.0);
    assert_eq!(p.cartels.death, [0.001, 0.002, 0.003, 0.004]);
    assert_eq!(p.justice.sentence_months, 24.0);
    assert_eq!(p.cartel_list.len(), 1);
    assert_eq!(p.cartel_list[0].territory, [1.0]);
}

#[test]
fn regions_cartels_and_levers_are_resolved() {
    let s = ok(&format!(
        r#"{THREE_REGIONS}
[[cartel]]
name = "A"
predatory = true
territory = {{ North = 0.5, South = 0.25 }}

[[cartel]]
name = "B"
territory = {{ North = 0.5, East = 1 }}

[policy.kingpin]
regions = ["East"]
start_month = 12
end_month = 48
shock = 2

[policy.scholarships]
"#
    ));
    let p = &s.params;
    assert_eq!(p.population.youths, 1000);
    let counts: Vec<u64> = p.regions.iter().map(|r| r.youths).collect();
    assert_eq!(counts, [500, 300, 200]);
    assert_eq!(p.regions[0].neighbours, [1]);
    assert_eq!(p.regions[1].neighbours, [0]);
    assert!(p.regions[2].neighbours.is_empty());
    assert_eq!(p.cartel_list[0].territory, [0.5, 0.25, 0.0]);
    assert!(p.cartel_list[0].predatory);
    assert_eq!(p.cartel_list[1].territory, [0.5, 0.0, 1.0]);
    let k = p.policy.kingpin.first().unwrap();
    assert_eq!(k.schedule.regions, [false, false, true]);
    assert_eq!((k.schedule.start_month, k.schedule.end_month), (12, Some(48)));
    assert_eq!(k.p.shock, 2.0);
    assert_eq!(k.p.removals_per_year, 2.0);
    let sch = p.policy.scholarships.first().unwrap();
    assert_eq!(sch.p, Default::default());
    assert_eq!(sch.schedule.regions, [true, true, true]);
    assert!(p.policy.demand.is_empty());
}

#[test]
fn shares_are_turned_into_counts() {
    let s = ok(r#"
[population]
youths = 1001
[[region]]
name = "A"
share = 0.5
[[region]]
name = "B"
share = 0.25
[[region]]
name = "C"
share = 0.25
"#);
    let counts: Vec<u64> = s.params.regions.iter().map(|r| r.youths).collect();
    assert_eq!(counts, [501, 250, 250]);
    // Without sizes, regions share the population equally.
    let s = ok(
        "[population]\nyouths = 100\n[[region]]\nname = \"A\"\n[[region]]\nname = \"B\"\n[[region]]\nname = \"C\"\n",
    );
    let counts: Vec<u64> = s.params.regions.iter().map(|r| r.youths).collect();
    assert_eq!(counts, [34, 33, 33]);
}

#[test]
fn unknown_keys_get_suggestions() {
    let e = err("[youth]\nschool_dropuot = 0.1\n");
    assert_problem(&e, ErrorKind::UnknownKey, 2, &["youth.school_dropuot", "did you mean school_dropout?"]);
    let e = err("[youth]\nstigma = 0.1\n");
    assert_problem(&e, ErrorKind::UnknownKey, 2, &["youth.stigma", "did you mean choice.stigma?"]);
    let e = err("\n[runn]\nmonths = 3\n");
    assert_problem(&e, ErrorKind::UnknownKey, 2, &["runn", "did you mean run?"]);
    let e = err("[policy.kingpen]\n");
    assert_problem(&e, ErrorKind::UnknownKey, 1, &["policy.kingpen", "did you mean kingpin?"]);
    let e = err("[policy.kingpin]\nshok = 1\n");
    assert_problem(&e, ErrorKind::UnknownKey, 2, &["policy.kingpin.shok", "did you mean shock?"]);
    let e = err("[[region]]\nname = \"A\"\npovrety = 0.5\n");
    assert_problem(&e, ErrorKind::UnknownKey, 3, &["region \"A\".povrety", "did you mean poverty?"]);
    let e = err("[youth]\nzzzzzzzz = 1\n");
    assert_problem(&e, ErrorKind::UnknownKey, 2, &["the keys of [youth] are: female_share"]);
    let e = err("months = 12\n");
    assert_problem(&e, ErrorKind::UnknownKey, 1, &["did you mean run.months"]);
}

#[test]
fn wrong_types_say_what_was_expected() {
    let e = err("[run]\n\nmonths = \"12\"\n");
    assert_problem(
        &e,
        ErrorKind::WrongType,
        3,
        &["run.months = \"12\"", "expected an integer", "found a string"],
    );
    let e = err("[run]\nmonths = 12.5\n");
    assert_problem(
        &e,
        ErrorKind::WrongType,
        2,
        &["run.months = 12.5", "must be an integer from 1 to 4294967295"],
    );
    let e = err("[run]\nmonths = 12.0\n");
    assert_problem(&e, ErrorKind::WrongType, 2, &["write 12, without a decimal point"]);
    let e = err("[policy.policing]\narmy = 1\n");
    assert_problem(&e, ErrorKind::WrongType, 2, &["policy.policing.army", "expected a boolean"]);
    let e = err("run = 3\n");
    assert_problem(&e, ErrorKind::WrongType, 1, &["run = 3", "expected a table ([run])"]);
    let e = err("[region]\nname = \"A\"\n");
    assert_problem(&e, ErrorKind::WrongType, 1, &["write [[region]], not [region]"]);
    let e = err("[cartels]\ndeath = [0.1, 0.1, 0.1]\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["cartels.death", "array of 4 probabilities", "found 3"]);
    let e = err("[cartels]\ndeath = [0.1, 0.1,\n \"x\", 0.1]\n");
    assert_problem(&e, ErrorKind::WrongType, 3, &["cartels.death: rank 3 = \"x\""]);
    let e = err("[youth]\njob_loss = 1979-05-27\n");
    assert_problem(&e, ErrorKind::WrongType, 2, &["youth.job_loss", "found a date-time"]);
    // Integers are fine where floats are expected.
    assert_eq!(ok("[youth]\ngraduate_job_bonus = 2\n").params.youth.graduate_job_bonus, 2.0);
}

#[test]
fn ranges_are_checked() {
    let e = err("[youth]\nschool_dropout = 1.5\n");
    assert_problem(
        &e,
        ErrorKind::OutOfRange,
        2,
        &["youth.school_dropout = 1.5", "must be a probability or share in [0, 1]"],
    );
    let e = err("\n[population]\nyouths = -5\n");
    assert_problem(&e, ErrorKind::OutOfRange, 3, &["population.youths = -5", "must be an integer ≥ 1"]);
    let e = err("[population]\npeers = 7\n");
    assert_problem(
        &e,
        ErrorKind::OutOfRange,
        2,
        &["population.peers = 7", "even integer from 2 to 56", "implementation limit"],
    );
    let e = err("[population]\npeers = 58\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["population.peers = 58"]);
    let e = err("[policy.kingpin]\n\nshock = -1\n");
    assert_problem(
        &e,
        ErrorKind::OutOfRange,
        3,
        &["policy.kingpin.shock = -1", "must be a number ≥ 0", "(violence shock"],
    );
    let e = err("[policy.policing]\nincrease = -1.5\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["policy.policing.increase = -1.5", "≥ -1"]);
    assert_eq!(
        ok("[policy.policing]\nincrease = -0.5\n")
            .params
            .policy
            .policing
            .into_iter()
            .next()
            .unwrap()
            .p
            .increase,
        -0.5
    );
    let e = err("[[region]]\nname = \"A\"\nlegit_wage = 0\n");
    assert_problem(&e, ErrorKind::OutOfRange, 3, &["region \"A\".legit_wage = 0", "must be a number > 0"]);
    let e = err("[violence]\nreference_density = nan\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["violence.reference_density = nan"]);
    let e = err("[choice]\nintercept = inf\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["choice.intercept = inf", "finite"]);
    let e = err("[run]\nmonths = 0\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["run.months = 0"]);
    let e = err("[run]\nseed = 99999999999999999999\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["run.seed"]);
    let e = err("[run]\nname = \"\"\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["run.name", "non-empty name"]);
    let e = err("[justice]\nsentence_months = 0.5\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["justice.sentence_months = 0.5", "≥ 1"]);
}

#[test]
fn all_problems_are_reported_at_once() {
    let e = err("[youth]\nschool_dropout = 2\njob_loss = -1\n[run]\nmonths = 0\n");
    let lines: Vec<Option<usize>> = e.problems().iter().map(|p| p.line()).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(5)]);
    assert_eq!(e.to_string().lines().count(), 3);
}

#[test]
fn rank_shares_must_add_up_to_one() {
    let e = err("[cartels]\nrank_shares = [0.5, 0.25, 0.15, 0.05]\n");
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        2,
        &["cartels.rank_shares", "add up to 0.95", "must add up to 1"],
    );
    ok("[cartels]\nrank_shares = [0.25, 0.25, 0.25, 0.25]\n");
}

#[test]
fn region_sizes_follow_the_rules() {
    let e = err("[[region]]\nname = \"A\"\nshare = 0.5\n[[region]]\nname = \"B\"\nshare = 0.4\n");
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        3,
        &["region \"A\".share = 0.5: the regions' shares add up to 0.9", "A 0.5, B 0.4", "must add up to 1"],
    );
    let e = err("[[region]]\nname = \"A\"\nyouths = 500\n[[region]]\nname = \"B\"\nshare = 0.4\n");
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        6,
        &["region \"B\".share", "cannot mix shares and head counts", "region \"A\""],
    );
    let e = err("[[region]]\nname = \"A\"\nyouths = 500\n[[region]]\nname = \"B\"\n");
    assert_problem(&e, ErrorKind::Inconsistent, 4, &["region \"B\"", "has no youths"]);
    let e = err("[[region]]\nname = \"A\"\nyouths = 0\n");
    assert_problem(&e, ErrorKind::OutOfRange, 3, &["region \"A\".youths = 0", "integer ≥ 1"]);
    let e = err(
        "[population]\nyouths = 10\n[[region]]\nname = \"A\"\nshare = 0.99\n[[region]]\nname = \"B\"\nshare = 0.01\n",
    );
    assert_problem(
        &e,
        ErrorKind::OutOfRange,
        8,
        &["region \"B\".share = 0.01", "gives 0 of population.youths = 10"],
    );
    let e = err(
        "[population]\nyouths = 900\n[[region]]\nname = \"A\"\nyouths = 500\n[[region]]\nname = \"B\"\nyouths = 500\n",
    );
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        2,
        &["population.youths = 900", "sum of the regions' youths (1000)"],
    );
    ok(
        "[population]\nyouths = 1000\n[[region]]\nname = \"A\"\nyouths = 500\n[[region]]\nname = \"B\"\nyouths = 500\n",
    );
    let e = err(
        "[population]\npeers = 8\n[[region]]\nname = \"A\"\nyouths = 500\n[[region]]\nname = \"B\"\n\nyouths = 8\n",
    );
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        9,
        &["region \"B\" has 8 youths", "more than population.peers = 8"],
    );
    let e = err("[population]\nyouths = 6\n");
    assert_problem(&e, ErrorKind::Inconsistent, 2, &["region \"all\" has 6 youths", "population.peers = 8"]);
    let e = err("[[region]]\nyouths = 100\n");
    assert_problem(&e, ErrorKind::Inconsistent, 1, &["region #1", "has no name"]);
}

#[test]
fn names_must_be_unique_and_known() {
    let e = err("[[region]]\nname = \"A\"\n[[region]]\nname = \"A\"\n");
    assert_problem(
        &e,
        ErrorKind::Duplicate,
        3,
        &["region \"A\"", "duplicate region name", "first defined at scen/t.toml:1"],
    );
    let two = "[[region]]\nname = \"North\"\n[[region]]\nname = \"South\"\n";
    let e = err(&format!("{two}[[cartel]]\nname = \"X\"\n[[cartel]]\nname = \"X\"\n"));
    assert_problem(&e, ErrorKind::Duplicate, 7, &["cartel \"X\"", "duplicate cartel name"]);
    let e = err(&format!("{two}[[cartel]]\nname = \"X\"\nterritory = {{ Nort = 0.5 }}\n"));
    assert_problem(
        &e,
        ErrorKind::UnknownName,
        7,
        &["cartel \"X\".territory.Nort", "unknown region \"Nort\"", "did you mean North?"],
    );
    let e = err(&format!(
        "{two}[[cartel]]\nname = \"X\"\nterritory = {{ North = 0.7 }}\n[[cartel]]\nname = \"Y\"\nterritory = {{ South = 0.2, North = 0.5 }}\n"
    ));
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        10,
        &[
            "cartel \"Y\".territory.North = 0.5",
            "region \"North\" add up to 1.2",
            "X 0.7 at scen/t.toml:7, Y 0.5",
            "at most 1",
        ],
    );
    let e = err(&format!("{two}[[cartel]]\nname = \"X\"\nterritory = {{ North = 1.5 }}\n"));
    assert_problem(&e, ErrorKind::OutOfRange, 7, &["cartel \"X\".territory.North = 1.5"]);
    let e = err("[[region]]\nname = \"A\"\nneighbours = [\"B\"]\n[[region]]\nname = \"Bb\"\n");
    assert_problem(
        &e,
        ErrorKind::UnknownName,
        3,
        &["region \"A\".neighbours", "unknown region \"B\"", "did you mean Bb?"],
    );
    let e = err("[[region]]\nname = \"A\"\nneighbours = [\"A\"]\n");
    assert_problem(&e, ErrorKind::Inconsistent, 3, &["cannot neighbour itself"]);
    let e = err(&format!("{two}[policy.demand]\nregions = [\"West\"]\n"));
    assert_problem(&e, ErrorKind::UnknownName, 6, &["policy.demand.regions", "unknown region \"West\""]);
    let e = err("[policy.demand]\nregions = []\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["policy.demand.regions = []", "at least one region"]);
    let e = err("[[region]]\nname = \"*\"\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["name"]);
}

#[test]
fn regions_without_cartels_are_allowed() {
    // A region no cartel holds starts without members (the engine skips the draw) and is
    // never contacted; it is not an error.
    ok(
        "[[region]]\nname = \"A\"\n[[region]]\nname = \"B\"\n[[cartel]]\nname = \"K\"\nterritory = { A = 1 }\n",
    );
    ok("[[region]]\nname = \"A\"\npresence = 0\n");
}

#[test]
fn lever_windows_must_open_before_they_close() {
    let e = err("[policy.kingpin]\nstart_month = 24\nend_month = 24\n");
    assert_problem(
        &e,
        ErrorKind::Inconsistent,
        3,
        &["policy.kingpin.end_month = 24", "after start_month = 24", "exclusive"],
    );
    let e = err("[policy.kingpin]\nramp_months = -1\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["policy.kingpin.ramp_months = -1"]);
    let s = ok("[policy.kingpin]\nramp_months = 12\nend_month = 5\n");
    assert_eq!(s.params.policy.kingpin.into_iter().next().unwrap().schedule.ramp_months, 12);
    assert!(ok("[policy.kingpin]\nenabled = false\n").params.policy.kingpin.is_empty());
}

#[test]
fn syntax_errors_show_line_and_column() {
    let e = err("[run]\nmonths = 12\nseed = = 3\n");
    let text = e.to_string();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert!(text.starts_with("scen/t.toml:3:8: TOML syntax error"), "{text}");
    let e = err("[run]\nmonths = 1\nmonths = 2\n");
    assert!(e.to_string().starts_with("scen/t.toml:3:1: TOML syntax error: duplicate key"), "{e}");
}

#[test]
fn huge_populations_are_refused() {
    if memory_available().is_none() {
        return;
    }
    let e = err("[population]\n\nyouths = 9000000000000000000\n");
    assert_problem(
        &e,
        ErrorKind::Memory,
        3,
        &["population.youths = 9000000000000000000", "too large", "MemAvailable"],
    );
    let p = ok("").params;
    assert!(check_memory(&p, 1).is_ok());
    let mut big = p.clone();
    big.population.youths = 1 << 60;
    assert_eq!(check_memory(&big, 2).unwrap_err().kind(), ErrorKind::Memory);
}

mod dated;
mod files;
