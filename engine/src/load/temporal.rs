//! Phase 3, the temporal definitions: every `<layer>/*.rules` file parsed
//! against the vocabulary, each definition kept with its layer, and each
//! name defined at most once in any chain.

use crate::error::{BundleProblem, ProblemCode};
use crate::temporal::{parse_rules, Definition};
use crate::vocabulary::Vocabulary;

use super::files::Files;
use super::layers::Layers;

/// The temporal definitions of a bundle.
pub(crate) struct Definitions {
    /// In file order, then in order within each file.
    pub(crate) list: Vec<Definition>,
    /// The layer index of each definition.
    pub(crate) layer: Vec<usize>,
}

/// Parses every `*.rules` file of a layer folder.
pub(crate) fn phase(
    files: &Files,
    layers: &Layers,
    vocab: &Vocabulary,
    problems: &mut Vec<BundleProblem>,
) -> Definitions {
    let mut list = Vec::new();
    let mut layer = Vec::new();
    for (path, text) in files.ending_with(".rules") {
        let Some(li) = super::layer_of(files, path, text, layers, problems) else {
            continue;
        };
        match parse_rules(path, text, vocab) {
            Ok(file) => {
                for def in file.definitions {
                    list.push(def);
                    layer.push(li);
                }
            }
            Err(e) => problems.push(
                BundleProblem::new(ProblemCode::Temporal, path, e.message.clone())
                    .at_span(text, e.span.0, e.span.1),
            ),
        }
    }
    let definitions = Definitions { list, layer };
    unique_in_every_chain(&definitions, layers, problems);
    definitions
}

/// A name is defined at most once among a layer and its ancestors (layers
/// whose chain is broken are only compared with themselves).
fn unique_in_every_chain(
    definitions: &Definitions,
    layers: &Layers,
    problems: &mut Vec<BundleProblem>,
) {
    for (i, def) in definitions.list.iter().enumerate() {
        for (j, other) in definitions.list.iter().enumerate().skip(i + 1) {
            if def.name != other.name {
                continue;
            }
            let related = match (definitions.layer.get(i), definitions.layer.get(j)) {
                (Some(&a), Some(&b)) => {
                    a == b
                        || layers.is_above(a, b).unwrap_or(false)
                        || layers.is_above(b, a).unwrap_or(false)
                }
                _ => true,
            };
            if related {
                problems.push(
                    BundleProblem::new(
                        ProblemCode::Temporal,
                        &other.file,
                        format!(
                            "temporal definition `{}` is already defined in {}:{} of the same chain",
                            other.name, def.file, def.line
                        ),
                    )
                    .at_line(Some(other.line)),
                );
            }
        }
    }
}
