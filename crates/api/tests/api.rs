//! The error-code table: every code is documented in docs/errors.md with its HTTP status, every
//! documented code exists, and every code is produced somewhere.

use std::path::{Path, PathBuf};

use app::Code;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Rows of the table in docs/errors.md: (code, status).
fn documented() -> Vec<(String, u16)> {
    let text = std::fs::read_to_string(root().join("docs/errors.md")).expect("docs/errors.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.trim_matches('`');
            let status = cells.get(2)?.parse().ok()?;
            Some((code.to_owned(), status))
        })
        .collect()
}

#[test]
fn every_code_is_documented_with_its_status_and_nothing_else_is() {
    let table = documented();
    for code in Code::ALL {
        let row = table.iter().find(|(documented, _)| documented == code.as_str());
        let status = api::error::status_of(*code).as_u16();
        assert_eq!(
            row.map(|(_, s)| *s),
            Some(status),
            "{} must be documented with status {status}",
            code.as_str()
        );
    }
    for (documented, _) in &table {
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == documented),
            "{documented} is documented but does not exist"
        );
    }
    assert_eq!(table.len(), Code::ALL.len(), "each code documented once");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_code_is_used_outside_the_tables() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    // The two tables themselves do not count: the code list in app and the status match in api.
    let without_tables = |path: &PathBuf| {
        let text = std::fs::read_to_string(path).unwrap();
        if path.ends_with("app/src/error.rs") {
            let start = text.find("error_codes! {").unwrap();
            let end = start + text[start..].find("\n}\n").unwrap();
            format!("{}{}", &text[..start], &text[end..])
        } else if path.ends_with("api/src/error.rs") {
            let start = text.find("pub fn status_of").unwrap();
            let end = start + text[start..].find("\n}\n").unwrap();
            format!("{}{}", &text[..start], &text[end..])
        } else {
            text
        }
    };
    let sources: String = files
        .iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "tests"))
        .map(without_tables)
        .collect();
    for code in Code::ALL {
        let variant = format!("{code:?}");
        let used =
            sources.contains(&format!("Code::{variant}")) || sources.contains(&format!("E::{variant} =>"));
        assert!(used, "Code::{variant} ({}) is never produced", code.as_str());
    }
}
