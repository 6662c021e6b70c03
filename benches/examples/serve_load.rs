//! Load client for `pdao serve`, side by side with the in-process library.
//!
//! Starts the release `pdao serve` on 127.0.0.1 (an ephemeral port), then
//! for single decisions (`POST /v1/decide`) and batches of 100
//! (`POST /v1/decide/batch`) at 1, 8 and 64 concurrent connections runs a
//! closed loop for a fixed time — each connection its own keep-alive
//! HTTP/1.1 connection, one request in flight at a time — and records every
//! latency. The same work is then done in this process by the library
//! (`Engine::decide_json`, batches with rayon across the cores) with the
//! same number of concurrent callers, so the server's cost is a ratio. The
//! server runs without and with a decision log. Prints a markdown table.
//!
//! ```sh
//! benches/serve-load                     # builds the release pdao, runs, prints the table
//! PDAO_LOAD_SECONDS=10 benches/serve-load
//! ```
//!
//! Usage: `serve_load PDAO_BINARY` (the script passes `target/release/pdao`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a measuring tool: failing loudly is the point

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use pdao::Engine;
use rayon::prelude::*;

const BATCH: usize = 100;
const CONNECTIONS: [usize; 3] = [1, 8, 64];

/// One measured cell.
struct Cell {
    requests: u64,
    decisions: u64,
    errors: u64,
    seconds: f64,
    histogram: Histogram<u64>,
}

impl Cell {
    fn per_second(&self) -> f64 {
        self.decisions as f64 / self.seconds
    }
    fn p(&self, q: f64) -> f64 {
        self.histogram.value_at_quantile(q) as f64 / 1000.0
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).unwrap()
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn start_server(pdao: &PathBuf, log: Option<&PathBuf>) -> Server {
    let mut command = Command::new(pdao);
    command.args([
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--max-concurrency",
        "1024",
    ]);
    if let Some(log) = log {
        let _ = std::fs::remove_file(log);
        command.arg("--decision-log").arg(log);
    }
    let mut child = command
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pdao binary runs");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("pdao serve prints its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("pdao serve: listening on http://") {
            break rest.trim().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    // Ready: a bundle is active.
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() || !ready(addr) {
        assert!(start.elapsed() < Duration::from_secs(60), "not ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, addr }
}

fn ready(addr: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

/// Closed loop on `connections` connections for `seconds` (after a warm-up
/// of one second that is not counted).
async fn load(
    addr: SocketAddr,
    path: &'static str,
    bodies: Arc<Vec<Bytes>>,
    per_request: u64,
    connections: usize,
    seconds: f64,
) -> Cell {
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (bodies, counting, stop) = (
            Arc::clone(&bodies),
            Arc::clone(&counting),
            Arc::clone(&stop),
        );
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let mut histogram = new_histogram();
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let body = bodies[i % bodies.len()].clone();
                i += 1;
                let request = hyper::Request::post(path)
                    .header("host", "pdao")
                    .header("content-type", "application/json")
                    .body(Full::new(body))
                    .unwrap();
                let start = Instant::now();
                let ok = match sender.send_request(request).await {
                    Ok(response) => {
                        let status = response.status();
                        let body = response.into_body().collect().await;
                        status == 200 && body.is_ok()
                    }
                    Err(_) => false,
                };
                let elapsed = start.elapsed();
                if counting.load(Ordering::Relaxed) {
                    requests += 1;
                    if ok {
                        histogram.record(elapsed.as_micros().max(1) as u64).unwrap();
                    } else {
                        errors += 1;
                    }
                }
                if !ok {
                    // A broken connection cannot be reused.
                    break;
                }
            }
            (histogram, requests, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    counting.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    counting.store(false, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut cell = Cell {
        requests: 0,
        decisions: 0,
        errors: 0,
        seconds: elapsed,
        histogram: new_histogram(),
    };
    for task in tasks {
        let (histogram, requests, errors) = task.await.unwrap();
        cell.histogram.add(histogram).unwrap();
        cell.requests += requests;
        cell.errors += errors;
    }
    cell.decisions = (cell.requests - cell.errors) * per_request;
    cell
}

/// The library in this process: `callers` threads in a closed loop.
fn library(engine: &Engine, texts: &[String], batch: bool, callers: usize, seconds: f64) -> Cell {
    let counting = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let results: Vec<(Histogram<u64>, u64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..callers)
            .map(|c| {
                let (counting, stop) = (&counting, &stop);
                scope.spawn(move || {
                    let mut histogram = new_histogram();
                    let mut calls = 0u64;
                    let mut i = c;
                    while !stop.load(Ordering::Relaxed) {
                        let start = Instant::now();
                        if batch {
                            let allowed = texts
                                .par_iter()
                                .filter(|t| engine.decide_json(t).is_ok_and(|d| d.is_allow()))
                                .count();
                            std::hint::black_box(allowed);
                        } else {
                            let decision = engine.decide_json(&texts[i % texts.len()]).unwrap();
                            std::hint::black_box(decision);
                            i += 1;
                        }
                        if counting.load(Ordering::Relaxed) {
                            calls += 1;
                            histogram
                                .record(start.elapsed().as_micros().max(1) as u64)
                                .unwrap();
                        }
                    }
                    (histogram, calls)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(1));
        counting.store(true, Ordering::Relaxed);
        std::thread::sleep(Duration::from_secs_f64(seconds));
        counting.store(false, Ordering::Relaxed);
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut cell = Cell {
        requests: 0,
        decisions: 0,
        errors: 0,
        seconds,
        histogram: new_histogram(),
    };
    for (histogram, calls) in results {
        cell.histogram.add(histogram).unwrap();
        cell.requests += calls;
    }
    cell.decisions = cell.requests * if batch { texts.len() as u64 } else { 1 };
    cell
}

fn main() {
    let pdao = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: serve_load PDAO_BINARY"),
    );
    let seconds: f64 = std::env::var("PDAO_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let engine = Engine::embedded().unwrap();
    // 96 generated Hangzhou applications and the four benchmark requests.
    let mut texts = pdao_bench::generate::hangzhou_apply(
        pdao_bench::generate::SEED,
        BATCH - pdao_bench::requests::ALL.len(),
    );
    texts.extend(pdao_bench::requests::ALL.iter().map(|(_, t)| t.to_string()));
    for t in &texts {
        engine.decide_json(t).expect("every load request is valid");
    }
    let singles: Arc<Vec<Bytes>> = Arc::new(texts.iter().map(|t| Bytes::from(t.clone())).collect());
    let batch_body = format!("{{\"requests\": [{}]}}", texts.join(","));
    let batches: Arc<Vec<Bytes>> = Arc::new(vec![Bytes::from(batch_body)]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let log = std::env::temp_dir().join(format!("pdao-serve-load-{}.jsonl", std::process::id()));

    let mut rows = Vec::new();
    for (mode, batch) in [("single", false), ("batch of 100", true)] {
        for connections in CONNECTIONS {
            eprintln!("{mode}, {connections} connection(s)…");
            let lib = library(&engine, &texts, batch, connections, seconds);
            let (path, bodies, per) = if batch {
                ("/v1/decide/batch", Arc::clone(&batches), BATCH as u64)
            } else {
                ("/v1/decide", Arc::clone(&singles), 1)
            };
            let plain = {
                let server = start_server(&pdao, None);
                runtime.block_on(load(
                    server.addr,
                    path,
                    Arc::clone(&bodies),
                    per,
                    connections,
                    seconds,
                ))
            };
            let logged = {
                let server = start_server(&pdao, Some(&log));
                runtime.block_on(load(
                    server.addr,
                    path,
                    Arc::clone(&bodies),
                    per,
                    connections,
                    seconds,
                ))
            };
            rows.push((mode, connections, lib, plain, logged));
        }
    }
    let _ = std::fs::remove_file(&log);

    println!("| decisions | connections | library: decisions/s | p50 | p99 | server: decisions/s | p50 | p99 | errors | server / library | server + decision log: decisions/s | p50 | p99 | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (mode, connections, lib, plain, logged) in &rows {
        println!(
            "| {mode} | {connections} | {:.0} | {:.2} ms | {:.2} ms | {:.0} | {:.2} ms | {:.2} ms | {} | {:.2}× | {:.0} | {:.2} ms | {:.2} ms | {} |",
            lib.per_second(), lib.p(0.5), lib.p(0.99),
            plain.per_second(), plain.p(0.5), plain.p(0.99), plain.errors,
            plain.per_second() / lib.per_second(),
            logged.per_second(), logged.p(0.5), logged.p(0.99), logged.errors,
        );
    }
    println!();
    println!(
        "Latency is per HTTP request (a whole batch for batches) from the client's side; {seconds} s per cell after 1 s of warm-up; requests/s = decisions/s ÷ 100 for batches. The load client, the server and the library share the machine's {} cores.",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
}
