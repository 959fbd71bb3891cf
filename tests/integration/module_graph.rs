//! No import circle between modules (issue 23). Cargo refuses a circle between crates; this
//! test refuses one between the modules of a crate.
//!
//! Every `crate::…`, `super::…` and `self::…` path in a crate's non-test code is resolved
//! to the deepest module it names (a file, or a directory module). A reference from
//! module A to module B is an edge between the two children of their lowest common
//! ancestor that hold A and B: `experiment/compare.rs` using `output::tables` is the edge
//! experiment → output at the crate's top. A reference between a module and one of its
//! own ancestors is not an edge: a parent is the facade of its children (it declares and
//! re-exports them, they use its shared types). At every level the children's edges must
//! form no circle. Paths reached only through a re-export count at the module that
//! re-exports them, so the check sees the code's own `use` lines, as a reader does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::code_shape::{code_only, workspace_sources};

type Module = Vec<String>;

/// A file's module path: `experiment/sweep/mod.rs` → [experiment, sweep].
fn module_of(rel: &str) -> Module {
    let mut parts: Vec<String> = rel.trim_end_matches(".rs").split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

fn is_test_module(m: &Module) -> bool {
    m.iter().any(|s| s == "tests" || s.ends_with("_tests"))
}

/// The code before the file's test module (`#[cfg(test)]` comes last by convention).
fn non_test_code(text: &str) -> String {
    let code = code_only(text);
    match code.find("#[cfg(test)]") {
        Some(i) => code[..i].to_string(),
        None => code,
    }
}

fn ident_len(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count()
}

/// The paths spelled from `at` on (after a `crate::`, `super::` or `self::`): a plain
/// path gives one list of segments; a group `{a::b, c}` gives one per member.
fn paths_at(s: &[u8], at: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut i = at;
    let mut segs = prefix;
    loop {
        if s.get(i) == Some(&b'{') {
            let mut depth = 0;
            let mut start = i + 1;
            let mut k = i;
            while k < s.len() {
                match s[k] {
                    b'{' => depth += 1,
                    b'}' | b',' if depth == 1 => {
                        let member =
                            start + s[start..k].iter().take_while(|c| c.is_ascii_whitespace()).count();
                        paths_at(s, member, segs.clone(), out);
                        start = k + 1;
                        if s[k] == b'}' {
                            return;
                        }
                    }
                    b'}' => depth -= 1,
                    _ => {}
                }
                k += 1;
            }
            return;
        }
        let n = ident_len(&s[i..]);
        if n == 0 {
            break;
        }
        segs.push(String::from_utf8_lossy(&s[i..i + n]).into_owned());
        i += n;
        if s[i..].starts_with(b"::") {
            i += 2;
        } else {
            break;
        }
    }
    out.push(segs);
}

/// Every module path the code refers to, absolute, from module `here`.
fn references(code: &str, here: &Module) -> Vec<Vec<String>> {
    let s = code.as_bytes();
    let mut out = Vec::new();
    for (i, _) in code.match_indices("::") {
        let before = &code[..i];
        let word_start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |k| k + 1);
        let word = &before[word_start..];
        // Only the start of a path: `super::super::x` is read once, from its first word.
        if before[..word_start].ends_with("::") {
            continue;
        }
        let mut base: Vec<String> = match word {
            "crate" => Vec::new(),
            "self" => here.clone(),
            "super" => {
                // `super` in `a/b.rs` and in `a/b/mod.rs` both name `a`.
                let mut m = here.clone();
                m.pop();
                m
            }
            _ => continue,
        };
        let mut at = i + 2;
        while s[at..].starts_with(b"super::") {
            base.pop();
            at += 7;
        }
        paths_at(s, at, base, &mut out);
    }
    out
}

/// The deepest known module that a path starts with.
fn resolve(path: &[String], modules: &BTreeSet<Module>) -> Module {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m)).unwrap_or_default()
}

/// Edges per level: parent module → (from child, to child) → an example reference.
type Levels = BTreeMap<Module, BTreeMap<(String, String), String>>;

fn crate_levels(files: &[(String, String)]) -> Levels {
    let modules: BTreeSet<Module> = files.iter().map(|(rel, _)| module_of(rel)).collect();
    let mut levels = Levels::new();
    for (rel, text) in files {
        let here = module_of(rel);
        if is_test_module(&here) {
            continue;
        }
        for path in references(&non_test_code(text), &here) {
            let there = resolve(&path, &modules);
            let common = here.iter().zip(&there).take_while(|(a, b)| a == b).count();
            if common == here.len() || common == there.len() || is_test_module(&there) {
                continue; // the same module, an ancestor or a descendant
            }
            let edge = (here[common].clone(), there[common].clone());
            let example = format!("{rel} uses {}", path.join("::"));
            levels.entry(here[..common].to_vec()).or_default().entry(edge).or_insert(example);
        }
    }
    levels
}

/// The circles among one level's children: each strongly connected set of two or more.
fn circles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let reaches = |from: &String| {
        let mut seen = BTreeSet::from([from.clone()]);
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for (a, b) in edges.keys() {
                if *a == n && seen.insert(b.clone()) {
                    stack.push(b.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> = nodes.iter().map(|n| (*n, reaches(n))).collect();
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for n in &nodes {
        let set: Vec<String> = nodes
            .iter()
            .filter(|m| reach[*n].contains(**m) && reach[*m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        if set.len() > 1 {
            found.insert(set);
        }
    }
    found.into_iter().collect()
}

fn describe(
    krate: &str,
    level: &Module,
    set: &[String],
    edges: &BTreeMap<(String, String), String>,
) -> String {
    let at = if level.is_empty() { "the crate root".to_string() } else { level.join("::") };
    let uses: Vec<&str> = edges
        .iter()
        .filter(|((a, b), _)| set.contains(a) && set.contains(b))
        .map(|(_, example)| example.as_str())
        .collect();
    format!("{krate}: a circle under {at} between {}:\n    {}", set.join(", "), uses.join("\n    "))
}

#[test]
fn no_import_circle_between_the_modules_of_any_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut levels_seen = 0;
    for (krate, files) in workspace_sources(root) {
        for (level, edges) in crate_levels(&files) {
            levels_seen += 1;
            for set in circles(&edges) {
                problems.push(describe(&krate, &level, &set, &edges));
            }
        }
    }
    assert!(levels_seen > 10, "the scan finds module edges ({levels_seen} levels)");
    assert!(problems.is_empty(), "import circles:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_finds_a_circle_and_reads_groups_and_super() {
    let files = vec![
        ("lib.rs".to_string(), "mod a; mod b; mod c;".to_string()),
        ("a.rs".to_string(), "use crate::{b::X, c};".to_string()),
        ("b.rs".to_string(), "use super::a::Y;\n#[cfg(test)]\nmod tests { use crate::c::Z; }".to_string()),
        ("c/mod.rs".to_string(), "use super::c::d::W; pub mod d;".to_string()),
        ("c/d.rs".to_string(), "fn f() { super::super::a::g() }".to_string()),
    ];
    let levels = crate_levels(&files);
    let top = &levels[&Vec::new()];
    let edges: Vec<(&str, &str)> = top.keys().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(edges, [("a", "b"), ("a", "c"), ("b", "a"), ("c", "a")]);
    assert_eq!(circles(top).len(), 1);
    assert_eq!(circles(top)[0], ["a", "b", "c"]);
}
