//! Runs N decisions in a loop, for profiling:
//!
//! ```sh
//! cargo build --profile bench -p pdao-bench --example profile_decide
//! valgrind --tool=callgrind --toggle-collect='profile_decide::timed' \
//!     --callgrind-out-file=callgrind.out \
//!     target/release/examples/profile_decide decide hangzhou_apply_allow 1000
//! callgrind_annotate callgrind.out | head -60            # self cost
//! callgrind_annotate --inclusive=yes callgrind.out | head -80
//! ```
//!
//! (`--profile bench` reuses the artifacts of `cargo bench`; only the
//! loop is collected, setup is not.)
//!
//! `profile_decide [MODE] [REQUEST] [N]`
//! - MODE: `decide` (pre-parsed, default), `decide_json`, `cedar` (raw
//!   Cedar on the whole bundle, context built in advance), `selected` (raw
//!   Cedar on the policies pdao evaluates for the request), `rego` (regorus
//!   interpreter, Hangzhou `apply` only), `load` (embedded bundle + engine,
//!   N times), `decide_x10` / `decide_x100` (decide on the bundle grown 10×
//!   or 100× by `synthetic`), `load_x10` / `load_x100` (load the grown
//!   bundle + engine, N times), `batch_t1` / `batch_t2` (the batch of the
//!   `batch` benchmark decided N times on 1 or 2 threads; REQUEST ignored);
//! - REQUEST: `hangzhou_apply_allow` (default), `hangzhou_apply_deny`,
//!   `zhaoqing_export_product`, `quanzhou_outsource`;
//! - N: iterations (default 10000).
//!
//! Setup (loading the bundle, parsing, building contexts) happens before the
//! loop; it prints the time per iteration of the loop alone.

#[path = "../shared/rego.rs"]
mod rego;

use std::hint::black_box;
use std::time::{Duration, Instant};

use pdao::{Bundle, Engine};
use pdao_bench::raw_cedar::RawCedar;
use pdao_bench::{requests, synthetic, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("decide", String::as_str);
    let name = args.get(1).map_or("hangzhou_apply_allow", String::as_str);
    let n: usize = match args.get(2) {
        Some(s) => s.parse()?,
        None => 10_000,
    };
    let text = requests::ALL
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| format!("unknown request `{name}`"))?;

    // `…_x10`, `…_x100`: the bundle grown by that factor.
    let (mode, factor) = match mode.rsplit_once("_x") {
        Some((m, f)) => (m, f.parse::<usize>()?),
        None => (mode, 1),
    };
    let base = Bundle::embedded()?;
    let grown_files = synthetic::files_with(&base, base.rules().len() * (factor - 1));
    let engine = if factor > 1 {
        Engine::new(Bundle::from_files(grown_files.clone())?)
    } else {
        Engine::new(base)
    };
    let request = engine.parse_request(text)?;
    // The first decision of a chain/epoch/action builds its policy set;
    // keep that out of the loop.
    black_box(engine.decide(&request));
    let elapsed = match mode {
        "decide" => timed(n, &mut || {
            black_box(engine.decide(black_box(&request)));
        }),
        "decide_json" => timed(n, &mut || {
            let _ = black_box(engine.decide_json(black_box(text)));
        }),
        "cedar" | "selected" => {
            let raw = if mode == "cedar" {
                RawCedar::new(engine.bundle())?
            } else {
                RawCedar::for_request(engine.bundle(), &request)?
            };
            let cedar_request = raw.request(engine.bundle(), &request)?;
            timed(n, &mut || {
                black_box(raw.is_authorized(black_box(&cedar_request)));
            })
        }
        "rego" => {
            let mut interpreter = rego::engine()?;
            let input = rego::input(text)?;
            timed(n, &mut || {
                let _ = black_box(rego::eval(&mut interpreter, black_box(input.clone())));
            })
        }
        "load" if factor == 1 => timed(n, &mut || {
            let _ = black_box(Bundle::embedded().map(Engine::new));
        }),
        "load" => timed(n, &mut || {
            let _ = black_box(Bundle::from_files(grown_files.clone()).map(Engine::new));
        }),
        "batch_t1" | "batch_t2" => {
            let threads = if mode == "batch_t1" { 1 } else { 2 };
            let requests = pdao_bench::batch(&engine, 400, 50)?;
            timed(n, &mut || {
                black_box(pdao_bench::decide_batch(
                    &engine,
                    black_box(&requests),
                    threads,
                ));
            })
        }
        other => return Err(format!("unknown mode `{other}`").into()),
    };
    let per = elapsed.as_secs_f64() * 1e9 / n.max(1) as f64;
    let mode = if factor > 1 {
        format!("{mode} (bundle ×{factor})")
    } else {
        mode.to_string()
    };
    println!("{mode} {name}: {n} iterations in {elapsed:.3?}, {per:.0} ns each");
    Ok(())
}

/// The timed loop, kept out of line so that a profiler can collect it alone
/// (`valgrind --tool=callgrind --toggle-collect='profile_decide::timed'`).
#[inline(never)]
fn timed(n: usize, body: &mut dyn FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        body();
    }
    start.elapsed()
}
