//! Records what the engine decides, to show that a change of the code keeps
//! its behaviour: generate a fixed corpus of requests once, record every
//! decision with the build from before the change, record again with the
//! build after it, and compare the two files byte for byte.
//!
//! ```sh
//! cargo build --release -p pdao --features testing --example record_decisions
//! R=target/release/examples/record_decisions
//! $R requests --seed 12 --count 50000 > requests.jsonl       # JSON Lines
//! $R decide < requests.jsonl > before.jsonl                   # one decision per line
//! $R decide --explain < requests.jsonl > before.txt           # the text `pdao explain` prints
//! $R decide --outcomes < requests.jsonl > before-outcomes.txt # every rule's outcome
//! # ... change the code, rebuild, record after.*, then: cmp before.jsonl after.jsonl
//! ```
//!
//! `requests` draws from `pdao::testing::requests_for` (every jurisdiction
//! and action of the bundle, half of them near complete, mostly allowed
//! requests) with a seeded random source, so the same seed and bundle give
//! the same file. `decide` reads one request per line and writes, per line,
//! the decision as compact JSON (the contract's bytes without the pretty
//! printer's whitespace), or `{"error": {code, field, message}}` when the
//! request is refused. `--policies DIR` uses a bundle directory instead of
//! the embedded bundle.

use std::io::{BufRead as _, Write as _};

use pdao::testing::{requests_for, GenConfig};
use pdao::{Bundle, Engine};
use proptest::strategy::{Strategy as _, ValueTree as _};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let engine = Engine::new(match value("--policies") {
        Some(dir) => Bundle::from_dir(dir)?,
        None => Bundle::embedded()?,
    });
    match args.first().map(String::as_str) {
        Some("requests") => {
            let seed: u64 = value("--seed").map_or(Ok(12), |s| s.parse())?;
            let count: usize = value("--count").map_or(Ok(50_000), |s| s.parse())?;
            requests(&engine, seed, count)
        }
        Some("decide") => decide(&engine, flag("--explain"), flag("--outcomes")),
        _ => Err("usage: record_decisions requests [--seed S] [--count N] | decide [--explain | --outcomes] [--policies DIR]".into()),
    }
}

/// `count` generated requests as JSON Lines on standard output.
fn requests(engine: &Engine, seed: u64, count: usize) -> Result<()> {
    let strategy = requests_for(engine, &GenConfig::default());
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.to_le_bytes().get(i % 8).copied().unwrap_or(0) ^ (i as u8);
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        let request = strategy
            .new_tree(&mut runner)
            .map_err(|reason| format!("the generator gave up: {reason}"))?
            .current();
        writeln!(out, "{}", request.to_json())?;
    }
    out.flush()?;
    Ok(())
}

/// One line out per request line in.
fn decide(engine: &Engine, explain: bool, outcomes: bool) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let request = match engine.parse_request(&line) {
            Ok(request) => request,
            Err(e) => {
                let error = json!({"error": {"code": e.code(), "field": e.field(), "message": e.to_string()}});
                writeln!(out, "{error}")?;
                continue;
            }
        };
        if explain {
            let decision = engine.decide(&request);
            writeln!(out, "{}\u{1e}", pdao::explain::render_text(&decision))?;
        } else if outcomes {
            let evaluation = engine.evaluate(&request);
            let rules: Vec<String> = evaluation
                .outcomes
                .iter()
                .map(|o| {
                    format!(
                        "{}:{:?}:{}:{}",
                        o.rule,
                        o.effect,
                        u8::from(o.decides),
                        u8::from(o.applies)
                    )
                })
                .collect();
            writeln!(out, "{}", rules.join(" "))?;
        } else {
            writeln!(out, "{}", serde_json::to_string(&engine.decide(&request))?)?;
        }
    }
    out.flush()?;
    Ok(())
}
