use std::sync::OnceLock;

use serde_json::{json, Value};

use super::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| embedded_engine().expect("the embedded bundle loads"))
}

fn request() -> Value {
    json!({
        "jurisdiction": "hangzhou",
        "date": "2024-05-01",
        "action": "apply",
        "operator": { "id": "acme-data", "credit_ok": true },
        "scenario": { "id": "credit-scoring", "count": 1 }
    })
}

fn error_json(error: &ErrorObject) -> Value {
    serde_json::from_str(&error.to_json()).expect("error JSON parses")
}

#[test]
fn decide_json_is_the_native_pretty_json() {
    let text = request().to_string();
    let native = engine().decide_json(&text).expect("valid").to_json_pretty();
    assert_eq!(decide_json(engine(), &text).expect("valid"), native);
    assert_eq!(decide_value(engine(), &request()).expect("valid"), native);
}

#[test]
fn a_decision_follows_the_contract() {
    let text = decide_value(engine(), &request()).expect("valid");
    let decision: Value = serde_json::from_str(&text).expect("JSON");
    let keys: Vec<&str> = decision
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.get(..11).expect("at least the contract's keys"),
        [
            "decision",
            "jurisdiction",
            "date",
            "action",
            "layers",
            "reasons",
            "satisfied",
            "overridden",
            "obligations",
            "missing",
            "policy_version"
        ]
    );
    assert_eq!(decision["decision"], "deny");
    assert_eq!(
        decision["layers"],
        json!(["national", "zhejiang", "hangzhou"])
    );
    assert_eq!(decision["policy_version"], version(engine()).as_str());
    assert!(!decision["missing"].as_array().expect("array").is_empty());
}

#[test]
fn explain_is_the_native_rendering() {
    let text = request().to_string();
    let native = pdao::explain::render_text(&engine().decide_json(&text).expect("valid"));
    assert_eq!(explain_json(engine(), &text).expect("valid"), native);
    assert_eq!(explain_value(engine(), &request()).expect("valid"), native);
    assert!(native.starts_with("DENY"));
}

#[test]
fn an_unknown_jurisdiction_names_its_field() {
    let mut bad = request();
    bad["jurisdiction"] = json!("atlantis");
    let error = decide_value(engine(), &bad).expect_err("refused");
    assert_eq!(error.code, "unknown_jurisdiction");
    assert_eq!(error.field.as_deref(), Some("jurisdiction"));
    assert!(error.message.contains("atlantis"), "{}", error.message);
    let object = error_json(&error);
    assert_eq!(object["field"], "jurisdiction");
    assert!(object.get("line").is_none() && object.get("problems").is_none());
}

#[test]
fn a_bad_date_names_its_field() {
    let mut bad = request();
    bad["date"] = json!("2024-02-30");
    let error = decide_value(engine(), &bad).expect_err("refused");
    assert_eq!(
        (error.code.as_str(), error.field.as_deref()),
        ("bad_date", Some("date"))
    );
}

#[test]
fn an_unknown_fact_names_its_path() {
    let mut bad = request();
    bad["operator"]["credit_okay"] = json!(true);
    let error = decide_value(engine(), &bad).expect_err("refused");
    assert_eq!(error.code, "unknown_field");
    assert_eq!(error.field.as_deref(), Some("operator.credit_okay"));
}

#[test]
fn malformed_json_gives_line_and_column() {
    let error = decide_json(engine(), "{\n  \"jurisdiction\": \"hangzhou\",\n  oops\n}")
        .expect_err("refused");
    assert_eq!(error.code, "invalid_json");
    assert_eq!(error.field, None);
    assert_eq!(error.line, Some(3));
    assert!(error.column.is_some());
    let object = error_json(&error);
    assert_eq!(object["code"], "invalid_json");
    assert_eq!(object["line"], 3);
}

#[test]
fn a_missing_field_is_named() {
    let error = decide_json(
        engine(),
        r#"{"jurisdiction": "hangzhou", "action": "apply"}"#,
    )
    .expect_err("refused");
    assert_eq!(
        (error.code.as_str(), error.field.as_deref()),
        ("missing_field", Some("date"))
    );
}

#[test]
fn check_summarises_the_bundle() {
    let summary: Value = serde_json::from_str(&check(engine())).expect("JSON");
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["version"], version(engine()).as_str());
    assert_eq!(summary["problems"], json!([]));
    let layers = summary["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 8);
    let national = layers
        .iter()
        .find(|l| l["id"] == "national")
        .expect("national");
    assert_eq!(national["parent"], Value::Null);
    let total: u64 = layers.iter().filter_map(|l| l["policies"].as_u64()).sum();
    assert_eq!(summary["policies"].as_u64(), Some(total));
    assert!(total > 0);
    assert!(summary["rules"].as_u64() <= Some(total));
}

#[test]
fn version_is_the_bundle_hash() {
    assert!(version(engine()).starts_with("sha256:"));
}

fn embedded_files() -> Value {
    Value::Object(
        engine()
            .bundle()
            .files()
            .iter()
            .map(|(path, text)| (path.clone(), Value::String(text.clone())))
            .collect(),
    )
}

#[test]
fn a_bundle_from_files_decides_like_the_embedded_one() {
    let from_files = engine_from_files(&embedded_files()).expect("loads");
    assert_eq!(version(&from_files), version(engine()));
    let text = request().to_string();
    assert_eq!(
        decide_json(&from_files, &text).expect("valid"),
        decide_json(engine(), &text).expect("valid")
    );
    let from_text = engine_from_files_json(&embedded_files().to_string()).expect("loads");
    assert_eq!(version(&from_text), version(engine()));
}

#[test]
fn a_broken_bundle_reports_every_problem_with_its_file() {
    let mut files = embedded_files();
    let cedar = files
        .as_object()
        .expect("object")
        .keys()
        .find(|path| path.starts_with("hangzhou/") && path.ends_with(".cedar"))
        .expect("a hangzhou policy file")
        .clone();
    files[&cedar] = json!("@id(\"x\")\nforbid (principal, action, resource) when { ;");
    let error = engine_from_files(&files).err().expect("refused");
    assert_eq!(error.code, "bundle");
    assert!(!error.problems.is_empty());
    assert!(error.problems.iter().any(|p| p.file == cedar));
    assert_eq!(
        error.file.as_deref(),
        error.problems.first().map(|p| p.file.as_str())
    );

    let summary: Value = serde_json::from_str(&check_files(&files).expect("a map")).expect("JSON");
    assert_eq!(summary["ok"], false);
    assert!(!summary["problems"].as_array().expect("array").is_empty());
    let good: Value =
        serde_json::from_str(&check_files(&embedded_files()).expect("a map")).expect("JSON");
    assert_eq!(good["ok"], true);
    assert_eq!(good["version"], version(engine()).as_str());
}

#[test]
fn a_file_map_must_be_an_object_of_strings() {
    let error = engine_from_files(&json!(["facts.toml"]))
        .err()
        .expect("refused");
    assert_eq!(error.code, "invalid_files");
    let error = engine_from_files(&json!({ "facts.toml": 3 }))
        .err()
        .expect("refused");
    assert_eq!(
        (error.code.as_str(), error.field.as_deref()),
        ("invalid_files", Some("facts.toml"))
    );
    let error = engine_from_files_json("{").err().expect("refused");
    assert_eq!(
        (error.code.as_str(), error.line),
        ("invalid_files", Some(1))
    );
    assert_eq!(
        check_files(&json!(null)).expect_err("refused").code,
        "invalid_files"
    );
}

#[test]
fn an_empty_bundle_is_a_bundle_error() {
    let error = engine_from_files(&json!({})).err().expect("refused");
    assert_eq!(error.code, "bundle");
    assert!(!error.problems.is_empty());
}

#[test]
fn a_panic_becomes_a_panic_error() {
    let error = panic_error(&"boom", Some("src/x.rs:1:2".to_string()));
    assert_eq!(
        error_json(&error),
        json!({ "code": "panic", "message": "the engine panicked at src/x.rs:1:2: boom" })
    );
    let owned: Box<dyn Any + Send> = Box::new(String::from("owned"));
    assert_eq!(
        panic_error(owned.as_ref(), None).message,
        "the engine panicked: owned"
    );
    let other: Box<dyn Any + Send> = Box::new(7_u8);
    assert!(panic_error(other.as_ref(), None)
        .message
        .contains("unknown"));

    // Through a real hook, as lib.rs installs it (natively the panic then unwinds).
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let sink = seen.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        *sink.lock().expect("lock") = Some(panic_hook_error(info));
    }));
    let result = std::panic::catch_unwind(|| panic!("deliberate"));
    std::panic::set_hook(previous);
    assert!(result.is_err());
    let error = seen.lock().expect("lock").take().expect("the hook ran");
    assert_eq!(error.code, "panic");
    assert!(error.message.contains("deliberate"), "{}", error.message);
    assert!(error.message.contains("ffi_tests.rs"), "{}", error.message);
}

#[test]
fn every_error_serialises_to_an_object_with_code_and_message() {
    for text in [
        "",
        "[]",
        "null",
        "{\"jurisdiction\":1}",
        "{\"a\":1,\"a\":2}",
    ] {
        let error = decide_json(engine(), text).expect_err(text);
        let object = error_json(&error);
        assert!(
            object["code"].is_string() && object["message"].is_string(),
            "{text}"
        );
        assert!(error.to_string().starts_with(&error.code));
    }
}
