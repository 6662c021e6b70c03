//! Loading a policy bundle, in phases that each read what the one before
//! produced: the [vocabulary](vocabulary), the [layers](layers) and their
//! chains, the [temporal definitions](temporal), the [schema](schema), the
//! [policies](policies) as rules, then the [cross-checks](checks). Every
//! problem is collected with its file and line (see [`span`]); a bundle
//! with any problem is not loaded at all: the engine never runs on a
//! partial bundle.

mod checks;
mod files;
mod layers;
mod policies;
mod schema;
pub(crate) mod span;
mod temporal;
mod vocabulary;

#[cfg(test)]
pub(crate) use files::embedded_files;

use std::path::Path;

use cedar_policy::Schema;
use miette::Diagnostic;
use sha2::{Digest, Sha256};

use crate::error::{BundleError, BundleProblem, ProblemCode};
use crate::layers::Layer;
use crate::rule::Rule;
use crate::temporal::Definition;
use crate::vocabulary::Vocabulary;

use files::Files;

/// A loaded, validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub(crate) vocab: Vocabulary,
    pub(crate) layers: Vec<Layer>,
    /// Per layer (same index): its chain, layer indexes highest first.
    pub(crate) chains: Vec<Vec<usize>>,
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
    ///
    /// ```
    /// let bundle = pdao::Bundle::embedded()?;
    /// assert!(bundle.layer("hangzhou").is_some());
    /// # Ok::<(), pdao::BundleError>(())
    /// ```
    pub fn embedded() -> Result<Bundle, BundleError> {
        load(Files::embedded())
    }

    /// Loads a bundle from a directory laid out like `policies/`.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Bundle, BundleError> {
        match Files::from_dir(dir.as_ref()) {
            Ok(files) => load(files),
            Err(problems) => Err(BundleError { problems }),
        }
    }

    /// Loads a bundle from (relative path, contents) pairs.
    pub fn from_files(files: Vec<(String, String)>) -> Result<Bundle, BundleError> {
        load(Files::new(files))
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

    /// The chain of the layer `id` (itself and its ancestors, highest
    /// first) as layer indexes; empty for an unknown layer.
    pub(crate) fn chain(&self, id: &str) -> &[usize] {
        self.layers
            .iter()
            .position(|l| l.id == id)
            .and_then(|i| self.chains.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// The phases, in order; every problem of every phase, or the bundle.
fn load(files: Files) -> Result<Bundle, BundleError> {
    let mut problems = Vec::new();
    let mut vocab = vocabulary::phase(&files, &mut problems);
    let layers = layers::phase(&files, &mut problems);
    let definitions = temporal::phase(&files, &layers, &vocab, &mut problems);
    let (schema, full_schema) = schema::phase(
        &files,
        &definitions.list,
        &layers,
        &mut vocab,
        &mut problems,
    );
    let rules = policies::phase(&files, &layers, schema.as_ref(), &mut problems);
    checks::phase(&files, &rules, &layers, &definitions, &mut problems);

    if !problems.is_empty() {
        return Err(BundleError { problems });
    }
    let Some(schema) = schema else {
        return Err(BundleError {
            problems: vec![BundleProblem::new(
                ProblemCode::Schema,
                "schema.cedarschema",
                "the schema could not be loaded",
            )],
        });
    };
    // Without problems, every chain is complete.
    let chains = layers
        .chains
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    // Files are sorted by path, so layers are in folder order already.
    Ok(Bundle {
        vocab,
        layers: layers.list,
        chains,
        rules,
        definitions: definitions.list,
        definition_layer: definitions.layer,
        schema,
        full_schema,
        version: version(files.all()),
        files: files.into_inner(),
    })
}

/// `sha256:<hex>` of every path and text, in path order.
fn version(files: &[(String, String)]) -> String {
    let mut hasher = Sha256::new();
    for (path, text) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// The layer a policy or rules file belongs to: the folder it is in, which
/// must be a layer's. The files of a folder whose `jurisdiction.toml` has a
/// problem of its own are skipped without another one.
fn layer_of(
    files: &Files,
    path: &str,
    text: &str,
    layers: &layers::Layers,
    problems: &mut Vec<BundleProblem>,
) -> Option<usize> {
    let folder = path.split('/').next().unwrap_or_default();
    let found = layers.position(folder);
    let broken_layer = found.is_none()
        && path.contains('/')
        && files.get(&format!("{folder}/jurisdiction.toml")).is_some();
    if (found.is_none() || !path.contains('/')) && !broken_layer {
        problems.push(
            BundleProblem::new(
                ProblemCode::Layout,
                path,
                format!("`{folder}` is not a layer: policy files live in a layer folder with a jurisdiction.toml"),
            )
            .at_span(text, 0, 0),
        );
    }
    found
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

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_with(path: &str, text: &str) -> Result<Bundle, BundleError> {
        let mut files = Files::embedded().into_inner();
        files.push((path.to_string(), text.to_string()));
        Bundle::from_files(files)
    }

    #[test]
    fn the_embedded_bundle_loads_with_a_complete_chain_for_every_layer() {
        let bundle = Bundle::embedded().unwrap();
        assert_eq!(bundle.chains.len(), bundle.layers.len());
        for (i, layer) in bundle.layers.iter().enumerate() {
            let chain = bundle.chain(&layer.id);
            assert_eq!(chain.last(), Some(&i), "{}", layer.id);
            let top = chain.first().and_then(|&t| bundle.layers.get(t)).unwrap();
            assert_eq!(top.id, "national", "{}", layer.id);
            assert!(top.parent.is_none());
        }
        let ids: Vec<&str> = bundle
            .chain("hangzhou")
            .iter()
            .map(|&l| bundle.layers[l].id.as_str())
            .collect();
        assert_eq!(ids, ["national", "zhejiang", "hangzhou"]);
        assert!(bundle.chain("atlantis").is_empty());
    }

    #[test]
    fn actions_and_jurisdictions_are_in_a_fixed_order() {
        let bundle = Bundle::embedded().unwrap();
        for names in [bundle.vocab.actions(), bundle.vocab.jurisdictions()] {
            assert!(names.len() > 5, "{names:?}");
            assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        }
    }

    #[test]
    fn a_broken_jurisdiction_toml_is_one_problem_not_one_per_file_of_its_layer() {
        let mut files = Files::embedded().into_inner();
        for (path, text) in files.iter_mut() {
            if path == "zhoushan/jurisdiction.toml" {
                *text = text.replace("in_force_from = \"", "in_force_from = \"x");
            }
        }
        let err = Bundle::from_files(files).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert_eq!(err.problems[0].code, ProblemCode::Toml);
        assert_eq!(err.problems[0].file, "zhoushan/jurisdiction.toml");
    }

    #[test]
    fn tightens_and_repeats_name_rules_where_they_must_be() {
        let mut files = Files::embedded().into_inner();
        for (path, text) in files.iter_mut() {
            if path == "hangzhou/jurisdiction.toml" {
                // A rule of this layer named as the higher one, and a
                // repeated rule that does not exist.
                *text = text
                    .replace(
                        "higher = [\"zhejiang.agreement.term_max_3y\"]",
                        "higher = [\"hangzhou.agreement.term\"]",
                    )
                    .replace("\"zhejiang.operator.mlps3\"", "\"zhejiang.operator.mlps4\"");
            }
        }
        let err = Bundle::from_files(files).unwrap_err();
        let found: Vec<(ProblemCode, &str, &str)> = err
            .problems
            .iter()
            .map(|p| (p.code, p.file.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(found.len(), 2, "{err}");
        assert!(found
            .iter()
            .all(|(code, file, _)| *code == ProblemCode::Toml
                && *file == "hangzhou/jurisdiction.toml"));
        assert!(found.iter().any(|(_, _, m)| m.contains(
            "`[[tightens]]` of `hangzhou.agreement.term`: `hangzhou.agreement.term` is not a rule of a layer above `hangzhou`"
        )), "{err}");
        assert!(found.iter().any(|(_, _, m)| m.contains(
            "`repeats` names `zhejiang.operator.mlps4`, which is not a rule of a layer above `hangzhou`"
        )), "{err}");
    }

    #[test]
    fn two_versions_of_a_rule_in_one_file_are_refused() {
        let mut files = Files::embedded().into_inner();
        let later = files
            .iter()
            .find(|(p, _)| p == "national/csl-2026.cedar")
            .map(|(_, t)| t.clone())
            .unwrap();
        for (path, text) in files.iter_mut() {
            if path == "national/csl.cedar" {
                text.push_str(&later);
            }
        }
        files.retain(|(p, _)| p != "national/csl-2026.cedar");
        let err = Bundle::from_files(files).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert_eq!(err.problems[0].code, ProblemCode::DuplicateId);
        assert_eq!(err.problems[0].file, "national/csl.cedar");
        assert!(
            err.problems[0]
                .message
                .contains("second version in the same file"),
            "{err}"
        );
    }

    #[test]
    fn the_cedar_schema_holds_the_generated_temporal_type() {
        let bundle = Bundle::embedded().unwrap();
        let schema = bundle.cedar_schema();
        assert!(schema.starts_with(Files::embedded().get("schema.cedarschema").unwrap()));
        assert!(schema.contains("type Temporal = {\n"), "{schema}");
        for definition in bundle
            .definitions
            .iter()
            .filter(|d| d.kind != crate::temporal::DefKind::Due)
        {
            assert!(
                schema.contains(&format!("  {}: Bool,\n", definition.name)),
                "{}",
                definition.name
            );
        }
    }

    #[test]
    fn a_template_is_refused_not_silently_left_out() {
        let template = "@id(\"zhejiang.operator.slot\")\n@effect(\"forbid\")\n@document(\"zhejiang-2023-44\")\n@article(\"x\")\n@quote(\"y\")\nforbid (principal == ?principal, action, resource);\n";
        let err = embedded_with("zhejiang/zz_template.cedar", template).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        let problem = &err.problems[0];
        assert_eq!(problem.code, ProblemCode::Syntax);
        assert_eq!(problem.file, "zhejiang/zz_template.cedar");
        assert_eq!(problem.line, Some(1));
        assert!(problem.message.contains("template"), "{}", problem.message);
    }

    #[test]
    fn a_policy_file_outside_a_layer_folder_is_a_layout_problem() {
        let err = embedded_with("stray.cedar", "").unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert_eq!(err.problems[0].code, ProblemCode::Layout);
        assert_eq!(err.problems[0].code, "layout");
        assert_eq!(err.problems[0].file, "stray.cedar");
    }

    #[test]
    fn probes_that_cannot_share_a_policy_set_are_refused() {
        let bundle = Bundle::embedded().unwrap();
        let mut set = cedar_policy::PolicySet::new();
        for rule in &bundle.rules {
            policies::add_probes(&mut set, rule).unwrap();
        }
        // The same probes again: their ids are taken.
        let rule = bundle.rules.first().unwrap();
        assert!(policies::add_probes(&mut set, rule).is_err());
    }
}
