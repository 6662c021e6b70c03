//! Helpers shared by the integration tests.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `pdao` command of this checkout, built (or brought up to date) once
/// per test binary, so that the command-line tests never run a stale or
/// missing binary. It sits in the profile folder of the running test
/// (`target/debug/pdao` next to `target/debug/deps/`).
///
/// # Panics
/// When the build fails or the binary is not where cargo puts it: a test
/// of the command line cannot run without it.
#[allow(clippy::panic, clippy::expect_used)]
pub fn pdao_cli() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "pdao-cli"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build -p pdao-cli failed");
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps/<test>");
        let path = profile.join(format!("pdao{}", std::env::consts::EXE_SUFFIX));
        assert!(path.is_file(), "no pdao binary at {}", path.display());
        path
    })
}
