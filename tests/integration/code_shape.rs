//! The code's shape rules, checked so they cannot regress: no function in the workspace's sources (`src/`, `crates/*/src/`) over
//! [`MAX_FN_LINES`] lines and no source
//! file over [`MAX_FILE_LINES`] lines.
//!
//! A function is measured from the line of its `fn` to the line of its closing brace,
//! found by counting braces outside comments, strings and character literals; a
//! declaration without a body (a trait's) is not measured. Run
//! `cargo test --release --test integration code_shape:: -- --nocapture` to list the longest functions.

use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 80;
const MAX_FILE_LINES: usize = 700;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments, strings and character literals blanked out (newlines kept),
/// so that only the code's own braces remain.
pub(crate) fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    // Keeps the newlines of c[from..to] and nothing else.
    let blank = |out: &mut String, from: usize, to: usize| {
        out.extend(c[from..to.min(c.len())].iter().filter(|&&ch| ch == '\n'));
    };
    while i < c.len() {
        let start = i;
        let end = if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            c[i..].iter().position(|&ch| ch == '\n').map_or(c.len(), |p| i + p)
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            block_comment_end(&c, i)
        } else if c[i] == '"' {
            string_end(&c, i + 1)
        } else if c[i] == 'r'
            && matches!(c.get(i + 1), Some('"') | Some('#'))
            && !ident_char(c.get(i.wrapping_sub(1)))
        {
            raw_string_end(&c, i + 1).unwrap_or(i + 1)
        } else if c[i] == '\'' {
            char_literal_end(&c, i).unwrap_or(i + 1)
        } else {
            i + 1
        };
        if end == start + 1 && !matches!(c[start], '"' | '\'') {
            out.push(c[start]);
        } else {
            blank(&mut out, start, end);
        }
        i = end;
    }
    out
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The index after a (nested) block comment starting at `i`.
fn block_comment_end(c: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// The index after a string whose text starts at `i`.
fn string_end(c: &[char], mut i: usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The index after a raw string `r#"..."#` whose hashes start at `i`, if it is one.
fn raw_string_end(c: &[char], mut i: usize) -> Option<usize> {
    let hashes = c[i..].iter().take_while(|&&ch| ch == '#').count();
    i += hashes;
    if c.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < c.len() {
        if c[i] == '"' && c[i + 1..].iter().take(hashes).filter(|&&ch| ch == '#').count() == hashes {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(i)
}

/// The index after a character literal at `i` (`'x'`, `'\n'`, `'\u{7b}'`), or `None` for a
/// lifetime.
fn char_literal_end(c: &[char], i: usize) -> Option<usize> {
    if c.get(i + 1) == Some(&'\\') {
        let close = c[i + 2..].iter().position(|&ch| ch == '\'')?;
        return Some(i + 2 + close + 1);
    }
    (c.get(i + 2) == Some(&'\'')).then_some(i + 3)
}

/// The name of the function a code line declares, if it does.
fn fn_name(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let qualifier = w.starts_with("pub")
            || matches!(w, "const" | "async" | "unsafe" | "extern" | "\"C\"" | "default");
        if w == "fn" {
            let name = words.next()?;
            let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(name.len());
            return Some(&name[..end]).filter(|n| !n.is_empty());
        }
        if !qualifier {
            return None;
        }
    }
    None
}

/// Every function of a file with a body: (name, first line, line count).
fn functions(src: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(src);
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        // The body opens at the first '{' before any ';' (a declaration ends at ';').
        let mut depth = 0usize;
        let mut opened = false;
        'scan: for (k, l) in lines.iter().enumerate().skip(start) {
            let from = if k == start { l.find("fn ").unwrap_or(0) } else { 0 };
            for ch in l[from..].chars() {
                match ch {
                    ';' if !opened => break 'scan,
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' if opened => {
                        depth -= 1;
                        if depth == 0 {
                            found.push((name.to_string(), start + 1, k - start + 1));
                            break 'scan;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// Every crate's sources: (crate directory, [(path under its `src/`, text)]), the root
/// package's `src/` as "." and each `crates/NAME/src/` as "crates/NAME".
pub(crate) fn workspace_sources(root: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let mut crates = vec![(".".to_string(), root.join("src"))];
    let mut members: Vec<PathBuf> =
        std::fs::read_dir(root.join("crates")).unwrap().map(|e| e.unwrap().path()).collect();
    members.sort();
    for m in members {
        let name = format!("crates/{}", m.file_name().unwrap().to_string_lossy());
        crates.push((name, m.join("src")));
    }
    crates.into_iter().map(|(name, src)| (name, files_under(&src))).collect()
}

fn files_under(src: &Path) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    rust_files(src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Every source file of the workspace, named from the repository root
/// (`crates/model/src/youth/mod.rs`).
fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for (krate, files) in workspace_sources(root) {
        let prefix = if krate == "." { "src/".to_string() } else { format!("{krate}/src/") };
        all.extend(files.into_iter().map(|(rel, text)| (format!("{prefix}{rel}"), text)));
    }
    all
}

#[test]
fn no_function_in_the_workspace_is_over_80_lines() {
    let mut long = Vec::new();
    let mut all = Vec::new();
    for (file, text) in src_files() {
        for (name, line, len) in functions(&text) {
            all.push((len, format!("{file}:{line} {name}")));
            if len > MAX_FN_LINES {
                long.push(format!("{file}:{line} {name}: {len} lines"));
            }
        }
    }
    all.sort_by(|a, b| b.0.cmp(&a.0));
    for (len, at) in all.iter().take(15) {
        println!("{len:4} {at}");
    }
    assert!(all.len() > 500, "the scan finds the functions ({} found)", all.len());
    assert!(long.is_empty(), "functions over {MAX_FN_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = src_files()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_FILE_LINES)
        .map(|(file, text)| format!("{file}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_FILE_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn the_scanner_measures_bodies_and_skips_braces_in_strings_comments_and_chars() {
    let src = "pub(crate) fn a<'a>(x: &'a str) -> usize {\n    let s = \"}}\"; // }\n    let c = '{';\n    /* } */\n    let r = r#\"}\"#;\n    s.len()\n}\nfn decl();\nfn b() {}\n";
    assert_eq!(functions(src), [("a".to_string(), 1, 7), ("b".to_string(), 9, 1)]);
}
