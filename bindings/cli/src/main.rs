#![forbid(unsafe_code)]
//! `pdao`: decide requests, explain decisions and check policy bundles.
//!
//! Exit codes: 0 allow (or a clean check), 2 deny, 1 usage, input or bundle error.

mod check;
mod diff;
mod doc;
mod fmt;
mod report;
mod serve;
mod test_cmd;
mod why_not;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pdao::{Bundle, Engine, EngineOptions, Evaluator};

/// Policy-as-code compliance engine for public-data authorised operation.
///
/// Exit codes: 0 allow / check passed, 2 deny, 1 usage, input or bundle error.
#[derive(Parser)]
#[command(name = "pdao", version, about, long_about = None)]
struct Cli {
    /// Use the bundle in this directory instead of the embedded default.
    #[arg(long, global = true, value_name = "DIR")]
    policies: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// `--reference cedar`: decide through Cedar instead of the compiled evaluator.
#[derive(clap::Args, Clone, Copy)]
struct ReferenceArg {
    /// Decide through Cedar, the reference, instead of pdao's compiled
    /// evaluator (the decisions are the same; for audits that want the
    /// reference path).
    #[arg(long, value_enum, value_name = "EVALUATOR")]
    reference: Option<Reference>,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum Reference {
    /// Cedar's authorizer.
    Cedar,
}

impl ReferenceArg {
    /// The engine options it asks for.
    fn options(self) -> EngineOptions {
        match self.reference {
            Some(Reference::Cedar) => EngineOptions::default().evaluator(Evaluator::Cedar),
            None => EngineOptions::default(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print the decision JSON for a request (FILE, or - / nothing for stdin).
    Decide {
        /// Request JSON file; `-` or absent reads standard input.
        file: Option<PathBuf>,
        #[command(flatten)]
        reference: ReferenceArg,
    },
    /// Print the decision as a readable tree with citations.
    Explain {
        /// Request JSON file; `-` or absent reads standard input.
        file: Option<PathBuf>,
        #[command(flatten)]
        reference: ReferenceArg,
    },
    /// Load and validate a bundle; report every problem with file and line.
    Check {
        /// Bundle directory (default: the embedded bundle, or --policies).
        dir: Option<PathBuf>,
        /// Also compare the rule ids with a catalog (its `### <id>` headings).
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        /// Also verify every quote against the seed texts in this directory.
        #[arg(long, value_name = "DIR")]
        seeds: Option<PathBuf>,
    },
    /// Print the complete Cedar schema: `schema.cedarschema` with the
    /// `Temporal` type generated from the `*.rules` files.
    ///
    /// For the official Cedar tools: `pdao schema > full.cedarschema &&
    /// cedar validate --schema full.cedarschema --policies FILE`.
    Schema {
        /// Bundle directory (default: the embedded bundle, or --policies).
        dir: Option<PathBuf>,
    },
    /// Format `.rules` files in the canonical layout, every comment kept.
    ///
    /// Rewrites each file in place; with --check, changes nothing and
    /// lists the files that are not formatted. Exit 0 all formatted, 1 a
    /// file is not (with --check), does not parse or cannot be written.
    Fmt {
        /// Files or directories searched for `*.rules` (default `policies`).
        paths: Vec<PathBuf>,
        /// Only report files that are not formatted; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Write the law beside the rules: one HTML page per document of the
    /// bundle, the seed text article by article with the rules that encode
    /// each article or the reason none does, and a cross-layer index.
    ///
    /// Prints each document's coverage line. Exit 0 when every rule, quote
    /// and not-encoded article found its place in the text, 1 otherwise.
    Doc {
        /// Directory to write the pages to.
        #[arg(long, value_name = "DIR", default_value = "target/doc-law")]
        out: PathBuf,
        /// Directory of the seed texts (`document.seed` files).
        #[arg(long, value_name = "DIR", default_value = "sources/seeds")]
        seeds: PathBuf,
    },
    /// Run golden case files: one line per case, then `N passed, M failed`.
    ///
    /// The bundle is --policies, else the first DIR when it holds a
    /// facts.toml, else the embedded one. Exit 0 when every case passes, 1
    /// when one fails or none is found.
    Test {
        /// Directories to search for `cases/*.json` (or case files); default `policies`.
        dirs: Vec<PathBuf>,
        /// Print one JSON document (cases with name, passed, failures; totals);
        /// the same as `--format json`.
        #[arg(long)]
        json: bool,
        /// Output: `text` (one line per case), `json` (one document) or
        /// `junit` (JUnit XML, one testsuite per layer, for CI systems).
        #[arg(long, value_enum, default_value_t = test_cmd::Format::Text)]
        format: test_cmd::Format,
        /// Also report, per layer, the rules the cases exercise deciding and holding.
        #[arg(long)]
        coverage: bool,
        #[command(flatten)]
        reference: ReferenceArg,
    },
    /// Change impact of a bundle edit: changed rules and the requests whose decision changes.
    ///
    /// Generates requests (systematic over what the changed rules read, and
    /// seeded random ones), decides each under both bundles and groups every
    /// change of decision, reasons or obligations by rule, with a shrunk
    /// example. Exit 0 no decision changes, 2 some decisions change, 1 error.
    Diff {
        /// The old bundle directory (`embedded`: the embedded bundle).
        old: PathBuf,
        /// The new bundle directory (`embedded`: the embedded bundle).
        new: PathBuf,
        /// Seed of the random requests (same seed, same report).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Requests to generate (at most half systematic, the rest random).
        #[arg(long, default_value_t = 50_000)]
        requests: usize,
        /// Print one JSON document instead.
        #[arg(long)]
        json: bool,
    },
    /// Serve decisions over HTTP: /v1/decide, /v1/decide/batch, /v1/explain,
    /// /v1/why-not, /v1/bundle, probes, metrics and /openapi.json.
    ///
    /// Binds 127.0.0.1:8181 by default. SIGHUP reloads the bundle and
    /// reopens the decision log; SIGTERM/SIGINT stop accepting, finish the
    /// requests in flight and flush the log. Exit 0 after a clean stop, 1
    /// when it cannot start.
    Serve(serve::ServeArgs),
    /// The decision log of `pdao serve`.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// For a denied request: the smallest verified changes of facts or events that would allow it.
    ///
    /// Exit 0 when allowed already or a solution is found, 2 when none is
    /// found within the bound, 1 usage, input or bundle error.
    WhyNot {
        /// Request JSON file; `-` or absent reads standard input.
        file: Option<PathBuf>,
        /// Most evaluations the search may spend.
        #[arg(long, default_value_t = 10_000)]
        budget: usize,
        /// Print one JSON document instead.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Check the hash chain of decision log files (rotated files in order).
    ///
    /// Exit 0 when intact, 2 at the first altered, removed or reordered
    /// record (named with its file and line), 1 when a file cannot be read.
    Verify {
        /// The files, oldest first.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Accept a first record that continues a chain whose earlier files are not given.
        #[arg(long)]
        partial: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Decide { file, reference } => decide(
            cli.policies.as_deref(),
            file.as_deref(),
            reference.options(),
            false,
        ),
        Command::Explain { file, reference } => decide(
            cli.policies.as_deref(),
            file.as_deref(),
            reference.options(),
            true,
        ),
        Command::Check {
            dir,
            catalog,
            seeds,
        } => check::run(
            dir.as_deref().or(cli.policies.as_deref()),
            catalog.as_deref(),
            seeds.as_deref(),
        ),
        Command::Schema { dir } => match load(dir.as_deref().or(cli.policies.as_deref())) {
            Ok(bundle) => {
                write_stdout(bundle.cedar_schema());
                0
            }
            Err(code) => code,
        },
        Command::Doc { out, seeds } => doc::run(cli.policies.as_deref(), &out, &seeds),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Test {
            dirs,
            json,
            format,
            coverage,
            reference,
        } => {
            let format = if json { test_cmd::Format::Json } else { format };
            test_cmd::run(
                cli.policies.as_deref(),
                &dirs,
                format,
                coverage,
                reference.options(),
            )
        }
        Command::Diff {
            old,
            new,
            seed,
            requests,
            json,
        } => diff::run(&old, &new, seed, requests, json),
        Command::Serve(args) => serve::run(cli.policies.as_deref(), args),
        Command::Log {
            command: LogCommand::Verify { files, partial },
        } => serve::verify(&files, partial),
        Command::WhyNot { file, budget, json } => {
            why_not::run(cli.policies.as_deref(), file.as_deref(), budget, json)
        }
    };
    ExitCode::from(code)
}

/// Loads the embedded bundle or the one in `dir`, reporting problems.
pub(crate) fn load(dir: Option<&Path>) -> Result<Bundle, u8> {
    let loaded = match dir {
        Some(dir) => Bundle::from_dir(dir),
        None => Bundle::embedded(),
    };
    loaded.map_err(|e| {
        report::bundle_problems(&e.problems);
        1
    })
}

/// Writes to standard output; a closed pipe (`pdao decide f | head`) is not
/// an error worth a panic.
pub(crate) fn write_stdout(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn read_input(file: Option<&Path>) -> Result<(String, String), u8> {
    match file {
        None => read_stdin(),
        Some(p) if p == Path::new("-") => read_stdin(),
        Some(path) => {
            let name = path.display().to_string();
            match std::fs::read(path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => Ok((name, text)),
                    Err(e) => {
                        report::line(
                            &name,
                            "invalid_utf8",
                            &format!(
                                "the file is not valid UTF-8 (byte {})",
                                e.utf8_error().valid_up_to()
                            ),
                        );
                        Err(1)
                    }
                },
                Err(e) => {
                    report::line(&name, "io", &format!("cannot read the file: {e}"));
                    Err(1)
                }
            }
        }
    }
}

fn read_stdin() -> Result<(String, String), u8> {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        report::line("<stdin>", "io", &format!("cannot read standard input: {e}"));
        return Err(1);
    }
    String::from_utf8(bytes)
        .map(|text| ("<stdin>".to_string(), text))
        .map_err(|e| {
            report::line(
                "<stdin>",
                "invalid_utf8",
                &format!(
                    "input is not valid UTF-8 (byte {})",
                    e.utf8_error().valid_up_to()
                ),
            );
            1
        })
}

fn decide(
    policies: Option<&Path>,
    file: Option<&Path>,
    options: EngineOptions,
    explain: bool,
) -> u8 {
    let (name, text) = match read_input(file) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let bundle = match load(policies) {
        Ok(bundle) => bundle,
        Err(code) => return code,
    };
    let engine = Engine::with_options(bundle, options);
    match engine.decide_json(&text) {
        Ok(decision) => {
            let text = if explain {
                pdao::explain::render_text(&decision)
            } else {
                format!("{}\n", decision.to_json_pretty())
            };
            write_stdout(&text);
            if decision.is_allow() {
                0
            } else {
                2
            }
        }
        Err(e) => {
            report::request_error(&name, &e);
            1
        }
    }
}
