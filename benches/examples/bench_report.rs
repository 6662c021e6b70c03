//! Prints the benchmark results as markdown tables, for the README's
//! Performance section: medians from criterion's
//! `<target>/criterion/**/new/estimates.json`, ratios, and the machine.
//!
//! `bench_report <TARGET_DIR>` (run by `benches/run`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pdao::{Bundle, Engine};
use pdao_bench::{adversarial, requests, Result};
use serde_json::Value;

/// (group, function, value) → median in nanoseconds.
type Medians = BTreeMap<(String, String, String), f64>;

fn collect(dir: &Path, out: &mut Medians) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let meta: Value =
                serde_json::from_str(&std::fs::read_to_string(path.join("benchmark.json"))?)?;
            let estimates: Value =
                serde_json::from_str(&std::fs::read_to_string(path.join("estimates.json"))?)?;
            let field = |k: &str| meta.get(k).and_then(Value::as_str).unwrap_or_default();
            let median = estimates
                .pointer("/median/point_estimate")
                .and_then(Value::as_f64);
            if let Some(median) = median {
                out.insert(
                    (
                        field("group_id").to_string(),
                        field("function_id").to_string(),
                        field("value_str").to_string(),
                    ),
                    median,
                );
            }
        } else if path
            .file_name()
            .is_some_and(|n| n != "base" && n != "report")
        {
            collect(&path, out)?;
        }
    }
    Ok(())
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

struct Table<'a> {
    medians: &'a Medians,
    group: &'a str,
}

impl Table<'_> {
    fn get(&self, function: &str, value: &str) -> Option<f64> {
        self.medians
            .get(&(self.group.into(), function.into(), value.into()))
            .copied()
    }

    fn cell(&self, function: &str, value: &str) -> String {
        self.get(function, value).map_or("—".into(), time)
    }

    fn ratio(&self, a: &str, b: &str, value: &str) -> String {
        match (self.get(a, value), self.get(b, value)) {
            (Some(x), Some(y)) if y > 0.0 => format!("{:.2}×", x / y),
            _ => "—".into(),
        }
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() -> Result<()> {
    let target = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let mut medians = Medians::new();
    collect(&target.join("criterion"), &mut medians)?;
    if medians.is_empty() {
        return Err(format!(
            "no criterion results under {}/criterion: run `cargo bench -p pdao-bench` first",
            target.display()
        )
        .into());
    }
    let bundle = Bundle::embedded()?;
    let policies = bundle.rules().len();
    let engine = Engine::new(bundle);
    let request = engine.parse_request(requests::HANGZHOU_APPLY_ALLOW)?;
    let evaluated = engine.evaluate(&request).outcomes.len();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    println!("Medians of criterion runs (`benches/run`; lower is better).\n");

    let t = Table {
        medians: &medians,
        group: "vs_cedar",
    };
    println!("**Explained decision vs raw Cedar** — pdao's full decision (chain and epoch lookup, temporal definitions, the compiled three-valued evaluator, explanation with citations) against `Authorizer::is_authorized` with the context prepared in advance (facts, materials, temporal booleans computed once by pdao), on the same policies: all {policies} of the bundle in one `PolicySet` (*raw Cedar, all*), and only those pdao evaluates for the request — its chain's rules for the action, in force on the date (*raw Cedar, selected*).\n");
    println!("| request | pdao `decide` | pdao `decide_json` | raw Cedar, all | raw Cedar, selected | `decide` / all | `decide_json` / all | `decide` / selected |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, _) in requests::ALL {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            t.cell("pdao_decide", name),
            t.cell("pdao_decide_json", name),
            t.cell("cedar_is_authorized", name),
            t.cell("cedar_selected", name),
            t.ratio("pdao_decide", "cedar_is_authorized", name),
            t.ratio("pdao_decide_json", "cedar_is_authorized", name),
            t.ratio("pdao_decide", "cedar_selected", name),
        );
    }

    let t = Table {
        medians: &medians,
        group: "vs_rego",
    };
    println!("\n**pdao vs Rego (regorus)** — the Hangzhou `apply` rules in Rego (`benches/rego/hangzhou_apply.rego`, same decision and reasons on 600 generated requests), policy prepared once; per iteration `set_input` + evaluation.\n");
    println!("| request | pdao `decide` | regorus interpreter | regorus RVM | interpreter / pdao | RVM / pdao | pdao `decide_json` | regorus from JSON | from JSON: regorus / pdao |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for name in ["hangzhou_apply_allow", "hangzhou_apply_deny"] {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            t.cell("pdao_decide", name),
            t.cell("regorus_eval", name),
            t.cell("regorus_rvm", name),
            t.ratio("regorus_eval", "pdao_decide", name),
            t.ratio("regorus_rvm", "pdao_decide", name),
            t.cell("pdao_decide_json", name),
            t.cell("regorus_eval_json", name),
            t.ratio("regorus_eval_json", "pdao_decide_json", name),
        );
    }

    let t = Table {
        medians: &medians,
        group: "load",
    };
    println!("\n**Bundle load** — the embedded bundle ({policies} policies, all layers).\n");
    println!("| step | median |");
    println!("|---|---:|");
    println!(
        "| `Bundle::embedded()` + `Engine::new` + `prepare_all()` (everything up front) | {} |",
        t.cell("embedded_bundle_engine_prepare_all", "")
    );
    println!(
        "| `Bundle::embedded()` + `Engine::new` (policy sets built on first use) | {} |",
        t.cell("embedded_bundle_and_engine", "")
    );
    println!(
        "| `Bundle::embedded()` (parse + validate) | {} |",
        t.cell("bundle_embedded", "")
    );
    println!(
        "| `Engine::new` (chains and epochs) | {} |",
        t.cell("engine_new", "")
    );

    let t = Table {
        medians: &medians,
        group: "scaling_decide",
    };
    let load = Table {
        medians: &medians,
        group: "scaling_load",
    };
    println!("\n**Scaling** — the bundle grown 10× and 100× with generated rules, all of them Hangzhou `apply` requirements or forbids (the worst case for this request: every generated rule is evaluated, and met); decision on the allowed Hangzhou application.\n");
    println!("| bundle | policies | rules evaluated | pdao `decide` | raw Cedar, all | `decide` / Cedar | load (bundle + engine) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for factor in [1, 10, 100] {
        let id = format!("x{factor}");
        let load_cell = if factor == 1 {
            Table {
                medians: &medians,
                group: "load",
            }
            .cell("embedded_bundle_and_engine", "")
        } else {
            load.cell("bundle_and_engine", &id)
        };
        println!(
            "| {factor}× | {} | {} | {} | {} | {} | {load_cell} |",
            policies * factor,
            evaluated + policies * (factor - 1),
            t.cell("pdao_decide", &id),
            t.cell("cedar_is_authorized", &id),
            t.ratio("pdao_decide", "cedar_is_authorized", &id),
        );
    }

    let t = Table {
        medians: &medians,
        group: "batch",
    };
    let batch = 400 + 50 * requests::ALL.len();
    println!("\n**Batch throughput** — {batch} parsed requests (generated Hangzhou applications and the four requests above) decided with `std::thread::scope`. The control splits a fixed arithmetic loop the same way: its speed-up is the parallelism the machine actually offered during the run.\n");
    println!(
        "| threads | batch time | requests/s | speed-up | control speed-up (pure arithmetic) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let control_one = t.get("control", "threads_1");
    let one = t.get("pdao_decide", "threads_1");
    for threads in [1, 2] {
        let id = format!("threads_{threads}");
        let median = t.get("pdao_decide", &id);
        let rate = median.map_or("—".into(), |ns| {
            format!("{:.0}", batch as f64 / (ns / 1e9))
        });
        let speedup = match (one, median) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
            _ => "—".into(),
        };
        let control = match (control_one, t.get("control", &id)) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
            _ => "—".into(),
        };
        println!(
            "| {threads} | {} | {rate} | {speedup} | {control} |",
            t.cell("pdao_decide", &id)
        );
    }

    let t = Table {
        medians: &medians,
        group: "adversarial",
    };
    if t.get("pdao_decide_json", "typical").is_some() {
        println!("\n**Worst requests** — the adversarial requests of `benches/src/adversarial.rs` at the limit of {} events (each under 1 MiB), decided from their JSON text (`decide_json`: parse, validation, decision), next to the typical request (the allowed Hangzhou application). Target: at most 50 ms each.\n", pdao::MAX_EVENTS);
        println!("| request | aims at | `decide_json` | / typical |");
        println!("|---|---|---:|---:|");
        println!(
            "| typical (Hangzhou application) | — | {} | 1.00× |",
            t.cell("pdao_decide_json", "typical")
        );
        let mut worst: Option<(f64, &str)> = None;
        for case in adversarial::cases(0) {
            println!(
                "| `{}` | `{}` | {} | {} |",
                case.name,
                case.target,
                t.cell("pdao_decide_json", case.name),
                match (
                    t.get("pdao_decide_json", case.name),
                    t.get("pdao_decide_json", "typical")
                ) {
                    (Some(x), Some(y)) if y > 0.0 => format!("{:.1}×", x / y),
                    _ => "—".into(),
                },
            );
            if let Some(ns) = t.get("pdao_decide_json", case.name) {
                if worst.is_none_or(|(w, _)| ns > w) {
                    worst = Some((ns, case.name));
                }
            }
        }
        if let Some((ns, name)) = worst {
            println!("\nWorst: `{name}`, {} (target ≤ 50 ms).", time(ns));
        }
    }

    println!(
        "\nCPU: {} ({cores} available to the process). Criterion: 1 s warm-up, 3 s measurement, 30 samples (20 for the embedded load, 10 for the scaling groups).",
        cpu_model()
    );
    Ok(())
}
