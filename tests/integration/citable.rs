//! The repository is citable and its references resolve (issue 17, items 17 and 18): the
//! licence files Cargo.toml declares exist, CITATION.cff matches the crate's version,
//! Markdown links in the README and the scenarios' README point to files in the repository,
//! and scenario files cite the evidence by a path inside it.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn licences_citation_and_authors_are_in_place() {
    let cargo = read("Cargo.toml");
    assert!(cargo.contains("license = \"MIT OR Apache-2.0\""));
    assert!(cargo.lines().any(|l| l.starts_with("authors = [\"") && l.len() > 14), "authors in Cargo.toml");
    assert!(read("LICENSE-MIT").contains("Permission is hereby granted, free of charge"));
    assert!(
        read("LICENSE-APACHE").contains("Apache License") && read("LICENSE-APACHE").contains("Version 2.0")
    );
    let cff = read("CITATION.cff");
    assert!(cff.starts_with("cff-version: 1.2.0"));
    let version = format!("version: \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(cff.contains(&version), "CITATION.cff must carry {version}");
    assert!(cff.contains("authors:") && cff.contains("- MIT") && cff.contains("- Apache-2.0"));
}

/// Relative link targets of a Markdown file: `](target)` with no scheme or anchor only.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|t| t.split('#').next().unwrap_or("").to_string())
        .filter(|t| !t.is_empty() && !t.contains("://"))
        .collect()
}

#[test]
fn markdown_links_point_to_files_in_the_repository() {
    for doc in ["README.md", "scenarios/README.md", "docs/evidence.md"] {
        let dir = root().join(doc).parent().unwrap().to_path_buf();
        let links = relative_links(&read(doc));
        for link in &links {
            assert!(dir.join(link).exists(), "{doc} links to {link}, which is not in the repository");
        }
    }
    let readme = read("README.md");
    assert!(!readme.contains("`MODEL.md`"), "the README points at MODEL.md, which is not in the repository");
    assert!(readme.contains("cargo install --path .") && readme.contains("./target/release/narcodoor"));
}

#[test]
fn readme_extends_example_has_no_ramped_scholarships() {
    let readme = read("README.md");
    let start = readme.find("```toml\nextends").expect("the README's extends example");
    let example = &readme[start..start + readme[start..].find("\n```\n").unwrap()];
    assert!(example.contains("[policy.scholarships]"));
    assert!(!example.lines().any(|l| l.trim_start().starts_with("ramp_months")), "{example}");
}

#[test]
fn scenario_files_cite_the_evidence_inside_the_repository() {
    assert!(root().join("docs/evidence.md").exists());
    let evidence = read("docs/evidence.md");
    assert!(evidence.contains("## Sources"));
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml" && e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(!text.contains("shared/context"), "{name} cites a file outside the repository");
        // Every mention of evidence.md is by its repository path.
        for (i, _) in text.match_indices("evidence.md") {
            assert!(text[..i].ends_with("docs/"), "{name} cites evidence.md without its path docs/");
        }
        // Every [evidence: Section] names a section of docs/evidence.md.
        let cites = text.split("[evidence: ").skip(1).chain(text.split("[docs/evidence.md: ").skip(1));
        for cite in cites {
            let section: String = cite.chars().take_while(|&c| c != ']' && c != ';').collect();
            // A citation may run onto the next comment line.
            let section = section.split_whitespace().filter(|w| *w != "#").collect::<Vec<_>>().join(" ");
            if section == "Section" {
                continue; // the README's description of the form
            }
            let heading = format!("## {section}");
            assert!(
                evidence.lines().any(|l| l.starts_with(&heading)),
                "{name} cites [evidence: {section}], not a section of docs/evidence.md"
            );
        }
    }
}
