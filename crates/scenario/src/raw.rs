//! Reading scenario files: TOML text → an owned tree that remembers where every key and
//! value was written, and the `extends` chain merged into one tree.
//!
//! The tree keeps a location (file, line, column) on every node, so after merging a child
//! over its parents each value still points at the file and line that wrote it. Entries
//! are kept in file order, which keeps error messages in the order a reader meets them.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::error::{ErrorKind, Origin, Problem, ScenarioError};

/// Where something was written: an index into `Files` and a 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub line: usize,
    pub column: usize,
}

/// The files of one `extends` chain, in the order they were read (the loaded file first).
#[derive(Clone, Debug, Default)]
pub struct Files {
    pub paths: Vec<PathBuf>,
}

impl Files {
    pub fn origin(&self, at: Loc) -> Origin {
        Origin::File {
            path: self.paths.get(at.file).cloned().unwrap_or_default(),
            line: Some(at.line),
            column: None,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Raw {
    Str(String),
    /// Wide enough for every integer TOML can write, and for the overflowing ones too
    /// (which are then rejected by range checks instead of being mangled).
    Int(i128),
    Float(f64),
    Bool(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Table),
}

impl Raw {
    /// "a string", "an integer", ... for wrong-type messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Raw::Str(_) => "a string",
            Raw::Int(_) => "an integer",
            Raw::Float(_) => "a float",
            Raw::Bool(_) => "a boolean",
            Raw::Datetime => "a date-time",
            Raw::Array(_) => "an array",
            Raw::Table(_) => "a table",
        }
    }
}

/// A value and where it was written, with its source text (shortened) for messages.
#[derive(Clone, Debug)]
pub struct Node {
    pub raw: Raw,
    pub at: Loc,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_at: Loc,
    pub node: Node,
}

/// A table, entries in file order.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(i))
    }

    /// The string value of `key`, if it is one.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match &self.get(key)?.node.raw {
            Raw::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Byte offsets → 1-based line and column (columns count characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    fn locate(&self, file: usize, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        // A span can in principle end inside a multi-byte character; count what is readable.
        let column = match self.text.get(start..offset) {
            Some(s) => s.chars().count() + 1,
            None => offset - start + 1,
        };
        Loc { file, line, column }
    }
}

/// The longest source text kept for a value.
const TEXT_MAX: usize = 60;

fn shorten(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= TEXT_MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(TEXT_MAX - 3).collect();
        format!("{cut}...")
    }
}

fn convert_table(t: &DeTable<'_>, idx: &LineIndex<'_>, file: usize) -> Table {
    let mut entries: Vec<(usize, Entry)> = t
        .iter()
        .map(|(k, v)| {
            let key_start = k.span().start;
            let entry = Entry {
                key: k.get_ref().to_string(),
                key_at: idx.locate(file, key_start),
                node: convert_value(v.get_ref(), v.span(), idx, file),
            };
            (key_start, entry)
        })
        .collect();
    // `DeTable` sorts keys alphabetically; file order reads better in messages.
    entries.sort_by_key(|(start, _)| *start);
    Table { entries: entries.into_iter().map(|(_, e)| e).collect() }
}

fn convert_value(v: &DeValue<'_>, span: std::ops::Range<usize>, idx: &LineIndex<'_>, file: usize) -> Node {
    let at = idx.locate(file, span.start);
    let text = idx.text.get(span).map(shorten).unwrap_or_default();
    let raw = match v {
        DeValue::String(s) => Raw::Str(s.to_string()),
        DeValue::Integer(i) => Raw::Int(parse_int(i.as_str(), i.radix())),
        DeValue::Float(f) => Raw::Float(parse_float(f.as_str())),
        DeValue::Boolean(b) => Raw::Bool(*b),
        DeValue::Datetime(_) => Raw::Datetime,
        DeValue::Array(a) => {
            Raw::Array(a.iter().map(|e| convert_value(e.get_ref(), e.span(), idx, file)).collect())
        }
        DeValue::Table(t) => Raw::Table(convert_table(t, idx, file)),
    };
    Node { raw, at, text }
}

/// TOML integers are 64-bit; anything longer saturates so that range checks reject it.
fn parse_int(digits: &str, radix: u32) -> i128 {
    let digits = digits.replace('_', "");
    match i128::from_str_radix(&digits, radix) {
        Ok(i) => i,
        Err(_) if digits.starts_with('-') => i128::MIN,
        Err(_) => i128::MAX,
    }
}

/// Floats that do not parse (they should not reach here) become NaN, which every numeric
/// kind rejects; `1e400` becomes infinity, rejected the same way.
fn parse_float(text: &str) -> f64 {
    text.replace('_', "").parse().unwrap_or(f64::NAN)
}

/// Parses one file's text into a located tree.
pub fn parse_text(text: &str, file: usize, path: &Path) -> Result<Table, ScenarioError> {
    let idx = LineIndex::new(text);
    match DeTable::parse(text) {
        Ok(t) => Ok(convert_table(t.get_ref(), &idx, file)),
        Err(e) => {
            let at = idx.locate(file, e.span().map_or(0, |s| s.start));
            let origin =
                Origin::File { path: path.to_path_buf(), line: Some(at.line), column: Some(at.column) };
            let message = format!("TOML syntax error: {}", e.message().trim());
            Err(ScenarioError::single(Problem::new(ErrorKind::Syntax, origin, "", message)))
        }
    }
}

/// A path's identity for cycle detection: canonical when the file exists (so `a/../b.toml`
/// and `b.toml` are the same file), else absolute.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Where one file was asked for: by the caller, or by an `extends` key in another file.
struct Request<'a> {
    path: PathBuf,
    /// The text, when the caller gave it (`load_str`).
    text: Option<&'a str>,
    /// The `extends` entry that named this file, and its raw value for messages.
    site: Option<(Loc, String)>,
}

/// Reads `path` (or the given text) and its `extends` chain; returns the merged tree and
/// the files read, the requested file first.
pub fn load_chain(path: &Path, text: Option<&str>) -> Result<(Table, Files), ScenarioError> {
    let mut files = Files::default();
    let mut stack = Vec::new();
    let table = load_one(Request { path: path.to_path_buf(), text, site: None }, &mut files, &mut stack)?;
    Ok((table, files))
}

fn load_one(req: Request<'_>, files: &mut Files, stack: &mut Vec<PathBuf>) -> Result<Table, ScenarioError> {
    let id = identity(&req.path);
    let site_problem = |files: &Files, kind: ErrorKind, message: String| match &req.site {
        Some((at, written)) => {
            Problem::new(kind, files.origin(*at), "extends", format!("extends = {written}: {message}"))
        }
        None => {
            Problem::new(kind, Origin::File { path: req.path.clone(), line: None, column: None }, "", message)
        }
    };
    if let Some(pos) = stack.iter().position(|p| *p == id) {
        let mut chain: Vec<String> = files.paths[pos..].iter().map(|p| p.display().to_string()).collect();
        chain.push(req.path.display().to_string());
        let message =
            format!("extends cycle: {}; a file cannot extend itself, directly or not", chain.join(" → "));
        return Err(ScenarioError::single(site_problem(files, ErrorKind::Extends, message)));
    }
    let owned;
    let text = match req.text {
        Some(t) => t,
        None => match crate::input_file::read_text(&req.path) {
            Ok(t) => {
                owned = t;
                &owned
            }
            Err(e) => {
                let (kind, message) = if req.site.is_some() {
                    (ErrorKind::Extends, format!("cannot read {e}"))
                } else {
                    (ErrorKind::Io, format!("cannot read the scenario file: {}", e.reason))
                };
                return Err(ScenarioError::single(site_problem(files, kind, message)));
            }
        },
    };
    let file = files.paths.len();
    files.paths.push(req.path.clone());
    let mut table = parse_text(text, file, &req.path)?;
    let Some(extends) = table.remove("extends") else {
        return Ok(table);
    };
    let Raw::Str(parent_name) = &extends.node.raw else {
        let message = format!(
            "extends = {}: wrong type: expected a string (the path of the parent scenario), found {}",
            extends.node.text,
            extends.node.raw.type_name()
        );
        let p = Problem::new(ErrorKind::WrongType, files.origin(extends.node.at), "extends", message);
        return Err(ScenarioError::single(p));
    };
    // Relative parents are found beside the file that names them, not in the working directory.
    let dir = req.path.parent().unwrap_or(Path::new(""));
    let parent_path = dir.join(parent_name);
    stack.push(id);
    let parent_req =
        Request { path: parent_path, text: None, site: Some((extends.node.at, extends.node.text.clone())) };
    let mut parent = load_one(parent_req, files, stack)?;
    stack.pop();
    // A scenario's name belongs to its own file: a child that does not name itself is
    // named after its own file, never after its parent.
    if let Some(Entry { node: Node { raw: Raw::Table(run), .. }, .. }) =
        parent.entries.iter_mut().find(|e| e.key == "run")
    {
        run.remove("name");
    }
    merge(&mut parent, table, true);
    Ok(parent)
}

/// Merges `over` into `base`: tables key by key, the top-level `[[region]]` and `[[cartel]]`
/// arrays entry by entry matched on `name`, anything else replaced.
pub fn merge(base: &mut Table, over: Table, top: bool) {
    for entry in over.entries {
        let Some(i) = base.entries.iter().position(|e| e.key == entry.key) else {
            base.entries.push(entry);
            continue;
        };
        let named = top && (entry.key == "region" || entry.key == "cartel");
        let b = &mut base.entries[i];
        match (&mut b.node.raw, entry.node.raw) {
            (Raw::Table(bt), Raw::Table(ot)) => merge(bt, ot, false),
            (Raw::Array(ba), Raw::Array(oa)) if named => merge_named(ba, oa),
            (_, raw) => {
                b.key_at = entry.key_at;
                b.node = Node { raw, at: entry.node.at, text: entry.node.text };
            }
        }
    }
}

/// Entries of the child whose name matches a parent entry are merged into it (once: a
/// second child entry of the same name is appended, so the duplicate is still reported);
/// the others are appended in the child's order.
fn merge_named(base: &mut Vec<Node>, over: Vec<Node>) {
    let mut merged = vec![false; base.len()];
    for node in over {
        let name = match &node.raw {
            Raw::Table(t) => t.get_str("name").map(str::to_string),
            _ => None,
        };
        let target = name.and_then(|n| {
            (0..merged.len()).find(|&i| {
                !merged[i] && matches!(&base[i].raw, Raw::Table(t) if t.get_str("name") == Some(n.as_str()))
            })
        });
        match (target, node.raw) {
            (Some(i), Raw::Table(ot)) => {
                merged[i] = true;
                if let Raw::Table(bt) = &mut base[i].raw {
                    merge(bt, ot, false);
                }
            }
            (_, raw) => base.push(Node { raw, at: node.at, text: node.text }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Table {
        parse_text(text, 0, Path::new("t.toml")).unwrap()
    }

    #[test]
    fn entries_keep_file_order_and_lines() {
        let t = parse("zeta = 1\n\nalpha = \"x\"\n[run]\nmonths = 12\n");
        let keys: Vec<&str> = t.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["zeta", "alpha", "run"]);
        assert_eq!(t.get("alpha").unwrap().node.at.line, 3);
        let Raw::Table(run) = &t.get("run").unwrap().node.raw else { panic!() };
        let m = run.get("months").unwrap();
        assert_eq!((m.key_at.line, m.node.at.line, m.node.at.column), (5, 5, 10));
    }

    #[test]
    fn numbers_are_read_exactly_or_rejected_later() {
        let t = parse("a = 1_000\nb = 0x10\nc = 99999999999999999999\nd = 1e400\ne = nan\nf = -3");
        let ints: Vec<i128> = ["a", "b", "c", "f"]
            .iter()
            .map(|k| match t.get(k).unwrap().node.raw {
                Raw::Int(i) => i,
                _ => panic!(),
            })
            .collect();
        assert_eq!(ints, [1000, 16, 99999999999999999999, -3]);
        assert!(matches!(t.get("d").unwrap().node.raw, Raw::Float(x) if x.is_infinite()));
        assert!(matches!(t.get("e").unwrap().node.raw, Raw::Float(x) if x.is_nan()));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = parse_text("a = 1\nb = = 2\n", 0, Path::new("x.toml")).unwrap_err();
        let p = e.first();
        assert_eq!(p.kind, ErrorKind::Syntax);
        assert!(e.to_string().starts_with("x.toml:2:"), "{e}");
    }

    #[test]
    fn merge_is_key_by_key_and_by_name() {
        let mut base = parse(
            "[run]\nmonths = 1\nseed = 2\n[[region]]\nname = \"A\"\npoverty = 0.1\n[[region]]\nname = \"B\"\n\
             [cartels]\ndeath = [1, 2, 3, 4]\n",
        );
        let over = parse(
            "[run]\nseed = 3\n[[region]]\nname = \"B\"\npoverty = 0.9\n[[region]]\nname = \"C\"\n\
             [cartels]\ndeath = [5]\n",
        );
        merge(&mut base, over, true);
        let Raw::Table(run) = &base.get("run").unwrap().node.raw else { panic!() };
        assert!(matches!(run.get("months").unwrap().node.raw, Raw::Int(1)));
        assert!(matches!(run.get("seed").unwrap().node.raw, Raw::Int(3)));
        let Raw::Array(regions) = &base.get("region").unwrap().node.raw else { panic!() };
        let names: Vec<&str> = regions
            .iter()
            .map(|n| match &n.raw {
                Raw::Table(t) => t.get_str("name").unwrap(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(names, ["A", "B", "C"]);
        let Raw::Table(b) = &regions[1].raw else { panic!() };
        assert!(matches!(b.get("poverty").unwrap().node.raw, Raw::Float(x) if x == 0.9));
        let Raw::Table(c) = &base.get("cartels").unwrap().node.raw else { panic!() };
        let Raw::Array(death) = &c.get("death").unwrap().node.raw else { panic!() };
        assert_eq!(death.len(), 1);
    }
}
