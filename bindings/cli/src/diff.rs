//! `pdao diff OLD NEW`: change impact of a bundle edit — the rules that
//! changed and every generated request whose decision, reasons or
//! obligations change, grouped by rule with a shrunk example each.

use std::path::Path;

use pdao::authoring::{diff, DiffOptions};
use pdao::Engine;

/// Exit: 0 no decision changes (reasons or obligations may), 2 some decision
/// changes, 1 a bundle could not be loaded or the comparison failed.
pub fn run(old: &Path, new: &Path, seed: u64, requests: usize, json: bool) -> u8 {
    let Some(old_engine) = engine(old) else {
        return 1;
    };
    let Some(new_engine) = engine(new) else {
        return 1;
    };
    let options = DiffOptions {
        seed,
        requests,
        threads: 0,
    };
    let report = match diff(&old_engine, &new_engine, &options) {
        Ok(report) => report,
        Err(e) => {
            let location = format!("{} → {}", old.display(), new.display());
            crate::report::line(&location, "diff", &e.to_string());
            return 1;
        }
    };
    if json {
        let text = serde_json::to_string_pretty(&report.to_json())
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        crate::write_stdout(&format!("{text}\n"));
    } else {
        crate::write_stdout(&format!(
            "pdao diff {} → {}\n{}",
            old.display(),
            new.display(),
            report.render_text()
        ));
    }
    if report.decision_changes() > 0 {
        2
    } else {
        0
    }
}

/// `embedded` (when no such directory exists) is the embedded bundle.
fn engine(dir: &Path) -> Option<Engine> {
    let embedded = dir == Path::new("embedded") && !dir.exists();
    crate::load(if embedded { None } else { Some(dir) })
        .ok()
        .map(Engine::new)
}
