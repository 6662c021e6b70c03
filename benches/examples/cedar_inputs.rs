//! The inputs of the Python benchmark (`bindings/python/bench`), printed as
//! one JSON document so that Python measures exactly what the Rust
//! benchmarks measure:
//!
//! - `policies`: every policy of the embedded bundle as Cedar text (ids
//!   `p0`, `p1`, …), the set `cedar_is_authorized` runs;
//! - `requests`: the four benchmark requests, each with its JSON text and
//!   the raw-Cedar request with its context prepared by pdao
//!   (`raw_cedar::context_json`), and raw Cedar's decision;
//! - `batch`: the texts of the batch benchmark (400 generated Hangzhou
//!   applications, then the four requests 50 times), each with its raw-Cedar
//!   request.
//!
//! `cargo run --release -p pdao-bench --example cedar_inputs > inputs.json`

use pdao::{Bundle, Engine};
use pdao_bench::raw_cedar::{context_json, RawCedar};
use pdao_bench::{generate, requests, Result};
use serde_json::{json, Value};

fn cedar_request(bundle: &Bundle, request: &pdao::Request) -> Value {
    json!({
        "principal": {"type": "Operator", "id": "operator"},
        "action": {"type": "Action", "id": request.action()},
        "resource": {"type": "Target", "id": "request"},
        "context": context_json(bundle, request),
    })
}

fn main() -> Result<()> {
    let engine = Engine::embedded()?;
    let bundle = engine.bundle();
    let raw = RawCedar::new(bundle)?;
    let policies: Vec<String> = bundle
        .rules()
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            rule.policy
                .new_id(cedar_policy::PolicyId::new(format!("p{i}")))
                .to_string()
        })
        .collect();
    let mut named = Vec::new();
    for (name, text) in requests::ALL {
        let request = engine.parse_request(text)?;
        let response = raw.is_authorized(&raw.request(bundle, &request)?);
        named.push(json!({
            "name": name,
            "text": text,
            "cedar": cedar_request(bundle, &request),
            "cedar_decision": format!("{:?}", response.decision()),
            "cedar_reasons": raw.reason_rules(bundle, &response),
        }));
    }
    let mut batch = Vec::new();
    let texts = generate::hangzhou_apply(generate::SEED, 400)
        .into_iter()
        .chain((0..50).flat_map(|_| requests::ALL.iter().map(|(_, t)| (*t).to_string())));
    for text in texts {
        let request = engine.parse_request(&text)?;
        batch.push(json!({"text": text, "cedar": cedar_request(bundle, &request)}));
    }
    let document = json!({
        "policy_version": bundle.version(),
        "policies": policies.join("\n\n"),
        "policy_count": policies.len(),
        "requests": named,
        "batch": batch,
    });
    println!("{}", serde_json::to_string(&document)?);
    Ok(())
}
