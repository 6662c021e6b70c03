//! `pdao test [DIR...]`: run golden case files, one line per case, then
//! `N passed, M failed`; with `--coverage`, which rules the cases exercise
//! on their deciding and holding sides.

use std::path::{Path, PathBuf};

use pdao::authoring::run_cases;
use pdao::cases::find_case_files;
use pdao::Engine;

use crate::report;

/// What `pdao test` prints.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per case, then `N passed, M failed`.
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML.
    Junit,
}

/// Exit: 0 every case passed, 1 a case failed, no case was found, or the
/// bundle or a directory could not be read.
pub fn run(
    policies: Option<&Path>,
    dirs: &[PathBuf],
    format: Format,
    coverage: bool,
    options: pdao::EngineOptions,
) -> u8 {
    let default = [PathBuf::from("policies")];
    let dirs: &[PathBuf] = if dirs.is_empty() { &default } else { dirs };
    // The bundle: --policies, else the first directory when it is a bundle,
    // else the embedded one.
    let bundle_dir = policies.map(Path::to_path_buf).or_else(|| {
        dirs.first()
            .filter(|d| d.join("facts.toml").is_file())
            .cloned()
    });
    let bundle = match crate::load(bundle_dir.as_deref()) {
        Ok(bundle) => bundle,
        Err(code) => return code,
    };
    let mut files = Vec::new();
    for dir in dirs {
        if dir.is_file() {
            files.push(dir.clone());
        } else if dir.is_dir() {
            match find_case_files(dir) {
                Ok(found) => files.extend(found),
                Err(e) => {
                    report::line(&dir.display().to_string(), "io", &e.to_string());
                    return 1;
                }
            }
        } else {
            report::line(
                &dir.display().to_string(),
                "io",
                "no such directory or case file",
            );
            return 1;
        }
    }
    if files.is_empty() {
        report::line(
            &dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            "no_cases",
            "no golden case files (cases/*.json) found",
        );
        return 1;
    }
    let engine = Engine::with_options(bundle, options);
    let result = run_cases(&engine, &files);
    if format == Format::Junit {
        crate::write_stdout(&result.to_junit(coverage));
    } else if format == Format::Json {
        let value = if coverage {
            result.to_json_with_coverage()
        } else {
            result.to_json()
        };
        let text = serde_json::to_string_pretty(&value)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        crate::write_stdout(&format!("{text}\n"));
    } else {
        let mut text = String::new();
        let rendered = result.render_text();
        // Per-case lines, the coverage (if asked), then the closing line last.
        let (cases, closing) = rendered
            .trim_end()
            .rsplit_once('\n')
            .unwrap_or(("", rendered.trim_end()));
        if !cases.is_empty() {
            text.push_str(cases);
            text.push('\n');
        }
        if coverage {
            text.push('\n');
            text.push_str(&result.coverage.render_text());
            text.push('\n');
        }
        text.push_str(closing);
        text.push('\n');
        crate::write_stdout(&text);
    }
    u8::from(result.failed() > 0)
}
