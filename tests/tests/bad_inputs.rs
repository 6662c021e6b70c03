#![forbid(unsafe_code)]
// Test code: helpers outside `#[test]` functions fail loudly too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Bad requests: every file of `tests/bad_inputs/` and every generated
//! over-the-limit request must give exactly the typed error that
//! `tests/bad_inputs/expected.json` names — code, field and (for JSON syntax
//! errors) position — from the library, and from the `pdao` command line:
//! exit status 1 and exactly one line on standard error,
//! `pdao: error[<code>]: <file>: field `<field>`: …`. Never a panic, never a
//! decision. The few valid-but-strange requests of the folder (dates far
//! outside any regulation) must give a typed `deny` instead (exit status 2).
//!
//! The command-line half runs `pdao` built from this checkout
//! (`pdao_tests::pdao_cli`, built once per run).
//!
//! See `tests/bad_inputs/README.md` for the format of `expected.json`, and
//! `docs/RELIABILITY.md` for the limits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pdao::{
    Engine, RequestError, Verdict, MAX_DEPTH, MAX_EVENTS, MAX_LIST_ITEMS, MAX_NAME_BYTES,
    MAX_REQUEST_BYTES, MAX_STRING_BYTES,
};
use serde::Deserialize;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Engine::embedded() {
        Ok(engine) => engine,
        Err(e) => panic!("the embedded bundle does not load: {e}"),
    })
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bad_inputs")
}

/// What one input must produce: an error (`code`, `field`, and `line` and
/// `column` for JSON syntax errors) or a decision with some reasons.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    line: Option<usize>,
    #[serde(default)]
    column: Option<usize>,
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    reasons_include: Vec<String>,
    /// Why the expectation is what it is (not checked).
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

impl Expect {
    fn error(code: &str, field: &str) -> Expect {
        Expect {
            code: Some(code.into()),
            field: Some(field.into()),
            line: None,
            column: None,
            decision: None,
            reasons_include: Vec::new(),
            note: None,
        }
    }

    fn deny() -> Expect {
        Expect {
            code: None,
            field: None,
            line: None,
            column: None,
            decision: Some("deny".into()),
            reasons_include: Vec::new(),
            note: None,
        }
    }
}

fn expectations() -> BTreeMap<String, Expect> {
    let path = folder().join("expected.json");
    let text = std::fs::read_to_string(&path).expect("tests/bad_inputs/expected.json");
    serde_json::from_str(&text).expect("expected.json maps file names to expectations")
}

/// The files of the folder, with their expectation.
fn committed() -> Vec<(String, Vec<u8>, Expect)> {
    let expected = expectations();
    let mut files: Vec<String> = std::fs::read_dir(folder())
        .expect("tests/bad_inputs/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "expected.json" && name != "README.md")
        .collect();
    files.sort();
    for name in expected.keys() {
        assert!(
            files.contains(name),
            "expected.json names `{name}`, which is not in tests/bad_inputs/"
        );
    }
    files
        .into_iter()
        .map(|name| {
            let expect = expected
                .get(&name)
                .unwrap_or_else(|| panic!("tests/bad_inputs/{name} has no entry in expected.json"))
                .clone();
            let bytes = std::fs::read(folder().join(&name)).expect("a readable file");
            (name, bytes, expect)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Generated inputs: the documented limits, just under and just over.

/// A valid request with `extra` members added (JSON text without braces).
fn request_with(extra: &str) -> String {
    let base = r#""jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply""#;
    if extra.is_empty() {
        format!("{{{base}}}")
    } else {
        format!("{{{base}, {extra}}}")
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

fn events(n: usize, event: &str) -> String {
    format!("\"events\": [{}]", vec![event; n].join(","))
}

fn strings(n: usize, item: &str) -> String {
    vec![quoted(item); n].join(",")
}

/// `[[[…]]]`, `levels` arrays deep.
fn nested_arrays(levels: usize) -> String {
    "[".repeat(levels) + &"]".repeat(levels)
}

/// `{"a": {"a": … 1}}`, `levels` objects deep.
fn nested_objects(levels: usize) -> String {
    "{\"a\": ".repeat(levels) + "1" + &"}".repeat(levels)
}

/// The same path segment `times` times (for the field of a too-deep value).
fn repeat(segment: &str, times: usize) -> String {
    segment.repeat(times)
}

/// Over-the-limit requests (and their at-the-limit twins, which must be
/// decided), built here rather than committed.
fn generated() -> Vec<(String, Vec<u8>, Expect)> {
    let mut out: Vec<(String, String, Expect)> = Vec::new();
    let event = r#"{"kind": "audit_report", "date": "2023-12-01"}"#;

    // Request size: padding with whitespace keeps the request valid.
    let base = request_with("");
    let pad = |total: usize| format!("{base}{}", " ".repeat(total - base.len()));
    out.push((
        "request-size-at-limit.json".into(),
        pad(MAX_REQUEST_BYTES),
        Expect::deny(),
    ));
    out.push((
        "request-size-over-limit.json".into(),
        pad(MAX_REQUEST_BYTES + 1),
        Expect::error("too_large", "(request)"),
    ));
    // A request over the size limit is refused before it is parsed: even
    // broken JSON says too_large.
    out.push((
        "request-size-over-limit-invalid-json.json".into(),
        "{".repeat(MAX_REQUEST_BYTES + 1),
        Expect::error("too_large", "(request)"),
    ));

    // Event count.
    out.push((
        "events-at-limit.json".into(),
        request_with(&events(MAX_EVENTS, event)),
        Expect::deny(),
    ));
    out.push((
        "events-over-limit.json".into(),
        request_with(&events(MAX_EVENTS + 1, event)),
        Expect::error("too_large", "events"),
    ));

    // List items: materials, a closed list fact, an open list fact.
    out.push((
        "materials-at-limit.json".into(),
        request_with(&format!(
            "\"materials\": [{}]",
            strings(MAX_LIST_ITEMS, "audit_report")
        )),
        Expect::deny(),
    ));
    out.push((
        "materials-over-limit.json".into(),
        request_with(&format!(
            "\"materials\": [{}]",
            strings(MAX_LIST_ITEMS + 1, "audit_report")
        )),
        Expect::error("too_large", "materials"),
    ));
    out.push((
        "list-fact-over-limit.json".into(),
        request_with(&format!(
            "\"agreement\": {{\"clauses\": [{}]}}",
            strings(MAX_LIST_ITEMS + 1, "term")
        )),
        Expect::error("too_large", "agreement.clauses"),
    ));
    out.push((
        "open-list-fact-over-limit.json".into(),
        request_with(&format!(
            "\"product\": {{\"approved_scenarios\": [{}]}}",
            strings(MAX_LIST_ITEMS + 1, "s")
        )),
        Expect::error("too_large", "product.approved_scenarios"),
    ));

    // String length, in bytes (a CJK character is three).
    let long = |n: usize| "x".repeat(n);
    out.push((
        "string-fact-at-limit.json".into(),
        request_with(&format!(
            "\"operator\": {{\"id\": {}}}",
            quoted(&long(MAX_STRING_BYTES))
        )),
        Expect::deny(),
    ));
    out.push((
        "string-fact-over-limit.json".into(),
        request_with(&format!(
            "\"operator\": {{\"id\": {}}}",
            quoted(&long(MAX_STRING_BYTES + 1))
        )),
        Expect::error("too_large", "operator.id"),
    ));
    out.push((
        "string-fact-over-limit-multibyte.json".into(),
        request_with(&format!(
            "\"operator\": {{\"id\": {}}}",
            quoted(&"数".repeat(MAX_STRING_BYTES / 3 + 1))
        )),
        Expect::error("too_large", "operator.id"),
    ));
    out.push((
        "list-item-over-limit.json".into(),
        request_with(&format!(
            "\"product\": {{\"approved_scenarios\": [\"a\", {}]}}",
            quoted(&long(MAX_STRING_BYTES + 1))
        )),
        Expect::error("too_large", "product.approved_scenarios[1]"),
    ));
    out.push((
        "event-ref-over-limit.json".into(),
        request_with(&format!(
            "\"events\": [{{\"kind\": \"audit_report\", \"date\": \"2023-12-01\", \"ref\": {}}}]",
            quoted(&long(MAX_STRING_BYTES + 1))
        )),
        Expect::error("too_large", "events[0].ref"),
    ));

    // Nesting depth, counted from the request object (level 1): a fact
    // value starts at level 3 (request → operator → value).
    let in_fact = |levels: usize| {
        request_with(&format!(
            "\"operator\": {{\"id\": {}}}",
            nested_arrays(levels)
        ))
    };
    out.push((
        "nesting-at-limit-in-fact.json".into(),
        in_fact(MAX_DEPTH - 2),
        // Not too deep, only of the wrong type.
        Expect::error("wrong_type", "operator.id"),
    ));
    out.push((
        "nesting-over-limit-in-fact.json".into(),
        in_fact(MAX_DEPTH - 1),
        Expect::error(
            "too_large",
            &format!("operator.id{}", repeat("[0]", MAX_DEPTH - 2)),
        ),
    ));
    out.push((
        "nesting-over-limit-objects-in-fact.json".into(),
        request_with(&format!(
            "\"agreement\": {{\"clauses\": {}}}",
            nested_objects(MAX_DEPTH)
        )),
        Expect::error(
            "too_large",
            &format!("agreement.clauses{}", repeat(".a", MAX_DEPTH - 2)),
        ),
    ));
    out.push((
        "nesting-over-limit-in-event.json".into(),
        request_with(&format!(
            "\"events\": [{{\"kind\": \"audit_report\", \"date\": \"2023-12-01\", \"ref\": {}}}]",
            nested_arrays(MAX_DEPTH)
        )),
        Expect::error(
            "too_large",
            &format!("events[0].ref{}", repeat("[0]", MAX_DEPTH - 3)),
        ),
    ));
    out.push((
        "nesting-far-over-limit.json".into(),
        nested_arrays(100_000),
        Expect::error("too_large", &repeat("[0]", MAX_DEPTH)),
    ));

    // Enormous arrays and strings where no limit of their own applies:
    // the type is checked first.
    out.push((
        "huge-top-level-array.json".into(),
        format!("[{}]", vec!["0"; 300_000].join(",")),
        Expect::error("wrong_type", "(request)"),
    ));
    out.push((
        "huge-events-object.json".into(),
        request_with(&format!(
            "\"events\": {{{}}}",
            (0..20_000)
                .map(|i| format!("\"k{i}\": 0"))
                .collect::<Vec<_>>()
                .join(",")
        )),
        Expect::error("wrong_type", "events"),
    ));
    out.push((
        "huge-jurisdiction-string.json".into(),
        format!(
            "{{\"jurisdiction\": {}, \"date\": \"2024-05-01\", \"action\": \"apply\"}}",
            quoted(&long(500_000))
        ),
        Expect::error("too_large", "jurisdiction"),
    ));
    // Names (keys, kinds) have their own, smaller limit.
    let key = long(2_000);
    let shown = format!("{}…", key.chars().take(64).collect::<String>());
    out.push((
        "long-unknown-top-level-key.json".into(),
        request_with(&format!("{}: 1", quoted(&key))),
        Expect::error("too_large", &shown),
    ));
    out.push((
        "long-unknown-event-kind.json".into(),
        request_with(&format!(
            "\"events\": [{{\"kind\": {}, \"date\": \"2023-12-01\"}}]",
            quoted(&key)
        )),
        Expect::error("too_large", "events[0].kind"),
    ));

    out.into_iter()
        .map(|(name, text, expect)| (name, text.into_bytes(), expect))
        .collect()
}

// ---------------------------------------------------------------------------
// Checks.

fn check_library(name: &str, bytes: &[u8], expect: &Expect) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        assert_eq!(
            expect.code.as_deref(),
            Some("invalid_utf8"),
            "{name}: not UTF-8, so only invalid_utf8 can be expected"
        );
        return;
    };
    assert_ne!(
        expect.code.as_deref(),
        Some("invalid_utf8"),
        "{name} is valid UTF-8"
    );
    check_binding(name, text, expect);
    let result = std::panic::catch_unwind(|| engine().decide_json(text));
    let result = match result {
        Ok(result) => result,
        Err(_) => panic!("{name}: the library panicked"),
    };
    match (&expect.code, result) {
        (Some(code), Err(error)) => check_error(name, expect, code, &error),
        (Some(code), Ok(decision)) => panic!(
            "{name}: expected error[{code}], got a decision ({:?}): {:?}",
            decision.decision,
            decision.reason_ids()
        ),
        (None, Ok(decision)) => {
            let want = expect.decision.as_deref().unwrap_or("deny");
            let got = match decision.decision {
                Verdict::Allow => "allow",
                Verdict::Deny => "deny",
            };
            assert_eq!(got, want, "{name}: decision");
            for rule in &expect.reasons_include {
                assert!(
                    decision.reasons.iter().any(|r| &r.rule == rule),
                    "{name}: `{rule}` is not among the reasons {:?}",
                    decision.reason_ids()
                );
            }
        }
        (None, Err(error)) => panic!("{name}: expected a decision, got {error:?}"),
    }
}

/// The WASM binding (its native half, `pdao_wasm::ffi`): the same error as
/// an object with code, field and position, or the library's decision JSON.
fn check_binding(name: &str, text: &str, expect: &Expect) {
    match (&expect.code, pdao_wasm::ffi::decide_json(engine(), text)) {
        (Some(code), Err(object)) => {
            assert_eq!(&object.code, code, "{name}: binding code of {object}");
            assert_eq!(
                object.field, expect.field,
                "{name}: binding field of {object}"
            );
            assert_eq!(object.line, expect.line, "{name}: binding line of {object}");
            assert_eq!(
                object.column, expect.column,
                "{name}: binding column of {object}"
            );
            let json: serde_json::Value =
                serde_json::from_str(&object.to_json()).expect("the error object is JSON");
            assert_eq!(json["code"], code.as_str(), "{name}");
        }
        (None, Ok(decision)) => {
            let library = engine().decide_json(text).expect("decided by the library");
            assert_eq!(
                decision,
                library.to_json_pretty(),
                "{name}: binding decision"
            );
        }
        (Some(code), Ok(_)) => panic!("{name}: the binding decided, expected error[{code}]"),
        (None, Err(object)) => panic!("{name}: the binding failed: {object}"),
    }
}

fn check_error(name: &str, expect: &Expect, code: &str, error: &RequestError) {
    assert_eq!(error.code(), code, "{name}: code of {error}");
    assert_eq!(
        error.field(),
        expect.field.as_deref(),
        "{name}: field of {error}"
    );
    if let (Some(line), Some(column)) = (expect.line, expect.column) {
        assert_eq!(
            error.position(),
            Some((line, column)),
            "{name}: position of {error}"
        );
    }
    assert!(
        error.field().is_some() || error.position().is_some(),
        "{name}: an error must name a field or a position: {error}"
    );
}

fn check_cli(pdao: &Path, name: &str, path: &Path, expect: &Expect) {
    let output = Command::new(pdao)
        .arg("decide")
        .arg(path)
        .output()
        .expect("pdao runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status = output.status.code();
    match &expect.code {
        Some(code) => {
            assert_eq!(status, Some(1), "{name}: exit status; stderr: {stderr}");
            assert!(
                output.stdout.is_empty(),
                "{name}: nothing on standard output for an error"
            );
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(
                lines.len(),
                1,
                "{name}: exactly one line on standard error, got {}:\n{stderr}",
                lines.len()
            );
            let line = lines[0];
            let prefix = format!("pdao: error[{code}]: {}", path.display());
            assert!(
                line.starts_with(&prefix),
                "{name}: `{line}` does not start with `{prefix}`"
            );
            if let Some(field) = &expect.field {
                assert!(
                    line.contains(&format!("field `{field}`")),
                    "{name}: the line does not name the field `{field}`: {line}"
                );
            }
            if let (Some(l), Some(c)) = (expect.line, expect.column) {
                assert!(
                    line.starts_with(&format!("{prefix}:{l}:{c}:")),
                    "{name}: the line does not give the position {l}:{c}: {line}"
                );
            }
        }
        None => {
            let want = if expect.decision.as_deref() == Some("allow") {
                0
            } else {
                2
            };
            assert_eq!(status, Some(want), "{name}: exit status; stderr: {stderr}");
            assert!(stderr.is_empty(), "{name}: stderr for a decision: {stderr}");
            let decision: serde_json::Value =
                serde_json::from_slice(&output.stdout).expect("a decision on standard output");
            assert_eq!(
                decision["decision"].as_str(),
                expect.decision.as_deref(),
                "{name}"
            );
        }
    }
}

/// Runs [`check_cli`] on every case, a few processes at a time (each
/// `pdao` process loads and validates the embedded bundle, about a second
/// in a debug build).
fn check_cli_all(pdao: &Path, cases: Vec<(String, PathBuf, Expect)>) {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((name, path, expect)) = cases.get(i) else {
                    break;
                };
                check_cli(pdao, name, path, expect);
            });
        }
    });
}

#[test]
fn every_committed_bad_input_gives_its_typed_error_from_the_library() {
    for (name, bytes, expect) in committed() {
        check_library(&name, &bytes, &expect);
    }
}

#[test]
fn every_generated_input_gives_its_typed_error_from_the_library() {
    for (name, bytes, expect) in generated() {
        check_library(&name, &bytes, &expect);
    }
}

#[test]
fn every_committed_bad_input_gives_one_error_line_from_the_cli() {
    let pdao = pdao_tests::pdao_cli().to_path_buf();
    let cases = committed()
        .into_iter()
        .map(|(name, _, expect)| {
            let path = folder().join(&name);
            (name, path, expect)
        })
        .collect();
    check_cli_all(&pdao, cases);
}

#[test]
fn every_generated_input_gives_one_error_line_from_the_cli() {
    let pdao = pdao_tests::pdao_cli().to_path_buf();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad_inputs");
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let cases = generated()
        .into_iter()
        .map(|(name, bytes, expect)| {
            let path = dir.join(&name);
            std::fs::write(&path, &bytes).expect("a scratch file");
            (name, path, expect)
        })
        .collect();
    check_cli_all(&pdao, cases);
}

/// The limits are what the documentation says they are.
#[test]
fn the_documented_limits() {
    assert_eq!(MAX_REQUEST_BYTES, 1 << 20);
    assert_eq!(MAX_DEPTH, 32);
    assert_eq!(MAX_EVENTS, 10_000);
    assert_eq!(MAX_LIST_ITEMS, 1_000);
    assert_eq!(MAX_STRING_BYTES, 4_096);
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/RELIABILITY.md"),
    )
    .expect("docs/RELIABILITY.md");
    for figure in ["1 048 576", "32", "10 000", "1 000", "4 096"] {
        assert!(
            doc.contains(figure),
            "docs/RELIABILITY.md does not state {figure}"
        );
    }
}

// ---------------------------------------------------------------------------
// Names and long histories: bounded work whatever is sent.

/// Keys, event kinds and the `jurisdiction` / `action` / `date` strings are
/// names, limited to `MAX_NAME_BYTES`: a longer one is `too_large` naming
/// where it is (shortened), before any "did you mean" search, and the error
/// stays short however long the name.
#[test]
fn names_longer_than_the_limit_are_too_large_with_a_short_error() {
    for length in [MAX_NAME_BYTES + 1, MAX_REQUEST_BYTES - 200] {
        let name = "x".repeat(length);
        let quoted_name = quoted(&name);
        let short = format!("{}…", "x".repeat(64));
        for (text, field) in [
            (request_with(&format!("{quoted_name}: 1")), short.clone()),
            (
                request_with(&format!("\"operator\": {{{quoted_name}: true}}")),
                format!("operator.{}", "x".repeat(55)) + "…",
            ),
            (
                request_with(&format!(
                    "\"events\": [{{\"kind\": {quoted_name}, \"date\": \"2023-12-01\"}}]"
                )),
                "events[0].kind".to_string(),
            ),
            (
                request_with(&format!(
                    "\"events\": [{{\"kind\": \"audit_report\", \"date\": \"2023-12-01\", {quoted_name}: 1}}]"
                )),
                format!("events[0].{}", "x".repeat(54)) + "…",
            ),
            (
                format!(r#"{{"jurisdiction": {quoted_name}, "date": "2024-05-01", "action": "apply"}}"#),
                "jurisdiction".to_string(),
            ),
            (
                format!(r#"{{"jurisdiction": "hangzhou", "date": {quoted_name}, "action": "apply"}}"#),
                "date".to_string(),
            ),
            (
                format!(r#"{{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": {quoted_name}}}"#),
                "action".to_string(),
            ),
        ] {
            let error = match engine().decide_json(&text) {
                Err(error) => error,
                Ok(decision) => panic!("decided: {}", decision.to_json_pretty()),
            };
            assert_eq!(error.code(), "too_large", "{error}");
            assert_eq!(error.field(), Some(field.as_str()), "{error}");
            assert!(
                error.to_string().len() < 400,
                "error of {} bytes",
                error.to_string().len()
            );
        }
    }
    // At the limit a name is only unknown.
    let text = request_with(&format!("{}: 1", quoted(&"x".repeat(MAX_NAME_BYTES))));
    let error = engine().decide_json(&text).expect_err("an error");
    assert_eq!(error.code(), "unknown_field");
}

/// A history at the event limit whose reports concern other incidents:
/// each incident is judged against the reports with its `ref` (or none),
/// not against all 5 000, and every open incident owes its report.
#[test]
fn a_history_at_the_event_limit_is_judged_per_ref() {
    let half = MAX_EVENTS / 2;
    let incidents = (0..half).map(|i| {
        format!(r#"{{"kind": "security_incident", "date": "2024-01-01", "ref": "n{i}"}}"#)
    });
    let reports = (0..half).map(|i| {
        let (date, reference) = if i == 17 {
            ("2024-01-02", "n17".to_string())
        } else {
            ("2023-01-01", format!("x{i}"))
        };
        format!(r#"{{"kind": "incident_reported", "date": "{date}", "ref": "{reference}"}}"#)
    });
    let text = format!(
        r#"{{"jurisdiction": "national", "date": "2024-05-01", "action": "operate", "events": [{}]}}"#,
        incidents.chain(reports).collect::<Vec<_>>().join(",")
    );
    let decision = engine().decide_json(&text).expect("a valid request");
    assert_eq!(decision.decision, Verdict::Deny);
    let owed: Vec<_> = decision
        .obligations
        .iter()
        .filter(|o| o.rule == "national.dsl.incident_handling")
        .collect();
    assert_eq!(owed.len(), half - 1);
    assert!(owed.iter().all(|o| !o
        .explanation
        .contains("security_incident on 2024-01-01 (ref n17)")));
}

/// The same input gives the same error in every process: the actions an
/// unknown action is compared with are listed in one order (Cedar keeps
/// them in a hash map, whose order changes from one process to the next).
#[test]
fn an_unknown_action_lists_the_actions_in_the_same_order_in_every_process() {
    let pdao = pdao_tests::pdao_cli().to_path_buf();
    let path = folder().join("unknown-action.json");
    let messages: Vec<String> = (0..4)
        .map(|_| {
            let output = Command::new(&pdao)
                .arg("decide")
                .arg(&path)
                .output()
                .expect("pdao runs");
            String::from_utf8_lossy(&output.stderr).into_owned()
        })
        .collect();
    assert!(
        messages[0].contains("expected one of `access_platform`, `apply`, "),
        "{}",
        messages[0]
    );
    for other in &messages[1..] {
        assert_eq!(other, &messages[0]);
    }
}
