//! A trial's files: `trial.csv` (each replicate's arms month by month, streamed as
//! replicates finish) and `trial_effects.csv` (the effects over the whole run).

use std::io::{self, Write};
use std::path::Path;

use crate::experiment::trial::TrialEffect;
use crate::output::atomic::AtomicFile;
use crate::output::tables::{date_field, date_header};
use narcodoor_engine::ReplicateResult;
use narcodoor_model::calendar::YearMonth;
use narcodoor_model::trial::{ARMS, ArmMonth};

/// `trial.csv`, one row per replicate, month and arm.
pub struct TrialWriter {
    w: AtomicFile,
    start: Option<YearMonth>,
}

impl TrialWriter {
    /// The columns after `replicate,month[,date],arm`.
    pub const COLUMNS: &'static str =
        "enrolled,followed,recruits,arrests,deaths,ageouts,school,work,idle,prison,members,treated";

    pub fn create(path: &Path, start: Option<YearMonth>) -> io::Result<Self> {
        let mut w = AtomicFile::create(path)?;
        writeln!(w, "replicate,month{},arm,{}", date_header(start), Self::COLUMNS)?;
        Ok(TrialWriter { w, start })
    }

    pub fn write(&mut self, res: &ReplicateResult) -> io::Result<()> {
        for m in &res.months {
            let Some(arms) = &m.trial else { continue };
            for (name, a) in ARMS.iter().zip(arms) {
                let date = date_field(self.start, m.month);
                writeln!(self.w, "{},{}{date},{name},{}", res.replicate, m.month, row(a))?;
            }
        }
        Ok(())
    }

    /// Writes the file under its name (see [`AtomicFile`]).
    pub fn finish(self) -> io::Result<()> {
        self.w.commit()
    }
}

fn row(a: &ArmMonth) -> String {
    let ArmMonth {
        enrolled,
        followed,
        recruits,
        arrests,
        deaths,
        ageouts,
        school,
        work,
        idle,
        prison,
        members,
        treated,
    } = *a;
    let v = [
        enrolled, followed, recruits, arrests, deaths, ageouts, school, work, idle, prison, members, treated,
    ];
    v.map(|x| x.to_string()).join(",")
}

/// The header of `trial_effects.csv`.
pub const EFFECTS_HEADER: &str = "outcome,first_month,last_month,enrolled_control,enrolled_treatment,\
control_per_100,treatment_per_100,difference_per_100,difference_lo,difference_hi,\
relative_percent,relative_lo,relative_hi,reached_control,reached_treatment,\
on_treated_per_100,on_treated_lo,on_treated_hi";

/// Writes `trial_effects.csv`: each outcome's effect over reported months `first..=last`.
pub fn write_effects(path: &Path, effects: &[TrialEffect], first: u32, last: u32) -> io::Result<()> {
    let mut w = AtomicFile::create(path)?;
    writeln!(w, "{EFFECTS_HEADER}")?;
    for e in effects {
        let f = |x: f64| if x.is_finite() { format!("{x:.6}") } else { String::new() };
        let cells = [
            f(e.enrolled[0]),
            f(e.enrolled[1]),
            f(e.rate[0]),
            f(e.rate[1]),
            f(e.difference.mean),
            f(e.difference.lo),
            f(e.difference.hi),
            f(e.relative.0),
            f(e.relative.1),
            f(e.relative.2),
            f(e.reached[0]),
            f(e.reached[1]),
            f(e.on_treated.0),
            f(e.on_treated.1),
            f(e.on_treated.2),
        ];
        writeln!(w, "{},{first},{last},{}", e.outcome, cells.join(","))?;
    }
    w.commit()
}
