//! Every golden case file (`policies/<layer>/cases/*.json`) is its own test:
//! adding a case is adding a file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use std::path::Path;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use pdao::cases::{find_case_files, Case};
use pdao::Engine;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Engine::embedded() {
        Ok(engine) => engine,
        Err(e) => panic!("the embedded bundle does not load: {e}"),
    })
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let trials = find_case_files(&root)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| path.display().to_string())
                .replace("/cases/", ": ")
                .trim_end_matches(".json")
                .to_string();
            Trial::test(name, move || {
                let case = Case::from_file(&path).map_err(Failed::from)?;
                let result = case.run(engine());
                if result.passed() {
                    Ok(())
                } else {
                    let decision = result
                        .decision
                        .map(|d| d.to_json_pretty())
                        .unwrap_or_default();
                    Err(Failed::from(format!(
                        "{}\n  - {}\n{decision}",
                        case.description,
                        result.failures.join("\n  - ")
                    )))
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
