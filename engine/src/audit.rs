//! Audits of a bundle against sources outside it: the rule catalog (is every
//! catalog id encoded, is every policy id in the catalog, does every policy
//! apply to the catalog entry's actions with its effect?) and the seed
//! texts (is every quote verbatim?).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{BundleProblem, ProblemCode};
use crate::load::Bundle;
use crate::rule::{Attaches, Effect};

/// Catalog ids: every `### <layer>.<area>.<name>` heading.
pub fn catalog_ids(catalog: &str) -> BTreeSet<String> {
    catalog
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .map(str::trim)
        .filter(|id| {
            let parts: Vec<&str> = id.split('.').collect();
            parts.len() == 3
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
        })
        .map(str::to_string)
        .collect()
}

/// The result of comparing a bundle with a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogCoverage {
    /// Ids in the catalog.
    pub catalog: usize,
    /// Catalog ids that some policy encodes.
    pub encoded: usize,
    /// Catalog ids with no policy.
    pub missing: Vec<String>,
    /// Policy ids the catalog does not have.
    pub unknown: Vec<String>,
}

/// Compares the bundle's rule ids with a catalog's.
pub fn catalog_coverage(bundle: &Bundle, catalog: &str) -> CatalogCoverage {
    let ids = catalog_ids(catalog);
    let encoded: BTreeSet<&str> = bundle.rules().iter().map(|r| r.id.as_str()).collect();
    CatalogCoverage {
        catalog: ids.len(),
        encoded: ids
            .iter()
            .filter(|id| encoded.contains(id.as_str()))
            .count(),
        missing: ids
            .iter()
            .filter(|id| !encoded.contains(id.as_str()))
            .cloned()
            .collect(),
        unknown: encoded
            .iter()
            .filter(|id| !ids.contains(**id))
            .map(|id| id.to_string())
            .collect(),
    }
}

/// What a catalog entry says a rule applies to and does: its `actions:`
/// and `effect:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// 1-based line of the entry's `### id` heading.
    pub line: usize,
    /// The actions, as listed (`None` when the entry has no `actions:` line).
    pub actions: Option<Vec<String>>,
    /// The effect's kind and, for obligations, when it attaches (`None`
    /// when the entry has no `effect:` line or names another effect).
    pub effect: Option<(Effect, Attaches)>,
    /// The `effect:` line as written, for messages.
    pub effect_text: String,
}

/// The entries of a catalog, by id: for each `### <layer>.<area>.<name>`
/// heading, the `- **actions:** …` and `- **effect:** …` lines that follow
/// it before the next heading.
pub fn catalog_entries(catalog: &str) -> BTreeMap<String, CatalogEntry> {
    let ids = catalog_ids(catalog);
    let mut entries = BTreeMap::new();
    let mut current: Option<(String, CatalogEntry)> = None;
    for (index, line) in catalog.lines().enumerate() {
        if line.starts_with('#') {
            entries.extend(current.take());
            if let Some(id) = line.strip_prefix("### ").map(str::trim) {
                if ids.contains(id) {
                    let entry = CatalogEntry {
                        line: index + 1,
                        actions: None,
                        effect: None,
                        effect_text: String::new(),
                    };
                    current = Some((id.to_string(), entry));
                }
            }
            continue;
        }
        let Some((_, entry)) = current.as_mut() else {
            continue;
        };
        let item = line.trim_start().trim_start_matches("- ");
        if let Some(list) = item.strip_prefix("**actions:**") {
            entry.actions = Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        } else if let Some(text) = item.strip_prefix("**effect:**") {
            entry.effect_text = text.trim().to_string();
            entry.effect = catalog_effect(&entry.effect_text);
        }
    }
    entries.extend(current);
    entries
}

/// `requirement`, `forbid`, `obligation (attaches whatever the decision)`,
/// `obligation (attaches only when the decision is allow)`.
fn catalog_effect(text: &str) -> Option<(Effect, Attaches)> {
    let kind = text.split(|c: char| !c.is_ascii_alphabetic()).next()?;
    match kind {
        "requirement" => Some((Effect::Requirement, Attaches::Always)),
        "forbid" => Some((Effect::Forbid, Attaches::Always)),
        "obligation" if text.contains("only when the decision is allow") => {
            Some((Effect::Obligation, Attaches::OnAllow))
        }
        "obligation" => Some((Effect::Obligation, Attaches::Always)),
        _ => None,
    }
}

/// Compares every policy's actions and effect with its catalog entry's
/// `actions:` and `effect:` lines: a policy that applies to an action the
/// entry does not list (or misses one it lists), or whose effect — for an
/// obligation, also when it attaches — is not the entry's, is a problem at
/// the policy's file and line (codes `catalog_actions`, `catalog_effect`).
/// Policies whose id the catalog does not have are left to
/// [`catalog_coverage`].
pub fn verify_scopes(bundle: &Bundle, catalog: &str) -> Vec<BundleProblem> {
    let entries = catalog_entries(catalog);
    let every_action = bundle.vocabulary().actions();
    let mut problems = Vec::new();
    for rule in bundle.rules() {
        let Some(entry) = entries.get(&rule.id) else {
            continue;
        };
        let at = |code: ProblemCode, message: String| {
            BundleProblem::new(code, &rule.file, message).at_line(Some(rule.line))
        };
        let policy: BTreeSet<&str> = match &rule.actions {
            Some(actions) => actions.iter().map(String::as_str).collect(),
            None => every_action.iter().map(String::as_str).collect(),
        };
        match &entry.actions {
            None => problems.push(at(
                ProblemCode::CatalogActions,
                format!(
                    "`{}`: the catalog entry (line {}) has no `actions:` line",
                    rule.id, entry.line
                ),
            )),
            Some(listed) => {
                let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
                let lacking: Vec<&str> = listed.difference(&policy).copied().collect();
                let extra: Vec<&str> = policy.difference(&listed).copied().collect();
                if !lacking.is_empty() || !extra.is_empty() {
                    let mut parts = Vec::new();
                    if !lacking.is_empty() {
                        parts.push(format!(
                            "the policy does not apply to {} listed by the catalog",
                            ticked(&lacking)
                        ));
                    }
                    if !extra.is_empty() {
                        parts.push(format!(
                            "it applies to {} the catalog does not list",
                            ticked(&extra)
                        ));
                    }
                    problems.push(at(
                        ProblemCode::CatalogActions,
                        format!(
                            "`{}`: actions differ from the catalog entry (line {}): {}",
                            rule.id,
                            entry.line,
                            parts.join("; ")
                        ),
                    ));
                }
            }
        }
        let policy_effect = (rule.effect, rule.attaches);
        match entry.effect {
            Some(listed) if listed == policy_effect => {}
            Some(_) => problems.push(at(
                ProblemCode::CatalogEffect,
                format!(
                    "`{}`: effect `{}` differs from the catalog entry (line {}): `{}`",
                    rule.id,
                    effect_phrase(policy_effect),
                    entry.line,
                    entry.effect_text
                ),
            )),
            None => problems.push(at(
                ProblemCode::CatalogEffect,
                format!(
                    "`{}`: the catalog entry (line {}) has no effect pdao knows: `{}`",
                    rule.id, entry.line, entry.effect_text
                ),
            )),
        }
    }
    problems
}

/// `` `a`, `b` `` — for messages.
fn ticked(items: &[&str]) -> String {
    items
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The policy's effect in the catalog's words.
fn effect_phrase((effect, attaches): (Effect, Attaches)) -> &'static str {
    match (effect, attaches) {
        (Effect::Requirement, _) => "requirement",
        (Effect::Forbid, _) => "forbid",
        (Effect::Obligation, Attaches::Always) => "obligation (attaches whatever the decision)",
        (Effect::Obligation, Attaches::OnAllow) => {
            "obligation (attaches only when the decision is allow)"
        }
    }
}

/// Removes the stray pinyin a web page left in a seed text, e.g.
/// `運營(yíng)` → `運營`: a parenthesis holding only Latin letters (with tone
/// marks) and spaces.
pub fn strip_pinyin(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let (before, from_open) = rest.split_at(open);
        out.push_str(before);
        let inner_end = from_open.get(1..).and_then(|s| s.find(')'));
        let is_pinyin = inner_end.is_some_and(|end| {
            let inner = from_open.get(1..=end).unwrap_or("");
            !inner.trim().is_empty()
                && inner.chars().all(|c| {
                    c == ' ' || c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c)
                })
        });
        match (is_pinyin, inner_end) {
            (true, Some(end)) => rest = from_open.get(end + 2..).unwrap_or(""),
            _ => {
                out.push('(');
                rest = from_open.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// Checks that every quote span of every rule citing a seed document is
/// found verbatim in that seed (`seeds_dir/<document.seed>`).
pub fn verify_quotes(bundle: &Bundle, seeds_dir: &Path) -> Vec<BundleProblem> {
    let mut problems = Vec::new();
    let mut cache: Vec<(String, Option<String>)> = Vec::new();
    for rule in bundle.rules() {
        let Some(doc) = bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document))
        else {
            continue;
        };
        let Some(seed) = &doc.seed else { continue };
        if !cache.iter().any(|(name, _)| name == seed) {
            let text = std::fs::read_to_string(seeds_dir.join(seed))
                .ok()
                .map(|t| strip_pinyin(&t));
            cache.push((seed.clone(), text));
        }
        let text = cache
            .iter()
            .find(|(name, _)| name == seed)
            .and_then(|(_, t)| t.as_ref());
        let Some(text) = text else {
            problems.push(
                BundleProblem::new(
                    ProblemCode::Quote,
                    &rule.file,
                    format!(
                        "seed text `{seed}` of document `{}` not found in {}",
                        doc.id,
                        seeds_dir.display()
                    ),
                )
                .at_line(Some(rule.line)),
            );
            continue;
        };
        for span in rule.quote.split('\n').filter(|s| !s.trim().is_empty()) {
            if !text.contains(span) {
                problems.push(
                    BundleProblem::new(
                        ProblemCode::Quote,
                        &rule.file,
                        format!(
                            "`{}`: quote is not verbatim in `{seed}`: 「{span}」",
                            rule.id
                        ),
                    )
                    .at_line(Some(rule.line)),
                );
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_pinyin_parentheses() {
        assert_eq!(
            strip_pinyin("公共數據授權運營(yíng)管理"),
            "公共數據授權運營管理"
        );
        assert_eq!(strip_pinyin("網(wǎng)絡(luò )安全"), "網絡安全");
        assert_eq!(strip_pinyin("辦法( 試行)"), "辦法( 試行)");
        assert_eq!(strip_pinyin("a (b) c"), "a  c");
        assert_eq!(strip_pinyin("open ( only"), "open ( only");
    }

    #[test]
    fn catalog_entries_read_the_actions_and_effect_lines() {
        let catalog = "## 4.2 Layer\n\n### zhejiang.grant.publish_and_file\n- **actions:** apply, renew\n- **effect:** obligation (attaches only when the decision is allow)\n\n### zhejiang.operator.mlps3\n- **actions:** apply\n- **effect:** requirement\n### Not encoded, and why\n- **actions:** terminate\n";
        let entries = catalog_entries(catalog);
        assert_eq!(entries.len(), 2);
        let publish = &entries["zhejiang.grant.publish_and_file"];
        assert_eq!(publish.line, 3);
        assert_eq!(
            publish.actions,
            Some(vec!["apply".to_string(), "renew".to_string()])
        );
        assert_eq!(
            publish.effect,
            Some((Effect::Obligation, Attaches::OnAllow))
        );
        let mlps3 = &entries["zhejiang.operator.mlps3"];
        // The lines after a non-rule heading belong to no entry.
        assert_eq!(mlps3.actions, Some(vec!["apply".to_string()]));
        assert_eq!(mlps3.effect, Some((Effect::Requirement, Attaches::Always)));
        assert_eq!(
            catalog_effect("obligation (attaches whatever the decision)"),
            Some((Effect::Obligation, Attaches::Always))
        );
        assert_eq!(catalog_effect("permit"), None);
    }

    #[test]
    fn catalog_ids_are_three_part_headings() {
        let ids =
            catalog_ids("### zhejiang.operator.mlps3\n### 6.1 Dates\n### Not encoded, and why\n");
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            vec!["zhejiang.operator.mlps3"]
        );
    }
}
