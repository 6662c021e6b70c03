//! Phase 4, the schema: `schema.cedarschema` with the `Temporal` record
//! generated from the definitions, checked against the fact vocabulary;
//! the actions it declares and the layers become the vocabulary's scope.

use std::collections::BTreeSet;

use cedar_policy::{Schema, SchemaFragment};
use serde_json::Value;

use crate::error::{BundleProblem, ProblemCode};
use crate::temporal::{DefKind, Definition};
use crate::vocabulary::{FactType, Vocabulary, OBJECTS};

use super::files::Files;
use super::layers::Layers;

const SCHEMA: &str = "schema.cedarschema";

/// The schema, or `None` (with its problems) when it cannot be built.
pub(crate) fn phase(
    files: &Files,
    definitions: &[Definition],
    layers: &Layers,
    vocab: &mut Vocabulary,
    problems: &mut Vec<BundleProblem>,
) -> Option<Schema> {
    let schema_text = files.get(SCHEMA).unwrap_or_default().to_string();
    if files.get(SCHEMA).is_none() {
        problems.push(BundleProblem::new(
            ProblemCode::Schema,
            SCHEMA,
            "missing: the bundle needs its Cedar schema",
        ));
    }
    let temporal_names: BTreeSet<&str> = definitions
        .iter()
        .filter(|d| d.kind != DefKind::Due)
        .map(|d| d.name.as_str())
        .collect();
    let generated = format!(
        "\n// generated from the *.rules files\ntype Temporal = {{ {} }};\n",
        temporal_names
            .iter()
            .map(|n| format!("{n}: Bool"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let full_schema = format!("{schema_text}{generated}");
    let fragment = match SchemaFragment::from_cedarschema_str(&full_schema) {
        Ok((fragment, _warnings)) => Some(fragment),
        Err(e) => {
            let problem = BundleProblem::new(ProblemCode::Schema, SCHEMA, e.to_string());
            problems.push(match super::first_span(&e) {
                Some((offset, len)) if offset < schema_text.len() => {
                    problem.at_span(&schema_text, offset, len)
                }
                _ => problem,
            });
            None
        }
    };
    if let Some(fragment) = &fragment {
        vocabulary_agrees(vocab, fragment, &schema_text, problems);
    }
    let schema = match fragment.map(|f| Schema::from_schema_fragments([f]).map_err(Box::new)) {
        Some(Ok(schema)) => Some(schema),
        Some(Err(e)) => {
            problems.push(BundleProblem::new(
                ProblemCode::Schema,
                SCHEMA,
                e.to_string(),
            ));
            None
        }
        None => None,
    };
    if let Some(schema) = &schema {
        // Sorted: Cedar keeps the actions in a hash map, whose order changes
        // from one process to the next (and with it the "expected one of"
        // list of an unknown action and the order generators draw pairs in).
        let mut actions: Vec<String> = schema
            .actions()
            .map(|a| a.id().unescaped().to_string())
            .collect();
        actions.sort();
        let mut jurisdictions: Vec<String> = layers.list.iter().map(|l| l.id.clone()).collect();
        jurisdictions.sort();
        vocab.set_scope(actions, jurisdictions);
    }
    schema
}

/// Every `<Object>Facts` record of the schema holds exactly the facts of
/// `facts.toml`, each of the matching Cedar type.
fn vocabulary_agrees(
    vocab: &Vocabulary,
    fragment: &SchemaFragment,
    schema_text: &str,
    problems: &mut Vec<BundleProblem>,
) {
    let Ok(json) = fragment.clone().to_json_value() else {
        return;
    };
    let common = json.get("").and_then(|ns| ns.get("commonTypes"));
    for object in OBJECTS {
        let type_name = format!(
            "{}{}Facts",
            object.get(..1).unwrap_or_default().to_uppercase(),
            object.get(1..).unwrap_or_default()
        );
        let attrs = common
            .and_then(|c| c.get(&type_name))
            .and_then(|t| t.get("attributes"))
            .and_then(Value::as_object);
        let Some(attrs) = attrs else {
            problems.push(schema_at(
                schema_text,
                &type_name,
                format!("the schema has no record type `{type_name}` for `{object}` facts"),
            ));
            continue;
        };
        for (name, attr) in attrs {
            let path = format!("{object}.{name}");
            let cedar_type = cedar_type_name(attr);
            match vocab.fact(&path) {
                None => problems.push(schema_at(
                    schema_text,
                    &format!("{name}:"),
                    format!("schema attribute `{path}` is not in facts.toml"),
                )),
                Some(def) => {
                    let expected = match def.ty {
                        FactType::Bool => "Bool",
                        FactType::Int => "Long",
                        FactType::Date | FactType::String | FactType::Enum(_) => "String",
                        FactType::List(_) => "Set<String>",
                    };
                    if cedar_type != expected {
                        problems.push(schema_at(
                            schema_text,
                            &format!("{name}:"),
                            format!(
                                "`{path}` is {cedar_type} in the schema but {} in facts.toml (expected {expected})",
                                def.ty.describe()
                            ),
                        ));
                    }
                }
            }
        }
        for def in vocab
            .facts()
            .filter(|f| f.path.starts_with(&format!("{object}.")))
        {
            let name = def.path.split('.').nth(1).unwrap_or_default();
            if !attrs.contains_key(name) {
                problems.push(BundleProblem::new(
                    ProblemCode::Vocabulary,
                    "facts.toml",
                    format!(
                        "fact `{}` is not declared in the schema's `{type_name}`",
                        def.path
                    ),
                ));
            }
        }
    }
}

fn schema_at(schema_text: &str, needle: &str, message: String) -> BundleProblem {
    let problem = BundleProblem::new(ProblemCode::Schema, SCHEMA, message);
    match schema_text.find(needle) {
        Some(o) => problem.at_span(schema_text, o, needle.len()),
        None => problem,
    }
}

fn cedar_type_name(attr: &Value) -> String {
    match attr.get("type").and_then(Value::as_str) {
        Some("Boolean") | Some("Bool") => "Bool".into(),
        Some("Long") => "Long".into(),
        Some("String") => "String".into(),
        Some("Set") => format!(
            "Set<{}>",
            attr.get("element").map(cedar_type_name).unwrap_or_default()
        ),
        Some("EntityOrCommon") => match attr.get("name").and_then(Value::as_str) {
            Some("Bool") | Some("Boolean") => "Bool".into(),
            Some(other) => other.to_string(),
            None => "?".into(),
        },
        Some(other) => other.to_string(),
        None => "?".into(),
    }
}
