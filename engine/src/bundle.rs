//! Loading a policy bundle: the vocabulary, the schema, every layer's
//! documents, Cedar policies and temporal definitions — all validated, every
//! problem reported with its file and line. A bundle with any problem is not
//! loaded at all: the engine never runs on a partial bundle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use cedar_policy::{PolicyId, PolicySet, Schema, SchemaFragment, ValidationMode, Validator};
use miette::Diagnostic;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{BundleError, BundleProblem};
use crate::layers::{chain_of, parse_layer, Layer};
use crate::rule::{compile_rule, Effect, Rule};
use crate::temporal::{parse_rules, DefKind, Definition};
use crate::vocabulary::{FactType, Vocabulary, OBJECTS};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_bundle.rs"));
}

/// The files of the embedded bundle: (path relative to `policies/`, text).
#[cfg(test)]
pub(crate) fn embedded_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    embedded::FILES.iter().copied()
}

/// A loaded, validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub(crate) vocab: Vocabulary,
    pub(crate) layers: Vec<Layer>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) definitions: Vec<Definition>,
    /// Layer index of each definition.
    pub(crate) definition_layer: Vec<usize>,
    #[allow(dead_code)]
    pub(crate) schema: Schema,
    /// `schema.cedarschema` with the generated `Temporal` type appended.
    pub(crate) full_schema: String,
    pub(crate) version: String,
    pub(crate) files: Vec<(String, String)>,
}

impl Bundle {
    /// The bundle compiled into the library from `policies/`.
    pub fn embedded() -> Result<Bundle, BundleError> {
        Bundle::from_files(
            embedded::FILES
                .iter()
                .map(|(p, c)| (p.to_string(), c.to_string()))
                .collect(),
        )
    }

    /// Loads a bundle from a directory laid out like `policies/`.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Bundle, BundleError> {
        let root = dir.as_ref();
        let mut files = Vec::new();
        let mut problems = Vec::new();
        read_dir_into(root, root, &mut files, &mut problems);
        if files.is_empty() && problems.is_empty() {
            problems.push(BundleProblem::new(
                "io",
                root.display().to_string(),
                "no bundle files here (expected facts.toml, schema.cedarschema and layer folders)",
            ));
        }
        if !problems.is_empty() {
            return Err(BundleError { problems });
        }
        Bundle::from_files(files)
    }

    /// Loads a bundle from (relative path, contents) pairs.
    pub fn from_files(mut files: Vec<(String, String)>) -> Result<Bundle, BundleError> {
        files.sort();
        Loader::default().load(files)
    }

    /// `sha256:<hex>` of every file, in path order.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The vocabulary.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocab
    }

    /// All layers.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// All rules (every version of every policy).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// All temporal definitions.
    pub fn definitions(&self) -> &[Definition] {
        &self.definitions
    }

    /// The complete Cedar schema the policies are validated against:
    /// `schema.cedarschema` followed by the `type Temporal` generated from
    /// the `*.rules` files (one `Bool` per `fact` and `each` definition).
    /// What `pdao schema` prints, for the official Cedar tools.
    pub fn cedar_schema(&self) -> &str {
        &self.full_schema
    }

    /// The files the bundle was loaded from.
    pub fn files(&self) -> &[(String, String)] {
        &self.files
    }

    /// The layer with this id.
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }
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
                "io",
                dir.display().to_string(),
                format!("cannot read the directory: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
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
        let wanted = rel == "facts.toml"
            || rel == "schema.cedarschema"
            || rel.ends_with("/jurisdiction.toml")
            || rel.ends_with(".cedar")
            || rel.ends_with(".rules");
        if !wanted {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((rel, text)),
                Err(_) => {
                    problems.push(BundleProblem::new("io", rel, "the file is not valid UTF-8"))
                }
            },
            Err(e) => problems.push(BundleProblem::new("io", rel, format!("cannot read: {e}"))),
        }
    }
}

#[derive(Default)]
struct Loader {
    problems: Vec<BundleProblem>,
}

/// Where a policy came from, for locating validation errors.
/// Where a policy of the combined set comes from: its file, the file's
/// text and where the policy starts in it.
struct Origin<'f> {
    file: &'f str,
    text: &'f str,
    start: usize,
}

impl Loader {
    /// Reports the syntax errors of a `.cedar` file that did not parse, with
    /// Cedar's messages and spans.
    fn syntax_problems(&mut self, path: &str, text: &str) {
        match PolicySet::from_str(text) {
            Ok(_) => self.problems.push(BundleProblem::new(
                "syntax",
                path,
                "the policies could not be parsed",
            )),
            Err(errors) => {
                for e in errors.iter() {
                    let problem = BundleProblem::new("syntax", path, e.to_string());
                    self.problems.push(match first_span(e) {
                        Some((o, l)) => problem.at_span(text, o, l),
                        None => problem,
                    });
                }
            }
        }
    }

    fn load(mut self, files: Vec<(String, String)>) -> Result<Bundle, BundleError> {
        let get = |name: &str| {
            files
                .iter()
                .find(|(p, _)| p == name)
                .map(|(_, t)| t.as_str())
        };

        // Vocabulary.
        let mut vocab = match get("facts.toml") {
            None => {
                self.problems.push(BundleProblem::new(
                    "vocabulary",
                    "facts.toml",
                    "missing: the bundle needs its fact vocabulary",
                ));
                Vocabulary::default()
            }
            Some(text) => Vocabulary::from_toml(text).unwrap_or_else(|e| {
                self.problems.push(
                    BundleProblem::new("vocabulary", "facts.toml", e.message).at_line(e.line),
                );
                Vocabulary::default()
            }),
        };

        // Layers.
        let mut layers = Vec::new();
        for (path, text) in &files {
            if let Some(folder) = path.strip_suffix("/jurisdiction.toml") {
                match parse_layer(path, folder, text) {
                    Ok(layer) => layers.push(layer),
                    Err(problem) => self.problems.push(*problem),
                }
            }
        }
        for layer in &layers {
            if let Some(parent) = &layer.parent {
                if !layers.iter().any(|l| &l.id == parent) {
                    let file = format!("{}/jurisdiction.toml", layer.id);
                    let text = get(&file).unwrap_or_default();
                    let offset = text.find("parent").unwrap_or(0);
                    self.problems.push(
                        BundleProblem::new(
                            "toml",
                            &file,
                            format!("parent layer `{parent}` does not exist"),
                        )
                        .at_span(text, offset, 6),
                    );
                }
            }
            if chain_of(&layers, &layer.id)
                .first()
                .and_then(|i| layers.get(*i))
                .is_some_and(|top| top.parent.is_some())
            {
                self.problems.push(BundleProblem::new(
                    "toml",
                    format!("{}/jurisdiction.toml", layer.id),
                    "the parent chain has a cycle",
                ));
            }
        }

        // Temporal definitions.
        let mut definitions = Vec::new();
        let mut definition_layer = Vec::new();
        for (path, text) in &files {
            if !path.ends_with(".rules") {
                continue;
            }
            let Some(li) = self.layer_of(path, &layers, text) else {
                continue;
            };
            match parse_rules(path, text, &vocab) {
                Ok(file) => {
                    for def in file.definitions {
                        definitions.push(def);
                        definition_layer.push(li);
                    }
                }
                Err(e) => self.problems.push(
                    BundleProblem::new("temporal", path, e.message.clone())
                        .at_span(text, e.span.0, e.span.1),
                ),
            }
        }
        // Names are unique within every chain.
        for (i, def) in definitions.iter().enumerate() {
            for (j, other) in definitions.iter().enumerate().skip(i + 1) {
                if def.name != other.name {
                    continue;
                }
                let (li, lj) = (
                    definition_layer.get(i).copied(),
                    definition_layer.get(j).copied(),
                );
                let related = match (li, lj) {
                    (Some(a), Some(b)) => {
                        a == b || self.is_ancestor(&layers, a, b) || self.is_ancestor(&layers, b, a)
                    }
                    _ => true,
                };
                if related {
                    self.problems.push(BundleProblem::new(
                        "temporal",
                        &other.file,
                        format!("temporal definition `{}` is already defined in {}:{} of the same chain", other.name, def.file, def.line),
                    ).at_line(Some(other.line)));
                }
            }
        }

        // Schema, with the generated Temporal record.
        let schema_text = get("schema.cedarschema").unwrap_or_default().to_string();
        if get("schema.cedarschema").is_none() {
            self.problems.push(BundleProblem::new(
                "schema",
                "schema.cedarschema",
                "missing: the bundle needs its Cedar schema",
            ));
        }
        let temporal_names: BTreeSet<&str> = definitions
            .iter()
            .filter(|d| d.kind != DefKind::Due)
            .map(|d| d.name.as_str())
            .collect();
        let generated = format!(
            "\n// Generated by pdao from the *.rules files: one Bool per `fact` and `each`\n// definition, read by the policies as `context.temporal.<name>`.\ntype Temporal = {{\n{}}};\n",
            temporal_names
                .iter()
                .map(|n| format!("  {n}: Bool,\n"))
                .collect::<String>()
        );
        let full_schema = format!("{schema_text}{generated}");
        let fragment = match SchemaFragment::from_cedarschema_str(&full_schema) {
            Ok((fragment, _warnings)) => Some(fragment),
            Err(e) => {
                let problem = BundleProblem::new("schema", "schema.cedarschema", e.to_string());
                self.problems.push(match first_span(&e) {
                    Some((offset, len)) if offset < schema_text.len() => {
                        problem.at_span(&schema_text, offset, len)
                    }
                    _ => problem,
                });
                None
            }
        };
        if let Some(fragment) = &fragment {
            self.check_vocabulary_against_schema(&vocab, fragment, &schema_text);
        }
        let schema = match fragment.map(|f| Schema::from_schema_fragments([f]).map_err(Box::new)) {
            Some(Ok(schema)) => Some(schema),
            Some(Err(e)) => {
                self.problems.push(BundleProblem::new(
                    "schema",
                    "schema.cedarschema",
                    e.to_string(),
                ));
                None
            }
            None => None,
        };
        if let Some(schema) = &schema {
            // Sorted: the schema yields them in hash-map order, and the
            // `unknown_action` message lists them.
            let mut actions: Vec<String> = schema
                .actions()
                .map(|a| a.id().unescaped().to_string())
                .collect();
            actions.sort();
            let mut jurisdictions: Vec<String> = layers.iter().map(|l| l.id.clone()).collect();
            jurisdictions.sort();
            vocab.set_scope(actions, jurisdictions);
        }

        // Policies.
        let mut rules: Vec<Rule> = Vec::new();
        let mut origins: BTreeMap<String, Origin<'_>> = BTreeMap::new();
        let mut all = PolicySet::new();
        for (path, text) in &files {
            if !path.ends_with(".cedar") {
                continue;
            }
            let Some(li) = self.layer_of(path, &layers, text) else {
                continue;
            };
            let layer_id = layers.get(li).map(|l| l.id.clone()).unwrap_or_default();
            // One parse per file: Cedar's text parser gives the policies'
            // JSON form (EST, which pdao analyses) and their positions
            // together. The text form is parsed again only to report
            // errors with Cedar's own messages and spans.
            let (ests, set) =
                match cedar_policy_core::parser::parse_policyset_to_ests_and_pset(text) {
                    Ok(parsed) => parsed,
                    Err(_) => {
                        self.syntax_problems(path, text);
                        continue;
                    }
                };
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
                    _ => self.problems.push(
                        BundleProblem::new("syntax", path, "internal: a policy has no JSON form")
                            .at_span(text, offset, 6),
                    ),
                }
            }
            located.sort_by_key(|(span, _, _)| *span);
            for (span, policy, est) in located {
                let offset = span.0;
                let line = crate::vocabulary::line_of(text, offset);
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
                    self.problems.push(
                        BundleProblem::new("syntax", path, e.to_string()).at_line(Some(line)),
                    );
                }
                match compile_rule(&policy, est, &layer_id, path, line, rules.len()) {
                    Ok(rule) => rules.push(rule),
                    Err(e) => {
                        let near = e.near.as_deref().and_then(|n| {
                            text.get(offset..)
                                .and_then(|t| t.find(n))
                                .map(|o| (o + offset, n.len()))
                        });
                        let problem = BundleProblem::new("annotation", path, e.message);
                        self.problems.push(match near {
                            Some((o, l)) => problem.at_span(text, o, l),
                            None => problem.at_span(text, offset, 6),
                        });
                    }
                }
            }
        }

        // Strict validation against the schema.
        if let Some(schema) = &schema {
            let result = Validator::new(schema.clone()).validate(&all, ValidationMode::Strict);
            // Cedar reports them in the order of a hash map (per action):
            // sorted, the same bundle gives the same problems every run.
            let mut found = Vec::new();
            for error in result.validation_errors() {
                let id = error.policy_id().to_string();
                let Some(origin) = origins.get(&id) else {
                    found.push(BundleProblem::new("schema", &id, error.to_string()));
                    continue;
                };
                let problem = BundleProblem::new("schema", origin.file, error.to_string());
                found.push(match first_span(error) {
                    Some((offset, len)) => problem.at_span(origin.text, offset, len),
                    None => problem.at_span(origin.text, origin.start, 6),
                });
            }
            found.sort_by(|a, b| {
                (&a.file, a.line, a.column, &a.message)
                    .cmp(&(&b.file, b.line, b.column, &b.message))
            });
            self.problems.extend(found);
        }

        self.check_rules(&rules, &layers, &definitions, &definition_layer, &files);
        self.check_layer_references(&rules, &layers, &files);

        if !self.problems.is_empty() {
            return Err(BundleError {
                problems: self.problems,
            });
        }
        let Some(schema) = schema else {
            return Err(BundleError {
                problems: vec![BundleProblem::new(
                    "schema",
                    "schema.cedarschema",
                    "the schema could not be loaded",
                )],
            });
        };
        let mut hasher = Sha256::new();
        for (path, text) in &files {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        let version = format!(
            "sha256:{}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        // Files are sorted by path, so layers are in folder order already.
        Ok(Bundle {
            vocab,
            layers,
            rules,
            definitions,
            definition_layer,
            schema,
            full_schema,
            version,
            files,
        })
    }

    fn layer_of(&mut self, path: &str, layers: &[Layer], text: &str) -> Option<usize> {
        let folder = path.split('/').next().unwrap_or_default();
        let found = layers.iter().position(|l| l.id == folder);
        if found.is_none() || !path.contains('/') {
            self.problems.push(
                BundleProblem::new("toml", path, format!("`{folder}` is not a layer: policy files live in a layer folder with a jurisdiction.toml"))
                    .at_span(text, 0, 0),
            );
        }
        found
    }

    fn is_ancestor(&self, layers: &[Layer], ancestor: usize, of: usize) -> bool {
        let Some(layer) = layers.get(of) else {
            return false;
        };
        let chain = chain_of(layers, &layer.id);
        chain.contains(&ancestor) && ancestor != of
    }

    fn check_vocabulary_against_schema(
        &mut self,
        vocab: &Vocabulary,
        fragment: &SchemaFragment,
        schema_text: &str,
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
                self.problems.push(schema_at(
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
                    None => self.problems.push(schema_at(
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
                            self.problems.push(schema_at(schema_text, &format!("{name}:"), format!("`{path}` is {cedar_type} in the schema but {} in facts.toml (expected {expected})", def.ty.describe())));
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
                    self.problems.push(BundleProblem::new(
                        "vocabulary",
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

    /// `repeats` of `[[not_encoded]]` and `[[tightens]]` name rules: the
    /// lower rule of this layer, the repeated or tightened ones of a layer
    /// above it.
    fn check_layer_references(
        &mut self,
        rules: &[Rule],
        layers: &[Layer],
        files: &[(String, String)],
    ) {
        for (li, layer) in layers.iter().enumerate() {
            let file = format!("{}/jurisdiction.toml", layer.id);
            let text = files
                .iter()
                .find(|(p, _)| *p == file)
                .map(|(_, t)| t.as_str())
                .unwrap_or_default();
            let chain = chain_of(layers, &layer.id);
            let above = |id: &str| {
                rules.iter().any(|r| {
                    r.id == id
                        && layers
                            .iter()
                            .position(|l| l.id == r.layer)
                            .is_some_and(|lj| lj != li && chain.contains(&lj))
                })
            };
            let mut problem = |needle: &str, message: String| {
                let offset = text.find(&format!("\"{needle}\"")).map_or(0, |o| o + 1);
                self.problems
                    .push(BundleProblem::new("toml", &file, message).at_span(
                        text,
                        offset,
                        needle.len(),
                    ));
            };
            for entry in &layer.not_encoded {
                for id in &entry.repeats {
                    if !above(id) {
                        problem(id, format!("`[[not_encoded]]` of {}: `repeats` names `{id}`, which is not a rule of a layer above `{}`", entry.articles.join(", "), layer.id));
                    }
                }
            }
            for entry in &layer.tightens {
                if !rules
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
                        problem(id, format!("`[[tightens]]` of `{}`: `{id}` is not a rule of a layer above `{}`", entry.rule, layer.id));
                    }
                }
            }
        }
    }

    fn check_rules(
        &mut self,
        rules: &[Rule],
        layers: &[Layer],
        definitions: &[Definition],
        definition_layer: &[usize],
        files: &[(String, String)],
    ) {
        let text_of = |file: &str| {
            files
                .iter()
                .find(|(p, _)| p == file)
                .map(|(_, t)| t.as_str())
                .unwrap_or_default()
        };
        let locate = |rule: &Rule, needle: &str, code: &'static str, message: String| {
            let text = text_of(&rule.file);
            let start = line_offset(text, rule.line);
            let problem = BundleProblem::new(code, &rule.file, message);
            match text.get(start..).and_then(|t| t.find(needle)) {
                Some(o) => problem.at_span(text, start + o, needle.len()),
                None => problem.at_span(text, start, 0),
            }
        };
        let layer_pos = |id: &str| layers.iter().position(|l| l.id == id);
        for (i, rule) in rules.iter().enumerate() {
            let Some(li) = layer_pos(&rule.layer) else {
                continue;
            };
            let Some(layer) = layers.get(li) else {
                continue;
            };
            // Document.
            let document = layer.document(&rule.document);
            if document.is_none() {
                self.problems.push(locate(rule, "@document", "document", format!(
                    "`@document(\"{}\")` is not a document of layer `{}` (its jurisdiction.toml has: {})",
                    rule.document, rule.layer,
                    layer.documents.iter().map(|d| format!("`{}`", d.id)).collect::<Vec<_>>().join(", ")
                )));
            }
            if document.is_some_and(|d| d.seed.is_none()) && rule.outside_seeds.is_none() {
                self.problems.push(locate(
                    rule,
                    "@id",
                    "annotation",
                    format!(
                        "`{}` cites a document outside the seeds and needs `@outside_seeds(\"…\")`",
                        rule.id
                    ),
                ));
            }
            // Versions: one id, non-overlapping windows.
            for other in rules.iter().skip(i + 1).filter(|o| o.id == rule.id) {
                let a = effective_window(rule, layer);
                let b = layer_pos(&other.layer)
                    .and_then(|j| layers.get(j))
                    .map(|l| effective_window(other, l));
                if b.is_some_and(|b| overlaps(a, b)) {
                    self.problems.push(locate(other, "@id", "duplicate_id", format!(
                        "rule `{}` is defined twice with overlapping windows (also at {}:{}); versions of one rule need non-overlapping @in_force_from/@in_force_until",
                        other.id, rule.file, rule.line
                    )));
                } else if other.file == rule.file {
                    // Cedar's own tools (`cedar validate`, `cedar format`,
                    // the language server) name a policy by its `@id` and
                    // refuse a file that holds two policies with one id.
                    self.problems.push(locate(other, "@id", "duplicate_id", format!(
                        "rule `{}` has a second version in the same file (also at {}:{}); put each version in a file of its own, as Cedar's tools name a policy by its @id",
                        other.id, rule.file, rule.line
                    )));
                }
            }
            // Overrides name a rule of a lower layer.
            if let Some(target) = &rule.overrides {
                let lower = rules.iter().find(|r| &r.id == target);
                let ok = lower.is_some_and(|r| {
                    layer_pos(&r.layer)
                        .is_some_and(|lj| lj != li && chain_of(layers, &r.layer).contains(&li))
                });
                if !ok {
                    let why = match lower {
                        None => "no rule has that id".to_string(),
                        Some(r) => format!(
                            "`{}` is in layer `{}`, which is not below `{}`",
                            r.id, r.layer, rule.layer
                        ),
                    };
                    self.problems.push(locate(
                        rule,
                        "@overrides",
                        "overrides",
                        format!(
                            "`@overrides(\"{target}\")` must name a rule of a lower layer: {why}"
                        ),
                    ));
                }
            }
            // Temporal reads and due/each references resolve in the chain.
            let chain = chain_of(layers, &rule.layer);
            let find_def = |name: &str| {
                definitions.iter().enumerate().find(|(di, d)| {
                    d.name == name && definition_layer.get(*di).is_some_and(|l| chain.contains(l))
                })
            };
            for name in rule.temporal_reads() {
                if find_def(name).is_none() {
                    self.problems.push(locate(rule, &format!("temporal.{name}"), "temporal", format!(
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
                        Some((_, d)) => self.problems.push(locate(rule, key, "temporal", format!(
                            "`{key}(\"{name}\")` names a `{:?}` definition ({}:{}), not a `{wanted:?}`", d.kind, d.file, d.line
                        ))),
                        None => self.problems.push(locate(rule, key, "temporal", format!(
                            "`{key}(\"{name}\")` names no temporal definition in the chain of `{}`", rule.layer
                        ))),
                    }
                }
            }
            if rule.effect != Effect::Obligation && rule.attaches != crate::rule::Attaches::Always {
                self.problems.push(locate(
                    rule,
                    "@attaches",
                    "annotation",
                    "`@attaches` is only for obligations".into(),
                ));
            }
        }
    }
}

fn schema_at(schema_text: &str, needle: &str, message: String) -> BundleProblem {
    let problem = BundleProblem::new("schema", "schema.cedarschema", message);
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

fn line_offset(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

type Window = (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>);

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

/// The first labelled span of a miette diagnostic: (offset, length).
fn first_span(diagnostic: &dyn Diagnostic) -> Option<(usize, usize)> {
    if let Some(mut labels) = diagnostic.labels() {
        if let Some(label) = labels.next() {
            return Some((label.offset(), label.len()));
        }
    }
    let mut related = diagnostic.related()?;
    related.find_map(first_span)
}
