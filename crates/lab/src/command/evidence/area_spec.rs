//! The registry's estimator fields (`[outcome] estimator`, `pre`, `control_regions`,
//! `[outcome.event]`), checked against the study's scenario into an [`AreaDesign`] for
//! the pure estimators of `experiment::area`.
//!
//! A study that names no estimator is `paired` (the two scenarios on common random
//! numbers, as before), and must not carry the area fields: a field that would be
//! silently ignored is an error. Every name and window is resolved here, before anything
//! runs, so a bad file is an `InputError` naming the file and the field (exit 2).

use serde::Deserialize;

use narcodoor_model::params::Params;
use narcodoor_numerics::area::{self, EventDesign, Months};

/// Which estimator turns a study's runs into the model's effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Control scenario against treated scenario, paired by replicate.
    #[default]
    Paired,
    /// Treated regions against control regions, a pre window against the outcome window,
    /// in the treated scenario alone.
    DifferenceInDifferences,
    /// A dated event's own regions or their neighbours against the regions it did not
    /// touch, in event time, in the treated scenario alone.
    EventStudy,
    /// An individual trial's arms inside the treated scenario (`[trial]`): the lottery's
    /// winners against its losers, per 100 enrolled (`arms.rs`).
    Arms,
}

impl Estimator {
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Paired => "paired",
            Estimator::DifferenceInDifferences => "difference_in_differences",
            Estimator::EventStudy => "event_study",
            Estimator::Arms => "arms",
        }
    }
}

/// Whose response an event study's row reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Own,
    Neighbours,
}

/// `[outcome.event]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    /// The reported month of the event.
    pub month: u32,
    /// The event's own regions.
    pub regions: Vec<String>,
    /// The row reports the own regions' response or their neighbours'.
    pub response: Response,
    /// Event time [first, last], months relative to the event (first < 0 <= last); the
    /// months before the event are the pre-period.
    pub time: [i32; 2],
    /// Months of event time per bin of `event_time.csv` (1 when left out).
    #[serde(default = "one")]
    pub bin: u32,
    /// Keep only the neighbours where this cartel holds territory at the start.
    #[serde(default)]
    pub held_by: Option<String>,
}

fn one() -> u32 {
    1
}

/// The area fields of `[outcome]` as written.
pub struct AreaFields<'a> {
    pub estimator: Estimator,
    pub regions: &'a [String],
    pub window: [u32; 2],
    pub pre: Option<[u32; 2]>,
    pub control_regions: Option<&'a [String]>,
    pub event: Option<&'a EventFile>,
}

/// A checked area design.
#[derive(Clone, Debug, PartialEq)]
pub enum AreaDesign {
    DifferenceInDifferences { control: Vec<usize>, pre: Months },
    EventStudy { design: EventDesign, response: Response },
}

/// Resolves region names against the scenario, naming the field on error.
pub fn region_indices(names: &[String], params: &Params, field: &str) -> Result<Vec<usize>, String> {
    let known: Vec<&str> = params.regions.iter().map(|r| r.name.as_str()).collect();
    names
        .iter()
        .map(|r| {
            known.iter().position(|n| n == r).ok_or_else(|| {
                format!(
                    "{field}: no region {r:?} in the control scenario (its regions: {})",
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// Checks the area fields; returns the design (none for `paired`) and, for an event
/// study, the regions its row measures (own or neighbours), which replace
/// `outcome.regions`.
pub fn check(
    f: &AreaFields<'_>,
    params: &Params,
) -> Result<(Option<AreaDesign>, Option<Vec<usize>>), String> {
    let only = |present: bool, field: &str, estimator: Estimator| -> Result<(), String> {
        if present && f.estimator != estimator {
            return Err(format!(
                "outcome.{field} is only for estimator {:?}, not {:?}",
                estimator.name(),
                f.estimator.name()
            ));
        }
        Ok(())
    };
    only(f.pre.is_some(), "pre", Estimator::DifferenceInDifferences)?;
    only(f.event.is_some(), "event", Estimator::EventStudy)?;
    if matches!(f.estimator, Estimator::Paired | Estimator::Arms) && f.control_regions.is_some() {
        return Err(format!(
            "outcome.control_regions is only for an area estimator, not {:?}",
            f.estimator.name()
        ));
    }
    match f.estimator {
        Estimator::Paired | Estimator::Arms => Ok((None, None)),
        Estimator::DifferenceInDifferences => Ok((Some(check_did(f, params)?), None)),
        Estimator::EventStudy => {
            let (design, group) = check_event(f, params)?;
            Ok((Some(design), Some(group)))
        }
    }
}

fn check_did(f: &AreaFields<'_>, params: &Params) -> Result<AreaDesign, String> {
    if f.regions.is_empty() {
        return Err("outcome.regions: a difference in differences needs treated regions (the national row has no control)".into());
    }
    let treated = region_indices(f.regions, params, "outcome.regions")?;
    let names = f
        .control_regions
        .ok_or("outcome.control_regions: a difference in differences needs control regions")?;
    let control = region_indices(names, params, "outcome.control_regions")?;
    if control.is_empty() {
        return Err("outcome.control_regions: name at least one region".into());
    }
    if let Some(r) = names.iter().zip(&control).find(|(_, i)| treated.contains(i)) {
        return Err(format!("outcome.control_regions: {:?} is also a treated region (outcome.regions)", r.0));
    }
    let [a, b] = f.pre.ok_or("outcome.pre: a difference in differences needs a pre window [first, last]")?;
    if a > b {
        return Err(format!("outcome.pre [{a}, {b}]: the first month is after the last"));
    }
    if b >= f.window[0] {
        return Err(format!(
            "outcome.pre [{a}, {b}] must end before outcome.window starts (month {})",
            f.window[0]
        ));
    }
    Ok(AreaDesign::DifferenceInDifferences { control, pre: Months { first: a, last: b } })
}

fn check_event(f: &AreaFields<'_>, params: &Params) -> Result<(AreaDesign, Vec<usize>), String> {
    let e = f
        .event
        .ok_or("outcome.event: an event study needs [outcome.event] (month, regions, response, time)")?;
    if !f.regions.is_empty() {
        return Err("outcome.regions: an event study measures outcome.event.regions or their neighbours (outcome.event.response); leave outcome.regions out".into());
    }
    let own = region_indices(&e.regions, params, "outcome.event.regions")?;
    if own.is_empty() {
        return Err("outcome.event.regions: name the event's regions".into());
    }
    let [first, last] = e.time;
    if !(first < 0 && last >= 0) {
        return Err(format!(
            "outcome.event.time [{first}, {last}]: it must start before the event (< 0) and reach it (>= 0)"
        ));
    }
    if e.bin == 0 || first % e.bin as i32 != 0 || (last + 1) % e.bin as i32 != 0 {
        return Err(format!(
            "outcome.event.bin {}: it must be at least 1 and divide outcome.event.time [{first}, {last}] into whole bins from the event (time[0] and time[1] + 1 multiples of it)",
            e.bin
        ));
    }
    if (e.month as i64) + (first as i64) < 0 {
        return Err(format!(
            "outcome.event.time starts {} months before the event at month {}, before the run's month 0",
            -first, e.month
        ));
    }
    let months = params.run.months as i64;
    if (e.month as i64) + (last as i64) >= months {
        return Err(format!(
            "outcome.event.time ends at month {} but the control runs {months} months",
            e.month as i64 + last as i64
        ));
    }
    let [w0, w1] = f.window;
    if (w0 as i64) < e.month as i64 || (w1 as i64) > e.month as i64 + last as i64 {
        return Err(format!(
            "outcome.window [{w0}, {w1}] must lie within the event's months {}-{} (outcome.event.month and time)",
            e.month,
            e.month as i64 + last as i64
        ));
    }
    let adjacency: Vec<Vec<usize>> = params.regions.iter().map(|r| r.neighbours.clone()).collect();
    let mut neighbours = area::neighbours_of(&own, &adjacency);
    if let Some(cartel) = &e.held_by {
        let c = params.cartel_list.iter().find(|c| &c.name == cartel).ok_or_else(|| {
            let names: Vec<&str> = params.cartel_list.iter().map(|c| c.name.as_str()).collect();
            format!(
                "outcome.event.held_by: no cartel {cartel:?} in the control scenario (its cartels: {})",
                names.join(", ")
            )
        })?;
        neighbours.retain(|&r| c.territory[r] > 0.0);
    }
    if e.response == Response::Neighbours && neighbours.is_empty() {
        return Err("outcome.event.response = \"neighbours\" but the event's regions have no neighbours (as held_by restricts them)".into());
    }
    let comparison = match f.control_regions {
        None => area::untouched(&own, &adjacency),
        Some(names) => {
            let c = region_indices(names, params, "outcome.control_regions")?;
            if let Some((n, _)) =
                names.iter().zip(&c).find(|(_, i)| own.contains(i) || neighbours.contains(i))
            {
                return Err(format!(
                    "outcome.control_regions: {n:?} is one of the event's regions or their neighbours"
                ));
            }
            c
        }
    };
    if comparison.is_empty() {
        return Err("outcome.control_regions: no region is untouched by the event (neither its own nor adjacent): name the comparison regions".into());
    }
    let group = if e.response == Response::Own { own.clone() } else { neighbours.clone() };
    let design = EventDesign { month: e.month, first, last, bin: e.bin, own, neighbours, comparison };
    Ok((AreaDesign::EventStudy { design, response: e.response }, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> Params {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("scenarios/baseline.toml");
        let mut p = narcodoor_scenario::load(&path).unwrap().params;
        p.run.months = 24;
        p
    }

    fn names(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn did<'a>(regions: &'a [String], control: &'a [String], pre: [u32; 2]) -> AreaFields<'a> {
        AreaFields {
            estimator: Estimator::DifferenceInDifferences,
            regions,
            window: [12, 23],
            pre: Some(pre),
            control_regions: Some(control),
            event: None,
        }
    }

    fn err(f: &AreaFields<'_>) -> String {
        check(f, &baseline()).unwrap_err()
    }

    #[test]
    fn a_difference_in_differences_resolves_its_regions_and_windows() {
        let (t, c) = (names(&["Sur"]), names(&["Norte", "Capital"]));
        let (design, group) = check(&did(&t, &c, [0, 11]), &baseline()).unwrap();
        assert_eq!(
            design,
            Some(AreaDesign::DifferenceInDifferences {
                control: vec![0, 2],
                pre: Months { first: 0, last: 11 }
            })
        );
        assert_eq!(group, None);
    }

    #[test]
    fn bad_difference_in_differences_fields_are_named() {
        let (t, c) = (names(&["Sur"]), names(&["Norte"]));
        assert!(
            err(&did(&t, &names(&["Oaxaca"]), [0, 11]))
                .starts_with("outcome.control_regions: no region \"Oaxaca\"")
        );
        assert!(
            err(&did(&t, &names(&["Norte", "Sur"]), [0, 11])).contains("\"Sur\" is also a treated region")
        );
        assert!(
            err(&did(&t, &c, [12, 13])).starts_with("outcome.pre [12, 13] must end before outcome.window")
        );
        assert!(
            err(&did(&t, &c, [11, 3])).starts_with("outcome.pre [11, 3]: the first month is after the last")
        );
        assert!(
            err(&did(&[], &c, [0, 11])).starts_with("outcome.regions: a difference in differences needs")
        );
        let mut no_pre = did(&t, &c, [0, 11]);
        no_pre.pre = None;
        assert!(err(&no_pre).starts_with("outcome.pre:"));
        let mut paired = did(&t, &c, [0, 11]);
        paired.estimator = Estimator::Paired;
        assert!(err(&paired).starts_with("outcome.pre is only for estimator \"difference_in_differences\""));
    }

    fn event(response: Response, time: [i32; 2], held_by: Option<&str>) -> EventFile {
        EventFile {
            month: 12,
            regions: names(&["Sur"]),
            response,
            time,
            bin: 3,
            held_by: held_by.map(str::to_string),
        }
    }

    fn event_fields(e: &EventFile) -> AreaFields<'_> {
        AreaFields {
            estimator: Estimator::EventStudy,
            regions: &[],
            window: [12, 17],
            pre: None,
            control_regions: None,
            event: Some(e),
        }
    }

    #[test]
    fn an_event_study_finds_neighbours_by_adjacency_and_territory() {
        let e = event(Response::Neighbours, [-12, 11], Some("Golfo"));
        let (design, group) = check(&event_fields(&e), &baseline()).unwrap();
        let Some(AreaDesign::EventStudy { design, .. }) = design else { panic!("{design:?}") };
        // Sur's neighbours are Bajio and Capital; Golfo holds territory in Bajio only.
        // Norte alone is neither Sur nor adjacent to it.
        assert_eq!((design.own, design.neighbours, design.comparison), (vec![3], vec![1], vec![0]));
        assert_eq!(group, Some(vec![1]));
        let all = event(Response::Own, [-12, 11], None);
        let (design, group) = check(&event_fields(&all), &baseline()).unwrap();
        let Some(AreaDesign::EventStudy { design, .. }) = design else { panic!() };
        assert_eq!((design.neighbours, group), (vec![1, 2], Some(vec![3])));
    }

    #[test]
    fn bad_event_fields_are_named() {
        let e = |time, held: Option<&str>| err(&event_fields(&event(Response::Own, time, held)));
        assert!(e([-15, 11], None).starts_with("outcome.event.time starts 15 months before"));
        assert!(e([-12, 14], None).starts_with("outcome.event.time ends at month 26"));
        assert!(e([-12, 10], None).starts_with("outcome.event.bin 3: it must"));
        assert!(e([0, 11], None).starts_with("outcome.event.time [0, 11]"));
        assert!(e([-12, 2], None).starts_with("outcome.window [12, 17] must lie within"));
        assert!(e([-12, 11], Some("Sinaloa")).starts_with("outcome.event.held_by: no cartel \"Sinaloa\""));
        let ev = event(Response::Own, [-12, 11], None);
        let bajio = names(&["Bajio"]);
        let mut f = event_fields(&ev);
        f.control_regions = Some(&bajio);
        assert!(err(&f).contains("\"Bajio\" is one of the event's regions or their neighbours"));
        let sur = names(&["Sur"]);
        let mut f = event_fields(&ev);
        f.regions = &sur;
        assert!(err(&f).starts_with("outcome.regions: an event study"));
    }
}
