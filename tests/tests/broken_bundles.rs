#![forbid(unsafe_code)]
// Test code: helpers outside `#[test]` functions fail loudly too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Broken bundles are refused, each with its problem located: every folder
//! of `tests/broken_bundles/` has one defect, and `expected.json` names the
//! first problem it must give (code, file, line, column, a piece of the
//! message) and, where a defect must not cascade, how many problems in all. The library must refuse the bundle with that problem first,
//! and `pdao check <folder>` must exit 1 with it as the first line on
//! standard error (`pdao: error[<code>]: <file>:<line>:<column>: …`).
//! `ok-baseline/` (the same bundle without a defect) must load and check.
//!
//! The command-line half runs `pdao` built from this checkout
//! (`pdao_tests::pdao_cli`, built once per run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use std::time::{Duration, Instant};

use pdao::{Bundle, BundleProblem};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// What was broken (not checked).
    #[allow(dead_code)]
    defect: String,
    code: String,
    file: String,
    line: usize,
    column: usize,
    message_contains: String,
    /// How many problems in all, when the defect must not cascade.
    #[serde(default)]
    problems: Option<usize>,
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("broken_bundles")
}

/// Every bundle folder with its expectation (`None`: it loads).
fn cases() -> Vec<(String, Option<Expect>)> {
    let text = std::fs::read_to_string(folder().join("expected.json"))
        .expect("broken_bundles/expected.json");
    let expected: BTreeMap<String, Option<Expect>> =
        serde_json::from_str(&text).expect("expected.json maps folders to problems");
    let mut folders: Vec<String> = std::fs::read_dir(folder())
        .expect("tests/broken_bundles/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    for name in expected.keys() {
        assert!(
            folders.contains(name),
            "expected.json names `{name}`, which is not a folder of tests/broken_bundles/"
        );
    }
    folders
        .into_iter()
        .map(|name| {
            let expect = expected
                .get(&name)
                .unwrap_or_else(|| {
                    panic!("tests/broken_bundles/{name}/ has no entry in expected.json")
                })
                .clone();
            (name, expect)
        })
        .collect()
}

fn describe(problems: &[BundleProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  [{}] {}", p.code, p))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn there_is_a_bundle_for_every_kind_of_defect() {
    let codes: Vec<String> = cases()
        .into_iter()
        .filter_map(|(_, e)| e.map(|e| e.code))
        .collect();
    for code in [
        "syntax",
        "schema",
        "annotation",
        "overrides",
        "toml",
        "temporal",
        "duplicate_id",
        "document",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "no broken bundle gives `{code}`"
        );
    }
    assert!(
        cases().iter().any(|(_, e)| e.is_none()),
        "a bundle without a defect shows the others fail for their defect alone"
    );
}

#[test]
fn every_broken_bundle_is_refused_with_its_problem_located() {
    for (name, expect) in cases() {
        let loaded = Bundle::from_dir(folder().join(&name));
        match (expect, loaded) {
            (None, Ok(bundle)) => {
                assert!(
                    !bundle.rules().is_empty(),
                    "{name}: loads with its policies"
                );
            }
            (None, Err(error)) => panic!("{name} must load, but:\n{}", describe(&error.problems)),
            (Some(expect), Ok(_)) => panic!(
                "{name} must be refused ({}: {}), but it loads",
                expect.code, expect.defect
            ),
            (Some(expect), Err(error)) => {
                let first = error
                    .problems
                    .first()
                    .unwrap_or_else(|| panic!("{name}: refused without a problem"));
                let all = describe(&error.problems);
                assert_eq!(first.code, expect.code, "{name}: code\n{all}");
                assert_eq!(first.file, expect.file, "{name}: file\n{all}");
                assert_eq!(first.line, Some(expect.line), "{name}: line\n{all}");
                assert_eq!(first.column, Some(expect.column), "{name}: column\n{all}");
                assert!(
                    first.message.contains(&expect.message_contains),
                    "{name}: the message does not mention `{}`:\n{all}",
                    expect.message_contains
                );
                for problem in &error.problems {
                    assert!(
                        problem.line.is_some(),
                        "{name}: every problem of a broken file is located:\n{all}"
                    );
                }
                if let Some(count) = expect.problems {
                    assert_eq!(
                        error.problems.len(),
                        count,
                        "{name}: one defect, {count} problem(s)\n{all}"
                    );
                }
            }
        }
    }
}

#[test]
fn pdao_check_refuses_every_broken_bundle_printing_file_and_line() {
    let pdao = pdao_tests::pdao_cli().to_path_buf();
    let cases = cases();
    std::thread::scope(|scope| {
        for (name, expect) in &cases {
            let pdao = &pdao;
            scope.spawn(move || {
                let output = Command::new(pdao)
                    .arg("check")
                    .arg(folder().join(name))
                    .output()
                    .expect("pdao runs");
                let stderr = String::from_utf8_lossy(&output.stderr);
                match expect {
                    None => assert_eq!(
                        output.status.code(),
                        Some(0),
                        "{name}: `pdao check` passes; stderr:\n{stderr}"
                    ),
                    Some(expect) => {
                        assert_eq!(
                            output.status.code(),
                            Some(1),
                            "{name}: exit status; stderr:\n{stderr}"
                        );
                        let first = stderr.lines().next().unwrap_or_default();
                        let want = format!(
                            "pdao: error[{}]: {}:{}:{}: ",
                            expect.code, expect.file, expect.line, expect.column
                        );
                        assert!(
                            first.starts_with(&want),
                            "{name}: the first line does not start with `{want}`:\n{stderr}"
                        );
                        assert!(
                            stderr.contains("the bundle was not loaded"),
                            "{name}: says the bundle was not loaded:\n{stderr}"
                        );
                    }
                }
            });
        }
    });
}

/// Regression (fuzzing, `temporal_parser` timeout): a rules file whose
/// failing condition nests quantifiers and parentheses deeply made the pest
/// parser backtrack exponentially — 14 levels took minutes, the 1.6 KB
/// fuzzer input (`fuzz/regressions/temporal_parser/`) 14 s. The parser's
/// work is now bounded and such a file is refused at once, located, with a
/// message saying what to do.
#[test]
fn a_pathological_rules_file_is_refused_quickly() {
    let bundle = Bundle::embedded().expect("the embedded bundle loads");
    let vocab = bundle.vocabulary();
    let unit = "exists audit_report n: matches(n, agreement.id) and (n.until present and n.until < date and no rectified r: ";
    let mut inputs = vec![format!("fact blowup = {}!;\n", unit.repeat(40))];
    let regressions =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/temporal_parser");
    if let Ok(entries) = std::fs::read_dir(regressions) {
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                inputs.push(text);
            }
        }
    }
    for source in &inputs {
        let start = Instant::now();
        let result = pdao::temporal::parse_rules("blowup.rules", source, vocab);
        let elapsed = start.elapsed();
        let error = result.expect_err("a broken rules file is refused");
        assert!(error.line >= 1 && error.column >= 1);
        assert!(
            elapsed < Duration::from_secs(5),
            "refusing took {elapsed:?}: {error}"
        );
    }
    // The constructed input hits the bound, and says so.
    let error =
        pdao::temporal::parse_rules("blowup.rules", &inputs[0], vocab).expect_err("refused");
    assert!(error.message.contains("nested too deeply"), "{error}");
    // Real files are far from the bound.
    for (path, text) in bundle.files() {
        if path.ends_with(".rules") {
            assert!(
                pdao::temporal::parse_rules(path, text, vocab).is_ok(),
                "{path}"
            );
        }
    }
}
