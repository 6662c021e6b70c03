//! `pdao check`: load and validate a bundle, optionally against a catalog
//! (every id encoded, every policy's actions and effect as in its entry)
//! and the seed texts (every quote verbatim).

use std::path::Path;

use pdao::audit::{catalog_coverage, verify_quotes, verify_scopes};

use crate::report;

/// `println!` that stops quietly when the reader has gone (`pdao check |
/// head`) instead of panicking on the closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {
        crate::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub fn run(dir: Option<&Path>, catalog: Option<&Path>, seeds: Option<&Path>) -> u8 {
    let bundle = match crate::load(dir) {
        Ok(bundle) => bundle,
        Err(code) => return code,
    };
    let mut failed = false;
    let layers = bundle.layers().len();
    let definitions = bundle.definitions().len();
    out!(
        "bundle {}: {} layers, {} policies, {} temporal definitions — schema validation passed",
        dir.map_or("(embedded)".to_string(), |d| d.display().to_string()),
        layers,
        bundle.rules().len(),
        definitions
    );
    for layer in bundle.layers() {
        let count = bundle
            .rules()
            .iter()
            .filter(|r| r.layer == layer.id)
            .count();
        let status = if layer.documents.is_empty() {
            " (no documents: empty layer)"
        } else {
            ""
        };
        out!("  {:<10} {count:>3} policies{status}", layer.id);
    }
    // Policies using a construct the compiled evaluator does not support:
    // Cedar decides them (said only when there are any).
    let by_cedar: Vec<&pdao::Rule> = bundle.rules().iter().filter(|r| !r.is_compiled()).collect();
    if !by_cedar.is_empty() {
        out!(
            "decided by Cedar (a construct the compiled evaluator does not support): {} policies",
            by_cedar.len()
        );
        for rule in by_cedar {
            out!("  {} ({}:{})", rule.id, rule.file, rule.line);
        }
    }
    if let Some(seeds) = seeds {
        let problems = verify_quotes(&bundle, seeds);
        if problems.is_empty() {
            out!("quotes: every quote found verbatim in {}", seeds.display());
        } else {
            report::audit_problems(&problems);
            failed = true;
        }
    }
    if let Some(catalog) = catalog {
        match std::fs::read_to_string(catalog) {
            Ok(text) => {
                let coverage = catalog_coverage(&bundle, &text);
                out!(
                    "catalog: {}/{} catalog ids encoded",
                    coverage.encoded,
                    coverage.catalog
                );
                for id in &coverage.missing {
                    out!("  missing: {id} has no policy");
                    failed = true;
                }
                for id in &coverage.unknown {
                    out!("  unknown: policy id {id} is not in the catalog");
                    failed = true;
                }
                let problems = verify_scopes(&bundle, &text);
                if problems.is_empty() {
                    out!(
                        "actions and effects: every policy as in {}",
                        catalog.display()
                    );
                } else {
                    out!(
                        "actions and effects: {} difference{} from {}",
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" },
                        catalog.display()
                    );
                    report::audit_problems(&problems);
                    failed = true;
                }
            }
            Err(e) => {
                report::line(
                    &catalog.display().to_string(),
                    "io",
                    &format!("cannot read the catalog: {e}"),
                );
                return 1;
            }
        }
    }
    u8::from(failed)
}
