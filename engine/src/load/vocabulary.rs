//! Phase 1, the vocabulary: `facts.toml`, every fact a request may carry,
//! every `materials` item and every event kind. The later phases read the
//! rules and the schema against it.

use crate::error::{BundleProblem, ProblemCode};
use crate::vocabulary::Vocabulary;

use super::files::Files;

const FACTS: &str = "facts.toml";

/// The vocabulary, or an empty one (with its problem) when `facts.toml` is
/// missing or wrong.
pub(crate) fn phase(files: &Files, problems: &mut Vec<BundleProblem>) -> Vocabulary {
    match files.get(FACTS) {
        None => {
            problems.push(BundleProblem::new(
                ProblemCode::Vocabulary,
                FACTS,
                "missing: the bundle needs its fact vocabulary",
            ));
            Vocabulary::default()
        }
        Some(text) => Vocabulary::from_toml(text).unwrap_or_else(|e| {
            problems.push(
                BundleProblem::new(ProblemCode::Vocabulary, FACTS, e.message).at_line(e.line),
            );
            Vocabulary::default()
        }),
    }
}
