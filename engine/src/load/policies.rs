//! Phase 5, the policies: every `<layer>/*.cedar` file parsed once (Cedar's
//! AST and its JSON form together), each policy compiled into a [`Rule`]
//! with its probes, and the whole set validated strictly against the
//! schema, each validation error located in its file.

use std::collections::BTreeMap;
use std::str::FromStr;

use cedar_policy::{PolicyId, PolicySet, Schema, ValidationMode, Validator};
use serde_json::Value;

use crate::error::{BundleProblem, ProblemCode};
use crate::rule::{compile_rule, Rule};

use super::files::Files;
use super::layers::Layers;
use super::span::line_of;

/// Where a policy of the combined set comes from: its file, the file's
/// text and where the policy starts in it.
struct Origin<'f> {
    file: &'f str,
    text: &'f str,
    start: usize,
}

/// The rules of every policy file, in file order then position.
pub(crate) fn phase(
    files: &Files,
    layers: &Layers,
    schema: Option<&Schema>,
    problems: &mut Vec<BundleProblem>,
) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut origins: BTreeMap<String, Origin<'_>> = BTreeMap::new();
    let mut all = PolicySet::new();
    // Every probe under the id the engine gives it: a probe that could not
    // join a policy set would be missing at evaluation, so it is refused
    // here instead.
    let mut probes = PolicySet::new();
    for (path, text) in files.ending_with(".cedar") {
        let Some(li) = super::layer_of(files, path, text, layers, problems) else {
            continue;
        };
        let layer_id = layers
            .list
            .get(li)
            .map(|l| l.id.clone())
            .unwrap_or_default();
        // One parse per file: Cedar's text parser gives the policies'
        // JSON form (EST, which pdao analyses) and their positions
        // together. The text form is parsed again only to report
        // errors with Cedar's own messages and spans.
        let (ests, set) = match cedar_policy_core::parser::parse_policyset_to_ests_and_pset(text) {
            Ok(parsed) => parsed,
            Err(_) => {
                syntax_problems(path, text, problems);
                continue;
            }
        };
        for template in set.templates() {
            let offset = template.loc().map_or(0, |loc| loc.start());
            problems.push(
                BundleProblem::new(
                    ProblemCode::Syntax,
                    path,
                    "a template (a policy with `?principal` or `?resource` slots) is not a rule: write the policy without slots",
                )
                .at_span(text, offset, 6),
            );
        }
        // Policies in file order, located by their span.
        let mut located: Vec<((usize, usize), cedar_policy::Policy, Value)> = Vec::new();
        for policy in set.policies() {
            let span = policy.loc().map_or((0, 0), |loc| (loc.start(), loc.end()));
            let offset = span.0;
            // The API policy wraps the parsed AST as is (source spans
            // kept for validation errors): `From<ast::Policy>` of the
            // exactly pinned cedar-policy.
            match ests.get(policy.id()).map(serde_json::to_value) {
                Some(Ok(est)) => {
                    located.push((span, cedar_policy::Policy::from(policy.clone()), est));
                }
                _ => problems.push(
                    BundleProblem::new(
                        ProblemCode::Syntax,
                        path,
                        "internal: a policy has no JSON form",
                    )
                    .at_span(text, offset, 6),
                ),
            }
        }
        located.sort_by_key(|(span, _, _)| *span);
        for (span, policy, est) in located {
            let offset = span.0;
            let line = line_of(text, offset);
            let unique = format!("{path}#{line}");
            let renamed = policy.new_id(PolicyId::new(unique.clone()));
            origins.insert(
                unique,
                Origin {
                    file: path,
                    text,
                    start: offset,
                },
            );
            if let Err(e) = all.add(renamed) {
                problems.push(
                    BundleProblem::new(ProblemCode::Syntax, path, e.to_string())
                        .at_line(Some(line)),
                );
            }
            match compile_rule(&policy, est, &layer_id, path, line, rules.len()) {
                Ok(rule) => {
                    if let Err(e) = add_probes(&mut probes, &rule) {
                        problems.push(
                            BundleProblem::new(
                                ProblemCode::Syntax,
                                path,
                                format!(
                                    "internal: the probes of `{}` cannot be evaluated: {e}",
                                    rule.id
                                ),
                            )
                            .at_span(text, offset, 6),
                        );
                    }
                    rules.push(rule);
                }
                Err(e) => {
                    let near = e.near.as_deref().and_then(|n| {
                        text.get(offset..)
                            .and_then(|t| t.find(n))
                            .map(|o| (o + offset, n.len()))
                    });
                    let problem = BundleProblem::new(ProblemCode::Annotation, path, e.message);
                    problems.push(match near {
                        Some((o, l)) => problem.at_span(text, o, l),
                        None => problem.at_span(text, offset, 6),
                    });
                }
            }
        }
    }
    if let Some(schema) = schema {
        validate(schema, &all, &origins, problems);
    }
    rules
}

/// Adds a rule's probes under their own ids: fails on a duplicate id or a
/// probe that is not a static policy.
pub(super) fn add_probes(set: &mut PolicySet, rule: &Rule) -> Result<(), String> {
    set.add(rule.decides_probe.clone())
        .map_err(|e| e.to_string())?;
    if let Some(applies) = &rule.applies_probe {
        set.add(applies.clone()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Strict validation of the whole set against the schema.
fn validate(
    schema: &Schema,
    all: &PolicySet,
    origins: &BTreeMap<String, Origin<'_>>,
    problems: &mut Vec<BundleProblem>,
) {
    let result = Validator::new(schema.clone()).validate(all, ValidationMode::Strict);
    // Cedar reports them in the order of a hash map (per action): sorted,
    // the same bundle gives the same problems every run.
    let mut found = Vec::new();
    for error in result.validation_errors() {
        let id = error.policy_id().to_string();
        let Some(origin) = origins.get(&id) else {
            found.push(BundleProblem::new(
                ProblemCode::Schema,
                &id,
                error.to_string(),
            ));
            continue;
        };
        let problem = BundleProblem::new(ProblemCode::Schema, origin.file, error.to_string());
        found.push(match super::first_span(error) {
            Some((offset, len)) => problem.at_span(origin.text, offset, len),
            None => problem.at_span(origin.text, origin.start, 6),
        });
    }
    found.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    problems.extend(found);
}

/// Reports the syntax errors of a `.cedar` file that did not parse, with
/// Cedar's messages and spans.
fn syntax_problems(path: &str, text: &str, problems: &mut Vec<BundleProblem>) {
    match PolicySet::from_str(text) {
        Ok(_) => problems.push(BundleProblem::new(
            ProblemCode::Syntax,
            path,
            "the policies could not be parsed",
        )),
        Err(errors) => {
            for e in errors.iter() {
                let problem = BundleProblem::new(ProblemCode::Syntax, path, e.to_string());
                problems.push(match super::first_span(e) {
                    Some((o, l)) => problem.at_span(text, o, l),
                    None => problem,
                });
            }
        }
    }
}
