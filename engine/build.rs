//! Embeds the default policy bundle (`../policies`) into the library, so the
//! engine and the CLI work with no files around them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("..").join("policies");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("/// The embedded default bundle: (path relative to `policies/`, contents).\npub(crate) static FILES: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        let _ = writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("embedded_bundle.rs");
    if let Err(e) = fs::write(&dest, out) {
        println!("cargo:warning=cannot write the embedded bundle: {e}");
    }
}

/// Bundle files: the vocabulary, the schema, and each layer's
/// `jurisdiction.toml`, `*.cedar` and `*.rules` (cases are tests, not policy).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "cases") {
                collect(root, &path, files);
            }
            continue;
        }
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if crate_bundle_file(&rel) {
            files.push((rel, path));
        }
    }
}

fn crate_bundle_file(rel: &str) -> bool {
    rel == "facts.toml"
        || rel == "schema.cedarschema"
        || rel.ends_with("/jurisdiction.toml")
        || rel.ends_with(".cedar")
        || rel.ends_with(".rules")
}
