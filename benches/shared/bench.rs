//! Criterion settings and setup helpers shared by the bench targets
//! (included with `#[path]`).

#![allow(dead_code)] // each bench uses a different subset

use std::time::Duration;

use criterion::Criterion;

/// Short measurements: the machine has two cores shared with other builds,
/// and `benches/run` should finish in a few minutes. `PDAO_BENCH_SECONDS`
/// lengthens the measurement for a quieter machine. (`criterion_group!`
/// applies the command-line options on top.)
pub fn config() -> Criterion {
    let seconds = std::env::var("PDAO_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(seconds))
        .sample_size(30)
        // Fewer bootstrap resamples than the default 100 000: the analysis
        // of ~45 benchmarks otherwise takes longer than measuring them.
        .nresamples(20_000)
}

/// The value, or the error printed and the process ended (setup code runs
/// outside the timed loops and must not panic under the workspace lints).
pub fn or_exit<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => {
            eprintln!("pdao-bench: {what}: {e}");
            std::process::exit(1)
        }
    }
}
