//! The worst requests within the documented limits, next to a typical one.
//!
//! Group `adversarial`: `pdao_decide_json/<case>` decides each case of
//! `pdao_bench::adversarial` at `MAX_EVENTS` events from its JSON text
//! (parse, validation and decision, as a service receives it), and
//! `pdao_decide_json/typical` the allowed Hangzhou application. The target
//! is at most 50 ms for every case.

#[path = "../shared/bench.rs"]
mod bench;

use std::hint::black_box;

use bench::or_exit;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pdao::{Engine, MAX_EVENTS};
use pdao_bench::{adversarial, requests};

fn adversarial(c: &mut Criterion) {
    let engine = or_exit("engine", Engine::embedded());
    engine.prepare_all();
    let mut group = c.benchmark_group("adversarial");
    // Each case takes milliseconds: ten samples suffice.
    group.sample_size(10);
    let typical = requests::HANGZHOU_APPLY_ALLOW;
    or_exit("typical request", engine.decide_json(typical));
    group.bench_with_input(
        BenchmarkId::new("pdao_decide_json", "typical"),
        typical,
        |b, json| b.iter(|| engine.decide_json(black_box(json))),
    );
    for case in adversarial::cases(MAX_EVENTS) {
        let decision = or_exit(case.name, engine.decide_json(&case.json));
        eprintln!(
            "adversarial {}: {} bytes, {:?}, {} reasons, {} obligations",
            case.name,
            case.json.len(),
            decision.decision,
            decision.reasons.len(),
            decision.obligations.len()
        );
        group.bench_with_input(
            BenchmarkId::new("pdao_decide_json", case.name),
            case.json.as_str(),
            |b, json| b.iter(|| engine.decide_json(black_box(json))),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = bench::config();
    targets = adversarial
}
criterion_main!(benches);
