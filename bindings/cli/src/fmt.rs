//! `pdao fmt [--check] [PATH...]`: the canonical layout of `.rules` files
//! (`pdao::temporal::format_rules`), written in place or, with `--check`,
//! only reported.

use std::path::{Path, PathBuf};

use pdao::temporal::format_rules;

use crate::report;

/// Exit: 0 every file is (now) in the canonical layout, 1 a file would
/// change under `--check`, does not parse, or cannot be read or written.
pub fn run(paths: &[PathBuf], check: bool) -> u8 {
    let default = [PathBuf::from("policies")];
    let paths: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            rules_files(path, &mut files);
        } else {
            report::line(
                &path.display().to_string(),
                "io",
                "no such file or directory",
            );
            return 1;
        }
    }
    files.sort();
    files.dedup();
    let mut failed = false;
    let mut changed = 0;
    let mut out = String::new();
    for file in &files {
        let name = file.display().to_string();
        let source = match std::fs::read_to_string(file) {
            Ok(source) => source,
            Err(e) => {
                report::line(&name, "io", &format!("cannot read the file: {e}"));
                failed = true;
                continue;
            }
        };
        let formatted = match format_rules(&name, &source) {
            Ok(formatted) => formatted,
            Err(e) => {
                report::temporal_error(&e);
                failed = true;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        changed += 1;
        if check {
            out.push_str(&format!("{name}: not formatted\n"));
            out.push_str(&first_difference(&source, &formatted));
            failed = true;
        } else if let Err(e) = std::fs::write(file, &formatted) {
            report::line(&name, "io", &format!("cannot write the file: {e}"));
            failed = true;
        } else {
            out.push_str(&format!("{name}: formatted\n"));
        }
    }
    let verb = if check { "would change" } else { "changed" };
    out.push_str(&format!(
        "{} rules file(s) checked, {changed} {verb}\n",
        files.len()
    ));
    crate::write_stdout(&out);
    u8::from(failed)
}

/// The `.rules` files under `dir`, recursively.
fn rules_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rules_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rules") {
            files.push(path);
        }
    }
}

/// The first line that differs, as `-` (now) and `+` (formatted).
fn first_difference(source: &str, formatted: &str) -> String {
    let (mut old, mut new) = (source.lines(), formatted.lines());
    let mut line = 1;
    loop {
        match (old.next(), new.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (None, None) => {
                return format!("  line {line}: line endings or trailing whitespace differ\n");
            }
            (a, b) => {
                return format!(
                    "  line {line}:\n  - {}\n  + {}\n",
                    a.unwrap_or("(end of file)"),
                    b.unwrap_or("(end of file)")
                );
            }
        }
    }
}
