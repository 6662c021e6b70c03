//! The native side of `scripts/measure`: median time of one decision of a
//! request (default: `examples/hangzhou-apply.json`) on one engine handle.
//!
//! `cargo run --release -p pdao-wasm --example measure_native -- [FILE] [N]`

use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/hangzhou-apply.json"
        )
        .to_string()
    });
    let n: usize = args.next().map_or(Ok(2000), |s| s.parse())?;
    let text = std::fs::read_to_string(&file)?;

    let started = Instant::now();
    let engine = pdao::Engine::embedded()?;
    let load = started.elapsed();
    let request = engine.parse_request(&text)?;
    for _ in 0..100 {
        std::hint::black_box(engine.decide(&request));
    }
    let decide: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(engine.decide(&request));
            t.elapsed()
        })
        .collect();
    let json: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let out = engine.decide_json(&text).map(|d| d.to_json_pretty());
            std::hint::black_box(out.ok());
            t.elapsed()
        })
        .collect();
    println!(
        "native load (Engine::embedded): {:.0} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "native engine.decide (parsed request), median of {n}: {:.1} µs",
        micros(median(decide))
    );
    println!(
        "native parse + decide + to_json_pretty, median of {n}: {:.1} µs",
        micros(median(json))
    );
    Ok(())
}
