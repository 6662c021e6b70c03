//! pdao against the same Hangzhou `apply` rules written in Rego
//! (`rego/hangzhou_apply.rego`, checked equivalent by
//! `tests/rego_agrees.rs`) on regorus.
//!
//! Group `vs_rego`, one benchmark per (function, request):
//! - `pdao_decide`: `engine.decide(&request)`, pre-parsed request, full
//!   explained decision;
//! - `regorus_eval`: the regorus interpreter, policy added once; per
//!   iteration `set_input` (a pre-parsed input value) + `eval_rule(deny)`;
//! - `regorus_rvm`: the policy compiled once for regorus' register VM; per
//!   iteration `set_input` + `execute`;
//! - `pdao_decide_json` / `regorus_eval_json`: the same from JSON text,
//!   parsing included on both sides.

#[path = "../shared/bench.rs"]
mod bench;
#[path = "../shared/rego.rs"]
mod rego;

use std::hint::black_box;

use bench::or_exit;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pdao::Engine;
use pdao_bench::requests;

fn vs_rego(c: &mut Criterion) {
    let engine = or_exit("embedded bundle", Engine::embedded());
    let mut interpreter = or_exit("rego", rego::engine());
    let program = or_exit("rvm", rego::program());
    let mut vm = rego::vm(&program);
    let mut group = c.benchmark_group("vs_rego");
    for (name, text) in [
        ("hangzhou_apply_allow", requests::HANGZHOU_APPLY_ALLOW),
        ("hangzhou_apply_deny", requests::HANGZHOU_APPLY_DENY),
    ] {
        let request = or_exit(name, engine.parse_request(text));
        let input = or_exit(name, rego::input(text));
        // Both sides must agree on this request before they are timed.
        let pdao_ids: std::collections::BTreeSet<String> = engine
            .decide(&request)
            .reasons
            .iter()
            .map(|r| r.rule.clone())
            .collect();
        let rego_value = or_exit(name, rego::eval(&mut interpreter, input.clone()));
        let rego_ids = or_exit(name, rego::reasons(&rego_value));
        if pdao_ids != rego_ids {
            eprintln!("pdao-bench: {name}: pdao {pdao_ids:?} but Rego {rego_ids:?}");
            std::process::exit(1);
        }

        group.bench_with_input(BenchmarkId::new("pdao_decide", name), &request, |b, r| {
            b.iter(|| engine.decide(black_box(r)))
        });
        group.bench_with_input(BenchmarkId::new("regorus_eval", name), &input, |b, i| {
            b.iter(|| rego::eval(&mut interpreter, black_box(i.clone())))
        });
        group.bench_with_input(BenchmarkId::new("regorus_rvm", name), &input, |b, i| {
            b.iter(|| rego::eval_vm(&mut vm, black_box(i.clone())))
        });
        group.bench_with_input(BenchmarkId::new("pdao_decide_json", name), text, |b, t| {
            b.iter(|| engine.decide_json(black_box(t)))
        });
        group.bench_with_input(BenchmarkId::new("regorus_eval_json", name), text, |b, t| {
            b.iter(|| {
                rego::input(black_box(t)).and_then(|input| rego::eval(&mut interpreter, input))
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = bench::config();
    targets = vs_rego
}
criterion_main!(benches);
