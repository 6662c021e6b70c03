//! Scaling: the bundle grown 10× and 100× with generated policies, and batch
//! throughput on one and two threads.
//!
//! Group `scaling_decide` (the Hangzhou application that is allowed; every
//! generated rule is a Hangzhou `apply` rule it meets, so all of them are
//! evaluated and listed as satisfied):
//! - `pdao_decide/x1|x10|x100`;
//! - `cedar_is_authorized/x1|x10|x100`: raw Cedar on the grown policy set.
//!
//! Group `scaling_load`: `Bundle::from_files` + `Engine::new` on the grown
//! files, `x10` and `x100` (`x1` is `load/embedded_bundle_and_engine`).
//!
//! Group `batch`: a batch of parsed requests (generated Hangzhou
//! applications and the four benchmark requests) decided with
//! `std::thread::scope` on 1 and on 2 threads; throughput in requests/s.
//! `control/threads_1|threads_2` runs a fixed amount of pure arithmetic
//! split the same way: its speed-up is what the machine offered during the
//! run (below 2× when other processes hold the cores), the yardstick for
//! pdao's.

#[path = "../shared/bench.rs"]
mod bench;

use std::hint::black_box;
use std::time::Duration;

use bench::or_exit;
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use pdao::{Bundle, Engine};
use pdao_bench::raw_cedar::RawCedar;
use pdao_bench::{batch, decide_batch, requests, synthetic};

const FACTORS: [usize; 3] = [1, 10, 100];

fn scaling_decide(c: &mut Criterion) {
    let base = or_exit("embedded bundle", Bundle::embedded());
    let mut group = c.benchmark_group("scaling_decide");
    // A 100× decision takes tens of milliseconds: ten samples suffice.
    group.sample_size(10);
    for factor in FACTORS {
        let bundle = or_exit("grown bundle", synthetic::grown(&base, factor));
        let policies = bundle.rules().len();
        let engine = Engine::new(bundle);
        let bundle = engine.bundle();
        let raw = or_exit("raw Cedar", RawCedar::new(bundle));
        let request = or_exit(
            "request",
            engine.parse_request(requests::HANGZHOU_APPLY_ALLOW),
        );
        let cedar_request = or_exit("raw Cedar request", raw.request(bundle, &request));
        let decision = engine.decide(&request);
        eprintln!(
            "scaling x{factor}: {policies} policies; the Hangzhou application is {:?} with {} requirements satisfied",
            decision.decision,
            decision.satisfied.len()
        );
        let id = format!("x{factor}");
        group.bench_with_input(BenchmarkId::new("pdao_decide", &id), &request, |b, r| {
            b.iter(|| engine.decide(black_box(r)))
        });
        group.bench_with_input(
            BenchmarkId::new("cedar_is_authorized", &id),
            &cedar_request,
            |b, r| b.iter(|| raw.is_authorized(black_box(r))),
        );
    }
    group.finish();
}

fn scaling_load(c: &mut Criterion) {
    let base = or_exit("embedded bundle", Bundle::embedded());
    let mut group = c.benchmark_group("scaling_load");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    for factor in [10, 100] {
        let extra = base.rules().len() * (factor - 1);
        let files = synthetic::files_with(&base, extra);
        group.bench_with_input(
            BenchmarkId::new("bundle_and_engine", format!("x{factor}")),
            &files,
            |b, files| b.iter(|| Bundle::from_files(black_box(files.clone())).map(Engine::new)),
        );
    }
    group.finish();
}

fn batch_threads(c: &mut Criterion) {
    let engine = or_exit("embedded bundle", Engine::embedded());
    let requests = or_exit("batch", batch(&engine, 400, 50));
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(
        u64::try_from(requests.len()).unwrap_or(u64::MAX),
    ));
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("pdao_decide", format!("threads_{threads}")),
            &requests,
            |b, r| b.iter(|| decide_batch(&engine, black_box(r), threads)),
        );
    }
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("control", format!("threads_{threads}")),
            &threads,
            |b, &t| b.iter(|| spin(black_box(CONTROL_STEPS), t)),
        );
    }
    group.finish();
}

/// Arithmetic steps of the control workload (about as long as the batch).
const CONTROL_STEPS: u64 = 40_000_000;

/// `steps` multiply-adds split over `threads` threads.
fn spin(steps: u64, threads: u64) -> u64 {
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut x = 1u64;
                    for i in 0..steps / threads {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i);
                    }
                    x
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .fold(0, u64::wrapping_add)
    })
}

criterion_group! {
    name = benches;
    config = bench::config();
    targets = scaling_decide, scaling_load, batch_threads
}
criterion_main!(benches);
