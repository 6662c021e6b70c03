#![forbid(unsafe_code)]
//! Shared pieces of the pdao benchmarks: the benchmark requests, the raw
//! Cedar baseline, a seeded generator of Hangzhou `apply` requests, the
//! bundle grown with synthetic policies, and batch deciding on threads.
//!
//! The Rego baseline lives in `shared/rego.rs` (included by the Rego bench,
//! test and example) because `regorus` is a dev-dependency only.

pub mod adversarial;
pub mod generate;
pub mod raw_cedar;
pub mod requests;
pub mod synthetic;

use pdao::{Engine, Request, Verdict};

/// Errors of the benchmark helpers: anything printable.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Result of the benchmark helpers.
pub type Result<T> = std::result::Result<T, Error>;

/// Decides every request on `threads` threads (each takes one contiguous
/// chunk) and returns how many were allowed, so the work cannot be
/// optimised away.
pub fn decide_batch(engine: &Engine, requests: &[Request], threads: usize) -> usize {
    let chunk = requests.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = requests
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter(|r| engine.decide(r).decision == Verdict::Allow)
                        .count()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .sum()
    })
}

/// The requests of the batch benchmark: `generated` Hangzhou `apply`
/// requests from the seeded generator, then the fixed benchmark requests
/// repeated `repeat` times, all parsed.
pub fn batch(engine: &Engine, generated: usize, repeat: usize) -> Result<Vec<Request>> {
    let mut out = Vec::with_capacity(generated + repeat * requests::ALL.len());
    for text in generate::hangzhou_apply(generate::SEED, generated) {
        out.push(engine.parse_request(&text)?);
    }
    for _ in 0..repeat {
        for (_, text) in requests::ALL {
            out.push(engine.parse_request(text)?);
        }
    }
    Ok(out)
}
