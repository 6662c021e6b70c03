//! The search for the worst requests: builds every adversarial case of
//! `pdao_bench::adversarial` at the event limit, decides it as given and
//! under every jurisdiction × action of the bundle, and prints the time of
//! each (best of a few runs, parse included), the slowest definition it
//! evaluates, and the worst overall. Run in release:
//!
//!   cargo run --release -p pdao-bench --example adversarial [EVENTS]
//!
//! `--summary [EVENTS]` prints each case's verdict, reasons, missing facts
//! and obligation count. `--write DIR [EVENTS]` writes each case to `DIR/<name>.json` instead,
//! for `pdao decide` (whole-process timings, and comparing two builds).

use std::time::{Duration, Instant};

use pdao::{Engine, MAX_EVENTS};
use pdao_bench::{adversarial, Result};
use serde_json::Value;

/// Best of `runs` timings of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--summary") {
        let n = match args.get(1) {
            Some(text) => text.parse()?,
            None => MAX_EVENTS,
        };
        let engine = Engine::embedded()?;
        for case in adversarial::cases(n) {
            let d = engine.decide_json(&case.json)?;
            println!(
                "{} {:?} reasons={:?} missing={:?} obligations={}",
                case.name,
                d.decision,
                d.reason_ids(),
                d.missing,
                d.obligations.len()
            );
        }
        return Ok(());
    }
    let write = match args.first().map(String::as_str) {
        Some("--write") => {
            let dir = args.get(1).cloned().ok_or("--write needs a folder")?;
            args.drain(..2);
            Some(dir)
        }
        _ => None,
    };
    let n = match args.first() {
        Some(text) => text.parse()?,
        None => MAX_EVENTS,
    };
    if let Some(dir) = write {
        std::fs::create_dir_all(&dir)?;
        for case in adversarial::cases(n) {
            std::fs::write(format!("{dir}/{}.json", case.name), &case.json)?;
        }
        return Ok(());
    }
    let engine = Engine::embedded()?;
    engine.prepare_all();
    let vocab = engine.bundle().vocabulary();
    let actions = vocab.actions().to_vec();
    let jurisdictions = vocab.jurisdictions().to_vec();
    let mut worst = (Duration::ZERO, String::new());
    println!(
        "| case | bytes | as given | slowest definition alone | worst jurisdiction × action |"
    );
    println!("|---|---:|---:|---|---|");
    for case in adversarial::cases(n) {
        let request = engine.parse_request(&case.json)?;
        let given = best(3, || engine.decide_json(&case.json));
        let parse = best(3, || engine.parse_request(&case.json));
        let (slow_def, slow_time) = engine
            .bundle()
            .definitions()
            .iter()
            .map(|d| (d.name.clone(), best(3, || d.decide(&request))))
            .max_by_key(|(_, t)| *t)
            .unwrap_or_default();
        let value: Value = serde_json::from_str(&case.json)?;
        let mut sweep = (Duration::ZERO, String::new());
        for jurisdiction in &jurisdictions {
            for action in &actions {
                let mut v = value.clone();
                if let Value::Object(map) = &mut v {
                    map.insert("jurisdiction".into(), jurisdiction.as_str().into());
                    map.insert("action".into(), action.as_str().into());
                }
                let text = v.to_string();
                let t = best(2, || engine.decide_json(&text));
                if t > sweep.0 {
                    sweep = (t, format!("{jurisdiction} × {action}"));
                }
            }
        }
        println!(
            "| `{}` | {} | {} | {} | `{slow_def}` {} | {} {} |",
            case.name,
            case.json.len(),
            ms(given),
            ms(parse),
            ms(slow_time),
            sweep.1,
            ms(sweep.0)
        );
        for (t, what) in [
            (given, case.name.to_string()),
            (sweep.0, format!("{} ({})", case.name, sweep.1)),
        ] {
            if t > worst.0 {
                worst = (t, what);
            }
        }
    }
    println!("\nworst: {} in {}", worst.1, ms(worst.0));
    Ok(())
}
