//! The service through a real HTTP client on 127.0.0.1 (ephemeral ports):
//! decisions equal the library's (and so the CLI's) bytes, batches agree
//! with single calls, every bad input gets the CLI's error, the error
//! shapes, the bundle endpoint, metrics, OpenAPI, the admin reload, the
//! decision log, panics and time limits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::*;
use pdao::Engine;
use pdao_server::Config;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::embedded().unwrap())
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_golden_case_is_decided_as_by_the_library_and_the_batch_agrees() {
    let server = start(config()).await;
    let client = client();
    let cases = golden_requests();
    assert!(cases.len() > 400, "{} golden cases", cases.len());
    let mut singles = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (name, text) in &cases {
        let response = post(&client, &server.url("/v1/decide"), text.clone()).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let header = response.headers()["x-decision-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        let body = response.text().await.unwrap();
        let (cli_bytes, id) = without_id_line(&body);
        assert_eq!(id, header, "{name}: header and field carry the same id");
        assert!(ids.insert(id), "{name}: decision ids are unique");
        let library = engine().decide_json(text).unwrap();
        assert_eq!(
            cli_bytes,
            format!("{}\n", library.to_json_pretty()),
            "{name}: the service's decision is not the CLI's bytes"
        );
        singles.push(strip_id(serde_json::from_str(&body).unwrap()));
    }
    // The batch endpoint, in batches of 100, agrees with the single calls.
    for (chunk, expected) in cases.chunks(100).zip(singles.chunks(100)) {
        let requests: Vec<Value> = chunk
            .iter()
            .map(|(_, text)| serde_json::from_str(text).unwrap())
            .collect();
        let response = client
            .post(server.url("/v1/decide/batch"))
            .json(&json!({ "requests": requests }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), chunk.len());
        for ((result, single), (name, _)) in results.iter().zip(expected).zip(chunk) {
            assert!(result["decision_id"].is_string(), "{name}");
            assert_eq!(&strip_id(result.clone()), single, "{name}: batch ≠ single");
        }
    }
    server.stop().await.unwrap();
}

/// The real CLI on a few requests: the service's bytes are its bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decide_explain_and_why_not_are_the_cli_bytes() {
    let server = start(config()).await;
    let client = client();
    let pdao = pdao_tests::pdao_cli();
    let example = root().join("examples/hangzhou-apply.json");
    let denied =
        root().join("policies/hangzhou/cases/a Hangzhou agreement of 18 months is refused.json");
    let dir = tempfile::tempdir().unwrap();
    let denied_request = dir.path().join("denied.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&denied).unwrap()).unwrap();
    std::fs::write(
        &denied_request,
        serde_json::to_string_pretty(&case["request"]).unwrap(),
    )
    .unwrap();
    for file in [&example, &denied_request] {
        let text = std::fs::read_to_string(file).unwrap();
        for (endpoint, args) in [
            ("/v1/decide", vec!["decide"]),
            ("/v1/explain", vec!["explain"]),
            ("/v1/why-not", vec!["why-not", "--json"]),
        ] {
            let cli = std::process::Command::new(pdao)
                .args(&args)
                .arg(file)
                .output()
                .unwrap();
            let cli = String::from_utf8(cli.stdout).unwrap();
            let response = post(&client, &server.url(endpoint), text.clone()).await;
            assert_eq!(response.status(), StatusCode::OK, "{endpoint}");
            let id = response.headers()["x-decision-id"]
                .to_str()
                .unwrap()
                .to_string();
            let body = response.text().await.unwrap();
            if endpoint == "/v1/explain" {
                assert_eq!(body, cli, "{endpoint} {}", file.display());
            } else {
                let (rest, body_id) = without_id_line(&body);
                assert_eq!(body_id, id);
                assert_eq!(rest, cli, "{endpoint} {}", file.display());
            }
        }
    }
    server.stop().await.unwrap();
}

#[derive(serde::Deserialize)]
struct Expect {
    code: Option<String>,
    field: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    decision: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_the_cli_error_code_field_and_position() {
    let server = start(config()).await;
    let client = client();
    let folder = root().join("tests/bad_inputs");
    let expected: BTreeMap<String, Expect> =
        serde_json::from_str(&std::fs::read_to_string(folder.join("expected.json")).unwrap())
            .unwrap();
    let mut batch_bodies = Vec::new();
    for (name, expect) in &expected {
        let bytes = std::fs::read(folder.join(name)).unwrap();
        let response = post(&client, &server.url("/v1/decide"), bytes.clone()).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        match &expect.code {
            Some(code) => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
                assert_eq!(body["code"], code.as_str(), "{name}: {body}");
                assert_eq!(
                    body["field"].as_str(),
                    expect.field.as_deref(),
                    "{name}: {body}"
                );
                assert_eq!(
                    body["line"].as_u64(),
                    expect.line.map(|l| l as u64),
                    "{name}"
                );
                assert_eq!(
                    body["column"].as_u64(),
                    expect.column.map(|c| c as u64),
                    "{name}"
                );
                assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    let library = engine().decide_json(text).unwrap_err();
                    assert_eq!(
                        body["message"],
                        library.to_string(),
                        "{name}: the library's message"
                    );
                }
            }
            None => {
                assert_eq!(status, StatusCode::OK, "{name}: {body}");
                assert_eq!(
                    body["decision"].as_str(),
                    expect.decision.as_deref(),
                    "{name}"
                );
            }
        }
        if let Ok(text) = String::from_utf8(bytes) {
            if serde_json::from_str::<Value>(&text).is_ok() {
                batch_bodies.push((name.clone(), text, expect.code.clone()));
            }
        }
    }
    // In a batch, each such request gets the same error object, with its index.
    let requests = batch_bodies
        .iter()
        .map(|(_, text, _)| text.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let response = post(
        &client,
        &server.url("/v1/decide/batch"),
        format!("{{\"requests\": [{requests}]}}"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    for (index, ((name, text, code), result)) in batch_bodies
        .iter()
        .zip(body["results"].as_array().unwrap())
        .enumerate()
    {
        match code {
            Some(code) => {
                assert_eq!(result["code"], code.as_str(), "{name} in a batch");
                assert_eq!(result["index"], index, "{name}");
                let single = engine().decide_json(text).unwrap_err();
                assert_eq!(result["field"].as_str(), single.field(), "{name}");
            }
            None => assert!(result["decision"].is_string(), "{name}"),
        }
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_content_types_and_unknown_routes_have_clear_errors() {
    let server = start(Config {
        max_batch: 3,
        ..config()
    })
    .await;
    let client = client();
    let example = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();

    // Over 1 MiB: 413, the library's code and field.
    let base = r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply"}"#;
    let at_limit = format!("{base}{}", " ".repeat(pdao::MAX_REQUEST_BYTES - base.len()));
    let response = post(&client, &server.url("/v1/decide"), at_limit.clone()).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "exactly 1 MiB is decided"
    );
    let response = post(&client, &server.url("/v1/decide"), format!("{at_limit} ")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "too_large");
    assert_eq!(body["field"], "(request)");

    // Content types: JSON, none and curl's default are read; others are 415.
    for (content_type, status) in [
        (Some("application/json; charset=utf-8"), StatusCode::OK),
        (Some("application/x-www-form-urlencoded"), StatusCode::OK),
        (None, StatusCode::OK),
        (Some("text/xml"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            Some("multipart/form-data; boundary=x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let mut request = client
            .post(server.url("/v1/decide"))
            .body(example.replace('\n', ""));
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{content_type:?}");
        if status != StatusCode::OK {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "unsupported_media_type");
            assert!(
                body["message"].as_str().unwrap().contains("text/xml")
                    || content_type != Some("text/xml")
            );
        }
    }

    // Batch size and shape.
    let four = format!("{{\"requests\": [{0},{0},{0},{0}]}}", example);
    let response = post(&client, &server.url("/v1/decide/batch"), four).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("too_large"), Some("requests"))
    );
    for (batch, code, field) in [
        ("{}", "missing_field", Some("requests")),
        ("{\"requests\": {}}", "wrong_type", Some("requests")),
        ("[]", "wrong_type", Some("(request)")),
        (
            "{\"requests\": [], \"request\": []}",
            "unknown_field",
            Some("request"),
        ),
        (
            "{\"requests\": [], \"requests\": []}",
            "duplicate_key",
            Some("requests"),
        ),
        ("{\"requests\": [", "invalid_json", None),
    ] {
        let response = post(&client, &server.url("/v1/decide/batch"), batch).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{batch}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{batch}: {body}");
        assert_eq!(body["field"].as_str(), field, "{batch}");
    }
    let response = post(
        &client,
        &server.url("/v1/decide/batch"),
        "{\"requests\": []}",
    )
    .await;
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"results": []})
    );

    // 404 lists what exists; 405 says what the path takes.
    let response = client
        .get(server.url("/v1/data/pdao"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    let endpoints: Vec<&str> = body["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(endpoints.contains(&"POST /v1/decide"));
    assert!(
        !endpoints.iter().any(|e| e.contains("reload")),
        "no admin route without a token"
    );
    let response = client.get(server.url("/v1/decide")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers()["allow"]
        .to_str()
        .unwrap()
        .contains("POST"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    assert!(body["message"].as_str().unwrap().contains("POST"), "{body}");

    // why-not budget.
    let response = post(
        &client,
        &server.url("/v1/why-not?budget=0"),
        example.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["field"], "budget");
    let response = post(
        &client,
        &server.url("/v1/why-not?budget=x"),
        example.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_500_error_and_the_server_goes_on() {
    let server = pdao_server::Server::bind(config())
        .await
        .unwrap()
        .with_route(
            "/v1/panic",
            axum::routing::post(|| async {
                if true {
                    panic!("a defect");
                }
                "never"
            }),
        );
    let server = start_server(server, true).await;
    let client = client();
    let example = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();
    for _ in 0..3 {
        let response = client.post(server.url("/v1/panic")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "panic");
        assert!(body.get("decision").is_none());
        let response = post(&client, &server.url("/v1/decide"), example.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "still deciding after a panic"
        );
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_time_limit_is_a_503_without_decision() {
    let server = start(Config {
        timeout: Duration::from_millis(1),
        ..config()
    })
    .await;
    let client = client();
    let denied =
        root().join("policies/hangzhou/cases/a Hangzhou agreement of 18 months is refused.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(denied).unwrap()).unwrap();
    let response = client
        .post(server.url("/v1/why-not"))
        .json(&case["request"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "timeout", "{body}");
    // Probes are not bound by the limit.
    let response = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_probes_metrics_and_openapi_describe_the_real_service() {
    let server = start(config()).await;
    let client = client();
    let bundle = engine().bundle();

    let info: Value = client
        .get(server.url("/v1/bundle"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["policy_version"], bundle.version());
    assert_eq!(info["engine_version"], pdao::VERSION);
    assert_eq!(info["source"], "embedded");
    assert_eq!(
        info["layers"].as_array().unwrap().len(),
        bundle.layers().len()
    );
    let hangzhou = info["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "hangzhou")
        .unwrap();
    let layer = bundle.layer("hangzhou").unwrap();
    assert_eq!(hangzhou["parent"], "zhejiang");
    for (shown, document) in hangzhou["documents"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&layer.documents)
    {
        assert_eq!(shown["id"], document.id.as_str());
        assert_eq!(
            shown["in_force_from"],
            pdao::dates::format_date(document.in_force_from)
        );
    }
    let mut ids: Vec<&str> = bundle.rules().iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(info["rules"], ids.len());
    assert!(info["loaded_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(info["reload"]["succeeded"], 1);
    assert_eq!(info["reload"]["last_failure"], Value::Null);

    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready: Value = client
        .get(server.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["policy_version"], bundle.version());

    // Decisions, then the metrics count them by endpoint, status, decision, jurisdiction.
    let example = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();
    for _ in 0..3 {
        post(&client, &server.url("/v1/decide"), example.clone()).await;
    }
    post(&client, &server.url("/v1/decide"), "{").await;
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let allow = engine().decide_json(&example).unwrap();
    let verdict = if allow.is_allow() { "allow" } else { "deny" };
    for line in [
        "pdao_http_requests_total{endpoint=\"/v1/decide\",status=\"200\"} 3".to_string(),
        "pdao_http_requests_total{endpoint=\"/v1/decide\",status=\"400\"} 1".to_string(),
        format!("pdao_decisions_total{{decision=\"{verdict}\",endpoint=\"/v1/decide\",jurisdiction=\"hangzhou\"}} 3"),
        format!("pdao_bundle_info{{policy_version=\"{}\"}} 1", bundle.version()),
        "pdao_bundle_reloads_total{result=\"success\"} 1".to_string(),
        "pdao_bundle_reloads_total{result=\"failure\"} 0".to_string(),
        "pdao_http_request_duration_seconds_count{endpoint=\"/v1/decide\"} 4".to_string(),
    ] {
        assert!(metrics.lines().any(|l| l == line), "no `{line}` in\n{metrics}");
    }

    // OpenAPI: every route of the service is documented with its method,
    // the request schema is the bundle's vocabulary, the decision schema
    // has every key of a real decision.
    let doc: Value = client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for route in pdao_server::ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        assert!(
            doc["paths"][path][method.to_lowercase()].is_object(),
            "{route} is not in /openapi.json"
        );
        if path == "/v1/bundle/reload" {
            continue;
        }
        let response = client
            .request(method.parse().unwrap(), server.url(path))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(
            ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&response.status()),
            "{route} documented but not served"
        );
    }
    let request = &doc["components"]["schemas"]["Request"];
    let jurisdictions: Vec<&str> = request["properties"]["jurisdiction"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(jurisdictions, bundle.vocabulary().jurisdictions());
    assert_eq!(
        request["properties"]["operator"]["properties"]["mlps3_experience"]["type"],
        "boolean"
    );
    let decision = serde_json::to_value(&allow).unwrap();
    let schema = &doc["components"]["schemas"]["Decision"]["properties"];
    for key in decision.as_object().unwrap().keys() {
        assert!(schema[key].is_object(), "Decision schema lacks `{key}`");
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_reload_exists_only_with_a_token_and_refuses_a_broken_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("policies");
    let (v1, v2) = two_versions(dir.path());
    switch_link(&link, &v1);
    let server = start(Config {
        policies: Some(link.clone()),
        admin_token: Some("s3cret".into()),
        ..config()
    })
    .await;
    let client = client();
    let reload = |token: Option<&str>| {
        let mut request = client.post(server.url("/v1/bundle/reload"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let response = reload(None).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(
        reload(Some("wrong")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    switch_link(&link, &v2);
    let response = reload(Some("s3cret")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["policy_version"], policy_version(&v2));

    // A broken bundle is refused, the old one stays, the failure shows.
    switch_link(&link, &root().join("tests/broken_bundles/syntax-error"));
    let response = reload(Some("s3cret")).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "bundle");
    assert_eq!(body["problems"][0]["code"], "syntax");
    let info: Value = client
        .get(server.url("/v1/bundle"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["policy_version"], policy_version(&v2));
    assert_eq!(info["reload"]["last_attempt_failed"], true);
    assert_eq!(info["reload"]["last_failure"]["trigger"], "admin");
    assert_eq!(
        info["reload"]["last_failure"]["problems"][0]["file"],
        "zhejiang/operator.cedar"
    );
    let decision: Value = post(&client, &server.url("/v1/decide"), term_request())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decision["policy_version"], policy_version(&v2));
    assert_eq!(decision["decision"], "allow");
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("pdao_bundle_reloads_total{result=\"failure\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pdao_bundle_reloads_total{result=\"success\"} 2"),
        "{metrics}"
    );
    server.stop().await.unwrap();
}

/// The records of a log file, parsed.
fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_decision_is_recorded_chained_and_masked_before_it_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let server = start(Config {
        decision_log: Some(log.clone()),
        mask: vec!["operator.id".into(), "events.ref".into()],
        ..config()
    })
    .await;
    let client = client();
    let example = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();
    let mut ids = Vec::new();
    for endpoint in ["/v1/decide", "/v1/explain", "/v1/why-not"] {
        let response = post(&client, &server.url(endpoint), example.clone()).await;
        assert_eq!(response.status(), StatusCode::OK);
        ids.push(
            response.headers()["x-decision-id"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    let batch = format!("{{\"requests\": [{0}, {{}}, {0}]}}", example);
    let body: Value = post(&client, &server.url("/v1/decide/batch"), batch)
        .await
        .json()
        .await
        .unwrap();
    for i in [0, 2] {
        ids.push(
            body["results"][i]["decision_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // The record is on file when the answer arrives.
    let written = records(&log);
    assert_eq!(
        written.len(),
        5,
        "one record per decision; the error is none"
    );
    let request = engine().parse_request(&example).unwrap();
    let decision = engine().decide(&request);
    let mut canonical = request.to_json();
    canonical.sort_all_objects();
    let digest = format!(
        "sha256:{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(serde_json::to_vec(&canonical).unwrap())
    );
    for (i, (record, id)) in written.iter().zip(&ids).enumerate() {
        assert_eq!(record["seq"], i + 1);
        assert_eq!(record["decision_id"], id.as_str());
        assert_eq!(record["policy_version"], decision.policy_version.as_str());
        assert_eq!(record["engine_version"], pdao::VERSION);
        assert_eq!(
            record["decision"],
            if decision.is_allow() { "allow" } else { "deny" }
        );
        assert_eq!(record["reasons"], json!(decision.reason_ids()));
        assert_eq!(
            record["request_sha256"],
            digest.as_str(),
            "the hash of the unmasked request"
        );
        assert_eq!(record["request"]["operator"]["id"], "***");
        assert_eq!(record["request"]["operator"]["credit_ok"], true);
        assert_eq!(record["request"]["jurisdiction"], "hangzhou");
        assert_eq!(
            record["masked"],
            json!(["operator.id"]),
            "no event has a ref"
        );
        assert!(record["time"].as_str().unwrap().ends_with('Z'));
    }
    let endpoints: Vec<&str> = written
        .iter()
        .map(|r| r["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(
        endpoints,
        [
            "/v1/decide",
            "/v1/explain",
            "/v1/why-not",
            "/v1/decide/batch",
            "/v1/decide/batch"
        ]
    );
    assert_eq!(written[0]["prev"], pdao_server::decision_log::GENESIS);
    for pair in written.windows(2) {
        assert_eq!(pair[1]["prev"], pair[0]["hash"]);
    }
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.lines().any(|l| l == "pdao_decision_log_records 5"),
        "{metrics}"
    );
    server.stop().await.unwrap();
    let report = pdao_server::decision_log::verify(std::slice::from_ref(&log), false).unwrap();
    assert_eq!(report.records, 5);

    // A restart continues the chain.
    let server = start(Config {
        decision_log: Some(log.clone()),
        ..config()
    })
    .await;
    post(&client, &server.url("/v1/decide"), example.clone()).await;
    server.stop().await.unwrap();
    let written = records(&log);
    assert_eq!(written[5]["seq"], 6);
    assert_eq!(written[5]["prev"], written[4]["hash"]);
    assert_eq!(
        pdao_server::decision_log::verify(&[log], false)
            .unwrap()
            .records,
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_that_cannot_be_recorded_is_not_given() {
    let server = start(Config {
        decision_log: Some("/dev/full".into()),
        ..config()
    })
    .await;
    let client = client();
    let example = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();
    for endpoint in ["/v1/decide", "/v1/explain", "/v1/decide/batch"] {
        let body = if endpoint.ends_with("batch") {
            format!("{{\"requests\": [{example}]}}")
        } else {
            example.clone()
        };
        let response = post(&client, &server.url(endpoint), body).await;
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{endpoint}"
        );
        assert!(response.headers().get("x-decision-id").is_none());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "decision_log_unavailable");
        assert!(body.get("decision").is_none() && body.get("results").is_none());
    }
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("pdao_decision_log_write_failures_total 3"),
        "{metrics}"
    );
    drop(server);
}

/// Editing, deleting or reordering one line, or cutting the last one
/// short, is reported at that line (library and `pdao log verify`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_deleting_or_reordering_one_line_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let server = start(Config {
        decision_log: Some(log.clone()),
        ..config()
    })
    .await;
    let client = client();
    let requests: Vec<Value> = golden_requests()
        .into_iter()
        .take(10)
        .map(|(_, text)| serde_json::from_str(&text).unwrap())
        .collect();
    let response = client
        .post(server.url("/v1/decide/batch"))
        .json(&json!({ "requests": requests }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await.unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10);
    let pdao = pdao_tests::pdao_cli();
    let check = |name: &str, changed: Vec<String>, kind: &str, line: usize| {
        let path = dir.path().join(name);
        let mut content = changed.join("\n");
        if !name.starts_with("cut") {
            content.push('\n');
        }
        std::fs::write(&path, content).unwrap();
        let error =
            pdao_server::decision_log::verify(std::slice::from_ref(&path), false).unwrap_err();
        assert_eq!((error.kind, error.line), (kind, line), "{name}: {error}");
        let output = std::process::Command::new(pdao)
            .args(["log", "verify"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("pdao: error[{kind}]: {}:{line}: ", path.display())),
            "{name}: {stderr}"
        );
    };
    let owned = || lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    // Intact.
    let output = std::process::Command::new(pdao)
        .args(["log", "verify"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("ok: 10 records in 1 file, seq 1–10")
    );
    // A decision changed.
    let mut edited = owned();
    edited[4] = if edited[4].contains("\"decision\":\"deny\"") {
        edited[4].replacen("\"decision\":\"deny\"", "\"decision\":\"allow\"", 1)
    } else {
        edited[4].replacen("\"decision\":\"allow\"", "\"decision\":\"deny\"", 1)
    };
    assert_ne!(edited[4], lines[4]);
    check("edited.jsonl", edited, "altered", 5);
    // Only whitespace added.
    let mut spaced = owned();
    spaced[2] = spaced[2].replacen(",", ", ", 1);
    check("spaced.jsonl", spaced, "altered", 3);
    // An edit with the record's own hash recomputed: caught by the next one.
    let mut rehashed = owned();
    let mut record: Value = serde_json::from_str(&rehashed[6]).unwrap();
    record["request"]["date"] = json!("2020-01-01");
    record.as_object_mut().unwrap().remove("hash");
    record.sort_all_objects();
    let hash = format!(
        "sha256:{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(serde_json::to_vec(&record).unwrap())
    );
    record["hash"] = json!(hash);
    record.sort_all_objects();
    rehashed[6] = serde_json::to_string(&record).unwrap();
    check("rehashed.jsonl", rehashed, "altered", 8);
    // A line deleted.
    let mut deleted = owned();
    deleted.remove(3);
    check("deleted.jsonl", deleted, "removed", 4);
    // The first line deleted.
    let mut first = owned();
    first.remove(0);
    check("first-deleted.jsonl", first, "removed", 1);
    // Two lines swapped.
    let mut swapped = owned();
    swapped.swap(5, 6);
    check("swapped.jsonl", swapped, "reordered", 6);
    // A line repeated.
    let mut repeated = owned();
    repeated.insert(8, lines[7].to_string());
    check("repeated.jsonl", repeated, "reordered", 9);
    // The last record cut short.
    let mut cut = owned();
    let last = cut.pop().unwrap();
    cut.push(last[..last.len() / 2].to_string());
    check("cut.jsonl", cut, "incomplete", 10);
}
