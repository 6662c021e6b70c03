//! pdao's full explained decision against raw Cedar on the same policies.
//!
//! Group `vs_cedar`, one benchmark per (function, request):
//! - `pdao_decide`: `engine.decide(&request)` on a pre-parsed request — the
//!   chain/epoch/action lookup, temporal definitions, context, Cedar, the
//!   Kleene fallback and the explained decision with citations;
//! - `pdao_decide_json`: `engine.decide_json(text)`, parsing included;
//! - `cedar_is_authorized`: `Authorizer::is_authorized` on every policy of
//!   the bundle in one `PolicySet`, with a context built in advance (facts,
//!   materials, and the temporal booleans computed once by pdao);
//! - `cedar_selected`: the same, but the set holds only the policies pdao
//!   evaluates for that request (its chain's rules for the action, in force
//!   on the date) — the tightest raw-Cedar baseline.

#[path = "../shared/bench.rs"]
mod bench;

use std::hint::black_box;

use bench::or_exit;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pdao::Engine;
use pdao_bench::raw_cedar::RawCedar;
use pdao_bench::requests;

fn vs_cedar(c: &mut Criterion) {
    let engine = or_exit("embedded bundle", Engine::embedded());
    let bundle = engine.bundle();
    let raw = or_exit("raw Cedar policy set", RawCedar::new(bundle));
    let mut group = c.benchmark_group("vs_cedar");
    for (name, text) in requests::ALL {
        let request = or_exit(name, engine.parse_request(text));
        let cedar_request = or_exit(name, raw.request(bundle, &request));
        let selected = or_exit(name, RawCedar::for_request(bundle, &request));
        group.bench_with_input(BenchmarkId::new("pdao_decide", name), &request, |b, r| {
            b.iter(|| engine.decide(black_box(r)))
        });
        group.bench_with_input(BenchmarkId::new("pdao_decide_json", name), text, |b, t| {
            b.iter(|| engine.decide_json(black_box(t)))
        });
        // Text in, text out: what the CLI and the bindings' `decide_json` do.
        group.bench_with_input(
            BenchmarkId::new("pdao_decide_json_text", name),
            text,
            |b, t| b.iter(|| engine.decide_json(black_box(t)).map(|d| d.to_json_pretty())),
        );
        group.bench_with_input(
            BenchmarkId::new("cedar_is_authorized", name),
            &cedar_request,
            |b, r| b.iter(|| raw.is_authorized(black_box(r))),
        );
        group.bench_with_input(
            BenchmarkId::new("cedar_selected", name),
            &cedar_request,
            |b, r| b.iter(|| selected.is_authorized(black_box(r))),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = bench::config();
    targets = vs_cedar
}
criterion_main!(benches);
