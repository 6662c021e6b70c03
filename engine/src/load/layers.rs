//! Phase 2, the layers: every `<layer>/jurisdiction.toml` parsed into a
//! [`Layer`], each parent checked, and each layer's chain (itself and its
//! ancestors, highest first) computed once for the whole load and the
//! loaded bundle.
//!
//! A parent that does not exist, or a cycle of parents, is one problem
//! where it is written; the layers below it get no chain and no problem of
//! their own (their chain-dependent checks are skipped), so one mistake
//! never cascades into a problem per layer.

use serde::Deserialize;

use crate::dates::parse_date;
use crate::error::{BundleProblem, ProblemCode};
use crate::layers::{Document, Layer, NotEncoded, TextLayout, Tightening};

use super::files::Files;

/// The layers of a bundle and their chains.
pub(crate) struct Layers {
    /// In path order (the order of their folders).
    pub(crate) list: Vec<Layer>,
    /// Per layer: its chain (layer indexes, highest first), or `None` when
    /// a missing parent or a cycle breaks it.
    pub(crate) chains: Vec<Option<Vec<usize>>>,
}

impl Layers {
    /// The index of the layer `id`.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.list.iter().position(|l| l.id == id)
    }

    /// The chain of the layer at `index`, unless its parents are broken.
    pub(crate) fn chain(&self, index: usize) -> Option<&[usize]> {
        self.chains.get(index)?.as_deref()
    }

    /// Whether `ancestor` is strictly above `of` (`None`: the chain of `of`
    /// is broken).
    pub(crate) fn is_above(&self, ancestor: usize, of: usize) -> Option<bool> {
        Some(ancestor != of && self.chain(of)?.contains(&ancestor))
    }
}

/// Parses every `jurisdiction.toml` and checks the parents.
pub(crate) fn phase(files: &Files, problems: &mut Vec<BundleProblem>) -> Layers {
    let mut list = Vec::new();
    for (path, text) in files.ending_with("/jurisdiction.toml") {
        if let Some(folder) = path.strip_suffix("/jurisdiction.toml") {
            match parse_layer(path, folder, text) {
                Ok(layer) => list.push(layer),
                Err(problem) => problems.push(*problem),
            }
        }
    }
    let parent_at = |layer: &Layer, message: String| {
        let file = format!("{}/jurisdiction.toml", layer.id);
        let text = files.get(&file).unwrap_or_default();
        BundleProblem::new(ProblemCode::Toml, &file, message).at_span(
            text,
            key_offset(text, "parent"),
            6,
        )
    };
    let parents: Vec<Option<Option<usize>>> = list
        .iter()
        .map(|l| {
            l.parent
                .as_ref()
                .map(|p| list.iter().position(|x| &x.id == p))
        })
        .collect();
    for (layer, parent) in list.iter().zip(&parents) {
        if let (Some(name), Some(None)) = (&layer.parent, parent) {
            problems.push(parent_at(
                layer,
                format!("parent layer `{name}` does not exist"),
            ));
        }
    }
    let mut chains = Vec::with_capacity(list.len());
    let mut cycles_reported: Vec<Vec<usize>> = Vec::new();
    for start in 0..list.len() {
        let mut chain = vec![start];
        let mut current = start;
        let complete = loop {
            match parents.get(current).copied().flatten() {
                // The top: no parent.
                None => break true,
                // A parent that does not exist: reported above.
                Some(None) => break false,
                Some(Some(parent)) => {
                    if let Some(at) = chain.iter().position(|&l| l == parent) {
                        let mut cycle: Vec<usize> = chain.get(at..).unwrap_or_default().to_vec();
                        cycle.sort_unstable();
                        if !cycles_reported.contains(&cycle) {
                            report_cycle(&list, &parents, &cycle, problems, &parent_at);
                            cycles_reported.push(cycle);
                        }
                        break false;
                    }
                    chain.push(parent);
                    current = parent;
                }
            }
        };
        chain.reverse();
        chains.push(complete.then_some(chain));
    }
    Layers { list, chains }
}

/// One problem for a cycle, at the `parent` key of its first layer in
/// bundle order, naming the layers around it.
fn report_cycle(
    list: &[Layer],
    parents: &[Option<Option<usize>>],
    cycle: &[usize],
    problems: &mut Vec<BundleProblem>,
    parent_at: &impl Fn(&Layer, String) -> BundleProblem,
) {
    let Some(&first) = cycle.first() else {
        return;
    };
    let mut names = Vec::new();
    let mut current = first;
    loop {
        names.push(list.get(current).map_or("?", |l| l.id.as_str()));
        match parents.get(current).copied().flatten().flatten() {
            Some(next) if next != first && names.len() <= cycle.len() => current = next,
            _ => break,
        }
    }
    names.push(list.get(first).map_or("?", |l| l.id.as_str()));
    if let Some(layer) = list.get(first) {
        problems.push(parent_at(
            layer,
            format!("the parent chain has a cycle: {}", names.join(" → ")),
        ));
    }
}

/// Where `key = …` is written: the first line that starts with it, else
/// the first occurrence of the word, else the start of the file.
fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(key) {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    text.find(key).unwrap_or(0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    layer: String,
    name: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    documents: Vec<RawDocument>,
    #[serde(default)]
    not_encoded: Vec<RawNotEncoded>,
    #[serde(default)]
    tightens: Vec<Tightening>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotEncoded {
    document: String,
    articles: Vec<String>,
    reason: String,
    #[serde(default)]
    repeats: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    id: String,
    title: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issuer: String,
    in_force_from: String,
    #[serde(default)]
    in_force_until: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    lang: String,
    covers: String,
    #[serde(default)]
    text: Option<TextLayout>,
}

/// Parses one `jurisdiction.toml`; `folder` is the layer's folder name,
/// which must equal its `layer` key.
fn parse_layer(file: &str, folder: &str, text: &str) -> Result<Layer, Box<BundleProblem>> {
    let raw: RawLayer = toml::from_str(text).map_err(|e| {
        let problem = BundleProblem::new(ProblemCode::Toml, file, e.message().to_string());
        Box::new(match e.span() {
            Some(span) => problem.at_span(text, span.start, span.len()),
            None => problem,
        })
    })?;
    let at = |needle: &str, message: String| {
        let problem = BundleProblem::new(ProblemCode::Toml, file, message);
        Box::new(match text.find(needle) {
            Some(offset) => problem.at_span(text, offset, needle.len()),
            None => problem,
        })
    };
    if raw.layer != folder {
        return Err(at(
            "layer",
            format!(
                "`layer = \"{}\"` does not match its folder `{folder}`",
                raw.layer
            ),
        ));
    }
    let mut documents = Vec::new();
    for doc in raw.documents {
        let date = |field: &str, value: &str| {
            parse_date(value).ok_or_else(|| {
                at(
                    value,
                    format!(
                        "document `{}`: `{field} = \"{value}\"` is not a date YYYY-MM-DD",
                        doc.id
                    ),
                )
            })
        };
        let in_force_from = date("in_force_from", &doc.in_force_from)?;
        let in_force_until = if doc.in_force_until.is_empty() {
            None
        } else {
            Some(date("in_force_until", &doc.in_force_until)?)
        };
        if in_force_until.is_some_and(|until| until < in_force_from) {
            return Err(at(
                &doc.in_force_until,
                format!(
                    "document `{}` ends ({}) before it starts ({})",
                    doc.id, doc.in_force_until, doc.in_force_from
                ),
            ));
        }
        let covers_chain = match doc.covers.as_str() {
            "chain" => true,
            "self" => false,
            other => {
                return Err(at(
                    &doc.covers,
                    format!(
                        "document `{}`: `covers = \"{other}\"` must be \"chain\" or \"self\"",
                        doc.id
                    ),
                ))
            }
        };
        if documents.iter().any(|d: &Document| d.id == doc.id) {
            return Err(at(
                &doc.id,
                format!("document id `{}` appears twice", doc.id),
            ));
        }
        documents.push(Document {
            id: doc.id,
            title: doc.title,
            number: doc.number,
            issuer: doc.issuer,
            in_force_from,
            in_force_until,
            seed: (!doc.seed.is_empty()).then_some(doc.seed),
            lang: doc.lang,
            covers_chain,
            text: doc.text,
        });
    }
    let mut not_encoded = Vec::new();
    for entry in raw.not_encoded {
        if !documents.iter().any(|d| d.id == entry.document) {
            return Err(at(
                &entry.document,
                format!(
                    "`[[not_encoded]]`: `document = \"{}\"` is not a document of this layer",
                    entry.document
                ),
            ));
        }
        if entry.articles.is_empty() || entry.articles.iter().any(|a| a.trim().is_empty()) {
            return Err(at(
                "not_encoded",
                format!(
                    "`[[not_encoded]]` of `{}`: `articles` must name at least one article, none empty",
                    entry.document
                ),
            ));
        }
        if entry.reason.trim().is_empty() {
            return Err(at(
                &entry.articles.join(""),
                format!(
                    "`[[not_encoded]]` of `{}` ({}): the reason is empty; say why no rule encodes it",
                    entry.document,
                    entry.articles.join(", ")
                ),
            ));
        }
        not_encoded.push(NotEncoded {
            document: entry.document,
            articles: entry.articles,
            reason: entry.reason,
            repeats: entry.repeats,
        });
    }
    Ok(Layer {
        id: raw.layer,
        name: raw.name,
        parent: raw.parent,
        documents,
        not_encoded,
        tightens: raw.tightens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Layers with these parents, each a minimal `jurisdiction.toml`.
    fn bundle(layers: &[(&str, Option<&str>)]) -> Files {
        Files::new(
            layers
                .iter()
                .map(|(id, parent)| {
                    let parent = parent.map_or(String::new(), |p| format!("parent = \"{p}\"\n"));
                    (
                        format!("{id}/jurisdiction.toml"),
                        format!("layer = \"{id}\"\nname = \"{id}\"\n{parent}"),
                    )
                })
                .collect(),
        )
    }

    fn load(layers: &[(&str, Option<&str>)]) -> (Layers, Vec<BundleProblem>) {
        let mut problems = Vec::new();
        let loaded = phase(&bundle(layers), &mut problems);
        (loaded, problems)
    }

    fn chain_ids(layers: &Layers, id: &str) -> Option<Vec<String>> {
        let index = layers.position(id)?;
        layers.chain(index).map(|chain| {
            chain
                .iter()
                .filter_map(|&l| layers.list.get(l).map(|x| x.id.clone()))
                .collect()
        })
    }

    #[test]
    fn chains_run_from_the_top_layer_down() {
        let (layers, problems) = load(&[
            ("national", None),
            ("zhejiang", Some("national")),
            ("hangzhou", Some("zhejiang")),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            chain_ids(&layers, "hangzhou").unwrap(),
            ["national", "zhejiang", "hangzhou"]
        );
        assert_eq!(chain_ids(&layers, "national").unwrap(), ["national"]);
        let (n, z, h) = (
            layers.position("national").unwrap(),
            layers.position("zhejiang").unwrap(),
            layers.position("hangzhou").unwrap(),
        );
        assert_eq!(layers.is_above(n, h), Some(true));
        assert_eq!(layers.is_above(h, z), Some(false));
        assert_eq!(layers.is_above(z, z), Some(false));
    }

    #[test]
    fn a_missing_parent_is_one_problem_and_breaks_the_chains_below_it() {
        let (layers, problems) = load(&[
            ("national", None),
            ("zhejiang", Some("nationl")),
            ("hangzhou", Some("zhejiang")),
            ("xihu", Some("hangzhou")),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = &problems[0];
        assert_eq!(problem.code, ProblemCode::Toml);
        assert_eq!(problem.file, "zhejiang/jurisdiction.toml");
        assert_eq!((problem.line, problem.column), (Some(3), Some(1)));
        assert_eq!(problem.message, "parent layer `nationl` does not exist");
        for below in ["zhejiang", "hangzhou", "xihu"] {
            assert_eq!(chain_ids(&layers, below), None, "{below}");
        }
        assert_eq!(chain_ids(&layers, "national").unwrap(), ["national"]);
    }

    #[test]
    fn a_cycle_is_one_problem_however_many_layers_it_holds_or_hangs_below_it() {
        let (layers, problems) = load(&[
            ("national", None),
            ("zhejiang", Some("quzhou")),
            ("hangzhou", Some("zhejiang")),
            ("quzhou", Some("hangzhou")),
            ("xihu", Some("hangzhou")),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = &problems[0];
        assert_eq!(problem.code, ProblemCode::Toml);
        // The first layer of the cycle in bundle (folder) order.
        assert_eq!(problem.file, "hangzhou/jurisdiction.toml");
        assert_eq!(problem.line, Some(3));
        assert_eq!(
            problem.message,
            "the parent chain has a cycle: hangzhou → zhejiang → quzhou → hangzhou"
        );
        for broken in ["zhejiang", "hangzhou", "quzhou", "xihu"] {
            assert_eq!(chain_ids(&layers, broken), None, "{broken}");
        }
        assert_eq!(chain_ids(&layers, "national").unwrap(), ["national"]);
    }

    #[test]
    fn a_layer_that_is_its_own_parent_is_a_cycle() {
        let (_, problems) = load(&[("national", Some("national"))]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].message,
            "the parent chain has a cycle: national → national"
        );
    }

    #[test]
    fn two_cycles_are_two_problems() {
        let (_, problems) = load(&[("a", Some("b")), ("b", Some("a")), ("c", Some("c"))]);
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the parent chain has a cycle: a → b → a",
                "the parent chain has a cycle: c → c"
            ]
        );
    }
}
