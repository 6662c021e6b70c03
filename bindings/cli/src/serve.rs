//! `pdao serve` (the HTTP decision service) and `pdao log verify` (its
//! audit trail): thin front ends to the `pdao-server` library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pdao_server::{Config, Server};

use crate::report;

/// Options of `pdao serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; 0.0.0.0:8181 in a container).
    #[arg(long, value_name = "ADDR", default_value = pdao_server::DEFAULT_BIND)]
    bind: SocketAddr,
    /// Reload the bundle when files under --policies change (SIGHUP always reloads).
    #[arg(long)]
    watch: bool,
    /// Append one hash-chained JSON Lines record per decision to FILE; a
    /// decision that cannot be recorded is not given (503).
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
    /// Request fields to replace by `***` in the decision log (comma-separated paths).
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    mask: Vec<String>,
    /// fsync the decision log before answering each request.
    #[arg(long)]
    sync_log: bool,
    /// File holding the admin token that enables `POST /v1/bundle/reload`
    /// (or set PDAO_ADMIN_TOKEN); without one that route does not exist.
    #[arg(long, value_name = "FILE")]
    admin_token_file: Option<PathBuf>,
    /// Most requests in one batch.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_batch: usize,
    /// Largest batch body in bytes (a single request is limited to 1 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_batch_bytes: usize,
    /// Longest a request may take, waiting included, before it is answered 503.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    timeout: Duration,
    /// Requests decided at once; more wait for a slot.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_concurrency: usize,
    /// Largest (and default) evaluation budget of /v1/why-not.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    why_not_budget: usize,
    /// Longest the requests in flight may take to finish after SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
    shutdown_timeout: Duration,
    /// Threads deciding batches (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    batch_threads: usize,
}

fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{text}` is not a positive number of seconds"))
}

fn admin_token(file: Option<&Path>) -> Result<Option<String>, String> {
    let token = match file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("{}: cannot read the admin token: {e}", path.display()))?
                .trim()
                .to_string(),
        ),
        None => std::env::var("PDAO_ADMIN_TOKEN")
            .ok()
            .map(|t| t.trim().to_string()),
    };
    match token {
        Some(t) if t.is_empty() => Err("the admin token is empty".into()),
        other => Ok(other),
    }
}

/// Runs the service until SIGTERM/SIGINT. Exit 0 after a clean shutdown,
/// 1 when it cannot start or the bundle does not load.
pub fn run(policies: Option<&Path>, args: ServeArgs) -> u8 {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .try_init();
    let admin_token = match admin_token(args.admin_token_file.as_deref()) {
        Ok(token) => token,
        Err(message) => {
            report::line("serve", "usage", &message);
            return 1;
        }
    };
    let config = Config {
        bind: args.bind,
        policies: policies.map(Path::to_path_buf),
        watch: args.watch,
        decision_log: args.decision_log,
        mask: args.mask,
        sync_log: args.sync_log,
        admin_token,
        max_batch: args.max_batch,
        max_batch_bytes: args.max_batch_bytes,
        timeout: args.timeout,
        max_concurrency: args.max_concurrency,
        why_not_budget: args.why_not_budget,
        shutdown_timeout: args.shutdown_timeout,
        batch_threads: args.batch_threads,
        ..Config::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            report::line("serve", "io", &format!("cannot start the runtime: {e}"));
            return 1;
        }
    };
    let result = runtime.block_on(async {
        let server = Server::bind(config).await?;
        let addr = server.local_addr()?;
        eprintln!("pdao serve: listening on http://{addr}");
        server.run_until_signal().await
    });
    match result {
        Ok(()) => 0,
        Err(pdao_server::ServeError::Bundle(failure)) => {
            for p in &failure.problems {
                let at = match (p.line, p.column) {
                    (Some(l), Some(c)) => format!("{}:{l}:{c}", p.file),
                    (Some(l), None) => format!("{}:{l}", p.file),
                    _ => p.file.clone(),
                };
                report::line(&at, &p.code, &p.message);
            }
            report::line("serve", "bundle", &failure.message);
            1
        }
        Err(e) => {
            report::line("serve", "serve", &e.to_string());
            1
        }
    }
}

/// `pdao log verify FILE...`: exit 0 when the chain is intact, 2 at the
/// first altered, removed or reordered record (reported with its line),
/// 1 when a file cannot be read.
pub fn verify(files: &[PathBuf], partial: bool) -> u8 {
    match pdao_server::decision_log::verify(files, partial) {
        Ok(report) => {
            crate::write_stdout(&format!(
                "ok: {} record{} in {} file{}, seq {}–{}{}; head {}\n",
                report.records,
                if report.records == 1 { "" } else { "s" },
                report.files,
                if report.files == 1 { "" } else { "s" },
                report.first_seq,
                report.head.seq,
                if report.chains > 1 {
                    format!(
                        " ({} chains: a service started anew on an empty file)",
                        report.chains
                    )
                } else {
                    String::new()
                },
                report.head.hash
            ));
            0
        }
        Err(error) => {
            let location = if error.line > 0 {
                format!("{}:{}", error.file, error.line)
            } else {
                error.file.clone()
            };
            report::line(&location, error.kind, &error.message);
            if error.kind == "io" || error.kind == "empty" {
                1
            } else {
                2
            }
        }
    }
}
