//! The checkpoint directory of a generational search.
//!
//! `search.json` holds everything that determines the search's bytes (command, scenario
//! contents, paths and ranges, settings, seed, replicates, sizes); `generations/` holds one
//! `gen-NNNN.json` per finished generation, each written under a temporary name and
//! renamed, so it is complete or absent. Running the same command again reads the
//! finished generations and goes on from the last; a directory holding another search, or
//! something that is not a search, is refused (exit code 2) and never deleted. The final
//! outputs are removed when a search (re)starts and written at its end, the manifest last.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::InputError;
use crate::output::atomic::{remove_leftovers, write_in as write_atomic};
use crate::output::staging::{Workdir, refuse};

/// A search's checkpoint directory.
#[derive(Clone, Debug)]
pub struct Store {
    /// Where the search writes: `--out`, or its staging directory with `--force`.
    pub dir: PathBuf,
    pub work: Workdir,
}

fn gen_name(g: u64) -> String {
    format!("gen-{g:04}.json")
}

impl Store {
    /// Opens `target` for the search described by `spec`: creates it, or checks that it
    /// holds the same search; with `force` and a non-empty target, the search works in a
    /// staging directory that [`Store::finish`] puts in its place (`output::staging`).
    /// Removes the files in `outputs` (they are rewritten at the end).
    pub fn open(
        target: &Path,
        force: bool,
        spec: &serde_json::Value,
        outputs: &[&str],
    ) -> anyhow::Result<Store> {
        let spec_text = serde_json::to_string_pretty(spec).context("search.json")? + "\n";
        let work = Workdir::open(target, force, "search.json", spec_text.as_bytes())?;
        let dir = &work.dir.clone();
        let store = Store { dir: dir.clone(), work };
        let gens = dir.join("generations");
        let empty = !dir.exists()
            || fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?.next().is_none();
        if empty {
            fs::create_dir_all(&gens).with_context(|| format!("cannot create {}", gens.display()))?;
            write_atomic(dir, "search.json", spec_text.as_bytes())?;
            return Ok(store);
        }
        let existing = narcodoor_scenario::input_file::read_text(&dir.join("search.json")).map_err(|_| {
            refuse(dir, "exists, is not empty and is not a search directory (no search.json)")
        })?;
        if existing != spec_text {
            return Err(refuse(
                dir,
                "holds another search (its search.json differs: other scenario, settings, seed or version)",
            ));
        }
        for f in outputs {
            let path = dir.join(f);
            if path.is_file() {
                fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
        fs::create_dir_all(&gens).with_context(|| format!("cannot create {}", gens.display()))?;
        // A kill while a file was written leaves its temporary file behind (issue 28), in
        // the charts' directory too when it came during the drawing.
        let charts = dir.join("charts");
        for d in [dir, &gens, &charts].into_iter().filter(|d| d.is_dir()) {
            remove_leftovers(d).with_context(|| format!("cannot clean {}", d.display()))?;
        }
        Ok(store)
    }

    /// Ends the search: on success, puts a staging directory in place of the target and
    /// names the target in the outcome; on failure, says where the finished generations are.
    pub fn finish<T>(
        &self,
        result: anyhow::Result<T>,
        out_dir: impl FnOnce(&mut T) -> &mut PathBuf,
    ) -> anyhow::Result<T> {
        match result {
            Ok(mut value) => {
                self.work.publish()?;
                *out_dir(&mut value) = self.work.target.clone();
                Ok(value)
            }
            Err(e) => Err(match self.work.stopped_note() {
                Some(note) => e.context(note),
                None => e,
            }),
        }
    }

    /// The finished generations 0, 1, ... up to the first missing one.
    pub fn load<T: DeserializeOwned>(&self) -> anyhow::Result<Vec<T>> {
        let mut out = Vec::new();
        loop {
            let path = self.dir.join("generations").join(gen_name(out.len() as u64));
            if !path.exists() {
                return Ok(out);
            }
            let text = narcodoor_scenario::input_file::read_text(&path)?;
            let g = serde_json::from_str(&text).map_err(|e| {
                InputError::new(format!(
                    "{} is damaged ({e}); delete it to redo that generation",
                    path.display()
                ))
            })?;
            out.push(g);
        }
    }

    /// Saves a finished generation.
    pub fn save<T: Serialize>(&self, generation: u64, state: &T) -> anyhow::Result<()> {
        let text = serde_json::to_string(state).context("generation checkpoint")? + "\n";
        write_atomic(&self.dir.join("generations"), &gen_name(generation), text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumes_the_same_search_and_refuses_another() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("s");
        let spec = serde_json::json!({"a": 1});
        let s = Store::open(&dir, false, &spec, &["out.csv"]).unwrap();
        s.save(0, &vec![1.5, 2.0]).unwrap();
        s.save(1, &vec![3.0]).unwrap();
        fs::write(dir.join("out.csv"), "x").unwrap();
        // A kill while a chart was written leaves the chart writer's temporary file.
        fs::create_dir_all(dir.join("charts")).unwrap();
        fs::write(dir.join("charts/.pareto.png.20841.0.tmp.png"), "half").unwrap();
        let again = Store::open(&dir, false, &spec, &["out.csv"]).unwrap();
        assert!(!dir.join("out.csv").exists());
        assert_eq!(fs::read_dir(dir.join("charts")).unwrap().count(), 0, "the leftover chart is removed");
        assert_eq!(again.load::<Vec<f64>>().unwrap(), vec![vec![1.5, 2.0], vec![3.0]]);
        let e = Store::open(&dir, false, &serde_json::json!({"a": 2}), &[]).unwrap_err();
        assert!(e.is::<InputError>());
        let other = tmp.path().join("o");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("keep.txt"), "x").unwrap();
        assert!(Store::open(&other, false, &spec, &[]).unwrap_err().is::<InputError>());
        assert!(other.join("keep.txt").exists());
    }
}
