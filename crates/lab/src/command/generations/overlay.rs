//! A parameter point as a scenario file that `extends` the searched one: the front points
//! of `optimize` and the `calibrated.toml` of `calibrate`.
//!
//! Each searched path is written where a file sets it: a global or lever key in its table
//! (`policy.scholarships.coverage` → `[policy.scholarships] coverage = …`, which also
//! switches the lever on), a per-rank entry as its whole array, a region's key in a
//! `[[region]]` entry with its name (merged by name into the parent's), every region for
//! `region.*.key`, a cartel's territory in a `[[cartel]]` entry. Values are those the
//! candidate ran with, in the shortest form that reads back to the same number.

use std::collections::BTreeMap;
use std::fmt::Write;

use narcodoor_model::params::Params;
use narcodoor_scenario::get_value_toml;

/// Where a path lives in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `[table] key = …`
    Key { table: String, key: String },
    /// `[[region]] name = …, key = …` (`None`: every region)
    Region { name: Option<String>, key: String },
    /// `[[cartel]] name = …, territory = { region = … }`
    Territory { cartel: String, region: String },
}

/// The location of a numeric path, or `None` if a file cannot hold it.
pub fn toml_location(path: &str) -> Option<Location> {
    let path = path.trim();
    if let Some(rest) = path.strip_prefix("region.") {
        let (name, key) = rest.rsplit_once('.')?;
        let name = (name != "*").then(|| name.to_string());
        return Some(Location::Region { name, key: key.into() });
    }
    if let Some(rest) = path.strip_prefix("cartel.") {
        let (cartel, region) = rest.split_once(".territory.")?;
        return Some(Location::Territory { cartel: cartel.into(), region: region.into() });
    }
    let head = path.split_once('[').map_or(path, |(h, _)| h);
    let (table, key) = head.rsplit_once('.')?;
    Some(Location::Key { table: table.into(), key: key.into() })
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// The TOML text of a scenario that extends `parent` (as written in `extends`) and sets
/// `paths` to their values in `params`. `header` lines become comments; `run` holds
/// `[run]` settings (key, TOML value) written first.
pub fn scenario_text(
    parent: &str,
    header: &[String],
    run: &[(&str, String)],
    params: &Params,
    paths: &[String],
) -> String {
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "# {h}");
    }
    let _ = writeln!(out, "extends = {}", quote(parent));
    if !run.is_empty() {
        let _ = writeln!(out, "\n[run]");
        for (k, v) in run {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    let mut tables: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut regions: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut cartels: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for path in paths {
        let (Some(loc), Some(value)) = (toml_location(path), get_value_toml(params, path)) else { continue };
        match loc {
            Location::Key { table, key } => push_unique(tables.entry(table).or_default(), key, value),
            Location::Region { name: Some(n), key } => push_unique(regions.entry(n).or_default(), key, value),
            Location::Region { name: None, key } => {
                for r in &params.regions {
                    let v =
                        get_value_toml(params, &format!("region.{}.{key}", r.name)).unwrap_or(value.clone());
                    push_unique(regions.entry(r.name.clone()).or_default(), key.clone(), v);
                }
            }
            Location::Territory { cartel, region } => {
                push_unique(cartels.entry(cartel).or_default(), quote(&region), value)
            }
        }
    }
    for (table, keys) in &tables {
        if keys.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[{table}]");
        for (k, v) in keys {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    for (name, keys) in &regions {
        let _ = writeln!(out, "\n[[region]]\nname = {}", quote(name));
        for (k, v) in keys {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    for (name, terr) in &cartels {
        let parts: Vec<String> = terr.iter().map(|(r, v)| format!("{r} = {v}")).collect();
        let _ = writeln!(out, "\n[[cartel]]\nname = {}\nterritory = {{ {} }}", quote(name), parts.join(", "));
    }
    out
}

fn push_unique(keys: &mut Vec<(String, String)>, key: String, value: String) {
    match keys.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => keys.push((key, value)),
    }
}

/// `target` relative to the directory `from` (both as given, made absolute first), for
/// an `extends` line that keeps working when the output directory moves with its source.
pub fn relative_path(target: &std::path::Path, from: &std::path::Path) -> String {
    let abs = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (t, f) = (abs(target), abs(from));
    let tc: Vec<_> = t.components().collect();
    let fc: Vec<_> = f.components().collect();
    let common = tc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    let mut rel = std::path::PathBuf::new();
    for _ in common..fc.len() {
        rel.push("..");
    }
    for c in &tc[common..] {
        rel.push(c);
    }
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use narcodoor_scenario::{load_str, resolved_json, set_value_f64};
    use std::path::Path;

    #[test]
    fn locations() {
        assert_eq!(
            toml_location("policy.scholarships.coverage"),
            Some(Location::Key { table: "policy.scholarships".into(), key: "coverage".into() })
        );
        assert_eq!(
            toml_location("cartels.death[2]"),
            Some(Location::Key { table: "cartels".into(), key: "death".into() })
        );
        assert_eq!(
            toml_location("region.*.poverty"),
            Some(Location::Region { name: None, key: "poverty".into() })
        );
        assert_eq!(relative_path(Path::new("/a/b/c.toml"), Path::new("/a/d/e")), "../../b/c.toml");
    }

    #[test]
    fn an_overlay_reproduces_the_point() {
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path().join("base.toml");
        let text = "[population]\npeers = 4\n\
                    [[region]]\nname = \"North\"\nyouths = 500\n\
                    [[region]]\nname = \"South\"\nyouths = 300\n";
        std::fs::write(&parent, text).unwrap();
        let base = narcodoor_scenario::load(&parent).unwrap().params;
        let paths: Vec<String> =
            ["policy.scholarships.coverage", "region.*.poverty", "region.South.youths", "cartels.death[1]"]
                .map(String::from)
                .to_vec();
        let mut p = base.clone();
        for (path, x) in paths.iter().zip([0.123456789, 0.31, 250.0, 0.0123]) {
            set_value_f64(&mut p, path, x).unwrap();
        }
        let out = dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let toml = scenario_text(&relative_path(&parent, &out), &["a point".into()], &[], &p, &paths);
        let loaded = load_str(&toml, &out.join("point.toml")).unwrap();
        let (mut a, mut b) = (resolved_json(&loaded.params), resolved_json(&p));
        // The run's name is the file's own.
        a["run"]["name"] = serde_json::Value::Null;
        b["run"]["name"] = serde_json::Value::Null;
        assert_eq!(a, b, "{toml}");
    }
}
