//! The scenarios a server offers: the `*.toml` files of one directory, loaded and checked
//! once at start and addressed by name (the file's stem) only. A request's scenario name is
//! looked up here and never joined to a path. A scenario that ships a posterior
//! (`data/<name>_posterior.csv` beside it, `posterior::shipped`) can run under parameter
//! uncertainty; the file is found here, at start, and a request can only ask for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use narcodoor_lab::scenario::{self, Scenario};

/// One scenario on offer.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
    /// The posterior the scenario ships, if any.
    pub posterior: Option<PathBuf>,
}

/// The scenarios of a directory, by name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    entries: BTreeMap<String, Entry>,
}

/// The scenario directory `serve` uses when none is given: `scenarios/` in the current
/// directory, else the bundled one of the source tree the binary was built from.
pub fn default_dir() -> PathBuf {
    let here = PathBuf::from("scenarios");
    if here.join("baseline.toml").is_file() {
        here
    } else {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("scenarios")
    }
}

impl Catalog {
    /// Loads every `*.toml` file of `dir` (not its subdirectories). A file that does not
    /// load is left out with a warning on stderr; a directory without any usable scenario
    /// is an error.
    pub fn load(dir: &Path) -> anyhow::Result<Catalog> {
        let read = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the scenarios directory {}", dir.display()))?;
        let mut entries = BTreeMap::new();
        for item in read.flatten() {
            let path = item.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") || !path.is_file() {
                continue;
            }
            let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                continue;
            };
            match scenario::load(&path) {
                Ok(s) => {
                    let description = s.params.run.description.clone();
                    let posterior = narcodoor_lab::experiment::posterior::shipped(&path);
                    entries.insert(name.clone(), Entry { name, description, scenario: s, posterior });
                }
                Err(e) => eprintln!("narcodoor serve: {} left out: {e}", path.display()),
            }
        }
        if entries.is_empty() {
            return Err(narcodoor_lab::error::InputError::new(format!(
                "no scenario file (*.toml) loads in {}",
                dir.display()
            ))
            .into());
        }
        Ok(Catalog { entries })
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The names of the scenarios that ship a posterior.
    pub fn with_posterior(&self) -> Vec<&str> {
        self.entries.values().filter(|e| e.posterior.is_some()).map(|e| e.name.as_str()).collect()
    }

    pub fn names(&self) -> Vec<&str> {
        self.entries.keys().map(String::as_str).collect()
    }
}
