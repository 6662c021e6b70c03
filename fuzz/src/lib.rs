#![forbid(unsafe_code)]
//! Shared pieces of the fuzz targets: one engine on the embedded bundle, the
//! real bundle files a fuzzed policy is loaded beside, a few fixed requests
//! to evaluate fuzzed definitions and policies against, and the invariants
//! every decision must keep. A violated invariant panics, which libFuzzer
//! reports as a crash.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pdao::{Bundle, Decision, Engine, EngineOptions, Evaluator, Request, Verdict, Vocabulary};

/// The repository's `policies/` folder (the fuzzers run where they were built).
pub fn policies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

/// The engine on the embedded bundle, built once per process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Engine::embedded() {
        Ok(engine) => engine,
        Err(e) => panic!("the embedded bundle does not load: {e}"),
    })
}

/// The engine on the embedded bundle that decides through Cedar (the
/// reference the compiled evaluator is checked against), built once.
pub fn reference_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Bundle::embedded() {
        Ok(bundle) => Engine::with_options(
            bundle,
            EngineOptions::default().evaluator(Evaluator::Cedar),
        ),
        Err(e) => panic!("the embedded bundle does not load: {e}"),
    })
}

/// Decides `text` with the compiled evaluator and through Cedar: both
/// refuse it alike, or both give the same outcome for every rule and
/// byte-identical decision JSON.
pub fn compare_evaluators(text: &str) {
    let (compiled, reference) = (engine(), reference_engine());
    match (compiled.parse_request(text), reference.parse_request(text)) {
        (Ok(request), Ok(same)) => {
            assert_eq!(request, same);
            let ours = compiled.evaluate(&request);
            let cedar = reference.evaluate(&request);
            assert_eq!(ours.outcomes, cedar.outcomes, "rule outcomes differ on {text}");
            assert_eq!(
                ours.decision.to_json_pretty(),
                cedar.decision.to_json_pretty(),
                "decision JSON differs on {text}"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("one engine refused the request: {a:?} / {b:?}"),
    }
}

/// The vocabulary of the embedded bundle (with its actions and jurisdictions).
pub fn vocabulary() -> &'static Vocabulary {
    engine().bundle().vocabulary()
}

/// The `request` object of every golden case, as compact JSON text, sorted
/// by case file.
pub fn golden_requests() -> &'static [String] {
    static REQUESTS: OnceLock<Vec<String>> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        pdao::cases::find_case_files(&policies_dir())
            .unwrap_or_else(|e| panic!("the golden cases cannot be read: {e}"))
            .iter()
            .filter_map(|path| pdao::cases::Case::from_file(path).ok())
            .map(|case| case.request.to_string())
            .collect()
    })
}

/// A fixed sample of parsed golden requests to evaluate fuzzed temporal
/// definitions against: every request with events first (they exercise
/// the quantifiers and cadences), then the rest, at most `limit`.
pub fn sample_requests(limit: usize) -> Vec<Request> {
    let vocab = vocabulary();
    let parsed: Vec<Request> = golden_requests()
        .iter()
        .filter_map(|text| Request::from_json_str(text, vocab).ok())
        .collect();
    let (with_events, without): (Vec<Request>, Vec<Request>) =
        parsed.into_iter().partition(|r| !r.events().is_empty());
    let mut out = Vec::new();
    // Spread the picks over the cases rather than taking the first layer only.
    for group in [with_events, without] {
        let room = limit.saturating_sub(out.len());
        if room == 0 {
            break;
        }
        let step = (group.len() / room).max(1);
        out.extend(group.into_iter().step_by(step).take(room));
    }
    out
}

/// Requests of the `zhejiang` chain (zhejiang and hangzhou), for deciding
/// with a bundle whose fuzzed policies live in the `zhejiang` layer.
pub fn zhejiang_chain_requests(limit: usize) -> &'static [String] {
    static REQUESTS: OnceLock<Vec<String>> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        let chain: Vec<&String> = golden_requests()
            .iter()
            .filter(|text| {
                text.contains("\"jurisdiction\":\"zhejiang\"")
                    || text.contains("\"jurisdiction\":\"hangzhou\"")
            })
            .collect();
        let step = (chain.len() / limit.max(1)).max(1);
        chain
            .into_iter()
            .step_by(step)
            .take(limit)
            .cloned()
            .collect()
    })
}

/// The real bundle files a fuzzed `.cedar`/`.rules` pair is loaded with:
/// the vocabulary, the schema, and the `jurisdiction.toml` of `national`,
/// `zhejiang` and `hangzhou` (the fuzzed files go into `zhejiang/`), plus
/// the national temporal definitions.
pub fn base_files() -> &'static [(String, String)] {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let keep = [
            "facts.toml",
            "schema.cedarschema",
            "national/jurisdiction.toml",
            "zhejiang/jurisdiction.toml",
            "hangzhou/jurisdiction.toml",
        ];
        engine()
            .bundle()
            .files()
            .iter()
            .filter(|(path, _)| keep.contains(&path.as_str()))
            .cloned()
            .collect()
    })
}

/// Splits a bundle-loader input: the `.cedar` text, a NUL byte, the
/// `.rules` text. Without a NUL the whole input is the `.cedar` text.
pub fn split_bundle_input(data: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(data).ok()?;
    Some(match text.split_once('\0') {
        Some((cedar, rules)) => (cedar, rules),
        None => (text, ""),
    })
}

/// The base files plus `zhejiang/fuzz.cedar` and `zhejiang/fuzz.rules`.
pub fn load_fuzzed_bundle(cedar: &str, rules: &str) -> Result<Bundle, pdao::BundleError> {
    let mut files = base_files().to_vec();
    files.push(("zhejiang/fuzz.cedar".into(), cedar.into()));
    files.push(("zhejiang/fuzz.rules".into(), rules.into()));
    Bundle::from_files(files)
}

/// The invariants of every decision:
/// - `allow` has no reasons and nothing missing (the contract), and a
///   decision with a reason or a missing fact is `deny`;
/// - it echoes the request's jurisdiction, date and action;
/// - it is deterministic (deciding twice gives byte-identical JSON).
pub fn check_decision(engine: &Engine, request: &Request, decision: &Decision) {
    if decision.decision == Verdict::Allow {
        assert!(
            decision.reasons.is_empty(),
            "allow with reasons: {}",
            decision.to_json_pretty()
        );
        assert!(
            decision.missing.is_empty(),
            "allow with missing facts: {}",
            decision.to_json_pretty()
        );
    }
    assert_eq!(decision.jurisdiction, request.jurisdiction());
    assert_eq!(decision.action, request.action());
    assert_eq!(
        decision.date,
        pdao::dates::format_date(request.date()),
        "the decision does not echo the request date"
    );
    let again = engine.decide(request);
    assert_eq!(
        again.to_json_pretty(),
        decision.to_json_pretty(),
        "deciding twice gave different decisions"
    );
}

/// Decides `text` and checks what came out:
/// - an accepted request parses to the same request again from its own
///   contract JSON (`Request::to_json`), and decides the same;
/// - the decision keeps [`check_decision`]'s invariants;
/// - a rejected request has a stable code and, unless it is a JSON syntax
///   error, names a field.
pub fn decide_and_check(engine: &Engine, text: &str) {
    match engine.parse_request(text) {
        Ok(request) => {
            let decision = engine.decide(&request);
            check_decision(engine, &request, &decision);
            let echoed = request.to_json().to_string();
            match engine.parse_request(&echoed) {
                Ok(again) => {
                    assert_eq!(again, request, "the request does not round-trip: {echoed}");
                }
                Err(e) => panic!("the request's own JSON is rejected: {e}\n{echoed}"),
            }
            let via_json = engine.decide_json(text);
            assert_eq!(
                via_json.as_ref().map(Decision::to_json_pretty).ok(),
                Some(decision.to_json_pretty()),
                "decide_json and decide disagree"
            );
        }
        Err(e) => {
            assert!(!e.code().is_empty());
            assert!(
                e.field().is_some() || e.position().is_some(),
                "an error without a field or a position: {e:?}"
            );
            assert!(engine.decide_json(text).is_err());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_golden_request_passes_the_checks() {
        let engine = engine();
        assert!(golden_requests().len() > 100);
        for text in golden_requests() {
            decide_and_check(engine, text);
        }
    }

    #[test]
    fn the_real_zhejiang_files_load_as_a_fuzzed_pair() {
        let bundle = engine().bundle();
        let text = |name: &str| {
            bundle
                .files()
                .iter()
                .find(|(p, _)| p == name)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        };
        let loaded = load_fuzzed_bundle(
            &text("zhejiang/operator.cedar"),
            &text("zhejiang/time.rules"),
        );
        assert!(loaded.is_ok(), "{:?}", loaded.err());
    }

    #[test]
    fn samples_are_not_empty() {
        assert!(!sample_requests(24).is_empty());
        assert!(!zhejiang_chain_requests(8).is_empty());
    }
}

/// The WASM binding's JSON entry point agrees with the library on every bad
/// input of `tests/bad_inputs/`: the same code, field and position
/// (`cargo test --manifest-path fuzz/Cargo.toml --features wasm`; the
/// `pdao-tests` crate cannot depend on `pdao-wasm` yet).
#[cfg(all(test, feature = "wasm"))]
mod ffi_tests {
    use serde_json::Value;

    use super::engine;

    #[test]
    fn the_binding_gives_the_expected_error_for_every_bad_input() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad_inputs");
        let expected: Value = match std::fs::read_to_string(folder.join("expected.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            Some(v) => v,
            None => panic!("tests/bad_inputs/expected.json"),
        };
        let Some(cases) = expected.as_object() else {
            panic!("expected.json is an object");
        };
        let mut checked = 0;
        for (name, expect) in cases {
            let Some(code) = expect.get("code").and_then(Value::as_str) else {
                continue;
            };
            let bytes = std::fs::read(folder.join(name)).unwrap_or_default();
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            match pdao_wasm::ffi::decide_json(engine(), text) {
                Ok(_) => panic!("{name}: the binding decided"),
                Err(object) => {
                    assert_eq!(object.code, code, "{name}");
                    assert_eq!(
                        object.field.as_deref(),
                        expect.get("field").and_then(Value::as_str),
                        "{name}"
                    );
                    assert_eq!(
                        object.line,
                        expect
                            .get("line")
                            .and_then(Value::as_u64)
                            .map(|l| l as usize),
                        "{name}"
                    );
                }
            }
            checked += 1;
        }
        assert!(checked >= 40, "{checked}");
    }
}
