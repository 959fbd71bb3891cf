//! Tests of dated scenarios (`run.start`), lever arrays and dated kingpin events.

use super::*;
use narcodoor_model::calendar::YearMonth;

fn dated(policy: &str) -> String {
    format!(
        "[run]\nstart = \"2000-01\"\nmonths = 180\n{THREE_REGIONS}\n[[cartel]]\nname = \"A\"\nterritory = {{ North = 0.5, South = 0.3 }}\n\n[[cartel]]\nname = \"B\"\nterritory = {{ East = 0.4 }}\n{policy}"
    )
}

#[test]
fn dates_become_reported_months() {
    let s = ok(&dated("[policy.scholarships]\nstart_month = \"2006-12\"\nend_month = \"2010-01\"\n"));
    assert_eq!(s.params.run.start, YearMonth::parse("2000-01"));
    let l = s.params.policy.scholarships.first().unwrap();
    assert_eq!((l.schedule.start_month, l.schedule.end_month), (83, Some(120)));
}

#[test]
fn bad_dates_are_errors_naming_the_line() {
    let e = err("[run]\nstart = \"2000-13\"\n");
    assert_problem(&e, ErrorKind::OutOfRange, 2, &["run.start", "YYYY-MM"]);
    let e = err("[policy.demand]\nstart_month = \"2001-01\"\n");
    assert_problem(&e, ErrorKind::Inconsistent, 2, &["policy.demand.start_month", "run.start"]);
    let e = err(&dated("[policy.demand]\nstart_month = \"1999-12\"\n"));
    let line = dated("").lines().count() + 2;
    assert_problem(&e, ErrorKind::OutOfRange, line, &["policy.demand.start_month", "month -1"]);
}

#[test]
fn lever_arrays_give_instances_in_file_order() {
    let s = ok(&dated(
        "[[policy.policing]]\nregions = [\"North\"]\nstart_month = \"2007-01\"\narmy = true\n\n\
         [[policy.policing]]\nregions = [\"East\"]\nincrease = 0.2\n\n\
         [[policy.policing]]\nenabled = false\n",
    ));
    let pol = &s.params.policy;
    let first = &pol.policing[0];
    assert!(
        first.p.army && first.schedule.regions == [true, false, false] && first.schedule.start_month == 84
    );
    assert_eq!(pol.policing.len(), 2);
    assert_eq!(pol.policing[1].p.increase, 0.2);
    assert_eq!(pol.policing[1].schedule.regions, [false, false, true]);
    // The two instances act in their own regions; in North from 2007-01 only.
    let now = narcodoor_model::policy::LeversNow::at(&s.params, 84);
    assert!(now.regions[0].army_violence > 0.0 && now.regions[2].army_violence == 0.0);
    assert!((now.regions[2].enforcement - 1.2).abs() < 1e-12 && now.regions[1].enforcement == 1.0);
    let e = err(&dated("[[policy.policing]]\nend_month = 0\n"));
    assert!(e.to_string().contains("policy.policing #1.end_month"), "{e}");
    let e = err(&dated("[[policy.kingpin]]\nshock = 1.0\n"));
    assert!(e.to_string().contains("[[policy.kingpin.event]]"), "{e}");
}

#[test]
fn kingpin_events_are_read_and_checked() {
    let s = ok(&dated(
        "[policy.kingpin]\n[[policy.kingpin.event]]\ndate = \"2008-01\"\ncartel = \"A\"\nregions = [\"South\"]\n\
         split_probability = 1.0\n\n[[policy.kingpin.event]]\nmonth = 120\ncartel = \"A splinter 1\"\n",
    ));
    let k = s.params.policy.kingpin.first().unwrap();
    assert_eq!(k.p.removals_per_year, 0.0, "events alone schedule no removals");
    assert_eq!(k.p.events.len(), 2);
    assert_eq!((k.p.events[0].month, k.p.events[0].regions.clone()), (96, vec![false, true, false]));
    assert_eq!(k.p.events[0].split_probability, Some(1.0));
    assert_eq!(k.p.events[1].cartel, "A splinter 1");
    let with_rate = ok(&dated(
        "[policy.kingpin]\nremovals_per_year = 3.0\n[[policy.kingpin.event]]\nmonth = 5\ncartel = \"B\"\n",
    ));
    assert_eq!(with_rate.params.policy.kingpin.first().unwrap().p.removals_per_year, 3.0);
    for (bad, what) in [
        ("cartel = \"Zeta\"\nmonth = 3\n", "unknown cartel"),
        ("cartel = \"A\"\n", "exactly one of date or month"),
        ("cartel = \"A\"\nmonth = 3\ndate = \"2000-05\"\n", "exactly one of date or month"),
        ("cartel = \"A\"\nmonth = 3\nwhen = 4\n", "unknown key"),
        ("cartel = \"A\"\nmonth = 3\nregions = [\"West\"]\n", "unknown region"),
    ] {
        let e = err(&dated(&format!("[policy.kingpin]\n[[policy.kingpin.event]]\n{bad}")));
        assert!(e.to_string().contains(what), "{bad}: {e}");
    }
}
