//! Loading the embedded bundle.
//!
//! Group `load`:
//! - `embedded_bundle_and_engine`: `Bundle::embedded()` + `Engine::new` —
//!   parse every file, validate against the schema, cut every chain into
//!   epochs (the per-action policy sets are then built on first use);
//! - `embedded_bundle_engine_prepare_all`: the same plus
//!   `Engine::prepare_all` — every chain, epoch and action prepared up front
//!   (parse + validate + prepare, all layers: the whole start-up cost);
//! - `bundle_embedded`: `Bundle::embedded()` alone (parse + validate);
//! - `engine_new`: `Engine::new` alone on an already loaded bundle.

#[path = "../shared/bench.rs"]
mod bench;

use std::hint::black_box;

use bench::or_exit;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use pdao::{Bundle, Engine};

fn load(c: &mut Criterion) {
    let bundle = or_exit("embedded bundle", Bundle::embedded());
    let mut group = c.benchmark_group("load");
    group.bench_function("embedded_bundle_and_engine", |b| {
        b.iter(|| Bundle::embedded().map(Engine::new))
    });
    group.bench_function("embedded_bundle_engine_prepare_all", |b| {
        b.iter(|| {
            Bundle::embedded().map(|bundle| {
                let engine = Engine::new(bundle);
                engine.prepare_all();
                engine
            })
        })
    });
    group.bench_function("bundle_embedded", |b| b.iter(Bundle::embedded));
    group.bench_function("engine_new", |b| {
        b.iter_batched(
            || bundle.clone(),
            |bundle| Engine::new(black_box(bundle)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = bench::config().sample_size(20);
    targets = load
}
criterion_main!(benches);
