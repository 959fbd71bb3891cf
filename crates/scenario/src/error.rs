//! The scenario layer's error type and the small helpers that make its messages useful.
//!
//! A scenario error is a list of problems. Each problem names where the offending value was
//! written (file and line, or the command-line setting that supplied it), the full TOML
//! path of the key, and what is allowed. Loading collects every problem it can find in one
//! pass, so a user fixes a file in one round instead of one error at a time.

use std::fmt;
use std::path::PathBuf;

/// What kind of mistake a problem is; tests and callers can match on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A file could not be read.
    Io,
    /// The file is not valid TOML.
    Syntax,
    /// A key (or a `set_value` path) that does not exist.
    UnknownKey,
    /// A value of the wrong TOML type (a string where a number belongs, a float for a count).
    WrongType,
    /// A value outside its allowed range.
    OutOfRange,
    /// A name (region, lever, cartel) that does not exist.
    UnknownName,
    /// Two regions or two cartels with the same name.
    Duplicate,
    /// A broken `extends` chain: missing parent file or a cycle.
    Extends,
    /// Values that are fine one by one but do not fit together (shares not adding up to 1,
    /// territory above 1 in a region, a region smaller than the peer count, ...).
    Inconsistent,
    /// The population does not fit in the machine's memory.
    Memory,
    /// A value allowed but far outside the documented range, or a lever that never acts: a
    /// warning, an error only under `validate --strict` (`plausible.rs`).
    Implausible,
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A scenario file; `line` and `column` are 1-based, `column` is only given for syntax
    /// errors, and `line` is missing when the value is a default that no file wrote.
    File { path: PathBuf, line: Option<usize>, column: Option<usize> },
    /// A `set_value` call, shown as `path=value`.
    Setting(String),
    /// A command-line override such as `--youths 500`.
    Override(String),
    /// A check on parameters that did not come from a file (`check_memory` on a `Params`).
    Unknown,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line: Some(l), column: Some(c) } => write!(f, "{}:{l}:{c}", path.display()),
            Origin::File { path, line: Some(l), column: None } => write!(f, "{}:{l}", path.display()),
            Origin::File { path, line: None, .. } => write!(f, "{}", path.display()),
            Origin::Setting(s) => write!(f, "setting `{s}`"),
            Origin::Override(s) => write!(f, "{s}"),
            Origin::Unknown => Ok(()),
        }
    }
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ErrorKind,
    pub origin: Origin,
    /// The full TOML path of the key, e.g. `policy.kingpin.shock` or `region "North".poverty`
    /// (empty for whole-file problems such as syntax errors).
    pub key: String,
    /// The complete message after the origin; it starts with the key.
    pub message: String,
}

impl Problem {
    pub fn new(
        kind: ErrorKind,
        origin: Origin,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem { kind, origin, key: key.into(), message: message.into() }
    }

    /// The 1-based line of the offending value, when it came from a file.
    pub fn line(&self) -> Option<usize> {
        match &self.origin {
            Origin::File { line, .. } => *line,
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Unknown => write!(f, "{}", self.message),
            _ => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// A scenario that cannot be used: one or more problems, each on its own line.
///
/// `crate::error::exit_code` downcasts to this type to exit with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct ScenarioError {
    problems: Vec<Problem>,
}

/// Long lists are cut: past this many problems the rest are most likely consequences.
const MAX_SHOWN: usize = 30;

fn render(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems.iter().take(MAX_SHOWN).map(|p| p.to_string()).collect();
    if problems.len() > MAX_SHOWN {
        lines.push(format!("... and {} more problems", problems.len() - MAX_SHOWN));
    }
    lines.join("\n")
}

impl ScenarioError {
    /// An error from a non-empty list of problems (an empty list gets a generic problem so
    /// that the error is never blank).
    pub fn from_problems(mut problems: Vec<Problem>) -> ScenarioError {
        if problems.is_empty() {
            problems.push(Problem::new(ErrorKind::Inconsistent, Origin::Unknown, "", "invalid scenario"));
        }
        ScenarioError { problems }
    }

    pub fn single(problem: Problem) -> ScenarioError {
        ScenarioError { problems: vec![problem] }
    }

    /// Every problem found, in the order they were found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The first problem (there is always one).
    pub fn first(&self) -> &Problem {
        &self.problems[0]
    }

    /// The kind of the first problem.
    pub fn kind(&self) -> ErrorKind {
        self.first().kind
    }
}

/// Edit distance between two strings, counted in characters (insert, delete, substitute):
/// the `strsim` crate's Levenshtein distance.
pub fn levenshtein(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo: at most a
/// third of the word's length (at least 1, at most 3 edits), or equal ignoring case. Ties go
/// to the candidate sharing the longer prefix with `word` (typos tend to come late), then to
/// the earlier candidate.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let lower = word.to_lowercase();
    let prefix = |c: &str| word.chars().zip(c.chars()).take_while(|(a, b)| a == b).count();
    let mut best: Option<(usize, usize, &str)> = None;
    for c in candidates {
        let d = if c.to_lowercase() == lower { 0 } else { levenshtein(word, c) };
        let pre = prefix(c);
        // A suggestion must keep something of the word: "C" is not a typo of "A".
        let keeps_something = d < word.chars().count().max(c.chars().count());
        if d <= limit && keeps_something && best.is_none_or(|(bd, bp, _)| d < bd || (d == bd && pre > bp)) {
            best = Some((d, pre, c));
        }
    }
    best.map(|(_, _, c)| c.to_string())
}

/// `region "North"`, or `region #3` (counting from 1) for an entry without a usable name.
pub fn region_label(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) => format!("region {n:?}"),
        None => format!("region #{}", index + 1),
    }
}

pub fn cartel_label(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) => format!("cartel {n:?}"),
        None => format!("cartel #{}", index + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("school_dropout", "school_dropuot"), 2);
        assert_eq!(levenshtein("peers", "peers"), 0);
        assert_eq!(levenshtein("ñandú", "nandu"), 2);
    }

    #[test]
    fn closest_suggests_only_plausible_typos() {
        let keys = ["coverage", "amount", "half_amount"];
        assert_eq!(closest("coverge", keys), Some("coverage".into()));
        assert_eq!(closest("Amount", keys), Some("amount".into()));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("B", ["A", "Bb"]), Some("Bb".into()));
        assert_eq!(closest("C", ["A", "B"]), None);
    }

    #[test]
    fn display_puts_the_origin_first() {
        let p = Problem::new(
            ErrorKind::OutOfRange,
            Origin::File { path: "s/x.toml".into(), line: Some(12), column: None },
            "policy.kingpin.shock",
            "policy.kingpin.shock = -1: must be ≥ 0",
        );
        assert_eq!(p.to_string(), "s/x.toml:12: policy.kingpin.shock = -1: must be ≥ 0");
        let e = ScenarioError::from_problems(vec![p.clone(), p]);
        assert_eq!(e.to_string().lines().count(), 2);
    }
}
