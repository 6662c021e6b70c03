//! Phase 6, the cross-checks: what no single file can tell. Every rule
//! cites a document of its layer (with `@outside_seeds` when the document
//! is outside the seeds); versions of one rule have disjoint windows; an
//! `@overrides` names a rule of a lower layer; the temporal names a rule
//! reads and its `@due`/`@each` resolve in its chain; `@attaches` is for
//! obligations only; the rules a layer's `[[not_encoded]]` and
//! `[[tightens]]` name exist where they must. Checks that need a chain are
//! skipped for a layer whose chain is broken (that is one problem already).

use chrono::NaiveDate;

use crate::error::{BundleProblem, ProblemCode};
use crate::layers::Layer;
use crate::rule::{Attaches, Effect, Rule};
use crate::temporal::DefKind;

use super::files::Files;
use super::layers::Layers;
use super::span::line_start;
use super::temporal::Definitions;

/// Cross-checks every rule.
pub(crate) fn phase(
    files: &Files,
    rules: &[Rule],
    layers: &Layers,
    definitions: &Definitions,
    problems: &mut Vec<BundleProblem>,
) {
    let checks = Checks {
        files,
        rules,
        layers,
        definitions,
    };
    for (i, rule) in rules.iter().enumerate() {
        checks.rule(i, rule, problems);
    }
    for (li, layer) in layers.list.iter().enumerate() {
        if let Some(chain) = layers.chain(li) {
            checks.layer_references(li, layer, chain, problems);
        }
    }
}

/// What the checks of one rule look at.
struct Checks<'a> {
    files: &'a Files,
    rules: &'a [Rule],
    layers: &'a Layers,
    definitions: &'a Definitions,
}

impl Checks<'_> {
    /// A problem at the first `needle` from the rule's line on.
    fn locate(
        &self,
        rule: &Rule,
        needle: &str,
        code: ProblemCode,
        message: String,
    ) -> BundleProblem {
        let text = self.files.get(&rule.file).unwrap_or_default();
        let start = line_start(text, rule.line);
        let problem = BundleProblem::new(code, &rule.file, message);
        match text.get(start..).and_then(|t| t.find(needle)) {
            Some(o) => problem.at_span(text, start + o, needle.len()),
            None => problem.at_span(text, start, 0),
        }
    }

    /// Rule number `i` of the bundle.
    fn rule(&self, i: usize, rule: &Rule, problems: &mut Vec<BundleProblem>) {
        let layers = self.layers;
        let Some(li) = layers.position(&rule.layer) else {
            return;
        };
        let Some(layer) = layers.list.get(li) else {
            return;
        };
        // Document.
        let document = layer.document(&rule.document);
        if document.is_none() {
            problems.push(self.locate(rule, "@document", ProblemCode::Document, format!(
                "`@document(\"{}\")` is not a document of layer `{}` (its jurisdiction.toml has: {})",
                rule.document, rule.layer,
                layer.documents.iter().map(|d| format!("`{}`", d.id)).collect::<Vec<_>>().join(", ")
            )));
        }
        if document.is_some_and(|d| d.seed.is_none()) && rule.outside_seeds.is_none() {
            problems.push(self.locate(
                rule,
                "@id",
                ProblemCode::Annotation,
                format!(
                    "`{}` cites a document outside the seeds and needs `@outside_seeds(\"…\")`",
                    rule.id
                ),
            ));
        }
        // Versions: one id, non-overlapping windows.
        for other in self.rules.iter().skip(i + 1).filter(|o| o.id == rule.id) {
            let a = effective_window(rule, layer);
            let b = layers
                .position(&other.layer)
                .and_then(|j| layers.list.get(j))
                .map(|l| effective_window(other, l));
            if b.is_some_and(|b| overlaps(a, b)) {
                problems.push(self.locate(other, "@id", ProblemCode::DuplicateId, format!(
                    "rule `{}` is defined twice with overlapping windows (also at {}:{}); versions of one rule need non-overlapping @in_force_from/@in_force_until",
                    other.id, rule.file, rule.line
                )));
            } else if other.file == rule.file {
                // Cedar's own tools (`cedar validate`, `cedar format`, the
                // language server) name a policy by its `@id` and refuse a
                // file that holds two policies with one id.
                problems.push(self.locate(other, "@id", ProblemCode::DuplicateId, format!(
                    "rule `{}` has a second version in the same file (also at {}:{}); put each version in a file of its own, as Cedar's tools name a policy by its @id",
                    other.id, rule.file, rule.line
                )));
            }
        }
        if let Some(chain) = layers.chain(li) {
            self.in_chain(rule, li, chain, problems);
        }
        if rule.effect != Effect::Obligation && rule.attaches != Attaches::Always {
            problems.push(self.locate(
                rule,
                "@attaches",
                ProblemCode::Annotation,
                "`@attaches` is only for obligations".into(),
            ));
        }
    }

    /// `repeats` of `[[not_encoded]]` and `[[tightens]]` name rules: the
    /// lower rule of this layer, the repeated or tightened ones of a layer
    /// above it (`chain`: the layer's, highest first).
    fn layer_references(
        &self,
        li: usize,
        layer: &Layer,
        chain: &[usize],
        problems: &mut Vec<BundleProblem>,
    ) {
        let file = format!("{}/jurisdiction.toml", layer.id);
        let text = self.files.get(&file).unwrap_or_default();
        let above = |id: &str| {
            self.rules.iter().any(|r| {
                r.id == id
                    && self
                        .layers
                        .position(&r.layer)
                        .is_some_and(|lj| lj != li && chain.contains(&lj))
            })
        };
        let mut problem = |needle: &str, message: String| {
            let offset = text.find(&format!("\"{needle}\"")).map_or(0, |o| o + 1);
            problems.push(
                BundleProblem::new(ProblemCode::Toml, &file, message).at_span(
                    text,
                    offset,
                    needle.len(),
                ),
            );
        };
        for entry in &layer.not_encoded {
            for id in &entry.repeats {
                if !above(id) {
                    problem(id, format!("`[[not_encoded]]` of {}: `repeats` names `{id}`, which is not a rule of a layer above `{}`", entry.articles.join(", "), layer.id));
                }
            }
        }
        for entry in &layer.tightens {
            if !self
                .rules
                .iter()
                .any(|r| r.id == entry.rule && r.layer == layer.id)
            {
                problem(
                    &entry.rule,
                    format!(
                        "`[[tightens]]`: `{}` is not a rule of layer `{}`",
                        entry.rule, layer.id
                    ),
                );
            }
            if entry.higher.is_empty() {
                problem(
                    &entry.rule,
                    format!("`[[tightens]]` of `{}`: `higher` names no rule", entry.rule),
                );
            }
            for id in &entry.higher {
                if !above(id) {
                    problem(
                        id,
                        format!(
                            "`[[tightens]]` of `{}`: `{id}` is not a rule of a layer above `{}`",
                            entry.rule, layer.id
                        ),
                    );
                }
            }
        }
    }

    /// The checks that need the rule's chain (layer indexes, highest first).
    fn in_chain(&self, rule: &Rule, li: usize, chain: &[usize], problems: &mut Vec<BundleProblem>) {
        let layers = self.layers;
        // Overrides name a rule of a lower layer (a lower layer whose own
        // chain is broken has its problem already).
        if let Some(target) = &rule.overrides {
            let lower = self.rules.iter().find(|r| &r.id == target);
            let ok = match lower.and_then(|r| layers.position(&r.layer)) {
                None => false,
                Some(lj) => lj != li && layers.is_above(li, lj).unwrap_or(true),
            };
            if !ok {
                let why = match lower {
                    None => "no rule has that id".to_string(),
                    Some(r) => format!(
                        "`{}` is in layer `{}`, which is not below `{}`",
                        r.id, r.layer, rule.layer
                    ),
                };
                problems.push(self.locate(
                    rule,
                    "@overrides",
                    ProblemCode::Overrides,
                    format!("`@overrides(\"{target}\")` must name a rule of a lower layer: {why}"),
                ));
            }
        }
        // Temporal reads and due/each references resolve in the chain.
        let definitions = self.definitions;
        let find_def = |name: &str| {
            definitions.list.iter().enumerate().find(|(di, d)| {
                d.name == name
                    && definitions
                        .layer
                        .get(*di)
                        .is_some_and(|l| chain.contains(l))
            })
        };
        for name in rule.temporal_reads() {
            if find_def(name).is_none() {
                problems.push(self.locate(rule, &format!("temporal.{name}"), ProblemCode::Temporal, format!(
                    "`context.temporal.{name}` is not defined by a *.rules file of layer `{}` or a layer above it", rule.layer
                )));
            }
        }
        for (key, wanted, value) in [
            ("@due", DefKind::Due, &rule.due),
            ("@each", DefKind::Each, &rule.each),
        ] {
            if let Some(name) = value {
                match find_def(name) {
                    Some((_, d)) if d.kind == wanted => {}
                    Some((_, d)) => problems.push(self.locate(rule, key, ProblemCode::Temporal, format!(
                        "`{key}(\"{name}\")` names a `{:?}` definition ({}:{}), not a `{wanted:?}`", d.kind, d.file, d.line
                    ))),
                    None => problems.push(self.locate(rule, key, ProblemCode::Temporal, format!(
                        "`{key}(\"{name}\")` names no temporal definition in the chain of `{}`", rule.layer
                    ))),
                }
            }
        }
    }
}

type Window = (Option<NaiveDate>, Option<NaiveDate>);

fn effective_window(rule: &Rule, layer: &Layer) -> Window {
    let doc = layer.document(&rule.document);
    let from = [rule.in_force_from, doc.map(|d| d.in_force_from)]
        .into_iter()
        .flatten()
        .max();
    let until = [rule.in_force_until, doc.and_then(|d| d.in_force_until)]
        .into_iter()
        .flatten()
        .min();
    (from, until)
}

fn overlaps(a: Window, b: Window) -> bool {
    let starts_before_end = |(from, _): Window, (_, until): Window| match (from, until) {
        (Some(f), Some(u)) => f <= u,
        _ => true,
    };
    starts_before_end(a, b) && starts_before_end(b, a)
}
