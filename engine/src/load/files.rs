//! Where a bundle's files come from: a directory laid out like `policies/`,
//! or the copy compiled into the library. Only bundle files are read:
//! `facts.toml`, `schema.cedarschema` and each layer's `jurisdiction.toml`,
//! `*.cedar` and `*.rules` (golden cases are tests, not policy).

use std::path::Path;

use crate::error::{BundleProblem, ProblemCode};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_bundle.rs"));
}

/// The files of the embedded bundle: (path relative to `policies/`, text).
#[cfg(test)]
pub(crate) fn embedded_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    embedded::FILES.iter().copied()
}

/// The bundle's files as (path relative to the root, contents), sorted by
/// path.
pub(crate) struct Files(Vec<(String, String)>);

impl Files {
    /// Sorts the files by path.
    pub(crate) fn new(mut files: Vec<(String, String)>) -> Files {
        files.sort();
        Files(files)
    }

    /// The embedded default bundle.
    pub(crate) fn embedded() -> Files {
        Files::new(
            embedded::FILES
                .iter()
                .map(|(p, c)| (p.to_string(), c.to_string()))
                .collect(),
        )
    }

    /// Every bundle file under `root`, or every problem met reading them.
    pub(crate) fn from_dir(root: &Path) -> Result<Files, Vec<BundleProblem>> {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        read_dir_into(root, root, &mut files, &mut problems);
        if files.is_empty() && problems.is_empty() {
            problems.push(BundleProblem::new(
                ProblemCode::Io,
                root.display().to_string(),
                "no bundle files here (expected facts.toml, schema.cedarschema and layer folders)",
            ));
        }
        if problems.is_empty() {
            Ok(Files::new(files))
        } else {
            Err(problems)
        }
    }

    /// The text of the file at `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }

    /// The files whose path ends with `suffix`, in path order.
    pub(crate) fn ending_with<'f>(
        &'f self,
        suffix: &'f str,
    ) -> impl Iterator<Item = (&'f str, &'f str)> + 'f {
        self.0
            .iter()
            .filter(move |(p, _)| p.ends_with(suffix))
            .map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// All files, in path order.
    pub(crate) fn all(&self) -> &[(String, String)] {
        &self.0
    }

    /// The files, given back.
    pub(crate) fn into_inner(self) -> Vec<(String, String)> {
        self.0
    }
}

/// Whether a path relative to the bundle root is a bundle file.
fn is_bundle_file(rel: &str) -> bool {
    rel == "facts.toml"
        || rel == "schema.cedarschema"
        || rel.ends_with("/jurisdiction.toml")
        || rel.ends_with(".cedar")
        || rel.ends_with(".rules")
}

fn read_dir_into(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, String)>,
    problems: &mut Vec<BundleProblem>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(BundleProblem::new(
                ProblemCode::Io,
                dir.display().to_string(),
                format!("cannot read the directory: {e}"),
            ));
            return;
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(e) => problems.push(BundleProblem::new(
                ProblemCode::Io,
                dir.display().to_string(),
                format!("cannot read an entry of the directory: {e}"),
            )),
        }
    }
    paths.sort();
    for path in paths {
        let rel = path
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "cases") {
                read_dir_into(root, &path, files, problems);
            }
            continue;
        }
        if !is_bundle_file(&rel) {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((rel, text)),
                Err(_) => problems.push(BundleProblem::new(
                    ProblemCode::Io,
                    rel,
                    "the file is not valid UTF-8",
                )),
            },
            Err(e) => problems.push(BundleProblem::new(
                ProblemCode::Io,
                rel,
                format!("cannot read: {e}"),
            )),
        }
    }
}
